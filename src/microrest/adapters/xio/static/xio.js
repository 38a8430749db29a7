// xio JavaScript client (ES module, fetch only): served by every xio app at /_xio/xio.js.
//
//   import { client } from "http://127.0.0.1:8080/_xio/xio.js";   // or a copy of this file
//   const api = client("http://127.0.0.1:8080");
//   const result = await api.get("items/1", { q: "x" });  // { status, headers, contentType, content }
//
// The verbs are get, post, put, patch, delete, head, options, about, api and
// request(method, path, payload, { query, data, headers }). GET and HEAD send the payload as the
// query string, the other verbs as the body (JSON for objects, text for strings). A custom
// method (about, api, or request("MYMETHOD", ...)) travels as POST with an XIO-method header.
// Content is JSON-decoded for application/json*, text for text/*, an ArrayBuffer otherwise.
//
// Over the app's websocket service, the same verbs on one socket (xio's JSON messages):
//
//   const ws = client("ws://127.0.0.1:8080/_xio/ws");   // a WebSocketClient
//   const result = await ws.get("items/1");           // the same result object
//   ws.close();
//
// Requests may overlap; each is answered by its id. A streamed answer (a generator on the
// server) has the list of its fragments as content. `timeout` (ms, default 30000) gives a 408
// result, as xio's client did. `WebSocket` can be passed in where there is no global one.

const STANDARD = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);

function joinUrl(base, path, query) {
  const url = new URL(base.replace(/\/+$/, "") + "/" + String(path || "").replace(/^\/+/, ""));
  for (const [key, value] of Object.entries(query || {})) {
    for (const item of Array.isArray(value) ? value : [value]) {
      url.searchParams.append(key, String(item));
    }
  }
  return url;
}

async function decode(response) {
  const type = response.headers.get("content-type") || "";
  const media = type.split(";")[0].trim().toLowerCase();
  if (media === "application/json" || (media.startsWith("application/") && media.endsWith("+json"))) {
    const text = await response.text();
    return text ? JSON.parse(text) : null;
  }
  if (media.startsWith("text/") || media === "") {
    return await response.text();
  }
  return await response.arrayBuffer();
}

export class XioClient {
  constructor(baseUrl, { headers = {}, fetch: fetchImpl = globalThis.fetch } = {}) {
    this.baseUrl = baseUrl;
    this.headers = headers;
    this.fetch = fetchImpl;
  }

  async request(method, path = "", payload = undefined, { query, data, headers } = {}) {
    let verb = String(method).toUpperCase();
    const sendHeaders = { ...this.headers, ...(headers || {}) };
    if (!STANDARD.has(verb)) {
      sendHeaders["XIO-method"] = verb;
      verb = "POST";
    }
    if (payload !== undefined) {
      if (verb === "GET" || verb === "HEAD") query = query ?? payload;
      else data = data ?? payload;
    }
    const init = { method: verb, headers: sendHeaders };
    if (data !== undefined && data !== null && verb !== "GET" && verb !== "HEAD") {
      if (typeof data === "string") {
        init.body = data;
        sendHeaders["Content-Type"] ??= "text/plain; charset=utf-8";
      } else if (data instanceof ArrayBuffer || ArrayBuffer.isView(data)) {
        init.body = data;
        sendHeaders["Content-Type"] ??= "application/octet-stream";
      } else {
        init.body = JSON.stringify(data);
        sendHeaders["Content-Type"] = "application/json";
      }
    }
    const response = await this.fetch(joinUrl(this.baseUrl, path, query), init);
    return {
      status: response.status,
      headers: Object.fromEntries(response.headers.entries()),
      contentType: response.headers.get("content-type"),
      content: verb === "HEAD" ? null : await decode(response),
    };
  }

  get(path, query, options) { return this.request("GET", path, query, options); }
  head(path, query, options) { return this.request("HEAD", path, query, options); }
  post(path, data, options) { return this.request("POST", path, data, options); }
  put(path, data, options) { return this.request("PUT", path, data, options); }
  patch(path, data, options) { return this.request("PATCH", path, data, options); }
  delete(path, data, options) { return this.request("DELETE", path, data, options); }
  options(path, options) { return this.request("OPTIONS", path, undefined, options); }
  about(path, options) { return this.request("ABOUT", path, undefined, options); }
  api(path, options) { return this.request("API", path, undefined, options); }
}

function decodeMessageContent(message) {
  if (message.encoding === "base64" && typeof message.content === "string") {
    const bytes = Uint8Array.from(atob(message.content), (c) => c.charCodeAt(0));
    return bytes.buffer;
  }
  return message.content;
}

export class WebSocketClient {
  constructor(url, { headers = {}, timeout = 30000, WebSocket: Impl = globalThis.WebSocket } = {}) {
    if (!Impl) throw new Error("no WebSocket here: pass { WebSocket } (node 20: --experimental-websocket)");
    this.url = url;
    this.headers = headers;
    this.timeout = timeout;
    this.Impl = Impl;
    this.socket = null;
    this.opening = null;
    this.pending = new Map();
    this.nextId = 1;
    this.errors = [];  // error messages that named no request
  }

  open() {
    if (this.opening) return this.opening;
    this.opening = new Promise((resolve, reject) => {
      const socket = new this.Impl(this.url, ["xio"]);
      socket.onopen = () => { this.socket = socket; resolve(socket); };
      socket.onerror = () => reject(new Error(`cannot open ${this.url}`));
      socket.onclose = () => {
        this.socket = null;
        this.opening = null;
        for (const [, waiter] of this.pending) {
          waiter.finish({ status: 502, headers: {}, contentType: null,
                          content: "502 Bad Gateway: the websocket closed before the answer" });
        }
        this.pending.clear();
      };
      socket.onmessage = (event) => this.receive(event.data);
    });
    return this.opening;
  }

  receive(text) {
    let message;
    try { message = JSON.parse(text); } catch { return; }
    if (!message || typeof message !== "object") return;
    const waiter = this.pending.get(String(message.id));
    if (!waiter) {
      if (message.type === "error") this.errors.push(message);
      return;
    }
    if (message.type === "fragment") {
      waiter.fragments.push(decodeMessageContent(message));
    } else if (message.type === "response" || message.type === "error") {
      const headers = message.headers || {};
      const typeName = Object.keys(headers).find((name) => name.toLowerCase() === "content-type");
      const streamed = waiter.fragments.length > 0 || "fragments" in message;
      waiter.finish({
        status: message.status,
        headers,
        contentType: typeName ? headers[typeName] : null,
        content: waiter.method === "HEAD" ? null : (streamed ? waiter.fragments : decodeMessageContent(message)),
      });
    }
  }

  async request(method, path = "", payload = undefined, { query, data, headers } = {}) {
    const verb = String(method).toUpperCase();
    if (payload !== undefined) {
      if (verb === "GET" || verb === "HEAD") query = query ?? payload;
      else data = data ?? payload;
    }
    let socket;
    try {
      socket = await this.open();
    } catch (error) {
      return { status: 502, headers: {}, contentType: null, content: `502 Bad Gateway: ${error.message}` };
    }
    const id = String(this.nextId++);
    return await new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        resolve({ status: 408, headers: {}, contentType: null,
                  content: `408 Request Timeout: no answer within ${this.timeout}ms` });
      }, this.timeout);
      this.pending.set(id, {
        method: verb,
        fragments: [],
        finish: (result) => { clearTimeout(timer); this.pending.delete(id); resolve(result); },
      });
      socket.send(JSON.stringify({
        type: "request", id, method: verb, path: String(path || "").replace(/^\/+/, ""),
        query: query || {}, data: data ?? {}, headers: { ...this.headers, ...(headers || {}) },
      }));
    });
  }

  get(path, query, options) { return this.request("GET", path, query, options); }
  head(path, query, options) { return this.request("HEAD", path, query, options); }
  post(path, data, options) { return this.request("POST", path, data, options); }
  put(path, data, options) { return this.request("PUT", path, data, options); }
  patch(path, data, options) { return this.request("PATCH", path, data, options); }
  delete(path, data, options) { return this.request("DELETE", path, data, options); }
  options(path, options) { return this.request("OPTIONS", path, undefined, options); }
  about(path, options) { return this.request("ABOUT", path, undefined, options); }
  api(path, options) { return this.request("API", path, undefined, options); }

  close() {
    if (this.socket) this.socket.close();
  }
}

export function client(baseUrl, options) {
  if (/^wss?:\/\//i.test(String(baseUrl))) return new WebSocketClient(baseUrl, options);
  return new XioClient(baseUrl, options);
}

export default client;
