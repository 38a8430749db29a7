// The JavaScript client against a live xio server (node --test); XIO_BASE_URL names it and
// XIO_CLIENT_MODULE the module under test (the copy the server served).
import assert from "node:assert/strict";
import { test } from "node:test";
import { pathToFileURL } from "node:url";

const base = process.env.XIO_BASE_URL;
const { client, XioClient } = await import(pathToFileURL(process.env.XIO_CLIENT_MODULE).href);
const api = client(base);

test("get with a query, JSON decoded", async () => {
  const result = await api.get("echo/a/b", { q: "1", many: ["x", "y"] });
  assert.equal(result.status, 200);
  assert.equal(result.contentType, "application/json");
  assert.deepEqual(result.content.query, { q: "1", many: ["x", "y"] });
  assert.equal(result.content.path, "a/b");
  assert.equal(result.content.method, "GET");
});

test("post, put, patch, delete send their data", async () => {
  for (const verb of ["post", "put", "patch", "delete"]) {
    const result = await api[verb]("echo", { n: 1 });
    assert.equal(result.content.method, verb.toUpperCase());
    assert.deepEqual(result.content.data, { n: 1 });
  }
  const text = await api.post("echo", "plain words");
  assert.equal(text.content.data, "plain words");
});

test("custom methods travel in XIO-method", async () => {
  const result = await api.request("ping", "echo", { a: 1 });
  assert.equal(result.content.method, "POST");
  assert.equal(result.content.xmethod, "PING");
  const about = await api.about("");
  assert.equal(about.content.type, "app");
});

test("text, status and errors", async () => {
  const hello = await api.get("hello");
  assert.equal(hello.content, "Hello World");
  const missing = await api.get("missing");
  assert.equal(missing.status, 404);
  assert.equal(missing.content, "404 not here");
  const head = await api.head("hello");
  assert.equal(head.status, 200);
  assert.equal(head.content, null);
  assert.ok(api instanceof XioClient);
});
