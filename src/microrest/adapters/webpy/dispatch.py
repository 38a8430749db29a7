"""From a core ``Request`` to a web.py handler and back to a core ``Response``.

One ``Dispatcher`` per ``HTTPServer`` holds the error routes and the render rules; each route
gets an ``async`` endpoint closure from ``endpoint_for``. Sync ``do_*`` methods run through the
core app's ``concurrency`` policy (a worker thread by default); ``async def`` ones are awaited.
"""

from __future__ import annotations

import inspect
import io
import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TYPE_CHECKING, Any

import anyio.to_thread

from ...errors import ClientDisconnect
from ...errors import HTTPError as CoreHTTPError
from ...responses import Response, StreamingResponse
from .constants import stream_chunk_size
from .errors import HTTPError
from .handler import (
    NO_GROUPS,
    DummyHandler,
    Groups,
    HTTPErrorHandler,
    HTTPHandler,
    HTTPRequest,
    HTTPResponse,
)
from .headers import HTTPHeaders

if TYPE_CHECKING:
    from ...concurrency import Concurrency
    from ...requests import Request
    from .server import HTTPServer

__all__ = ["Dispatcher"]

logger = logging.getLogger("microrest.error")

LAST_RESORT_BODY = b"500 - Internal Server Error\n"
_NO_BODY = frozenset({204, 304})
# respond() implementations known to be cheap and non-blocking: run inline, no thread hop.
_INLINE_RESPONDS: set[Callable[..., Any]] = {HTTPErrorHandler.respond, DummyHandler.respond}


def inline_respond(func: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a ``respond`` as cheap (no I/O) so it runs on the event loop, not in a thread."""
    _INLINE_RESPONDS.add(func)
    return func


def _is_async(func: Callable[..., Any]) -> bool:
    return inspect.iscoroutinefunction(func)


class Dispatcher:
    """The request pipeline of one ``HTTPServer``."""

    def __init__(self, server: HTTPServer, concurrency: Concurrency) -> None:
        self.server = server
        self.concurrency = concurrency
        self.error_routes: list[tuple[re.Pattern[str], type[HTTPErrorHandler]]] = []

    # entry points --------------------------------------------------------------------------

    def endpoint_for(
        self, handler_class: type[HTTPHandler]
    ) -> Callable[[Request], Awaitable[Response]]:
        """The core endpoint of one regex route: groups from the core's match."""
        handle = self.handle

        async def endpoint(request: Request) -> Response:
            scope = request.scope
            groups = Groups(scope.get("path_groups", ()), scope.get("path_params"))
            return await handle(request, handler_class, groups)

        endpoint.__name__ = endpoint.__qualname__ = handler_class.__qualname__
        endpoint.__module__ = handler_class.__module__
        return endpoint

    async def on_core_error(self, request: Request, exc: Exception) -> Response:
        """Routing misses, limits and body errors found by the core, through error routes."""
        wrapped = HTTPRequest(self.server, request)
        return await self.error(wrapped, HTTPResponse(wrapped), NO_GROUPS, exc)

    # the pipeline --------------------------------------------------------------------------

    async def handle(
        self, request: Request, handler_class: type[HTTPHandler], groups: Groups
    ) -> Response:
        wrapped = HTTPRequest(self.server, request)
        response = HTTPResponse(wrapped)
        try:
            handler = handler_class(wrapped, response, groups)
            wrapped.handler = handler
            if handler.get_body():
                handler.check_continue()  # before the first receive(): no 100 sent if it raises
                wrapped.body = handler.decode(await request.body())
            result = await self.call(handler)
            return await self.render(handler, result)
        except ClientDisconnect:
            raise
        except Exception as exc:
            return await self.error(wrapped, response, groups, exc)

    async def call(self, handler: HTTPHandler) -> Any:
        """``respond()``, or straight to ``do_<method>`` when ``respond`` is not overridden."""
        respond = type(handler).respond
        if respond is HTTPHandler.respond:
            method = handler.method
            if method == "head" and type(handler).do_head is HTTPHandler.do_head:
                handler.response.write_body = False
                method = handler.method = "get"
            func = getattr(handler, "do_" + method, None)
            if func is None:
                return handler.respond()  # raises the 405
        elif respond in _INLINE_RESPONDS:
            return handler.respond()
        else:
            func = handler.respond
        if _is_async(func):
            return await func()
        result = await self.concurrency.run(func)
        if inspect.isawaitable(result):
            result = await result
        return result

    async def error(
        self, request: HTTPRequest, response: HTTPResponse, groups: Groups, exc: Exception
    ) -> Response:
        """The original error flow: reset headers, pick an error route, last-resort 500."""
        if isinstance(exc, ClientDisconnect):
            raise exc
        if isinstance(exc, HTTPError):
            error = exc
        elif isinstance(exc, CoreHTTPError):
            error = HTTPError(exc.status_code, headers=HTTPHeaders(exc.headers))
            if exc.status_code == 405 and self.server.compat:
                allowed = getattr(exc, "allowed", None)
                if allowed is not None and error.headers is not None:
                    error.headers.set("Allow", ",".join(allowed))
        else:
            self.server.log.exception(exc)
            error = HTTPError(500)
        response.headers = (
            HTTPHeaders(error.headers) if error.headers is not None else HTTPHeaders()
        )
        try:
            handler_class: type[HTTPErrorHandler] = HTTPErrorHandler
            code = str(error.code)
            for pattern, candidate in self.error_routes:
                if pattern.fullmatch(code):
                    handler_class = candidate
                    break
            handler = handler_class(request, response, groups, error)
            result = await self.call(handler)
            return await self.render(handler, result)
        except ClientDisconnect:
            raise
        except Exception as failure:
            self.server.log.exception(failure)
            return Response(LAST_RESORT_BODY, 500, media_type="text/plain")

    # results -> responses --------------------------------------------------------------------

    async def render(self, handler: HTTPHandler, result: Any) -> Response:
        """``(status, body)`` / ``(status, reason, body)`` -> a core response."""
        if isinstance(result, Response):
            return self._with_handler_headers(handler, result)
        if not isinstance(result, tuple) or len(result) not in (2, 3):
            raise TypeError(
                f"do_* must return (status, body) or (status, reason, body), got {result!r}"
            )
        status, body = result[0], result[-1]
        if isinstance(status, bool) or not isinstance(status, int) or not 200 <= status <= 599:
            raise ValueError(f"{status!r} is not a final HTTP status")
        response = handler.response
        body = b"" if status in _NO_BODY else handler.encode(body)
        if isinstance(body, Response):
            return self._with_handler_headers(handler, body)
        head = handler.request.method == "HEAD"
        if not response.write_body and not head:
            # Headers only on a method whose body the client waits for: send an empty one.
            if isinstance(body, io.IOBase):
                await anyio.to_thread.run_sync(body.close)
            body = b""
        if isinstance(body, str | bytes | bytearray | memoryview):
            compat = self.server.compat
            if isinstance(body, str):
                data = body.encode("utf-8")
                media_type = None if compat or not data else "text/plain; charset=utf-8"
            else:
                data = bytes(body)
                media_type = None if compat or not data else "application/octet-stream"
            pairs = [p for p in response.headers.items() if p[0].lower() != "content-length"]
            if head and status not in _NO_BODY:
                pairs.append(("Content-Length", str(len(data))))
                data = b""
            self._connection(handler, pairs)
            if status in _NO_BODY:
                media_type = None
            return Response(data, status, pairs, media_type=media_type)
        if isinstance(body, io.IOBase) or hasattr(body, "read"):
            return self._stream(handler, status, body)
        raise TypeError(f"cannot send a body of type {type(body).__name__}")

    def _stream(self, handler: HTTPHandler, status: int, stream: Any) -> Response:
        headers = handler.response.headers
        length_text = headers.get("Content-Length")
        length: int | None = None
        pairs = headers.items()
        if length_text is not None:
            try:
                length = int(length_text)
            except ValueError:
                length = 0  # the original sent headers and no body here; send a valid 0 instead
                pairs = [p for p in pairs if p[0].lower() != "content-length"] + [
                    ("Content-Length", "0")
                ]
        self._connection(handler, pairs)
        if handler.request.method == "HEAD":
            stream.close()
            return Response(
                None, status, pairs if length is not None else [*pairs, ("Content-Length", "0")]
            )
        return StreamingResponse(_read_stream(stream, length), status, pairs)

    def _with_handler_headers(self, handler: HTTPHandler, response: Response) -> Response:
        extra = handler.response.headers.items()
        if extra:
            mutable = response.headers
            for name, value in extra:
                if (
                    name.lower() not in ("content-length", "content-type")
                    or name.lower() not in mutable
                ):
                    mutable.append(name, value)
        pairs: list[tuple[str, str]] = []
        self._connection(handler, pairs)
        if pairs:
            response.headers["connection"] = "close"
        return response

    @staticmethod
    def _connection(handler: HTTPHandler, pairs: list[tuple[str, str]]) -> None:
        if not handler.request.keepalive:
            pairs.append(("Connection", "close"))


async def _read_stream(stream: Any, length: int | None) -> AsyncIterator[bytes]:
    """8 KiB reads in a worker thread; stop at ``length`` bytes; always close the stream."""
    remaining = length
    try:
        while remaining is None or remaining > 0:
            size = stream_chunk_size if remaining is None else min(stream_chunk_size, remaining)
            chunk = await anyio.to_thread.run_sync(stream.read, size)
            if not chunk:
                break
            if remaining is not None:
                remaining -= len(chunk)
            yield chunk
    finally:
        await anyio.to_thread.run_sync(stream.close)
