"""Test clients on httpx that run the app's lifespan.

``Client`` is synchronous (the app runs in a background event loop through an anyio portal);
``AsyncClient`` runs the app in the test's own loop. Both send requests in-process, through one
transport per client. Neither needs pytest; the fixtures are in ``microrest.pytest_plugin``.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from types import TracebackType
from typing import TYPE_CHECKING, Any

import anyio
import anyio.from_thread
import httpx

from .pipeline import SERVER_ERROR_KEY
from .types import ASGIApp, Receive, Scope, Send

if TYPE_CHECKING:
    from .testing_websocket import AsyncWebSocketTestSession, WebSocketTestSession

__all__ = ["AsyncClient", "Client", "lifespan"]


@contextlib.asynccontextmanager
async def lifespan(app: ASGIApp) -> AsyncIterator[dict[str, Any]]:
    """Run ``app``'s ASGI lifespan around the block; yields the lifespan state."""
    state: dict[str, Any] = {}
    to_app, app_inbox = anyio.create_memory_object_stream[dict[str, Any]](4)
    app_outbox, from_app = anyio.create_memory_object_stream[dict[str, Any]](4)
    scope = {"type": "lifespan", "asgi": {"version": "3.0", "spec_version": "2.0"}, "state": state}

    async def run() -> None:
        try:
            await app(scope, app_inbox.receive, app_outbox.send)  # type: ignore[arg-type]
        except BaseException as exc:  # reported through the failed message below
            await app_outbox.send({"type": "lifespan.failed", "message": repr(exc)})

    failure = ""  # raised after the task group, so callers get it unwrapped (no ExceptionGroup)
    async with to_app, from_app, app_inbox, app_outbox, anyio.create_task_group() as group:
        group.start_soon(run)
        await to_app.send({"type": "lifespan.startup"})
        message = await from_app.receive()
        if message["type"] != "lifespan.startup.complete":
            group.cancel_scope.cancel()
            failure = f"lifespan startup failed: {message.get('message', '')}"
        else:
            yield state
            await to_app.send({"type": "lifespan.shutdown"})
            message = await from_app.receive()
            if message["type"] != "lifespan.shutdown.complete":
                failure = f"lifespan shutdown failed: {message.get('message', '')}"
    if failure:
        raise RuntimeError(failure)


def _instrument(
    app: ASGIApp, state: Callable[[], dict[str, Any]], raise_server_exceptions: bool
) -> ASGIApp:
    """Give each request a copy of the lifespan state, as servers do; re-raise 500s if asked.

    The error pipeline answers every exception no handler took with a 500 (as it must for real
    clients); with ``raise_server_exceptions`` the test gets the original exception instead.
    """

    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            scope["state"] = dict(state())
        await app(scope, receive, send)
        error = scope.get(SERVER_ERROR_KEY)
        if raise_server_exceptions and isinstance(error, Exception):
            raise error

    return wrapped


class _PortalTransport(httpx.BaseTransport):
    """Runs each request on the client's event loop (its portal) through one ASGI transport."""

    def __init__(self, client: Client, raise_app_exceptions: bool) -> None:
        self.client = client
        self.asgi = httpx.ASGITransport(
            app=_instrument(client.app, lambda: client.state, raise_app_exceptions),
            raise_app_exceptions=raise_app_exceptions,
        )

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read()
        transport = self.asgi

        async def call() -> tuple[int, list[tuple[bytes, bytes]], bytes]:
            forwarded = httpx.Request(
                request.method, request.url, headers=request.headers, content=body
            )
            response = await transport.handle_async_request(forwarded)
            # Raw bytes: the outer httpx.Response decodes Content-Encoding itself.
            content = b"".join([chunk async for chunk in response.aiter_raw()])
            return response.status_code, response.headers.raw, content

        portal = self.client.portal
        if portal is None:
            with anyio.from_thread.start_blocking_portal() as temporary:
                status, headers, content = temporary.call(call)
        else:
            status, headers, content = portal.call(call)
        return httpx.Response(
            status, headers=headers, stream=httpx.ByteStream(content), request=request
        )


class Client(httpx.Client):
    """A sync httpx client for ``app``; used as a context manager it runs the lifespan.

    ``raise_server_exceptions`` (default True, as Starlette's): an exception that no handler
    answered is raised in the test rather than seen as a 500; pass False to test the 500.
    """

    def __init__(
        self,
        app: Any,
        base_url: str = "http://testserver",
        raise_server_exceptions: bool = True,
        **options: Any,
    ) -> None:
        self.app: ASGIApp = app
        self.state: dict[str, Any] = {}
        self.portal: anyio.from_thread.BlockingPortal | None = None
        self._stack = contextlib.ExitStack()
        self.raise_server_exceptions = raise_server_exceptions
        options.setdefault("follow_redirects", False)
        super().__init__(
            transport=_PortalTransport(self, raise_server_exceptions),
            base_url=base_url,
            **options,
        )

    def __enter__(self) -> Client:
        super().__enter__()
        try:
            self.portal = self._stack.enter_context(anyio.from_thread.start_blocking_portal())
            self.state = self._stack.enter_context(
                self.portal.wrap_async_context_manager(lifespan(self.app))
            )
        except BaseException:
            # A failed startup must not leave the portal's thread running (the process hangs).
            self._stack.close()
            self.portal = None
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None = None,
        exc_value: BaseException | None = None,
        traceback: TracebackType | None = None,
    ) -> None:
        try:
            self._stack.close()
        finally:
            self.portal = None
            super().__exit__(exc_type, exc_value, traceback)

    def websocket_connect(
        self,
        url: str,
        subprotocols: list[str] | None = None,
        headers: dict[str, str] | None = None,
        **options: Any,
    ) -> WebSocketTestSession:
        """A websocket to the app, in-process: ``with client.websocket_connect("/ws") as ws``.

        See ``microrest.testing_websocket.WebSocketTestSession`` (``timeout``, ``max_queue``).
        """
        from .testing_websocket import WebSocketTestSession

        options.setdefault("raise_server_exceptions", self.raise_server_exceptions)
        return WebSocketTestSession(
            self, url, subprotocols=subprotocols, headers=headers, **options
        )


class AsyncClient(httpx.AsyncClient):
    """An async httpx client for ``app``; ``async with`` runs the lifespan.

    ``raise_server_exceptions`` as for ``Client`` (default True).
    """

    def __init__(
        self,
        app: Any,
        base_url: str = "http://testserver",
        raise_server_exceptions: bool = True,
        **options: Any,
    ) -> None:
        self.app: ASGIApp = app
        self.state: dict[str, Any] = {}
        self._stack = contextlib.AsyncExitStack()
        self.raise_server_exceptions = raise_server_exceptions
        options.setdefault("follow_redirects", False)
        transport = httpx.ASGITransport(
            app=_instrument(app, lambda: self.state, raise_server_exceptions),
            raise_app_exceptions=raise_server_exceptions,
        )
        super().__init__(transport=transport, base_url=base_url, **options)

    def websocket_connect(
        self,
        url: str,
        subprotocols: list[str] | None = None,
        headers: dict[str, str] | None = None,
        **options: Any,
    ) -> AsyncWebSocketTestSession:
        """``async with client.websocket_connect("/ws") as ws``: the async twin of ``Client``'s."""
        from .testing_websocket import AsyncWebSocketTestSession

        options.setdefault("raise_server_exceptions", self.raise_server_exceptions)
        return AsyncWebSocketTestSession(
            self, url, subprotocols=subprotocols, headers=headers, **options
        )

    async def __aenter__(self) -> AsyncClient:
        await super().__aenter__()
        self.state.update(await self._stack.enter_async_context(lifespan(self.app)))
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None = None,
        exc_value: BaseException | None = None,
        traceback: TracebackType | None = None,
    ) -> None:
        try:
            await self._stack.aclose()
        finally:
            await super().__aexit__(exc_type, exc_value, traceback)
