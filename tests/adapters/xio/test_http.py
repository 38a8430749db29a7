"""xio apps over HTTP (in-process ASGI client): the request object, results, errors, wire."""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import Iterator
from functools import partial
from typing import Any

import anyio
import pytest
from tests.core.asgi import call

from microrest import App as CoreApp
from microrest.adapters import xio
from microrest.testing import Client


@pytest.fixture
def app() -> xio.App:
    return xio.app()


@pytest.fixture
def client(app: xio.App) -> Iterator[Client]:
    with Client(app) as client:
        yield client


def test_creating_an_app_binds_nothing_and_empty_www_is_404(client: Client) -> None:
    assert client.get("/").status_code == 404
    assert client.get("/anything").status_code == 404


def test_query_semantics(app: xio.App, client: Client) -> None:
    app.bind("www/query", lambda req: req.query)
    response = client.get("/query?a=1&a=2&b=x&c=")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"a": ["1", "2"], "b": "x"}


def test_data_query_and_input(app: xio.App, client: Client) -> None:
    app.bind("www/data", lambda req: {"data": req.data, "query": req.query, "input": req.input})
    answer = client.post("/data?q=1", json={"k": [1, 2]}).json()
    assert answer == {"data": {"k": [1, 2]}, "query": {"q": "1"}, "input": {"k": [1, 2]}}
    headers = {"content-type": "application/json; charset=utf-8"}
    assert client.put("/data", content=b'{"a": 1}', headers=headers).json()["data"] == {"a": 1}
    assert client.get("/data?q=2").json()["input"] == {"q": "2"}


def test_raw_and_form_bodies(app: xio.App, client: Client) -> None:
    def handler(req: Any) -> Any:
        data = req.data
        if isinstance(data, dict) and "upload" in data:
            handle, filename = data["upload"]
            return {"name": data["name"], "file": filename, "bytes": handle.read().decode()}
        return {"data": data}

    app.bind("www/body", handler)
    text = client.post("/body", content=b"raw body", headers={"content-type": "text/plain"})
    assert text.json() == {"data": "raw body"}
    form = client.post("/body", data={"a": "1", "b": "two"})
    assert form.json() == {"data": {"a": "1", "b": "two"}}
    multipart = client.post("/body", data={"name": "n"}, files={"upload": ("f.txt", b"hello")})
    assert multipart.json() == {"name": "n", "file": "f.txt", "bytes": "hello"}


def test_bad_json_is_400_before_the_handler(app: xio.App, client: Client) -> None:
    seen: list[Any] = []
    app.bind("www/j", lambda req: seen.append(req) or "ran")
    response = client.post("/j", content=b"{bad", headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert seen == []


def test_body_limit_is_413() -> None:
    from microrest import Limits

    app = xio.app(limits=Limits(max_body_size=10))
    app.bind("www", lambda req: "ok")
    with Client(app) as client:
        assert client.post("/", content=b"x" * 11).status_code == 413
        assert client.post("/", content=b"x" * 10).text == "ok"


def test_headers_cookies_profile_client(app: xio.App, client: Client) -> None:
    def handler(req: Any) -> Any:
        req.cookie.set("seen", "yes")
        return {
            "agent": req.headers["user_agent"],
            "dashed": req.headers["User-Agent"],
            "custom": req.headers.get("x-custom"),
            "underscored": "x_custom" in req.headers,
            "cookie": req.cookie.get("sid"),
            "profile": req.profile,
            "client": bool(req.client),
            "token": req.client.token,
            "unknown_flag": req.WHATEVER,
            "unknown_attr": req.nothing,
        }

    app.bind("www/h", handler)
    response = client.get(
        "/h",
        headers={
            "User-Agent": "tester",
            "X-Custom": "1",
            "Cookie": "sid=abc",
            "XIO-profile": '{"level": 2}',
            "Authorization": "Bearer tok",
        },
    )
    assert response.json() == {
        "agent": "tester",
        "dashed": "tester",
        "custom": "1",
        "underscored": True,
        "cookie": "abc",
        "profile": {"level": 2},
        "client": False,
        "token": "tok",
        "unknown_flag": False,
        "unknown_attr": None,
    }
    assert "seen=yes" in response.headers["set-cookie"]
    assert "Path=/" in response.headers["set-cookie"]
    plain = client.get("/h", headers={"XIO-profile": "gold"}).json()
    assert plain["profile"] == "gold"
    assert client.get("/h").json()["profile"] is None


def test_signed_tokens_identify_the_client() -> None:
    tokens = xio.SignedTokens("secret")
    app = xio.app(identity=tokens)
    app.bind("www", lambda req: {"id": req.client.id})
    with Client(app) as client:
        token = tokens.token_for("0xabc")
        assert client.get("/", headers={"XIO-token": token}).json() == {"id": "0xabc"}
        assert client.get("/", headers={"XIO-token": token + "0"}).json() == {"id": None}
        assert client.get("/", headers={"Cookie": f"token={token}"}).json() == {"id": "0xabc"}


def test_response_status_headers_and_content_type(app: xio.App, client: Client) -> None:
    def created(req: Any) -> str:
        req.response.status = 201
        req.response.headers["X-Foo"] = "bar"
        return "made"

    def html(req: Any) -> str:
        req.response.headers["Content-Type"] = "text/html"
        return "<p>hi</p>"

    def typed(req: Any) -> str:
        req.response.content_type = "text/csv"
        return "a,b"

    def content_only(req: Any) -> None:
        req.response.content = "set on the response"

    app.bind("www/created", created)
    app.bind("www/html", html)
    app.bind("www/typed", typed)
    app.bind("www/content", content_only)
    response = client.get("/created")
    assert (response.status_code, response.headers["x-foo"], response.text) == (201, "bar", "made")
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert client.get("/html").headers["content-type"] == "text/html"
    assert client.get("/typed").headers["content-type"] == "text/csv"
    assert client.get("/content").text == "set on the response"


def test_results_by_type(app: xio.App, client: Client) -> None:
    app.bind("www/list", lambda req: [1, 2])
    app.bind("www/gen", lambda req: (n for n in range(3)))
    app.bind("www/bytes", lambda req: b"\x00\x01")
    app.bind("www/none", lambda req: None)
    app.bind("www/number", lambda req: 600)
    app.bind("www/file", lambda req: io.BytesIO(b"file content"))
    app.bind("www/resource", lambda req: app.get("www/list"))
    assert client.get("/list").json() == [1, 2]
    assert client.get("/gen").json() == [0, 1, 2]
    response = client.get("/bytes")
    assert (response.content, response.headers["content-type"]) == (
        b"\x00\x01",
        "application/octet-stream",
    )
    none = client.get("/none")
    assert (none.status_code, none.content) == (200, b"")
    assert client.get("/number").json() == 600
    assert client.get("/file").content == b"file content"
    assert client.get("/resource").json() == [1, 2]


def test_errors(app: xio.App, client: Client) -> None:
    def not_here(req: Any) -> None:
        raise Exception(404, "not here")

    def forbidden(req: Any) -> None:
        raise Exception(403)

    def asserted(req: Any) -> None:
        # What ``assert cond, Exception(409, "conflict")`` raises (pytest rewrites asserts here).
        raise AssertionError(Exception(409, "conflict"))

    def crash(req: Any) -> None:
        raise ValueError("internal detail")

    def bogus_status(req: Any) -> None:
        raise Exception(42, "no such status")

    app.bind("www/missing", not_here)
    app.bind("www/forbidden", forbidden)
    app.bind("www/asserted", asserted)
    app.bind("www/crash", crash)
    app.bind("www/bogus", bogus_status)
    response = client.get("/missing")
    assert (response.status_code, response.text) == (404, "404 not here")
    forbidden_answer = client.get("/forbidden")
    assert (forbidden_answer.status_code, forbidden_answer.text) == (403, "403")
    assert (client.get("/asserted").status_code, client.get("/asserted").text) == (
        409,
        "409 conflict",
    )
    for path in ("/crash", "/bogus"):
        crashed = client.get(path)
        assert (crashed.status_code, crashed.content) == (500, b"")
        assert "detail" not in crashed.text


def test_custom_methods_over_http(app: xio.App, client: Client) -> None:
    app.bind("www", lambda req: {"m": req.method, "x": req.xmethod, "flag": bool(req.FOO)})
    assert client.request("FOO", "/").json() == {"m": "POST", "x": "FOO", "flag": True}
    header = client.get("/", headers={"XIO-method": "foo"}).json()
    assert header == {"m": "POST", "x": "FOO", "flag": True}


def test_cors_and_options(app: xio.App, client: Client) -> None:
    app.bind("www", lambda req: "any method: " + req.method)
    response = client.options("/")
    assert response.headers["access-control-allow-origin"] == "*"
    assert "XIO-method" in response.headers["access-control-allow-headers"]
    assert "PATCH" in response.headers["access-control-allow-methods"]
    assert response.text == "any method: OPTIONS"  # no options declared: the handler answers
    quiet = xio.app(cors=False)
    quiet.bind("www", lambda req: "x")
    with Client(quiet) as plain:
        assert "access-control-allow-origin" not in plain.get("/").headers


def test_docstring_checks_over_http(app: xio.App, client: Client) -> None:
    def doc(req: Any) -> str:
        """
        options: GET,POST
        input:
          params:
            - name: p1
              required: true
            - name: n
              type: integer
        """
        return f"ok {req.input['p1']} {req.input.get('n')!r}"

    app.bind("www/doc", doc)
    missing = client.get("/doc")
    assert (missing.status_code, missing.text) == (400, "400 Missing required parameter : p1")
    assert client.get("/doc?p1=v").text == "ok v None"
    assert client.get("/doc?p1=v&n=12").text == "ok v 12"  # converted before the check
    assert client.get("/doc?p1=v&n=x").status_code == 400
    deleted = client.delete("/doc?p1=v")
    assert (deleted.status_code, deleted.text) == (405, "405")
    assert deleted.headers["allow"] == "GET, HEAD, OPTIONS, POST"
    options = client.options("/doc")
    assert (options.status_code, options.headers["allow"]) == (204, "GET, HEAD, OPTIONS, POST")
    head = client.head("/doc?p1=v")
    assert (head.status_code, head.content) == (200, b"")


def test_parameter_segments_and_static_siblings(app: xio.App, client: Client) -> None:
    app.bind("www/items", lambda req: "list")
    app.bind("www/items/:id", lambda req: {"id": req.context[":id"], "rest": req.path})
    assert client.get("/items").text == "list"
    assert client.get("/items/42").json() == {"id": "42", "rest": ""}
    assert client.get("/items/42/x/y").json() == {"id": "42", "rest": "x/y"}
    assert client.get("/items/a%20b").json()["id"] == "a b"


def test_only_www_is_public(app: xio.App, client: Client) -> None:
    app.put("etc/secret", "s3cret")
    app.bind("etc/handler", lambda req: "private")
    app.bind("www/pub", lambda req: "public")
    for path in ("/etc/secret", "/etc/handler", "/www/pub", "/../etc/secret", "/pub/../etc"):
        response = client.get(path)
        assert "s3cret" not in response.text and "private" not in response.text, path
    assert client.put("/newres", json={"a": 1}).status_code == 404
    assert app.get("www/newres").status == 404


def test_sub_apps_mounted_with_a_client(client: Client, app: xio.App) -> None:
    sub = xio.app()
    sub.bind("www", lambda req: {"sub": req.path})
    sub.put("etc/private", "no")
    app.bind("www/api", xio.resource(sub))
    assert client.get("/api").json() == {"sub": ""}
    assert client.get("/api/x/y").json() == {"sub": "x/y"}
    assert app.get("www/api/x").content == {"sub": "x"}


def test_static_content_over_http(app: xio.App, client: Client) -> None:
    app.put("www/about.txt", "static text")
    assert client.get("/about.txt").text == "static text"
    assert client.put("/about.txt", content=b"overwrite").status_code == 405
    assert client.get("/about.txt").text == "static text"


def test_route_table_lists_xio_handlers_with_source_lines(app: xio.App) -> None:
    def handler(req: Any) -> str:
        return "x"

    app.bind("www/items/:id", handler)
    rows = [row for row in app.asgi.routes() if row.handler.endswith("handler")]
    assert [(row.method, row.path, row.style) for row in rows] == [
        ("*", "/items/{id}", "xio"),
        ("*", "/items/{id}/{xio_rest:path}", "xio"),
    ]
    assert rows[0].source.startswith("tests/adapters/xio/test_http.py:")


def test_mounted_in_a_core_app() -> None:
    app = xio.app()
    app.bind("www/hello", lambda req: "hello " + req.path)
    outer = CoreApp()
    outer.mount("/xio", app)
    with Client(outer) as client:
        assert client.get("/xio/hello/you").text == "hello you"
    assert any(row.style == "xio" for row in outer.routes())


def test_json_decoding_of_api_answers(app: xio.App, client: Client) -> None:
    app.bind("www", lambda req: {"k": "v"})
    assert json.loads(client.request("API", "/").text) == {
        "": {"description": "", "methods": ["*"]}
    }
    assert client.request("ABOUT", "/").json()["id"] == app.id


def test_module_app_serves_its_www_static_directory(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys
    import types

    (tmp_path / "www" / "static").mkdir(parents=True)
    (tmp_path / "www" / "static" / "page.txt").write_text("static page")
    module = types.ModuleType("xio_static_app")
    module.__file__ = str(tmp_path / "app.py")
    monkeypatch.setitem(sys.modules, "xio_static_app", module)
    app = xio.app("xio_static_app")
    with Client(app) as client:
        assert client.get("/static/page.txt").text == "static page"
        assert client.get("/static/../app.py").status_code == 404


def test_a_resource_tree_put_under_www_is_served(app: xio.App, client: Client) -> None:
    tree = xio.resource()
    tree.put("a", "A")
    tree.bind("b/:x", lambda req: "b " + req.context[":x"])
    app.put("www/tree", tree)
    assert client.get("/tree/a").text == "A"
    assert client.get("/tree/b/7").text == "b 7"
    assert app.get("www/tree/b/8").content == "b 8"


def _wire(app: Any, method: str, path: str) -> list[dict[str, Any]]:
    """The ASGI messages ``app`` sends for a bodiless request."""
    answer = anyio.run(partial(call, app, method, path, headers=[(b"host", b"testserver")]))
    return answer.messages


@pytest.mark.parametrize("cors", [True, False])
@pytest.mark.parametrize("method", ["GET", "HEAD", "OPTIONS", "POST"])
@pytest.mark.parametrize("value", ["héllo", {"a": [1, "b"]}, [1, 2]])
def test_bare_values_go_to_the_wire_as_results_do(cors: bool, method: str, value: Any) -> None:
    # A bare text or JSON value is sent directly; the same value with something set on
    # req.response goes through the result path: the wire must not tell them apart.
    app = xio.app(cors=cors, sync_handlers="inline", serve_clients=False)
    app.bind("www/bare", lambda req: value)

    def shaped(req: Any) -> Any:
        req.response.status = 200
        return value

    app.bind("www/shaped", shaped)
    assert _wire(app, method, "/bare") == _wire(app, method, "/shaped")


def test_the_app_is_an_asgi3_app() -> None:
    # uvicorn tells ASGI 3 from ASGI 2 by asking whether app.__call__ is a coroutine function.
    app = xio.app()
    assert asyncio.iscoroutinefunction(app.__call__)
    app.bind("www/x", lambda req: "x")
    sent = _wire(app, "GET", "/x")
    assert sent[-1]["body"] == b"x"


def test_uploaded_files_are_closed_after_the_answer(app: xio.App, client: Client) -> None:
    kept: list[Any] = []

    def upload(req: Any) -> str:
        handle, _ = req.data["upload"]
        kept.append(handle)
        return "ok"

    app.bind("www/upload", upload)
    response = client.post("/upload", files={"upload": ("f.txt", b"hello")})
    assert response.text == "ok"
    assert kept and kept[0].closed
