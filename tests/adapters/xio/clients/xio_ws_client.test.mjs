// The JavaScript client over an xio websocket service (node --test); XIO_WS_URL names it and
// XIO_CLIENT_MODULE the module under test (the copy the server served).
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { pathToFileURL } from "node:url";

const { client, WebSocketClient } = await import(pathToFileURL(process.env.XIO_CLIENT_MODULE).href);
const ws = client(process.env.XIO_WS_URL);
after(() => ws.close());

test("a ws:// URL gives the websocket client, JSON answers", async () => {
  assert.ok(ws instanceof WebSocketClient);
  const result = await ws.get("hello/a/b", { name: "js" });
  assert.equal(result.status, 200);
  assert.equal(result.contentType, "application/json");
  assert.deepEqual(result.content, { hello: "js", path: "a/b" });
});

test("a generator arrives as fragments, gathered in order", async () => {
  const result = await ws.get("count");
  assert.equal(result.status, 200);
  assert.deepEqual(result.content, [0, 1, 4, 9]);
});

test("overlapping requests on one socket, each answered by its id", async () => {
  const names = ["a", "b", "c", "d", "e", "f"];
  const results = await Promise.all(names.map((name) => ws.get("hello", { name })));
  assert.deepEqual(results.map((r) => r.content.hello), names);
});

test("errors, custom methods, head", async () => {
  const missing = await ws.get("nothing/here");
  assert.equal(missing.status, 404);
  const about = await ws.about("");
  assert.equal(about.status, 200);
  assert.equal(about.content.type, "app");
  const head = await ws.head("hello");
  assert.equal(head.status, 200);
  assert.equal(head.content, null);
});
