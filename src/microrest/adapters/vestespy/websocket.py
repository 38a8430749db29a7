"""WebSockets in VestesPy's event style: a microrest addition (the original had none).

``server.on("websocket", onwebsocket)`` fires once per websocket handshake with
``onwebsocket(ev, ws)``, before the connection is accepted; the handler subscribes to the
socket's own events, as it would to a request's ``data``/``end``::

    def onmessage(ev, ws, message):      # str for a text message, bytes for a binary one
        ws.send("echo: " + message)

    def onclose(ev, ws, code):           # the connection is over, whoever closed it
        ...

    def onwebsocket(ev, ws):
        if ws.path != "/echo":
            ws.close(1008)               # before accept: refused (403 over HTTP)
            return
        ws.on("message", onmessage)
        ws.on("close", onclose)

``ws.send(data)`` and ``ws.close(code, reason)`` work from any handler, sync (in a worker
thread) or async, and from any handler of another connection (a broadcast): they queue the
message for the connection's writer, at most ``Limits.websocket_max_queue`` of them; a client
that lets more pile up is closed with 1008. Underneath is a core websocket route
(``microrest.WebSocketRoute``), so the core's limits, origin check and logging apply.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import anyio
import anyio.from_thread
from anyio.streams.memory import MemoryObjectSendStream

from ...websockets import WebSocket as CoreWebSocket
from ...websockets import WebSocketDisconnect, WebSocketRoute
from .events import EventManager

if TYPE_CHECKING:
    from starlette.datastructures import Headers

    from .server import Server

__all__ = ["WebSocket", "serve_websockets"]

EVERY_PATH = re.compile(r"(?:/.*)?", re.DOTALL)
Outgoing = str | bytes | tuple[int, str]


class WebSocket(EventManager):
    """One connection, as VestesPy handlers see it: an event emitter (``message``, ``close``).

    ``path``, ``query_string``, ``headers`` and ``params`` describe the handshake request;
    ``raw`` is the core ``microrest.WebSocket`` underneath.
    """

    def __init__(self, server: Server, raw: CoreWebSocket) -> None:
        super().__init__()
        self.server = server
        self.raw = raw
        self.path: str = raw.scope["path"]
        self.query_string: str = raw.scope.get("query_string", b"").decode("latin-1")
        self.params: dict[str, Any] = dict(raw.query_params)
        self.closed = False
        self.close_code: int | None = None
        self._loop_thread = threading.get_ident()
        self._overflowed = False
        self._scope: anyio.CancelScope | None = None
        outbox = anyio.create_memory_object_stream[Outgoing](raw.limits.websocket_max_queue)
        self._outbox: MemoryObjectSendStream[Outgoing] = outbox[0]
        self._pending = outbox[1]

    @property
    def headers(self) -> Headers:
        return self.raw.headers

    def send(self, data: str | bytes) -> None:
        """Queue a text (str) or binary (bytes) message for this client."""
        if not isinstance(data, str | bytes):
            raise TypeError(f"ws.send() takes str or bytes, not {type(data).__name__}")
        self._post(data)

    def close(self, code: int = 1000, reason: str = "") -> None:
        """Close the connection (refuse it, when called from the ``websocket`` event)."""
        if self.closed:
            return
        self.closed = True
        self.close_code = code
        self._post((code, reason))

    def _post(self, item: Outgoing) -> None:
        if threading.get_ident() == self._loop_thread:
            self._put(item)
        else:  # a sync handler in a worker thread
            anyio.from_thread.run_sync(self._put, item)

    def _put(self, item: Outgoing) -> None:
        try:
            self._outbox.send_nowait(item)
        except anyio.WouldBlock:
            self._overflowed = True  # the client does not keep up: end the connection
            if self._scope is not None:
                self._scope.cancel()
        except (anyio.ClosedResourceError, anyio.BrokenResourceError):
            pass  # the connection is over; a late broadcast to it has nobody to reach

    def __repr__(self) -> str:
        return f"<vestespy WebSocket {self.path!r}>"


class WebSocketEndpoint:
    """The core websocket route's handler: the ``websocket`` event, then the message loop."""

    def __init__(self, server: Server) -> None:
        self.server = server

    async def __call__(self, raw: CoreWebSocket) -> None:
        ws = WebSocket(self.server, raw)
        try:
            await self._serve(ws, raw)
        finally:
            ws._outbox.close()
            ws._pending.close()

    async def _serve(self, ws: WebSocket, raw: CoreWebSocket) -> None:
        server = self.server
        concurrency = server.app.concurrency
        await server.trigger_async("websocket", (ws,), concurrency)
        if ws.closed:  # refused before accept
            await raw.close(ws.close_code or 1008)
            return
        await raw.accept()
        failure: BaseException | None = None
        async with anyio.create_task_group() as group:
            ws._scope = group.cancel_scope
            group.start_soon(_write, ws, raw, group.cancel_scope)
            try:
                while True:
                    message = await raw.receive()
                    if message["type"] == "websocket.disconnect":
                        break
                    text = message.get("text")
                    data = text if text is not None else message.get("bytes", b"")
                    await ws.trigger_async("message", (ws, data), concurrency)
            except WebSocketDisconnect:
                pass  # the core closed it (a limit) or the client left mid-read
            except Exception as exc:  # re-raised below, unwrapped, for the core to log
                failure = exc
            ws._outbox.close()  # the writer sends what is queued, then ends
            if failure is not None:
                group.cancel_scope.cancel()
        if ws._overflowed:
            await raw.close(1008, "client too slow: too many messages queued")
        await ws.trigger_async("close", (ws, raw.close_code or 1000), concurrency)
        if failure is not None:
            raise failure


async def _write(ws: WebSocket, raw: CoreWebSocket, scope: anyio.CancelScope) -> None:
    async with ws._pending:
        try:
            async for item in ws._pending:
                if isinstance(item, tuple):
                    await raw.close(*item)
                    scope.cancel()  # closed by the app: stop reading too
                    return
                if isinstance(item, str):
                    await raw.send_text(item)
                else:
                    await raw.send_bytes(item)
        except WebSocketDisconnect:
            scope.cancel()


def serve_websockets(server: Server, handler: Callable[..., Any]) -> None:
    """Route every websocket path of ``server`` to its ``websocket`` event (once); the route
    table names ``handler``, the first ``websocket`` handler registered."""
    if getattr(server, "_websockets_served", False):
        return
    server._websockets_served = True
    server.app.add(WebSocketRoute(EVERY_PATH, WebSocketEndpoint(server), source=handler))
