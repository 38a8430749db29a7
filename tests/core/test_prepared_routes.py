"""Prepared routes (``add_route(..., prepared=True)``): the endpoint answers, the core sends.

A prepared endpoint takes ``(scope, receive)`` and answers ``(status, headers, body)`` or a
core ``Response``, or an awaitable of either. Each answer is checked against the same answer
given by an ordinary route, so the prepared path can never drift from the general one.
"""

from __future__ import annotations

from typing import Any

import pytest

from microrest import (
    App,
    ConfigurationError,
    HTTPError,
    PlainTextResponse,
    Request,
    Response,
    StreamingResponse,
)
from microrest.toolkit import answer_headers
from microrest.types import Receive, Scope, Send

from .asgi import call

BODY = b"Hello, World!"
TYPE = b"text/plain; charset=utf-8"


def _triple(scope: Scope, receive: Receive) -> Any:
    return 200, answer_headers(200, BODY, TYPE), BODY


async def _async_triple(scope: Scope, receive: Receive) -> Any:
    return 200, answer_headers(200, BODY, TYPE), BODY


def _later(scope: Scope, receive: Receive) -> Any:
    return _async_triple(scope, receive)  # a plain function handing back a coroutine


def _response(scope: Scope, receive: Receive) -> Any:
    return PlainTextResponse("Hello, World!")


async def _plain(request: Request) -> Response:
    return PlainTextResponse("Hello, World!")


def _apps(endpoint: Any) -> tuple[App, App]:
    prepared = App()
    prepared.add_route("/x", endpoint, ["GET", "POST"], prepared=True)
    general = App()
    general.add_route("/x", _plain, ["GET", "POST"])
    return prepared, general


@pytest.mark.anyio
@pytest.mark.parametrize("endpoint", [_triple, _async_triple, _later, _response])
@pytest.mark.parametrize("method", ["GET", "HEAD", "POST"])
async def test_a_prepared_answer_is_what_a_handler_sends(endpoint: Any, method: str) -> None:
    prepared, general = _apps(endpoint)
    fast = await call(prepared, method, "/x")
    slow = await call(general, method, "/x")
    assert fast.status == slow.status == 200
    assert fast.headers == slow.headers
    assert fast.body == slow.body == (b"" if method == "HEAD" else BODY)
    assert [m["type"] for m in fast.messages] == [m["type"] for m in slow.messages]


def test_the_route_is_prepared_and_served_on_the_raw_branch() -> None:
    app = App()
    route = app.add_route("/x", _triple, ["*"], prepared=True)
    assert route.prepared and route.raw
    assert [row.path for row in app.routes()] == ["/x"]
    assert not app.add_route("/y", _plain).prepared


@pytest.mark.anyio
async def test_a_streaming_response_answer_streams() -> None:
    async def chunks() -> Any:
        yield b"a"
        yield b"b"

    def endpoint(scope: Scope, receive: Receive) -> Any:
        return StreamingResponse(chunks(), media_type="text/plain")

    app = App()
    app.add_route("/s", endpoint, ["GET"], prepared=True)
    answer = await call(app, "GET", "/s")
    assert (answer.status, answer.body) == (200, b"ab")


@pytest.mark.anyio
@pytest.mark.parametrize("awaited", [False, True])
async def test_an_exception_goes_through_the_pipeline(awaited: bool) -> None:
    async def later() -> Any:
        raise HTTPError(418, "teapot")

    def endpoint(scope: Scope, receive: Receive) -> Any:
        if awaited:
            return later()
        raise HTTPError(418, "teapot")

    app = App()
    seen: list[str] = []

    @app.exception_handler(418)
    def teapot(request: Request, exc: HTTPError) -> Response:
        seen.append(request.path)
        return PlainTextResponse("short and stout", 418)

    app.add_route("/t", endpoint, ["GET"], prepared=True)
    answer = await call(app, "GET", "/t")
    assert (answer.status, answer.body, seen) == (418, b"short and stout", ["/t"])


@pytest.mark.anyio
@pytest.mark.parametrize("value", [None, "text", {"a": 1}, (200, [])])
async def test_an_answer_of_another_kind_is_a_500(value: Any) -> None:
    app = App()
    app.add_route("/bad", lambda scope, receive: value, ["GET"], prepared=True)

    async def later(scope: Scope, receive: Receive) -> Any:
        return value

    app.add_route("/bad-later", later, ["GET"], prepared=True)
    for path in ("/bad", "/bad-later"):
        assert (await call(app, "GET", path)).status == 500


def test_registration_checks() -> None:
    app = App()
    with pytest.raises(ConfigurationError, match="raw or prepared"):
        app.add_route("/a", _triple, ["GET"], raw=True, prepared=True)
    with pytest.raises(ConfigurationError, match=r"must take \(scope, receive\)"):
        app.add_route("/b", lambda scope: None, ["GET"], prepared=True)


@pytest.mark.anyio
@pytest.mark.parametrize("middleware", [False, True])
async def test_mounted_with_and_without_the_childs_middleware(middleware: bool) -> None:
    stamped: list[str] = []

    class Stamp:
        def __init__(self, app: Any) -> None:
            self.app = app

        async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
            stamped.append(scope["path"])
            await self.app(scope, receive, send)

    child = App()
    if middleware:
        child.add_middleware(Stamp)
    child.add_route("/x", _triple, ["GET"], prepared=True)
    parent = App()
    parent.mount("/child", child)
    answer = await call(parent, "GET", "/child/x")
    assert (answer.status, answer.body) == (200, BODY)
    assert stamped == (["/child/x"] if middleware else [])
