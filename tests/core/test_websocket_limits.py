"""WebSocket limits, the origin check and subprotocols, in-process, hostile cases included."""

from __future__ import annotations

import logging
import threading
from typing import Any

import anyio
import pytest

from microrest import App, ConfigurationError, Limits, WebSocket, WebSocketDisconnect
from microrest.testing import Client
from microrest.websockets import origin_allowed


def warnings_or_worse(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]


# message size -------------------------------------------------------------------------------


def test_an_oversized_message_closes_with_1009_and_ends_the_handler(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = App(limits=Limits(websocket_max_message_size=10))
    ended: list[int] = []

    @app.websocket("/small")
    async def small(websocket: WebSocket) -> None:
        await websocket.accept()
        try:
            async for text in websocket.iter_text():
                await websocket.send_text(text)
        finally:
            ended.append(websocket.close_code or 0)

    with Client(app) as client:
        with client.websocket_connect("/small") as ws:
            ws.send_text("0123456789")  # exactly the limit
            assert ws.receive_text() == "0123456789"
            ws.send_text("é" * 6)  # 6 characters, 12 bytes
            with pytest.raises(WebSocketDisconnect) as closed:
                ws.receive_text()
            assert closed.value.code == 1009
        with client.websocket_connect("/small") as ws:
            ws.send_bytes(b"x" * 1_000_000)
            with pytest.raises(WebSocketDisconnect) as closed:
                ws.receive_text()
            assert closed.value.code == 1009
    assert ended == [1009, 1009]
    assert warnings_or_worse(caplog) == []


def test_a_route_limit_overrides_the_app_limit() -> None:
    app = App(limits=Limits(websocket_max_message_size=4))

    @app.websocket("/big", limits=Limits(websocket_max_message_size=100))
    async def big(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_text(str(len(await websocket.receive_text())))

    with Client(app) as client, client.websocket_connect("/big") as ws:
        ws.send_text("x" * 50)
        assert ws.receive_text() == "50"


# floods and slow readers --------------------------------------------------------------------


def test_a_flood_of_messages_is_read_in_order_and_nothing_is_lost() -> None:
    app = App()
    received: list[int] = []

    @app.websocket("/sink")
    async def sink(websocket: WebSocket) -> None:
        await websocket.accept()
        async for text in websocket.iter_text():
            received.append(int(text))
            if text == "2999":
                await websocket.send_text(f"got {len(received)}")

    with Client(app) as client, client.websocket_connect("/sink") as ws:
        for number in range(3000):  # sent without waiting for the app to read any
            ws.send_text(str(number))
        assert ws.receive_text() == "got 3000"
    assert received == list(range(3000))


def test_a_client_that_never_reads_is_closed_after_the_send_timeout() -> None:
    app = App(limits=Limits(websocket_send_timeout=0.2))
    outcome: list[Any] = []
    gave_up = threading.Event()

    @app.websocket("/firehose")
    async def firehose(websocket: WebSocket) -> None:
        await websocket.accept()
        sent = 0
        try:
            while True:
                await websocket.send_text("x" * 100)
                sent += 1
        except WebSocketDisconnect as exc:
            outcome.append((exc.code, exc.reason, sent))
            gave_up.set()

    with Client(app) as client, client.websocket_connect("/firehose", max_queue=16) as ws:
        assert gave_up.wait(5)  # the test does not read meanwhile
        assert outcome == [(1008, "client too slow: send timed out", 16)]
        received = 0
        with pytest.raises(WebSocketDisconnect):
            while True:
                ws.receive_text()
                received += 1
        assert received == 16  # the queue held what the client could not take: bounded


def test_concurrent_senders_to_a_stuck_client_are_bounded_by_max_queue() -> None:
    app = App(limits=Limits(websocket_send_timeout=None, websocket_max_queue=3))
    results: list[str] = []
    stuck = threading.Event()

    @app.websocket("/fanout")
    async def fanout(websocket: WebSocket) -> None:
        await websocket.accept()
        overflowed = anyio.Event()

        async def sender(n: int) -> None:
            try:
                await websocket.send_text(f"m{n}")
                results.append(f"sent {n}")
            except WebSocketDisconnect as exc:
                results.append(f"closed {exc.code}")
                overflowed.set()

        async with anyio.create_task_group() as group:
            for n in range(8):
                group.start_soon(sender, n)
            await overflowed.wait()
            stuck.set()
            await websocket.receive_text()  # the client leaves: the waiting senders end

    with Client(app) as client, client.websocket_connect("/fanout", max_queue=1) as ws:
        assert stuck.wait(5)
        # One message queued, one send in flight, three waiting: the sixth overflowed and
        # closed the connection; the rest got WebSocketDisconnect, none hangs.
        assert ws.receive_text() == "m0"
        ws.close()
    assert results.count("sent 0") == 1
    assert "closed 1008" in results
    assert len(results) == 8


def test_a_disconnect_in_the_middle_of_a_send_ends_the_handler_quietly(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = App()
    ended: list[int] = []

    @app.websocket("/stream")
    async def stream(websocket: WebSocket) -> None:
        await websocket.accept()
        try:
            while True:
                await websocket.send_bytes(b"chunk" * 100)
        except WebSocketDisconnect as exc:
            ended.append(exc.code)
            raise

    with Client(app) as client, client.websocket_connect("/stream", max_queue=4) as ws:
        assert ws.receive_bytes().startswith(b"chunk")
        # leaving the block closed the connection while the handler was blocked in a send
    assert ended == [1006]
    assert warnings_or_worse(caplog) == []


def test_an_idle_connection_is_closed_with_1001() -> None:
    app = App(limits=Limits(websocket_idle_timeout=0.2))
    ended: list[int] = []

    @app.websocket("/idle")
    async def idle(websocket: WebSocket) -> None:
        await websocket.accept()
        try:
            async for text in websocket.iter_text():
                await websocket.send_text(text)
        finally:
            ended.append(websocket.close_code or 0)

    with Client(app) as client, client.websocket_connect("/idle") as ws:
        ws.send_text("still here")
        assert ws.receive_text() == "still here"
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_text()  # the test sends nothing more: the server gives up
        assert (closed.value.code, closed.value.reason) == (1001, "idle timeout")
    assert ended == [1001]


# origins ------------------------------------------------------------------------------------


def origin_app(**options: Any) -> App:
    app = App(**options)

    @app.websocket("/ws")
    async def ws(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_text("in")

    @app.websocket("/partner", allowed_origins=["https://partner.example"])
    async def partner(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_text("partner")

    return app


def connects(client: Client, path: str, origin: str | None) -> bool:
    headers = {"origin": origin} if origin is not None else None
    try:
        with client.websocket_connect(path, headers=headers) as ws:
            ws.receive_text()
            return True
    except WebSocketDisconnect as exc:
        assert exc.code == 1008
        return False


def test_the_default_allows_same_origin_and_clients_without_origin(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with Client(origin_app()) as client:
        assert connects(client, "/ws", None)  # not a browser
        assert connects(client, "/ws", "http://testserver")
        assert connects(client, "/ws", "https://TestServer:443")  # default port, any case
        assert not connects(client, "/ws", "https://evil.example")
        assert not connects(client, "/ws", "http://testserver.evil.example")
        assert not connects(client, "/ws", "http://testserver:8080")
        assert not connects(client, "/ws", "null")
        assert connects(client, "/partner", "https://partner.example")
        assert not connects(client, "/partner", "http://testserver")
    refused = [m for m in warnings_or_worse(caplog) if "origin" in m]
    assert len(refused) == 5  # each refusal is one warning line, no traceback


def test_allowed_origins_from_the_app_limits() -> None:
    limits = Limits(websocket_allowed_origins=("https://app.example",))
    with Client(origin_app(limits=limits)) as client:
        assert connects(client, "/ws", "https://app.example")
        assert not connects(client, "/ws", "http://testserver")
    with Client(origin_app(limits=Limits(websocket_allowed_origins=("*",)))) as client:
        assert connects(client, "/ws", "https://anywhere.example")


def test_origin_rules_directly() -> None:
    def scope(origin: str | None, host: str = "example.com") -> dict[str, Any]:
        headers = [(b"host", host.encode())]
        if origin is not None:
            headers.append((b"origin", origin.encode()))
        return {"type": "websocket", "headers": headers}

    assert origin_allowed(scope("https://example.com"), None)
    assert origin_allowed(scope("http://example.com:8000", "example.com:8000"), None)
    assert not origin_allowed(scope("http://example.com:8000", "example.com"), None)
    assert not origin_allowed(scope("https://example.com", "example.com:80"), None)
    assert origin_allowed(scope("https://a.example/"), ("https://a.example",))
    assert not origin_allowed(scope("https://b.example"), ("https://a.example",))

    async def handler(websocket: WebSocket) -> None:
        await websocket.close()

    with pytest.raises(ConfigurationError, match="needs a scheme, like 'https://a.example'"):
        App().add_websocket_route("/x", handler, allowed_origins=["a.example"])


# subprotocols -------------------------------------------------------------------------------


def test_subprotocol_negotiation_follows_the_server_preference() -> None:
    app = App()

    @app.websocket("/proto", subprotocols=["chat.v2", "chat.v1"])
    async def proto(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_json([websocket.subprotocol, websocket.requested_subprotocols])

    @app.websocket("/explicit")
    async def explicit(websocket: WebSocket) -> None:
        await websocket.accept(subprotocol=websocket.requested_subprotocols[-1])

    @app.websocket("/wrong")
    async def wrong(websocket: WebSocket) -> None:
        await websocket.accept(subprotocol="not-offered")

    with Client(app, raise_server_exceptions=False) as client:
        with client.websocket_connect("/proto", subprotocols=["chat.v1", "chat.v2"]) as ws:
            assert ws.accepted_subprotocol == "chat.v2"
            assert ws.receive_json() == ["chat.v2", ["chat.v1", "chat.v2"]]
        with client.websocket_connect("/proto", subprotocols=["chat.v1"]) as ws:
            assert ws.accepted_subprotocol == "chat.v1"
        with client.websocket_connect("/proto", subprotocols=["other"]) as ws:
            assert ws.accepted_subprotocol is None
        with client.websocket_connect("/proto") as ws:
            assert ws.accepted_subprotocol is None
        with client.websocket_connect("/explicit", subprotocols=["a", "b"]) as ws:
            assert ws.accepted_subprotocol == "b"
        with pytest.raises(WebSocketDisconnect) as refused:
            client.websocket_connect("/wrong", subprotocols=["a"]).__enter__()
        assert refused.value.code == 1011
