"""From a core ``Request`` to a web.py handler and back to a core ``Response``.

One ``Dispatcher`` per ``HTTPServer`` holds the error routes and the render rules; each route
gets an ``async`` endpoint closure from ``endpoint_for``. Sync ``do_*`` methods run through the
core app's ``concurrency`` policy (a worker thread by default); ``async def`` ones are awaited.
"""

from __future__ import annotations

import functools
import inspect
import io
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TYPE_CHECKING, Any

import anyio.to_thread

from ...errors import ClientDisconnect, NotFound
from ...errors import HTTPError as CoreHTTPError
from ...responses import JSONResponse, PlainTextResponse, Response, StreamingResponse
from ...toolkit import NO_BODY_STATUSES, iterate_in_thread
from .constants import status_messages, stream_chunk_size
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
    from ...types import Scope
    from .server import HTTPServer

__all__ = ["Dispatcher"]

LAST_RESORT_BODY = b"500 - Internal Server Error\n"
NOT_FOUND_BODY = b"404 - Not Found\n"
_BODY_METHODS = frozenset({"post", "put", "patch"})
# respond() implementations known to be cheap and non-blocking: run inline, no thread hop.
_INLINE_RESPONDS: set[Callable[..., Any]] = {HTTPErrorHandler.respond, DummyHandler.respond}
_SIMPLE_ENCODERS: set[Callable[..., Any]] = set()
_JSON_ENCODERS: set[Callable[..., Any]] = set()
_ENCODABLE = frozenset({dict, list, str, bytes})
# Statuses the fast path answers with a body as is: known to web.py, final, allowed a body.
_BODY_STATUSES = frozenset(
    code for code in status_messages if code >= 200 and code not in NO_BODY_STATUSES
)


def simple_encoder(func: Callable[..., Any]) -> Callable[..., Any]:
    """Mark an ``encode`` that turns dict/list/str/bytes into str/bytes (the fast path)."""
    _SIMPLE_ENCODERS.add(func)
    return func


def json_encoder(func: Callable[..., Any]) -> Callable[..., Any]:
    """Mark an ``encode`` that sends dict/list as ``json_dumps`` bytes with the media type
    ``application/json`` and nothing else (the fast path answers those with a JSONResponse)."""
    _JSON_ENCODERS.add(func)
    return simple_encoder(func)


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
        "reads_body",
        "default_head",
        "plain_encode",
        "simple_encode",
        "json_encode",
        "fast",
        "funcs",
        "direct",
        "sync",
    )

    def __init__(self, cls: type[HTTPHandler]) -> None:
        # ``cls`` may be any class shaped like a handler (the original accepted those): every
        # hook but ``respond`` is optional, and a missing one means "do nothing".
        self.cls = cls
        respond = cls.respond
        self.default_respond = respond is HTTPHandler.respond
        self.inline_respond = respond in _INLINE_RESPONDS
        self.async_respond = _is_async(respond)
        get_body = getattr(cls, "get_body", None)
        self.default_get_body = get_body is HTTPHandler.get_body
        self.reads_body = get_body is not None
        self.default_head = getattr(cls, "do_head", None) is HTTPHandler.do_head
        encode = getattr(cls, "encode", HTTPHandler.encode)
        self.plain_encode = encode is HTTPHandler.encode
        # An encode known to turn dict/list/str/bytes into str/bytes (render_simple may use it)
        self.simple_encode = encode in _SIMPLE_ENCODERS
        self.json_encode = encode in _JSON_ENCODERS
        # Built without __init__ by the fast endpoint (request/response made on first use):
        # only for classes that keep HTTPHandler's construction and default pipeline hooks.
        self.fast = (
            isinstance(cls, type)
            and issubclass(cls, HTTPHandler)
            and cls.__new__ is object.__new__
            and cls.__init__ is HTTPHandler.__init__
            and getattr(cls, "__getattr__", None) is getattr(HTTPHandler, "__getattr__", None)
            and self.default_respond
            and self.default_get_body
            and getattr(cls, "check_continue", None) is HTTPHandler.check_continue
        )
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
        self.close_connections = server.keepalive_timeout is None
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
        """The core endpoint of one route: groups from the core's match.

        Decided here, once per route: a class that keeps ``HTTPHandler``'s construction and
        default hooks gets ``fast_endpoint``; any other class the general ``handle``."""
        plan = self.plan(handler_class)
        if plan.fast and not self.close_connections and not self.compat:
            return self.fast_endpoint(plan)
        return functools.partial(self.handle, plan=plan)

    def fast_endpoint(self, plan: Plan) -> Callable[[Request], Awaitable[Response]]:
        """``handle`` for the common class, with what it decides per request decided here.

        The handler is built without ``__init__``: four attribute stores instead of an
        ``HTTPRequest``, an ``HTTPResponse`` and the handler's ``__init__`` (they are made on
        first use by ``HTTPHandler.__getattr__``). A ``(status, str/bytes)`` result, or a
        dict/list under a JSON ``encode``, on a response nothing touched, goes straight to a
        core response; everything else (HEAD, other methods, 405s, headers set, streams,
        reason phrases) takes the general path, exactly as ``handle`` would.
        Measured under callgrind (200 extra routes), instructions per request: plaintext
        73.6k -> 62.0k, json 76.3k -> 63.0k, param 87.2k -> 73.1k, echo 129.2k -> 122.5k,
        param_sync_inline 90.4k -> 76.4k.
        """
        cls = plan.cls
        new = object.__new__
        server = self.server
        handle = self.handle
        concurrency = self.concurrency
        inline = self.inline
        json_encode = plan.json_encode
        plain_encode = plan.plain_encode
        # Upper-case method -> (do_<method>, its lower-case name, 0 async / 1 inline / 2 thread)
        calls: dict[str, tuple[Callable[..., Any], str, int]] = {}
        for name in dir(cls):
            if not name.startswith("do_") or name != name.lower() or name == "do_head":
                continue
            func, is_async = plan.func(name[3:])
            if func is not None:
                calls[name[3:].upper()] = (func, name[3:], 0 if is_async else 1 if inline else 2)

        async def endpoint(request: Request) -> Response:
            scope = request.scope
            entry = calls.get(scope["method"])
            if entry is None:  # HEAD, a 405, OPTIONS the class answers: the general path
                return await handle(request, plan)
            func, method, kind = entry
            found = scope.get("path_groups")
            if not found:
                groups: tuple[Any, ...] = NO_GROUPS
            else:
                named = scope["path_params"]
                groups = Groups(found, named) if named else found
            handler = new(cls)
            handler.server = server
            handler.method = method
            handler.groups = groups
            handler._webpy_core = request
            result: Any = None
            try:
                if method in _BODY_METHODS:
                    wrapped = handler._webpy_request = HTTPRequest(server, request)
                    wrapped.handler = handler
                    handler.request = wrapped
                    wrapped.body = handler.decode(await request.body())
                if kind == 0:
                    result = await func(handler)
                else:
                    result = func(handler) if kind == 1 else await concurrency.run(func, handler)
                    if type(result) is not tuple and inspect.isawaitable(result):
                        result = await result
                if handler._webpy_response is None and type(result) is tuple and len(result) == 2:
                    status, body = result
                    if status in _BODY_STATUSES and type(status) is int:
                        request_ = handler._webpy_request
                        if request_ is None or request_.keepalive:
                            kind_ = type(body)
                            if plain_encode:
                                if kind_ is str and body:
                                    return PlainTextResponse(body, status)
                            elif json_encode and (kind_ is dict or kind_ is list):
                                return JSONResponse(body, status)
                response = handler.response
                encode = None if plain_encode else handler.encode
                rendered = self.render_simple(response, result, encode, plan.simple_encode)
                if rendered is not None:
                    return rendered
                return await self._render(response, result, encode)
            except ClientDisconnect:
                _close_body(result)
                raise
            except Exception as exc:
                _close_body(result)
                if self.error_class(_status_of(exc)) is HTTPErrorHandler:
                    raise
                return await self.error(handler.request, handler.response, groups, exc)

        return endpoint

    async def on_error_route(self, request: Request, exc: Exception) -> Response:
        """The user's error routes, asked before the handlers of the apps above; an error no
        error route matches is declined (re-raised), so the search goes on."""
        if self.error_class(_status_of(exc)) is HTTPErrorHandler:
            raise exc
        wrapped = HTTPRequest(self.server, request)
        return await self.error(wrapped, HTTPResponse(wrapped), NO_GROUPS, exc)

    def miss_answer(self, scope: Scope) -> Response | None:
        """on_core_error's answer to a plain routing miss, for the core to send without the
        pipeline (App.set_style_miss_answer); None where an error class may vary it."""
        # error_class()'s own cache read first: no call on the common miss (~0.5k fewer
        # instructions per 404, callgrind)
        if (self._error_classes.get(404) or self.error_class(404)) is HTTPErrorHandler:
            return PlainTextResponse(NOT_FOUND_BODY, 404)
        return None

    async def on_core_error(self, request: Request, exc: Exception) -> Response:
        """web.py's default answer (a style default, below the user's handlers): core misses,
        limits and body errors, and what the handlers raised, through the error routes."""
        if type(exc) is NotFound and not exc.headers and request.scope["method"] != "HEAD":
            plain = self.miss_answer(request.scope)  # the common miss, without the objects
            if plain is not None:
                return plain
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
        if self.close_connections:
            wrapped.keepalive = False
        response = HTTPResponse(wrapped)
        result: Any = None
        try:
            handler = plan.cls(wrapped, response, groups)
            wrapped.handler = handler
            if plan.default_get_body:
                wants_body = handler.method in _BODY_METHODS
            else:
                wants_body = plan.reads_body and handler.get_body()
            if wants_body:
                check = getattr(handler, "check_continue", None)
                if check is not None:
                    check()  # before the first receive(): no 100 sent if it raises
                body = await request.body()
                decode = getattr(handler, "decode", None)
                wrapped.body = body if decode is None else decode(body)
            if plan.default_respond:
                method = handler.method
                direct = plan.direct.get(method)
                sync = None if direct is not None else plan.sync.get(method)
            else:
                direct = sync = None
            if direct is not None:
                result = await direct(handler)  # an async do_<method>, nothing in between
            else:
                if sync is None:
                    result = await self.call(handler, plan)
                elif self.inline:
                    result = sync(handler)
                else:
                    result = await self.concurrency.run(sync, handler)
                if type(result) is not tuple and inspect.isawaitable(result):
                    result = await result
            encode = None if plan.plain_encode else handler.encode
            rendered = self.render_simple(response, result, encode, plan.simple_encode)
            if rendered is not None:
                return rendered
            return await self._render(response, result, encode)
        except ClientDisconnect:
            _close_body(result)
            raise
        except Exception as exc:
            _close_body(result)  # a stream the handler returned is never sent now
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
            encode = None if plan.plain_encode else handler.encode
            return await self.render(response, result, encode, plan.simple_encode)
        except ClientDisconnect:
            raise
        except Exception as failure:
            self.server.log.exception(failure)
            return Response(LAST_RESORT_BODY, 500, media_type="text/plain")

    # results -> responses --------------------------------------------------------------------
    # ``handler`` may be any class shaped like a handler: what the answer needs is read from the
    # request's ``HTTPResponse`` (``response``), and ``encode`` is None for the identity.

    def render_simple(
        self,
        response: HTTPResponse,
        result: Any,
        encode: Callable[[Any], Any] | None,
        simple_encode: bool = False,
    ) -> Response | None:
        """The common case without the general path's checks, or None: a known status and a
        str/bytes body (after ``encode``) on a keep-alive, non-HEAD request, default formatting.
        ``encode`` runs here only when it is known to return str/bytes, and then the answer
        is never None, so it never runs twice."""
        if type(result) is not tuple or not 2 <= len(result) <= 3:
            return None
        status = result[0]
        if (
            type(status) is not int
            or status not in status_messages  # unknown statuses are a 500, as in the original
            or status < 200
            or status in NO_BODY_STATUSES
        ):
            return None
        request = response.request
        if (
            not response.write_body
            or not request.keepalive
            or request.method == "HEAD"
            or self.compat
        ):
            return None
        body = result[-1]  # no reason phrase under ASGI
        kind = type(body)
        if encode is not None:
            # Only encoders known to turn these into str/bytes; others take the general path.
            if not simple_encode or kind not in _ENCODABLE:
                return None
            body = encode(body)
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
        self,
        response: HTTPResponse,
        result: Any,
        encode: Callable[[Any], Any] | None = None,
        simple_encode: bool = False,
    ) -> Response:
        """``(status, body)`` / ``(status, reason, body)`` -> a core response."""
        simple = self.render_simple(response, result, encode, simple_encode)
        if simple is not None:
            return simple
        return await self._render(response, result, encode)

    async def _render(
        self, response: HTTPResponse, result: Any, encode: Callable[[Any], Any] | None
    ) -> Response:
        if isinstance(result, Response):
            return self._with_handler_headers(response, result)
        if not isinstance(result, tuple) or len(result) not in (2, 3):
            raise TypeError(
                f"do_* must return (status, body) or (status, reason, body), got {result!r}"
            )
        status, body = result[0], result[-1]
        if isinstance(status, bool) or not isinstance(status, int) or not 200 <= status <= 599:
            raise ValueError(f"{status!r} is not a final HTTP status")
        if status not in status_messages:
            # The original looked the reason phrase up and failed: a 500, logged.
            raise ValueError(f"{status} is not a status web.py knows (web.status_messages)")
        if status in NO_BODY_STATUSES:
            _close_body(result)
            body = b""
        elif encode is not None:
            body = encode(body)
        if isinstance(body, Response):
            return self._with_handler_headers(response, body)
        head = response.request.method == "HEAD"
        if not response.write_body and not head:
            # Headers only on a method whose body the client waits for: send an empty one.
            _close_body((status, body))
            body = b""
        if isinstance(body, str | bytes | bytearray | memoryview):
            compat = self.compat
            if isinstance(body, str):
                data = body.encode("utf-8")
                media_type = None if compat or not data else "text/plain; charset=utf-8"
            else:
                data = bytes(body)
                media_type = None if compat or not data else "application/octet-stream"
            pairs = [p for p in response.headers.items() if p[0].lower() != "content-length"]
            if head and status not in NO_BODY_STATUSES:
                pairs.append(("Content-Length", str(len(data))))
                data = b""
            self._connection(response, pairs)
            if response.media_type is not None:
                media_type = response.media_type
            if status in NO_BODY_STATUSES:
                media_type = None
            return Response(data, status, pairs, media_type=media_type)
        if _streamable(body):
            return self._stream(response, status, body)
        raise TypeError(f"cannot send a body of type {type(body).__name__}")

    def _stream(self, response: HTTPResponse, status: int, stream: Any) -> Response:
        """A stream, iterator or generator: chunked unless the handler set a Content-Length.

        HEAD gets exactly GET's headers (the core sends them without pulling the stream), and
        the stream stops being pulled when the client leaves (the core's StreamingResponse)."""
        headers = response.headers
        length_text = headers.get("Content-Length")
        length: int | None = None
        pairs = headers.items()
        if length_text is not None:
            try:
                length = int(length_text)
                if length < 0:
                    raise ValueError(length_text)
            except ValueError:
                length = 0  # the original sent headers and no body here; send a valid 0 instead
                pairs = [p for p in pairs if p[0].lower() != "content-length"] + [
                    ("Content-Length", "0")
                ]
        self._connection(response, pairs)
        content: Any = _pull(stream, length)
        if response.request.method == "HEAD":
            _close_body((status, stream))  # never read: GET's headers go out without a body
            content = ()
        try:
            return StreamingResponse(content, status, pairs, response.media_type)
        except Exception:
            _close_body((status, stream))
            raise

    def _with_handler_headers(self, response: HTTPResponse, answer: Response) -> Response:
        extra = response.headers.items()
        if extra:
            mutable = answer.headers
            for name, value in extra:
                if (
                    name.lower() not in ("content-length", "content-type")
                    or name.lower() not in mutable
                ):
                    mutable.append(name, value)
        pairs: list[tuple[str, str]] = []
        self._connection(response, pairs)
        if pairs:
            answer.headers["connection"] = "close"
        return answer

    @staticmethod
    def _connection(response: HTTPResponse, pairs: list[tuple[str, str]]) -> None:
        if not response.request.keepalive:
            pairs.append(("Connection", "close"))


def _streamable(body: Any) -> bool:
    """A body sent piece by piece: a binary stream, an iterator/generator (sync or async)."""
    return (
        isinstance(body, io.IOBase)
        or hasattr(body, "read")
        or hasattr(body, "__anext__")
        or (hasattr(body, "__next__") and not isinstance(body, str | bytes))
    )


def _close_body(result: Any) -> None:
    """Close the stream or generator of a ``(status, body)`` result that will not be sent."""
    if type(result) is not tuple or not result:
        return
    body = result[-1]
    if isinstance(body, io.IOBase) or hasattr(body, "read") or inspect.isgenerator(body):
        close = getattr(body, "close", None)
        if close is not None:
            close()


async def _pull(body: Any, length: int | None) -> AsyncIterator[bytes]:
    """The chunks of a stream or iterator, up to ``length`` bytes; ``str`` chunks UTF-8.

    File-like objects are read in ``stream_chunk_size`` pieces and sync iterators advanced in
    a worker thread, so a blocking source never blocks the loop. Whatever happens (the end,
    the length reached, an error, or the client leaving: the core cancels this generator),
    the source is closed, synchronously so that a cancellation cannot skip it.
    """
    remaining = length
    try:
        if hasattr(body, "read"):
            while remaining is None or remaining > 0:
                size = stream_chunk_size if remaining is None else min(stream_chunk_size, remaining)
                chunk = await anyio.to_thread.run_sync(body.read, size)
                if not chunk:
                    break
                if isinstance(chunk, str):
                    chunk = chunk.encode("utf-8")
                if remaining is not None:
                    remaining -= len(chunk)
                yield chunk
            return
        source: AsyncIterator[Any] = body if hasattr(body, "__anext__") else iterate_in_thread(body)
        async for piece in source:
            chunk = piece.encode("utf-8") if isinstance(piece, str) else bytes(piece)
            if remaining is not None:
                chunk = chunk[:remaining]
                remaining -= len(chunk)
            if chunk:
                yield chunk
            if remaining is not None and remaining <= 0:
                break
    finally:
        close = getattr(body, "close", None)
        if close is not None and not inspect.iscoroutinefunction(close):
            close()
        elif hasattr(body, "aclose"):
            with anyio.CancelScope(shield=True):
                await body.aclose()
