"""xio's HTTP shortcuts answer exactly what the general paths answer.

The route endpoints call a node's handler directly (``call_handler``) when ``Resource._answer``
would hand the request straight to it, build ``req.context`` and ``req.fullpath`` on first
read, and read the node's state per request from its ``__dict__``. Each is checked against the
general path it stands in for.
"""

from __future__ import annotations

import io
from functools import partial
from typing import Any

import anyio
import pytest
from tests.core.asgi import Answer, call

from microrest import App as CoreApp
from microrest.adapters import xio
from microrest.adapters.xio.resource import call_handler


def _status(req: Any) -> str:
    req.response.status = 201
    req.response.headers["X-Foo"] = "bar"
    return "made"


def _cookie(req: Any) -> dict[str, Any]:
    req.cookie.set("seen", "yes")
    return {"c": req.cookie.get("sid")}


def _missing(req: Any) -> None:
    req.response.headers["X-Why"] = "no"
    raise Exception(404, "not here")


def _crash(req: Any) -> None:
    raise ValueError("detail")


HANDLERS = [
    lambda req: "text",
    lambda req: {"a": [1]},
    lambda req: [1, 2],
    lambda req: None,
    lambda req: b"\x00",
    lambda req: (n for n in range(3)),
    lambda req: xio.PASS,
    lambda req: io.BytesIO(b"file"),
    _status,
    _cookie,
    _missing,
    _crash,
]


def _result(value: Any) -> Any:
    if isinstance(value, xio.Result):
        return (value.status, value.content, dict(value.headers), value.cookies)
    if hasattr(value, "read"):
        return ("file", value.read())
    return value


@pytest.mark.parametrize("handler", HANDLERS)
@pytest.mark.parametrize("path", ["", "deeper/x"])
def test_call_handler_answers_what_respond_answers(handler: Any, path: str) -> None:
    app = xio.app(serve_clients=False)
    node = app.bind("www/h", handler)

    def request() -> xio.Request:
        req = xio.Request("GET", path, context={"remote_addr": None})
        req.fullpath = "www/h"
        return req

    assert _result(call_handler(node, handler, request())) == _result(node.respond(request()))


def _get(app: Any, method: str, path: str, **options: Any) -> Answer:
    return anyio.run(partial(call, app, method, path, **options))


def _everything(req: Any) -> dict[str, Any]:
    return {"context": req.context, "fullpath": req.fullpath, "path": req.path}


@pytest.mark.parametrize("mounted", [False, True])
def test_context_and_fullpath_made_on_first_read_are_what_they_were(mounted: bool) -> None:
    app = xio.app(sync_handlers="inline", serve_clients=False)
    app.bind("www/items/:id/sub/:x", _everything)
    target: Any = app
    prefix = ""
    if mounted:
        target = CoreApp()
        target.mount("/m", app)
        prefix = "/m"
    answer = _get(target, "GET", prefix + "/items/7/sub/9/deeper/")
    assert answer.status == 200
    assert answer.body.startswith(
        b'{"context":{":id":"7",":x":"9","remote_addr":"127.0.0.1"},"fullpath":"www/'
    )
    assert answer.body.endswith(b'items/7/sub/9/deeper","path":"deeper/"}')  # rest as sent
    if not mounted:
        # (Under a mount, fullpath has carried the mount prefix since before the shortcut.)
        assert b'"fullpath":"www/items/7/sub/9/deeper"' in answer.body
    # In process, the same handler sees the same values (no remote address).
    assert app.get("www/items/7/sub/9/deeper").content == {
        "context": {":id": "7", ":x": "9"},
        "fullpath": "www/items/7/sub/9/deeper",
        "path": "deeper",
    }


@pytest.mark.parametrize("mode", ["inline", "thread"])
def test_the_endpoint_follows_the_node_as_it_changes(mode: Any) -> None:
    app = xio.app(sync_handlers=mode, serve_clients=False)
    app.bind("www/x", lambda req: "first")
    assert _get(app, "GET", "/x").body == b"first"
    app.bind("www/x", lambda req: "second")  # rebound: the same node, the same routes
    assert _get(app, "GET", "/x").body == b"second"

    def checked(req: Any) -> str:
        """
        options: GET
        """
        return "checked"

    app.bind("www/x", checked)  # now with a docstring: its checks apply (the general path)
    assert _get(app, "GET", "/x").body == b"checked"
    refused = _get(app, "DELETE", "/x")
    assert (refused.status, refused.header("allow")) == (405, "GET, HEAD, OPTIONS")
    options = _get(app, "OPTIONS", "/x")
    assert (options.status, options.header("allow")) == (204, "GET, HEAD, OPTIONS")


FORM = [
    (b"content-type", b"multipart/form-data; boundary=XX"),
]
UPLOAD = (
    b'--XX\r\nContent-Disposition: form-data; name="up"; filename="f.txt"\r\n\r\n'
    b"hello\r\n--XX--\r\n"
)


@pytest.mark.parametrize("mode", ["inline", "thread"])
def test_uploaded_files_are_closed_after_every_kind_of_answer(mode: Any) -> None:
    app = xio.app(sync_handlers=mode, serve_clients=False)
    kept: list[Any] = []

    def keep(req: Any) -> Any:
        handle, _ = req.data["up"]
        kept.append(handle)
        return req.query.get("answer", "ok")

    def streamed(req: Any) -> Any:
        handle, _ = req.data["up"]
        kept.append(handle)
        return handle  # the upload itself, streamed back: closed only once it is sent

    def failing(req: Any) -> Any:
        kept.append(req.data["up"][0])
        raise ValueError("boom")

    app.bind("www/keep", keep)
    app.bind("www/stream", streamed)
    app.bind("www/fail", failing)
    assert _get(app, "POST", "/keep", headers=FORM, chunks=[UPLOAD]).body == b"ok"
    answer = _get(app, "POST", "/stream", headers=FORM, chunks=[UPLOAD])
    assert (answer.status, answer.body) == (200, b"hello")
    assert _get(app, "POST", "/fail", headers=FORM, chunks=[UPLOAD]).status == 500
    assert len(kept) == 3 and all(handle.closed for handle in kept)


def _slots(req: Any) -> dict[str, Any]:
    return {name: getattr(req, name, "<unset>") for name in xio.Request.__slots__}


@pytest.mark.parametrize("path", ["/plain", "/items/7", "/items/7/more"])
@pytest.mark.parametrize("method", ["GET", "HEAD", "OPTIONS"])
def test_the_endpoints_inline_request_is_the_one_from_scope_builds(path: str, method: str) -> None:
    # The bodiless endpoint builds req itself (Request.from_scope inlined): same slots set,
    # same values, as from_scope gives.
    from microrest.adapters.xio.request import Request

    seen: list[Any] = []

    def handler(req: Any) -> str:
        seen.append(_slots(req))
        return "ok"

    app = xio.app(sync_handlers="inline", serve_clients=False)
    app.bind("www/plain", handler)
    app.bind("www/items/:id", handler)
    assert _get(app, method, path).status == 200
    scope = {"method": method, "path": path, "client": ("127.0.0.1", 50000)}
    route, params, _ = app.asgi.router.lookup(method, path)  # type: ignore[misc]
    scope.update(path_params=params, route=route)
    endpoint = route.endpoint.__self__
    rest = params.get("xio_rest", "")
    context = endpoint.context_of(scope) if endpoint.captures else None
    built = Request.from_scope(scope, method, None, rest, {}, None, None, app.verify_token, context)
    expected = _slots(built)
    got = seen[0]
    assert got.keys() == expected.keys()
    for name in xio.Request.__slots__:
        if name in ("scope", "_verify"):
            continue  # the scope the endpoint saw is another dict; the verifier is equal
        assert got[name] == expected[name], name
