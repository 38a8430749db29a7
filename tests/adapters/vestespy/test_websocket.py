"""VestesPy's websocket events (a microrest addition): ``websocket``, then ``message``/``close``."""

from __future__ import annotations

import logging
import threading
from typing import Any

import pytest

from microrest import Limits, WebSocketDisconnect
from microrest.adapters import vestespy
from microrest.testing import Client


def chat_server() -> tuple[vestespy.Server, list[Any]]:
    server = vestespy.Server(("localhost", 8080))
    seen: list[Any] = []
    room: list[Any] = []

    def onmessage(ev: Any, ws: Any, message: str | bytes) -> None:  # sync: a worker thread
        if message == "bye":
            ws.close(4001, "bye")
            return
        for member in room:  # a broadcast: sends to other connections from this handler
            member.send(f"{ws.params.get('nick')}: {message}")

    async def onbytes(ev: Any, ws: Any, message: str | bytes) -> None:  # async works too
        if isinstance(message, bytes):
            ws.send(message[::-1])
            ev.stopPropagation()

    def onclose(ev: Any, ws: Any, code: int) -> None:
        room.remove(ws)
        seen.append(("closed", ws.params.get("nick"), code))

    def onwebsocket(ev: Any, ws: Any) -> None:
        if ws.path != "/chat":
            ws.close(1008)
            return
        seen.append(("open", ws.path, ws.headers.get("x-client")))
        room.append(ws)
        ws.on("message", onbytes)
        ws.on("message", onmessage)
        ws.on("close", onclose)

    server.on("request", lambda ev, req, res: res.send_all("http still works"))
    server.on("websocket", onwebsocket)
    return server, seen


def test_message_and_close_events_with_a_broadcast() -> None:
    server, seen = chat_server()
    with Client(server) as client:
        assert client.get("/anything").text == "http still works"
        headers = {"x-client": "t"}
        with (
            client.websocket_connect("/chat?nick=ann", headers=headers) as ann,
            client.websocket_connect("/chat?nick=bob") as bob,
        ):
            ann.send_text("hello")
            assert ann.receive_text() == "ann: hello"
            assert bob.receive_text() == "ann: hello"
            bob.send_bytes(b"abc")
            assert bob.receive_bytes() == b"cba"
            bob.send_text("bye")
            with pytest.raises(WebSocketDisconnect) as closed:
                bob.receive_text()
            assert (closed.value.code, closed.value.reason) == (4001, "bye")
        with pytest.raises(WebSocketDisconnect) as refused:
            client.websocket_connect("/elsewhere").__enter__()
        assert refused.value.code == 1008
    assert seen[0] == ("open", "/chat", "t")
    assert sorted(seen[2:]) == [("closed", "ann", 1000), ("closed", "bob", 4001)]
    rows = {(row.method, row.style, row.handler.rsplit(".", 1)[-1]) for row in server.app.routes()}
    assert ("WS", "vestespy", "onwebsocket") in rows


def test_without_a_websocket_handler_websockets_are_refused() -> None:
    server = vestespy.Server(("localhost", 8080))
    with Client(server) as client, pytest.raises(WebSocketDisconnect) as refused:
        client.websocket_connect("/ws").__enter__()
    assert refused.value.code == 1008
    assert all(row.method != "WS" for row in server.app.routes())


def test_an_exception_in_a_message_handler_closes_with_1011_and_logs_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    server = vestespy.Server(("localhost", 8080))

    def onmessage(ev: Any, ws: Any, message: Any) -> None:
        raise ValueError("handler bug")

    server.on("websocket", lambda ev, ws: ws.on("message", onmessage))
    with (
        Client(server, raise_server_exceptions=False) as client,
        client.websocket_connect("/ws") as ws,
    ):
        ws.send_text("x")
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_text()
        assert closed.value.code == 1011
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and errors[0].exc_info is not None


def test_a_client_that_lets_messages_pile_up_is_closed() -> None:
    server = vestespy.Server(("localhost", 8080))
    server.app.limits = Limits(websocket_max_queue=4, websocket_send_timeout=None)

    sent = threading.Event()

    def onmessage(ev: Any, ws: Any, message: Any) -> None:
        for _ in range(100):
            ws.send("x" * 10)
        sent.set()

    server.on("websocket", lambda ev, ws: ws.on("message", onmessage))
    with Client(server) as client, client.websocket_connect("/ws", max_queue=1) as ws:
        ws.send_text("go")
        # Read nothing until the handler has queued everything: a client that reads along
        # would keep the queue short, and whether it overflowed would be a race.
        assert sent.wait(10)
        codes = []
        try:
            while True:
                ws.receive_text()
        except WebSocketDisconnect as exc:
            codes.append(exc.code)
        assert codes == [1008]
