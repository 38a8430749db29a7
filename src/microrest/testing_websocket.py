"""The in-process websocket clients behind ``Client.websocket_connect`` (Starlette's habit) and
``AsyncClient.websocket_connect``.

The app runs as a task in the client's event loop (the sync client's lifespan portal, a portal
of its own, or the async test's loop); the test talks to it through two memory streams. What
the app sends waits in a bounded queue (``max_queue`` messages), so a test that never reads
behaves like a real client that never reads: the app's sends block, and the core's send limits
apply.
"""

from __future__ import annotations

import contextlib
import math
from types import TracebackType
from typing import TYPE_CHECKING, Any

import anyio
import anyio.from_thread
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream

from .codec import json_dumps, json_loads
from .pipeline import SERVER_ERROR_KEY
from .websockets import WebSocketDisconnect

if TYPE_CHECKING:
    import httpx

    from .types import ASGIApp, Message

__all__ = ["AsyncWebSocketTestSession", "WebSocketTestSession"]

_SCHEMES = {"http": "ws", "https": "wss"}


class _ClientGone(OSError):
    """What the app's ``send`` raises once the test closed the connection (uvicorn's habit)."""


def _scope(
    client: httpx.Client | httpx.AsyncClient,
    state: dict[str, Any],
    path: str,
    subprotocols: list[str] | None,
    headers: dict[str, str] | None,
) -> dict[str, Any]:
    """The handshake's ASGI scope: the client's base URL, default headers and cookies."""
    request = client.build_request("GET", path, headers=headers)
    url = request.url
    raw_headers = [(name.lower(), value) for name, value in request.headers.raw]
    raw_headers += [
        (b"connection", b"upgrade"),
        (b"upgrade", b"websocket"),
        (b"sec-websocket-version", b"13"),
        (b"sec-websocket-key", b"dGhlIHNhbXBsZSBub25jZQ=="),
    ]
    if subprotocols:
        raw_headers.append((b"sec-websocket-protocol", ", ".join(subprotocols).encode()))
    return {
        "type": "websocket",
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": "1.1",
        "scheme": _SCHEMES.get(url.scheme, url.scheme),
        "server": (url.host, url.port or (443 if url.scheme == "https" else 80)),
        "client": ("testclient", 50000),
        "root_path": "",
        "path": url.path,
        "raw_path": url.raw_path.split(b"?", 1)[0],
        "query_string": url.query,
        "headers": raw_headers,
        "subprotocols": list(subprotocols or ()),
        "state": dict(state),
        "extensions": {},
    }


class _Channel:
    """The app's side of the connection, run in the event loop; shared by both sessions."""

    def __init__(
        self,
        app: ASGIApp,
        scope: dict[str, Any],
        raise_server_exceptions: bool,
        max_queue: int,
        timeout: float,
    ) -> None:
        self.app = app
        self.scope = scope
        self.raise_server_exceptions = raise_server_exceptions
        self.max_queue = max_queue
        self.timeout = timeout
        self.accepted_subprotocol: str | None = None
        self.extra_headers: list[tuple[bytes, bytes]] = []
        self.close_code: int | None = None
        self.close_reason = ""
        self._error: BaseException | None = None
        self._done: anyio.Event | None = None
        self._cancel: anyio.CancelScope | None = None
        self._sent_close = False

    def _open(self) -> None:
        inbox: tuple[MemoryObjectSendStream[Message], MemoryObjectReceiveStream[Message]]
        inbox = anyio.create_memory_object_stream(math.inf)
        outbox: tuple[MemoryObjectSendStream[Message], MemoryObjectReceiveStream[Message]]
        outbox = anyio.create_memory_object_stream(self.max_queue)
        self._to_app, self._app_inbox = inbox
        self._app_outbox, self._from_app = outbox
        self._done = anyio.Event()

    async def _run(self) -> None:
        assert self._done is not None
        try:
            with anyio.CancelScope() as self._cancel:
                await self.app(self.scope, self._app_receive, self._app_send)
            error = self.scope.get(SERVER_ERROR_KEY)
            if isinstance(error, Exception):
                self._error = error
        except Exception as exc:  # a raw ASGI app's own crash: kept for the test
            self._error = exc
        finally:
            self._app_outbox.close()
            self._app_inbox.close()
            self._done.set()

    async def _app_receive(self) -> Message:
        try:
            return await self._app_inbox.receive()
        except (anyio.EndOfStream, anyio.ClosedResourceError):
            return {"type": "websocket.disconnect", "code": 1006}

    async def _app_send(self, message: Message) -> None:
        if self._sent_close:
            raise _ClientGone("the test client closed the websocket")
        try:
            await self._app_outbox.send(message)
        except (anyio.BrokenResourceError, anyio.ClosedResourceError):
            raise _ClientGone("the test client closed the websocket") from None

    async def _finish(self) -> None:
        """Wait (bounded) for the app to finish, then cancel it."""
        assert self._done is not None
        with anyio.move_on_after(self.timeout):
            await self._done.wait()
        if not self._done.is_set() and self._cancel is not None:
            self._cancel.cancel()
            await self._done.wait()
        self._from_app.close()
        self._to_app.close()

    async def _next(self) -> Message:
        with anyio.fail_after(self.timeout):
            try:
                message = await self._from_app.receive()
            except (anyio.EndOfStream, anyio.ClosedResourceError):
                message = {"type": "websocket.close", "code": 1006, "reason": ""}
        if message["type"] == "websocket.close" and self.close_code is None:
            self.close_code = message.get("code", 1000)
            self.close_reason = message.get("reason") or ""
        return message

    async def _give(self, message: Message) -> None:
        with contextlib.suppress(anyio.BrokenResourceError, anyio.ClosedResourceError):
            self._to_app.send_nowait(message)
        if message["type"] == "websocket.disconnect":
            self._sent_close = True
            # The connection is gone: a send the app is blocked in fails now, as on a server.
            self._from_app.close()

    def _handshake(self, message: Message) -> bool:
        """Record the app's answer to the handshake; False when it refused."""
        if message["type"] == "websocket.close":
            return False
        if message["type"] != "websocket.accept":
            raise RuntimeError(f"expected websocket.accept or close, got {message['type']!r}")
        self.accepted_subprotocol = message.get("subprotocol")
        self.extra_headers = list(message.get("headers") or ())
        return True

    def _refused(self) -> WebSocketDisconnect:
        self._reraise()
        return WebSocketDisconnect(self.close_code or 1000, self.close_reason)

    def _reraise(self) -> None:
        error = self._error
        if self.raise_server_exceptions and isinstance(error, Exception):
            self._error = None
            raise error

    def _data(self, message: Message, key: str) -> Any:
        if message["type"] == "websocket.close":
            self._reraise()
            raise WebSocketDisconnect(message.get("code", 1000), message.get("reason"))
        value = message.get(key)
        if value is None:
            other = "bytes" if key == "text" else "text"
            raise TypeError(f"expected a {key} message from the app, got {other}")
        return value

    @staticmethod
    def _json_message(data: Any, mode: str) -> Message:
        encoded = json_dumps(data)
        if mode == "text":
            return {"type": "websocket.receive", "text": encoded.decode("utf-8")}
        return {"type": "websocket.receive", "bytes": encoded}


class WebSocketTestSession(_Channel):
    """One websocket connection to the app, driven from a synchronous test.

    ``with client.websocket_connect("/ws") as ws:`` connects; a refusal (close before accept)
    raises ``WebSocketDisconnect`` there. Then ``send_text/bytes/json``, ``receive_text/
    bytes/json`` (a close from the app raises ``WebSocketDisconnect``), ``close(code)``.
    Every wait for the app is bounded by ``timeout`` seconds.
    """

    def __init__(
        self,
        client: Any,
        path: str,
        *,
        subprotocols: list[str] | None = None,
        headers: dict[str, str] | None = None,
        raise_server_exceptions: bool = False,
        max_queue: int = 64,
        timeout: float = 10.0,
    ) -> None:
        scope = _scope(client, client.state, path, subprotocols, headers)
        super().__init__(client.app, scope, raise_server_exceptions, max_queue, timeout)
        self.client = client
        self._stack = contextlib.ExitStack()
        self._portal: anyio.from_thread.BlockingPortal | None = None

    def __enter__(self) -> WebSocketTestSession:
        portal = self.client.portal
        if portal is None:
            portal = self._stack.enter_context(anyio.from_thread.start_blocking_portal())
        self._portal = portal
        try:
            portal.call(self._open)
            portal.start_task_soon(self._run)
            self._put({"type": "websocket.connect"})
            accepted = self._handshake(self.receive())
        except BaseException:
            self._shutdown()
            raise
        if not accepted:
            self._shutdown()
            raise self._refused()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None = None,
        exc_value: BaseException | None = None,
        traceback: TracebackType | None = None,
    ) -> None:
        if not self._sent_close:
            with contextlib.suppress(Exception):
                self.close(1000)
        self._shutdown()
        if exc_type is None:
            self._reraise()

    def _shutdown(self) -> None:
        portal = self._portal
        if portal is not None and self._done is not None:
            with contextlib.suppress(Exception):
                portal.call(self._finish)
        self._stack.close()
        self._portal = None

    def _put(self, message: Message) -> None:
        assert self._portal is not None, "use the session as a context manager"
        self._portal.call(self._give, message)

    def send(self, message: Message) -> None:
        """Send a raw ASGI message to the app (``websocket.receive`` / ``.disconnect``)."""
        self._put(message)

    def send_text(self, data: str) -> None:
        self._put({"type": "websocket.receive", "text": data})

    def send_bytes(self, data: bytes) -> None:
        self._put({"type": "websocket.receive", "bytes": data})

    def send_json(self, data: Any, mode: str = "text") -> None:
        self._put(self._json_message(data, mode))

    def receive(self) -> Message:
        """The app's next message (``websocket.accept``, ``.send`` or ``.close``)."""
        assert self._portal is not None, "use the session as a context manager"
        return self._portal.call(self._next)

    def receive_text(self) -> str:
        return str(self._data(self.receive(), "text"))

    def receive_bytes(self) -> bytes:
        return bytes(self._data(self.receive(), "bytes"))

    def receive_json(self, mode: str = "text") -> Any:
        return json_loads(self._data(self.receive(), "text" if mode == "text" else "bytes"))

    def close(self, code: int = 1000, reason: str | None = None) -> None:
        """The client's close: the app's next receive sees ``websocket.disconnect``."""
        if not self._sent_close:
            self._put({"type": "websocket.disconnect", "code": code, "reason": reason or ""})


class AsyncWebSocketTestSession(_Channel):
    """The same session for async tests: ``async with client.websocket_connect("/ws") as ws``
    and ``await ws.send_text(...)``, ``await ws.receive_json()``..., in the test's own loop."""

    def __init__(
        self,
        client: Any,
        path: str,
        *,
        subprotocols: list[str] | None = None,
        headers: dict[str, str] | None = None,
        raise_server_exceptions: bool = False,
        max_queue: int = 64,
        timeout: float = 10.0,
    ) -> None:
        scope = _scope(client, client.state, path, subprotocols, headers)
        super().__init__(client.app, scope, raise_server_exceptions, max_queue, timeout)
        self._stack = contextlib.AsyncExitStack()

    async def __aenter__(self) -> AsyncWebSocketTestSession:
        self._open()
        group = await self._stack.enter_async_context(anyio.create_task_group())
        self._stack.push_async_callback(self._finish)  # runs before the group is left
        group.start_soon(self._run)
        try:
            await self._give({"type": "websocket.connect"})
            accepted = self._handshake(await self.receive())
        except BaseException:
            await self._stack.aclose()
            raise
        if not accepted:
            await self._stack.aclose()
            raise self._refused()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None = None,
        exc_value: BaseException | None = None,
        traceback: TracebackType | None = None,
    ) -> None:
        await self.close(1000)
        await self._stack.aclose()
        if exc_type is None:
            self._reraise()

    async def send(self, message: Message) -> None:
        await self._give(message)

    async def send_text(self, data: str) -> None:
        await self._give({"type": "websocket.receive", "text": data})

    async def send_bytes(self, data: bytes) -> None:
        await self._give({"type": "websocket.receive", "bytes": data})

    async def send_json(self, data: Any, mode: str = "text") -> None:
        await self._give(self._json_message(data, mode))

    async def receive(self) -> Message:
        return await self._next()

    async def receive_text(self) -> str:
        return str(self._data(await self.receive(), "text"))

    async def receive_bytes(self) -> bytes:
        return bytes(self._data(await self.receive(), "bytes"))

    async def receive_json(self, mode: str = "text") -> Any:
        message = await self.receive()
        return json_loads(self._data(message, "text" if mode == "text" else "bytes"))

    async def close(self, code: int = 1000, reason: str | None = None) -> None:
        if not self._sent_close:
            await self._give({"type": "websocket.disconnect", "code": code, "reason": reason or ""})
