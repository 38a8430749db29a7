"""From a core ``Request`` to a web.py handler and back to a core ``Response``.

One ``Dispatcher`` per ``HTTPServer`` holds the error routes and the render rules; each route
gets an ``async`` endpoint closure from ``endpoint_for``. Sync ``do_*`` methods run through the
core app's ``concurrency`` policy (a worker thread by default); ``async def`` ones are awaited.
"""

from __future__ import annotations

import functools
import inspect
import io
import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TYPE_CHECKING, Any

import anyio.to_thread

from ...errors import ClientDisconnect, NotFound
from ...errors import HTTPError as CoreHTTPError
from ...responses import PlainTextResponse, Response, StreamingResponse
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
NOT_FOUND_BODY = b"404 - Not Found\n"
_NO_BODY = frozenset({204, 304})
_BODY_METHODS = frozenset({"post", "put", "patch"})
# respond() implementations known to be cheap and non-blocking: run inline, no thread hop.
_INLINE_RESPONDS: set[Callable[..., Any]] = {HTTPErrorHandler.respond, DummyHandler.respond}
_SIMPLE_ENCODERS: set[Callable[..., Any]] = set()
_ENCODABLE = frozenset({dict, list, str, bytes})


def simple_encoder(func: Callable[..., Any]) -> Callable[..., Any]:
    """Mark an ``encode`` that turns dict/list/str/bytes into str/bytes (the fast path)."""
    _SIMPLE_ENCODERS.add(func)
    return func


def inline_respond(func: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a ``respond`` as cheap (no I/O) so it runs on the event loop, not in a thread."""
    _INLINE_RESPONDS.add(func)
    return func


def _is_async(func: Callable[..., Any]) -> bool:
    return inspect.iscoroutinefunction(func)


class Plan:
    """What a handler class does, worked out once per class instead of once per request."""

    __slots__ = (
        "cls",
        "default_respond",
        "inline_respond",
        "async_respond",
        "default_get_body",
        "default_head",
        "plain_encode",
        "funcs",
        "direct",
        "sync",
    )

    def __init__(self, cls: type[HTTPHandler]) -> None:
        self.cls = cls
        respond = cls.respond
        self.default_respond = respond is HTTPHandler.respond
        self.inline_respond = respond in _INLINE_RESPONDS
        self.async_respond = _is_async(respond)
        self.default_get_body = cls.get_body is HTTPHandler.get_body
        self.default_head = cls.do_head is HTTPHandler.do_head
        self.plain_encode = cls.encode is HTTPHandler.encode
        self.funcs: dict[str, tuple[Callable[..., Any] | None, bool]] = {}
        # method -> async do_<method>, awaited straight from handle() (filled by func())
        self.direct: dict[str, Callable[..., Any]] = {}
        # method -> sync do_<method> (run per the concurrency policy from handle())
        self.sync: dict[str, Callable[..., Any]] = {}

    def func(self, method: str) -> tuple[Callable[..., Any] | None, bool]:
        """The unbound ``do_<method>`` and whether it is ``async``."""
        entry = self.funcs.get(method)
        if entry is None:
            func = getattr(self.cls, "do_" + method, None) if method == method.lower() else None
            entry = (func, func is not None and _is_async(func))
            if func is not None or len(self.funcs) < 64:  # clients choose methods: stay bounded
                self.funcs[method] = entry
            if func is not None and self.default_respond and method != "head":
                (self.direct if entry[1] else self.sync)[method] = func
        return entry


def _status_of(exc: Exception) -> int:
    return exc.status_code if isinstance(exc, CoreHTTPError) else 500


class Dispatcher:
    """The request pipeline of one ``HTTPServer``."""

    def __init__(self, server: HTTPServer, concurrency: Concurrency) -> None:
        self.server = server
        self.compat = server.compat
        self.concurrency = concurrency
        self.inline = concurrency.mode == "inline"
        self.error_routes: list[tuple[re.Pattern[str], type[HTTPErrorHandler]]] = []
        self.plans: dict[type[HTTPHandler], Plan] = {}
        self._error_classes: dict[int, type[HTTPErrorHandler]] = {}

    def plan(self, cls: type[HTTPHandler]) -> Plan:
        plan = self.plans.get(cls)
        if plan is None:
            plan = self.plans[cls] = Plan(cls)
        return plan

    # entry points --------------------------------------------------------------------------

    def endpoint_for(
        self, handler_class: type[HTTPHandler]
    ) -> Callable[[Request], Awaitable[Response]]:
        """The core endpoint of one regex route: groups from the core's match."""
        return functools.partial(self.handle, plan=self.plan(handler_class))

    async def on_error_route(self, request: Request, exc: Exception) -> Response:
        """The user's error routes, asked before the handlers of the apps above; an error no
        error route matches is declined (re-raised), so the search goes on."""
        if self.error_class(_status_of(exc)) is HTTPErrorHandler:
            raise exc
        wrapped = HTTPRequest(self.server, request)
        return await self.error(wrapped, HTTPResponse(wrapped), NO_GROUPS, exc)

    async def on_core_error(self, request: Request, exc: Exception) -> Response:
        """web.py's default answer (a style default, below the user's handlers): core misses,
        limits and body errors, and what the handlers raised, through the error routes."""
        if (
            type(exc) is NotFound
            and not exc.headers
            and self.error_class(404) is HTTPErrorHandler
            and request.scope["method"] != "HEAD"
        ):
            return PlainTextResponse(NOT_FOUND_BODY, 404)  # the common miss, without the objects
        wrapped = HTTPRequest(self.server, request)
        return await self.error(wrapped, HTTPResponse(wrapped), NO_GROUPS, exc)

    # the pipeline --------------------------------------------------------------------------

    async def handle(
        self, request: Request, plan: Plan, groups: tuple[Any, ...] | None = None
    ) -> Response:
        if groups is None:
            scope = request.scope
            found = scope.get("path_groups")
            if not found:
                groups = NO_GROUPS
            else:
                named = scope["path_params"]
                groups = Groups(found, named) if named else found  # a plain tuple is faster
        wrapped = HTTPRequest(self.server, request)
        response = HTTPResponse(wrapped)
        try:
            handler = plan.cls(wrapped, response, groups)
            wrapped.handler = handler
            if plan.default_get_body:
                wants_body = handler.method in _BODY_METHODS
            else:
                wants_body = handler.get_body()
            if wants_body:
                handler.check_continue()  # before the first receive(): no 100 sent if it raises
                wrapped.body = handler.decode(await request.body())
            method = handler.method
            direct = plan.direct.get(method)
            if direct is not None:
                result = await direct(handler)  # an async do_<method>, nothing in between
            else:
                sync = plan.sync.get(method)
                if sync is None:
                    result = await self.call(handler, plan)
                elif self.inline:
                    result = sync(handler)
                else:
                    result = await self.concurrency.run(sync, handler)
                if type(result) is not tuple and inspect.isawaitable(result):
                    result = await result
            rendered = self.render_simple(handler, result, plan.plain_encode)
            if rendered is not None:
                return rendered
            return await self.render(handler, result, plan.plain_encode)
        except ClientDisconnect:
            raise
        except Exception as exc:
            if self.error_class(_status_of(exc)) is HTTPErrorHandler:
                # No error route of the user's for it: the handlers on the apps above come
                # first, then web.py's default page (``on_core_error``).
                raise
            return await self.error(wrapped, response, groups, exc)

    async def call(self, handler: HTTPHandler, plan: Plan) -> Any:
        """``respond()``, or straight to ``do_<method>`` when ``respond`` is not overridden."""
        if plan.default_respond:
            method = handler.method
            if method == "head" and plan.default_head:
                handler.response.write_body = False
                method = handler.method = "get"
            func, is_async = plan.func(method)
            if func is None:
                return handler.respond()  # raises the 405
            if is_async:
                return await func(handler)
            result = await self.concurrency.run(func, handler)
        elif plan.inline_respond:
            return handler.respond()
        elif plan.async_respond:
            return await handler.respond()
        else:
            result = await self.concurrency.run(handler.respond)
        if inspect.isawaitable(result):
            result = await result
        return result

    def error_class(self, code: int) -> type[HTTPErrorHandler]:
        """The first error route whose pattern fully matches the status, else the default."""
        found = self._error_classes.get(code)
        if found is None:
            found = HTTPErrorHandler
            text = str(code)
            for pattern, candidate in self.error_routes:
                if pattern.fullmatch(text):
                    found = candidate
                    break
            if len(self._error_classes) < 1000:
                self._error_classes[code] = found
        return found

    async def error(
        self, request: HTTPRequest, response: HTTPResponse, groups: tuple[Any, ...], exc: Exception
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
        response.media_type = None
        try:
            handler_class = self.error_class(error.code)
            handler = handler_class(request, response, groups, error)
            plan = self.plan(handler_class)
            result = await self.call(handler, plan)
            return await self.render(handler, result, plan.plain_encode)
        except ClientDisconnect:
            raise
        except Exception as failure:
            self.server.log.exception(failure)
            return Response(LAST_RESORT_BODY, 500, media_type="text/plain")

    # results -> responses --------------------------------------------------------------------

    def render_simple(
        self, handler: HTTPHandler, result: Any, plain_encode: bool
    ) -> Response | None:
        """The common case without the general path's checks, or None: a plain status and a
        str/bytes body (after ``encode``) on a keep-alive, non-HEAD request, default formatting.
        ``encode`` runs here only when it is known to return str/bytes, and then the answer
        is never None, so it never runs twice."""
        if type(result) is not tuple or not 2 <= len(result) <= 3:
            return None
        status = result[0]
        if type(status) is not int or not 200 <= status < 600 or status in _NO_BODY:
            return None
        response = handler.response
        request = handler.request
        if (
            not response.write_body
            or not request.keepalive
            or request.method == "HEAD"
            or self.compat
        ):
            return None
        body = result[-1]  # no reason phrase under ASGI
        kind = type(body)
        if not plain_encode:
            # Only encoders known to turn these into str/bytes; others take the general path.
            if type(handler).encode not in _SIMPLE_ENCODERS or kind not in _ENCODABLE:
                return None
            body = handler.encode(body)
            kind = type(body)
        elif kind is not str and kind is not bytes:
            return None
        chosen = response.media_type
        if kind is str:
            data = body.encode("utf-8")
            media_type = chosen or ("text/plain; charset=utf-8" if data else None)
        else:
            data = body
            media_type = chosen or ("application/octet-stream" if data else None)
        headers = response._headers
        if not headers:
            if kind is str and data and chosen is None:
                return PlainTextResponse(data, status)
            return Response(data, status, media_type=media_type)
        only = headers.only()
        if (
            only is not None
            and only[0].lower() == "content-type"
            and not only[1].startswith("text/")
        ):
            # Only a Content-Type: pass it as the media type (the core's fast path)
            return Response(data, status, media_type=only[1])
        pairs = headers.items()
        if "content-length" in headers:
            pairs = [p for p in pairs if p[0].lower() != "content-length"]
        return Response(data, status, pairs, media_type=media_type)

    async def render(
        self, handler: HTTPHandler, result: Any, plain_encode: bool = False
    ) -> Response:
        """``(status, body)`` / ``(status, reason, body)`` -> a core response."""
        simple = self.render_simple(handler, result, plain_encode)
        if simple is not None:
            return simple
        return await self._render(handler, result)

    async def _render(self, handler: HTTPHandler, result: Any, encoded: bool = False) -> Response:
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
            if response.media_type is not None:
                media_type = response.media_type
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
        media_type = handler.response.media_type
        return StreamingResponse(_read_stream(stream, length), status, pairs, media_type)

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
