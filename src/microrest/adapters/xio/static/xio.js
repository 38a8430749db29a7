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

export function client(baseUrl, options) {
  return new XioClient(baseUrl, options);
}

export default client;
