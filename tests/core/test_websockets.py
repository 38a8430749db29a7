"""WebSockets in the core, in-process: routes, the WebSocket object, closes and errors."""

from __future__ import annotations

import contextlib
import logging
import re
import threading
from collections.abc import AsyncIterator
from typing import Any

import pytest

from microrest import (
    App,
    ConfigurationError,
    Forbidden,
    RouteConflict,
    WebSocket,
    WebSocketDisconnect,
    WebSocketRoute,
)
from microrest.testing import Client
from microrest.types import Receive, Scope, Send
from microrest.websockets import WebSocketState


def echo_app() -> App:
    app = App()

    @app.websocket("/echo")
    async def echo(websocket: WebSocket) -> None:
        await websocket.accept()
        async for text in websocket.iter_text():
            await websocket.send_text(text)

    return app


def errors_logged(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.levelno >= logging.ERROR]


# routes -------------------------------------------------------------------------------------


def test_decorator_route_with_typed_path_parameters() -> None:
    app = App()

    @app.websocket("/rooms/{room:int}/{nick}")
    async def room(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_json(websocket.path_params)
        await websocket.close()

    with Client(app) as client:
        with client.websocket_connect("/rooms/7/ann") as ws:
            assert ws.receive_json() == {"room": 7, "nick": "ann"}
            with pytest.raises(WebSocketDisconnect) as closed:
                ws.receive_text()
            assert closed.value.code == 1000
        with pytest.raises(WebSocketDisconnect) as refused:  # "seven" is not an int
            client.websocket_connect("/rooms/seven/ann").__enter__()
        assert refused.value.code == 1008


def test_route_objects_in_the_constructor_and_regex_routes() -> None:
    async def by_template(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_text("template")

    async def by_regex(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_json([list(websocket.path_groups), websocket.path_params])

    app = App(
        routes=[
            WebSocketRoute("/ws", by_template, name="ws"),
            WebSocketRoute(re.compile(r"/re/(\d+)/(?P<word>[a-z]+)"), by_regex),
        ]
    )
    with Client(app) as client:
        with client.websocket_connect("/ws") as ws:
            assert ws.receive_text() == "template"
        with client.websocket_connect("/re/12/abc") as ws:
            assert ws.receive_json() == [["12", "abc"], {"word": "abc"}]
    assert app.url_path_for("ws") == "/ws"


def test_no_websocket_route_is_a_close_before_accept_never_an_exception(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = App()

    @app.get("/page")
    async def page(request: Any) -> str:
        return "http only"

    with Client(app, raise_server_exceptions=True) as client:
        for path in ("/page", "/nowhere"):
            with pytest.raises(WebSocketDisconnect) as refused, client.websocket_connect(path):
                pass
            assert refused.value.code == 1008
    assert errors_logged(caplog) == []


def test_http_routing_does_not_see_websocket_routes() -> None:
    app = echo_app()

    @app.get("/both")
    async def both_http(request: Any) -> str:
        return "http"

    @app.websocket("/both")
    async def both_ws(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_text("ws")

    with Client(app) as client:
        assert client.get("/echo").status_code == 404  # not a 405 naming a "WS" method
        assert client.options("/both").headers["allow"] == "GET, HEAD, OPTIONS"
        assert client.get("/both").text == "http"
        with client.websocket_connect("/both") as ws:
            assert ws.receive_text() == "ws"


def test_routes_table_shows_websocket_routes_as_ws() -> None:
    app = echo_app()
    rows = [(row.method, row.path, row.style) for row in app.routes()]
    assert rows == [("WS", "/echo", "core")]
    assert app.routes()[0].handler.endswith("echo_app.<locals>.echo")


def test_conflicting_websocket_routes_fail_at_registration() -> None:
    app = echo_app()

    async def other(websocket: WebSocket) -> None:
        await websocket.close()

    with pytest.raises(RouteConflict, match=r"WS /echo is registered twice: by .*echo.* and"):
        app.add_websocket_route("/echo", other)
    app.add_websocket_route("/echo/{x}", other)
    with pytest.raises(RouteConflict, match="registered twice"):
        app.add_websocket_route("/echo/{y}", other)  # same shape, another name


def test_sync_websocket_handlers_are_refused_with_the_fix() -> None:
    def handler(websocket: WebSocket) -> None:
        pass

    with pytest.raises(ConfigurationError, match="must be an 'async def' handler"):
        WebSocketRoute("/ws", handler)


def test_mount_merges_websocket_routes_including_later_ones() -> None:
    child = echo_app()
    parent = App()
    parent.mount("/chat", child)

    @child.websocket("/late/{n:int}")
    async def late(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_json(websocket.path_params)

    assert [(r.method, r.path) for r in parent.routes()] == [
        ("WS", "/chat/echo"),
        ("WS", "/chat/late/{n:int}"),
    ]
    with Client(parent) as client:
        with client.websocket_connect("/chat/echo") as ws:
            ws.send_text("hi")
            assert ws.receive_text() == "hi"
        with client.websocket_connect("/chat/late/3") as ws:
            assert ws.receive_json() == {"n": 3}
    with pytest.raises(RouteConflict):
        parent.add_websocket_route("/chat/echo", late)


def test_a_black_box_mount_gets_websockets_under_its_prefix() -> None:
    from starlette.applications import Starlette
    from starlette.routing import WebSocketRoute as StarletteRoute
    from starlette.websockets import WebSocket as StarletteWebSocket

    async def hello(websocket: StarletteWebSocket) -> None:
        await websocket.accept()
        await websocket.send_text("from starlette " + websocket.scope["root_path"])
        await websocket.close()

    app = App()
    app.mount("/legacy", Starlette(routes=[StarletteRoute("/hello", hello)]))
    with Client(app) as client, client.websocket_connect("/legacy/hello") as ws:
        assert ws.receive_text() == "from starlette /legacy"


def test_user_middleware_sees_the_websocket_scope() -> None:
    seen: list[tuple[str, str]] = []

    class Recorder:
        def __init__(self, app: Any) -> None:
            self.app = app

        async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != "lifespan":
                seen.append((scope["type"], scope["path"]))
            await self.app(scope, receive, send)

    app = echo_app()
    app.add_middleware(Recorder)
    with Client(app) as client, client.websocket_connect("/echo?x=1") as ws:
        ws.send_text("x")
        assert ws.receive_text() == "x"
    assert seen == [("websocket", "/echo")]


# the WebSocket object -----------------------------------------------------------------------


def test_connection_data_matches_the_request_names() -> None:
    @contextlib.asynccontextmanager
    async def lifespan(app: App) -> AsyncIterator[dict[str, Any]]:
        yield {"db": "connected"}

    app = App(lifespan=lifespan)
    states: list[tuple[str, str]] = []

    @app.websocket("/info/{name}")
    async def info(websocket: WebSocket) -> None:
        states.append((websocket.client_state.name, websocket.application_state.name))
        await websocket.accept(headers={"x-server": "microrest"})
        states.append((websocket.client_state.name, websocket.application_state.name))
        websocket.state.visits = 1
        await websocket.send_json(
            {
                "url": str(websocket.url),
                "path_params": websocket.path_params,
                "query": dict(websocket.query_params),
                "header": websocket.headers["x-token"],
                "cookies": websocket.cookies,
                "client": list(websocket.client or ()),
                "state": [websocket.state.db, websocket.state.visits],
            }
        )
        await websocket.receive_text()

    with Client(app) as client:
        headers = {"x-token": "t1", "cookie": "session=abc; theme=dark"}
        with client.websocket_connect("/info/ann?q=1&q2=b", headers=headers) as ws:
            assert (b"x-server", b"microrest") in ws.extra_headers
            assert ws.receive_json() == {
                "url": "ws://testserver/info/ann?q=1&q2=b",
                "path_params": {"name": "ann"},
                "query": {"q": "1", "q2": "b"},
                "header": "t1",
                "cookies": {"session": "abc", "theme": "dark"},
                "client": ["testclient", 50000],
                "state": ["connected", 1],
            }
    assert states == [("CONNECTING", "CONNECTING"), ("CONNECTED", "CONNECTED")]


def test_bytes_json_and_explicit_close() -> None:
    app = App()

    @app.websocket("/kinds")
    async def kinds(websocket: WebSocket) -> None:
        await websocket.accept()
        data = await websocket.receive_bytes()
        await websocket.send_bytes(data[::-1])
        document = await websocket.receive_json()
        await websocket.send_json({"got": document})
        await websocket.send_json({"binary": True}, mode="binary")
        async for item in websocket.iter_json():
            if item == "stop":
                await websocket.close(4000, "done here")
                return
            await websocket.send_json(item)

    with Client(app) as client, client.websocket_connect("/kinds") as ws:
        ws.send_bytes(b"abc")
        assert ws.receive_bytes() == b"cba"
        ws.send_json({"é": [1, 2]})
        assert ws.receive_json() == {"got": {"é": [1, 2]}}
        assert ws.receive_json(mode="binary") == {"binary": True}
        ws.send_json([1])
        assert ws.receive_json() == [1]
        ws.send_json("stop")
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_text()
        assert (closed.value.code, closed.value.reason) == (4000, "done here")


def test_client_disconnect_ends_the_handler_cleanly(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    app = App()
    outcome: list[Any] = []

    @app.websocket("/listen")
    async def listen(websocket: WebSocket) -> None:
        await websocket.accept()
        try:
            while True:
                await websocket.receive_text()
        except WebSocketDisconnect as exc:
            outcome.append(exc.code)
            outcome.append(websocket.client_state)
            raise  # propagating it is fine too: the core ends the connection quietly

    with (
        Client(app, raise_server_exceptions=True) as client,
        client.websocket_connect("/listen") as ws,
    ):
        ws.send_text("one")
        ws.close(1001)
    assert outcome == [1001, WebSocketState.DISCONNECTED]
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []


def test_an_exception_in_a_handler_closes_with_1011_and_logs_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = App()

    @app.websocket("/boom")
    async def boom(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.receive_text()
        raise ValueError("secret detail")

    with (
        Client(app, raise_server_exceptions=False) as client,
        client.websocket_connect("/boom") as ws,
    ):
        ws.send_text("go")
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_text()
        assert closed.value.code == 1011
        assert "secret" not in closed.value.reason
    logged = errors_logged(caplog)
    assert len(logged) == 1
    assert "websocket /boom" in logged[0].getMessage()
    assert logged[0].exc_info is not None and logged[0].exc_info[0] is ValueError


def test_raise_server_exceptions_reraises_the_handler_error_in_the_test() -> None:
    app = App()

    @app.websocket("/boom")
    async def boom(websocket: WebSocket) -> None:
        raise ValueError("before accept")

    with (
        Client(app, raise_server_exceptions=True) as client,
        pytest.raises(ValueError, match="before accept"),
    ):
        client.websocket_connect("/boom").__enter__()


def test_an_http_error_before_accept_is_a_refusal_not_an_error(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = App()

    @app.websocket("/private")
    async def private(websocket: WebSocket) -> None:
        if websocket.query_params.get("token") != "s3cret":
            raise Forbidden("bad token")
        await websocket.accept()
        await websocket.send_text("welcome")

    with Client(app) as client:
        with pytest.raises(WebSocketDisconnect) as refused:
            client.websocket_connect("/private?token=no").__enter__()
        assert (refused.value.code, refused.value.reason) == (1008, "bad token")
        with client.websocket_connect("/private?token=s3cret") as ws:
            assert ws.receive_text() == "welcome"
    assert errors_logged(caplog) == []


def test_wrong_kinds_of_messages_close_with_the_rfc_codes(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = App()
    codes: list[int] = []

    @app.websocket("/text")
    async def text(websocket: WebSocket) -> None:
        await websocket.accept()
        try:
            await websocket.receive_text()
        except WebSocketDisconnect as exc:
            codes.append(exc.code)

    @app.websocket("/json")
    async def json_(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.receive_json()

    with Client(app) as client:
        with client.websocket_connect("/text") as ws:
            ws.send_bytes(b"\x00")
            with pytest.raises(WebSocketDisconnect) as closed:
                ws.receive_text()
            assert closed.value.code == 1003
        for bad in ("{not json", "[" * 600 + "]" * 600):
            with client.websocket_connect("/json") as ws:
                ws.send_text(bad)
                with pytest.raises(WebSocketDisconnect) as closed:
                    ws.receive_text()
                assert closed.value.code == 1007
    assert codes == [1003]
    assert errors_logged(caplog) == []


def test_the_websocket_object_refuses_misuse() -> None:
    app = App()
    problems: list[str] = []

    @app.websocket("/misuse")
    async def misuse(websocket: WebSocket) -> None:
        try:
            await websocket.send_text("too early")
        except RuntimeError as exc:
            problems.append(str(exc))
        await websocket.accept()
        try:
            await websocket.accept()
        except RuntimeError as exc:
            problems.append(str(exc))
        await websocket.close()
        try:
            await websocket.send_text("too late")
        except WebSocketDisconnect as exc:
            problems.append(f"closed {exc.code}")
        await websocket.close()  # idempotent

    with (
        Client(app) as client,
        client.websocket_connect("/misuse") as ws,
        pytest.raises(WebSocketDisconnect),
    ):
        ws.receive_text()
    assert problems == [
        "a websocket must be accepted or closed first, not sent 'websocket.send'",
        "accept() was called on a websocket already accepted or closed",
        "closed 1000",
    ]


def test_the_test_client_works_without_entering_the_client() -> None:
    client = Client(echo_app())
    with client.websocket_connect("/echo") as ws:
        ws.send_text("no lifespan needed")
        assert ws.receive_text() == "no lifespan needed"
    client.close()


def test_a_disconnect_seen_inside_a_task_group_is_a_clean_end(
    caplog: pytest.LogCaptureFixture,
) -> None:
    import anyio

    app = App()
    ended = threading.Event()

    @app.websocket("/pair")
    async def pair(websocket: WebSocket) -> None:
        await websocket.accept()

        async def reader() -> None:
            while True:
                await websocket.receive_text()  # raises WebSocketDisconnect: an ExceptionGroup

        async def ticker() -> None:
            await anyio.sleep_forever()

        try:
            async with anyio.create_task_group() as group:
                group.start_soon(reader)
                group.start_soon(ticker)
        finally:
            ended.set()

    with Client(app) as client:
        with client.websocket_connect("/pair") as ws:
            ws.send_text("hello")
        assert ended.wait(5)
    assert errors_logged(caplog) == []


def test_a_middleware_send_that_returns_a_plain_awaitable_works() -> None:
    """ASGI allows any awaitable from ``send``; the core's fast path must not assume a coroutine."""
    import asyncio

    class FutureSend:
        def __init__(self, app: Any) -> None:
            self.app = app

        async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
            def wrapped(message: Any) -> Any:
                future = asyncio.get_running_loop().create_future()
                task = asyncio.ensure_future(send(message))
                task.add_done_callback(lambda done: future.set_result(None))
                return future

            await self.app(scope, receive, wrapped)

    app = echo_app()
    app.add_middleware(FutureSend)
    with Client(app) as client, client.websocket_connect("/echo") as ws:
        for text in ("one", "two"):
            ws.send_text(text)
            assert ws.receive_text() == text


@pytest.mark.anyio
async def test_the_async_client_connects_too() -> None:
    from microrest.testing import AsyncClient

    async with AsyncClient(echo_app()) as client:
        async with client.websocket_connect("/echo") as ws:
            await ws.send_text("async")
            assert await ws.receive_text() == "async"
            await ws.send_json({"a": 1})
            assert await ws.receive_json() == {"a": 1}
        with pytest.raises(WebSocketDisconnect) as refused:
            async with client.websocket_connect("/nowhere"):
                pass
        assert refused.value.code == 1008


def test_a_client_error_after_accept_is_a_close_with_its_detail(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = App()

    @app.websocket("/rooms")
    async def rooms(websocket: WebSocket) -> None:
        await websocket.accept()
        name = await websocket.receive_text()
        if name != "lobby":
            raise Forbidden(f"no room {name}")

    with Client(app) as client, client.websocket_connect("/rooms") as ws:
        ws.send_text("attic")
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_text()
        assert (closed.value.code, closed.value.reason) == (1008, "no room attic")
    assert errors_logged(caplog) == []
