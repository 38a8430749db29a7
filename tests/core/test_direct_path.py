"""With no user middleware, ``App.__call__`` routes and answers itself (``dispatch``, ``_call``
and ``_call_prepared`` inlined): every kind of answer it takes there must be exactly what the
same app answers through its middleware stack, where those three run as written.
"""

from __future__ import annotations

from typing import Any

import pytest

from microrest import (
    App,
    HTMLResponse,
    HTTPError,
    JSONResponse,
    PlainTextResponse,
    Request,
    Response,
    StreamingResponse,
)
from microrest.types import Receive, Scope, Send

from .asgi import Answer, call


class _PassThrough:
    """A user middleware that changes nothing: it only makes the app take its stack."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)


def _build(ran: list[str]) -> App:
    app = App()

    async def as_dict(request: Request) -> dict[str, Any]:
        return {"id": request.path_params["id"], "é": [1, 2.5, None]}

    async def text(request: Request) -> Response:
        return PlainTextResponse("héllo")

    async def html(request: Request) -> Response:
        return HTMLResponse("<p>hi</p>")

    async def created(request: Request) -> Response:
        return JSONResponse({"made": True}, 201)

    async def as_str(request: Request) -> str:
        return "rendered"

    async def edited(request: Request) -> Response:
        response = PlainTextResponse("edited")
        response.headers["x-edited"] = "yes"
        return response

    async def bad_header(request: Request) -> Response:
        response = PlainTextResponse("never sent")
        response.headers["x-bad"] = "a\r\nb"
        return response

    async def with_background(request: Request) -> Response:
        async def task() -> None:
            ran.append("background")

        return PlainTextResponse("then a task", background=task)

    async def streamed(request: Request) -> Response:
        async def chunks() -> Any:
            yield b"one,"
            yield b"two"

        return StreamingResponse(chunks(), media_type="text/plain")

    async def teapot(request: Request) -> Response:
        raise HTTPError(418, "short and stout")

    async def crash(request: Request) -> Response:
        raise ValueError("a bug")

    async def unrenderable(request: Request) -> Any:
        return object()

    def prepared_tuple(scope: Scope, receive: Receive) -> Any:
        return 203, [(b"content-type", b"text/plain"), (b"content-length", b"2")], b"ok"

    def prepared_response(scope: Scope, receive: Receive) -> Any:
        return PlainTextResponse("a response", 202)

    async def prepared_async(scope: Scope, receive: Receive) -> Any:
        body = b""
        more = True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        return 200, [(b"content-length", str(len(body)).encode())], body

    def prepared_garbage(scope: Scope, receive: Receive) -> Any:
        return "not an answer"

    def prepared_crash(scope: Scope, receive: Receive) -> Any:
        raise HTTPError(409, "conflict")

    async def raw(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"raw"})

    app.add_route("/dict/{id:int}", as_dict)
    app.add_route("/text", text)
    app.add_route("/html", html)
    app.add_route("/created", created, ["POST"])
    app.add_route("/str", as_str)
    app.add_route("/edited", edited)
    app.add_route("/bad-header", bad_header)
    app.add_route("/background", with_background)
    app.add_route("/streamed", streamed)
    app.add_route("/teapot", teapot)
    app.add_route("/crash", crash)
    app.add_route("/unrenderable", unrenderable)
    app.add_route("/prepared/tuple", prepared_tuple, ["GET"], prepared=True)
    app.add_route("/prepared/response", prepared_response, ["GET"], prepared=True)
    app.add_route("/prepared/async", prepared_async, ["POST"], prepared=True)
    app.add_route("/prepared/garbage", prepared_garbage, ["GET"], prepared=True)
    app.add_route("/prepared/crash", prepared_crash, ["GET"], prepared=True)
    app.add_route("/raw", raw, ["GET"], raw=True)
    return app


REQUESTS = [
    ("GET", "/dict/7"),
    ("GET", "/dict/x"),
    ("HEAD", "/dict/7"),
    ("GET", "/text"),
    ("HEAD", "/text"),
    ("GET", "/html"),
    ("POST", "/created"),
    ("GET", "/created"),
    ("GET", "/str"),
    ("GET", "/edited"),
    ("GET", "/bad-header"),
    ("GET", "/background"),
    ("GET", "/streamed"),
    ("HEAD", "/streamed"),
    ("GET", "/teapot"),
    ("GET", "/crash"),
    ("GET", "/unrenderable"),
    ("GET", "/prepared/tuple"),
    ("HEAD", "/prepared/tuple"),
    ("GET", "/prepared/response"),
    ("POST", "/prepared/async"),
    ("GET", "/prepared/garbage"),
    ("GET", "/prepared/crash"),
    ("GET", "/raw"),
    ("GET", "/nowhere"),
    ("GET", "/text/"),
    ("OPTIONS", "/text"),
    ("DELETE", "/text"),
]


async def _both(method: str, path: str) -> tuple[Answer, Answer, list[str], list[str]]:
    ran_direct: list[str] = []
    ran_stacked: list[str] = []
    direct = _build(ran_direct)
    stacked = _build(ran_stacked)
    stacked.add_middleware(_PassThrough)
    chunks = [b'{"a": ', b"1}"]
    first = await call(direct, method, path, chunks=chunks)
    second = await call(stacked, method, path, chunks=chunks)
    assert direct._direct is True and stacked._direct is False  # each took the path meant
    return first, second, ran_direct, ran_stacked


@pytest.mark.anyio
@pytest.mark.parametrize(("method", "path"), REQUESTS)
async def test_the_direct_path_answers_as_the_middleware_stack_does(method: str, path: str) -> None:
    direct, stacked, ran_direct, ran_stacked = await _both(method, path)
    assert direct.status == stacked.status
    assert direct.headers == stacked.headers
    assert direct.body == stacked.body
    assert direct.messages == stacked.messages
    assert ran_direct == ran_stacked


@pytest.mark.anyio
async def test_the_answers_compared_are_the_expected_ones() -> None:
    """The comparison above is only worth something if the answers are the right ones."""
    expected = {
        ("GET", "/dict/7"): (200, b'{"id":7,"\xc3\xa9":[1,2.5,null]}'),
        ("HEAD", "/dict/7"): (200, b""),
        ("GET", "/text"): (200, "héllo".encode()),
        ("POST", "/created"): (201, b'{"made":true}'),
        ("GET", "/created"): (405, None),
        ("GET", "/str"): (200, b"rendered"),
        ("GET", "/edited"): (200, b"edited"),
        ("GET", "/bad-header"): (500, None),
        ("GET", "/background"): (200, b"then a task"),
        ("GET", "/streamed"): (200, b"one,two"),
        ("GET", "/teapot"): (418, None),
        ("GET", "/crash"): (500, None),
        ("GET", "/unrenderable"): (500, None),
        ("GET", "/prepared/tuple"): (203, b"ok"),
        ("HEAD", "/prepared/tuple"): (203, b""),
        ("GET", "/prepared/response"): (202, b"a response"),
        ("POST", "/prepared/async"): (200, b'{"a": 1}'),
        ("GET", "/prepared/garbage"): (500, None),
        ("GET", "/prepared/crash"): (409, None),
        ("GET", "/raw"): (200, b"raw"),
        ("GET", "/nowhere"): (404, None),
        ("GET", "/text/"): (308, None),
        ("OPTIONS", "/text"): (204, b""),
    }
    for (method, path), (status, body) in expected.items():
        direct, _, ran, _ = await _both(method, path)
        assert direct.status == status, (method, path, direct)
        if body is not None:
            assert direct.body == body, (method, path)
        if path == "/edited":
            assert direct.header("x-edited") == "yes"
        if path == "/background":
            assert ran == ["background"]
        if status == 500:
            assert b"a bug" not in direct.body and b"Traceback" not in direct.body
