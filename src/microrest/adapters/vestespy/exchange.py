"""One request's life as VestesPy events, run as a prepared core endpoint (``_Rest`` when it
needs the wire).

Order, for every request: ``request`` (headers parsed) on the server, then ``data`` once per
non-empty ASGI body chunk as it arrives (no Content-Length needed, chunked uploads work), then
``end`` when the body is complete. Whatever a handler sent goes out as soon as it returns.

Decisions where the original was broken:
- A method outside the original's list (GET POST HEAD PUT DELETE TRACE OPTIONS CONNECT PATCH)
  is answered 501 without running handlers (the original: 400; ``compat=True`` keeps that).
- ``HTTPError(code, msg)`` (or a core ``HTTPError``) from any handler answers ``code``/``msg``;
  any other exception stops the chain and reaches the core's error pipeline (500, logged,
  traceback in the body only with ``debug=True``).
- When the chain ends, a buffered ``send_all`` is sent; with nothing sent or buffered the client
  gets a 500 and the log says which request went unanswered.
- If a handler answered before the body was read and the ASGI server then stops delivering the
  body (uvicorn does), ``end`` still fires, with the body cut short.
- A stream started before the body is read (``send_chunked`` from ``request`` or ``data``) runs
  beside the reading: ``data`` and ``end`` keep firing, and the exchange keeps watching the
  connection after ``end``, so the stream stops as soon as the client leaves (the same stream
  started from ``end`` watches the connection itself).
- The catch-all (no Dispatcher pattern) steps aside for a black-box app mounted on the app
  that routed the request (``server.app.mount("/static", StaticFiles(...))``): the core tries
  such mounts only when no route matched, and the catch-all matches everything.
"""

from __future__ import annotations

from collections.abc import Callable
from types import FunctionType
from typing import TYPE_CHECKING, Any

import anyio

from ...errors import ClientDisconnect, PayloadTooLarge
from ...errors import HTTPError as CoreHTTPError
from ...responses import Response as CoreResponse
from ...responses import StreamingResponse
from ...toolkit import declared_length, error_logger, route_path
from .dispatcher import NOT_FOUND_ANSWER
from .errors import HTTPError
from .events import ANSWERS, NO_EVENTS, Event
from .headers import Headers
from .request import Request
from .response import _LENGTHS, _RAW, Answer, Response, _header_set, length_header

if TYPE_CHECKING:
    from ...requests import Request as CoreRequest
    from ...types import ASGIApp, Message, Receive, Scope, Send
    from .dispatcher import Dispatcher, Pattern
    from .server import Server

__all__ = ["ERROR_CHARSET_KEY", "Exchange", "answer_error", "logger"]

# Set when a handler's error goes to the pipeline: the charset of its ``msg``, and the mark that
# the error came from a VestesPy handler (a core miss outside them keeps the core's answer).
ERROR_CHARSET_KEY = "vestespy.error_charset"

logger = error_logger
_new = object.__new__
# The response caches' lookups, bound here: Python 3.11 compiles ``name.attr(...)`` for an
# imported ``name`` as a plain attribute read (it expects a module), which for a dict makes a
# bound method per call (echo 86.7k -> 85.7k, plaintext 59.8k -> 58.8k, param 72.4k -> 71.4k
# instructions a request, callgrind).
_raw_get = _RAW.get
_length_get = _LENGTHS.get
_finish = Response.finish  # likewise, a class's attribute read (answer_sync and _Rest)
NONE, POSITIONAL, KEYWORDS = 0, 1, 2  # Exchange.passing: how a direct handler gets groups
# POSITIONAL for a pattern of one or two groups: unpacked into a call of its exact arity.
ONE_GROUP, TWO_GROUPS = 3, 4
_PERCENT = ord("%")  # searched for in a raw path: ``_PERCENT in raw`` (see Exchange.answer)
# The headers that announce a body (HTTP/1): the exchange's body tests look for them.
_BODY_HEADERS = frozenset((b"content-length", b"transfer-encoding"))
_READ: Any = object()  # the exchange read the body and fired its events itself
# What the exchange's scan declares for a repeated Content-Length: not digits, so its size is -1.
_TWICE = b""
_HTTP1 = ("1.1", "1.0")  # scope["http_version"] of the versions whose bodies are declared
# The methods the original's parser accepted; it answered 400 to any other.
KNOWN_METHODS = frozenset(
    {"GET", "POST", "HEAD", "PUT", "DELETE", "TRACE", "OPTIONS", "CONNECT", "PATCH"}
)


async def _never() -> Message:
    """A ``receive`` for responses sent before the body was read: the body stays ours."""
    await anyio.sleep_forever()
    raise AssertionError("unreachable")  # pragma: no cover


class Exchange:
    """The endpoint (``endpoint``: ``answer``, or ``answer_sync`` for a sync handler) of a
    server's routes; ``route`` is the Dispatcher entry, if any.

    ``label`` is that entry's pattern as registered (the route table shows it).
    """

    __slots__ = (
        "server",
        "route",
        "label",
        "dispatcher",
        "target",
        "awaited",
        "passing",
        "endpoint",
    )

    def __init__(
        self,
        server: Server,
        route: Pattern | None = None,
        label: str = "",
        dispatcher: Dispatcher | None = None,
    ) -> None:
        self.server = server
        self.route = route
        self.label = label
        # The Dispatcher whose entry ``route`` is, and the entry's handler when the core's
        # match is always that Dispatcher's answer: called straight from here when that
        # Dispatcher is the server's one ``request`` handler (``awaited``: it is async).
        self.dispatcher = dispatcher
        self.target: Callable[..., Any] | None = None
        self.awaited = False
        # How the direct handler gets the pattern's groups: NONE (no groups: no ``**{}``
        # unpacked per request), KEYWORDS (``**path_params``, the general way), or
        # POSITIONAL (``*path_groups``, see _passing), with ONE_GROUP and TWO_GROUPS for
        # the commonest counts: the groups unpacked into locals and passed one by one make
        # a call of the function's exact arity, which CPython runs in the same evaluation
        # loop without building an argument tuple, where ``*groups`` goes through the
        # generic call (param 73.9k -> 73.2k, param_sync_inline 75.5k -> 74.8k
        # instructions, callgrind).
        self.passing = KEYWORDS
        if dispatcher is not None and route is not None:
            direct = dispatcher._direct.get(id(route))
            if direct is not None:
                self.target = route.handler
                self.awaited = direct
                self.passing = _passing(route)
                if self.passing is POSITIONAL and route.regex is not None:
                    count = route.regex.groups
                    self.passing = {1: ONE_GROUP, 2: TWO_GROUPS}.get(count, POSITIONAL)
        # The route's endpoint: ``answer_sync`` when the direct handler is sync and the
        # server runs sync handlers inline (a plain function: no coroutine), else ``answer``.
        self.endpoint: Callable[[Scope, Receive], Any] = (
            self.answer_sync
            if self.target is not None
            and not self.awaited
            and server.app.concurrency.mode == "inline"
            else self.answer
        )

    def answer_sync(self, scope: Scope, receive: Receive) -> Any:
        """``answer`` for a route whose direct handler is sync, not a coroutine: run inline
        with nothing to read and no listener, the request is answered at once, with no
        coroutine made or awaited (param_sync_inline 82.5k -> 81.0k instructions,
        callgrind). Anything else (a thread, a body, the escapes in the path that
        ``answer``'s dispatcher test is about, a user's class, another request handler)
        is ``answer``'s, as is what a handler leaves to do: listeners or a stream
        (``_Rest``, as ``answer`` does), an error (``_Rest``)."""
        server = self.server
        raw: bytes | None = scope.get("raw_path")
        if (
            server._sole is not self.dispatcher
            or not server._defaults
            or server.app.concurrency.mode != "inline"
            or scope["method"] not in KNOWN_METHODS
            or raw is None
            or _PERCENT in raw
            or scope.get("http_version", "1.1") not in _HTTP1
        ):
            return self.answer(scope, receive)
        for name, _ in scope["headers"]:
            if name in _BODY_HEADERS:
                return self.answer(scope, receive)  # a body: answer's to bound and read
        # As in ``answer`` (kept in step with it; the hot-path tests compare the two).
        request = _new(Request)
        request.scope = scope
        request.server = server
        request.method = scope["method"]
        request._events = NO_EVENTS
        request._route = self.route
        response = _new(Response)
        table = response.headers = _new(Headers)
        table._data = {}
        response.request = request
        response.server = server
        response.alive = True
        response._pending = None
        response._buffer = None
        response.status = 200
        event = _new(Event)
        event.source = server
        event.name = "request"
        target = self.target
        assert target is not None
        try:
            try:
                passing = self.passing
                if passing is TWO_GROUPS:
                    one, two = scope["path_groups"]
                    target(event, request, response, one, two)
                elif passing is NONE:
                    target(event, request, response)
                elif passing is ONE_GROUP:
                    (one,) = scope["path_groups"]
                    target(event, request, response, one)
                elif passing is POSITIONAL:
                    target(event, request, response, *scope["path_groups"])
                else:
                    target(event, request, response, **scope["path_params"])
            except ANSWERS:
                raise
            except Exception:
                server.exception_handler()
                raise
        except Exception as exc:
            return _Rest(self, FAILED, (request, response, exc, False))
        pending = response._pending
        if request._events or (pending is not None and type(pending) is not Answer):
            # Listeners (the body is read and their events fired) or a stream: _Rest, as
            # ``answer`` sends what was sent and reads the body.
            return _Rest(self, READ, (request, response, None))
        if pending is not None:
            response._pending = None
            return (pending.status, pending.raw_headers, pending.body)
        return _buffered(request, response)

    async def answer(self, scope: Scope, receive: Receive) -> Any:
        """The prepared endpoint (``add_route(..., prepared=True)``): runs the handlers and
        answers ``(status, headers, body)`` when their answer is complete and nothing is left
        to read, which the core sends without a raw route's guard (a coroutine and a closure
        per message: plaintext 69.3k -> 67.2k, json 70.2k -> 68.2k, param 83.6k -> 81.3k,
        echo 98.4k -> 96.0k instructions, callgrind). Anything that needs the ASGI ``send``
        (a stream, a body to read after the answer, a handler's error, a black-box mount) is
        answered by ``_Rest``, a core ``Response`` the core runs under that guard, which
        carries on from where this stopped exactly as the raw route did.

        The route's endpoint is this bound method, not the exchange: an object with a
        ``__call__`` is called through a tuple of arguments and a bound method made per call
        (plaintext 67.2k -> 66.5k, echo 96.0k -> 95.3k instructions, callgrind).
        """
        server = self.server
        if self.route is None:
            mounted = _black_box(scope)
            if mounted is not None:
                return _Rest(self, MOUNT, mounted)
            if _plain_miss(server, scope):
                # The sole Dispatcher's 404, as its handler would send it through
                # handle404, without the Request, the Response and the Event nobody sees
                # (notfound: 931 -> 639 bytecodes, 80.0k -> 57.4k instructions, callgrind;
                # the core's own 404 is 57.4k).
                answer = NOT_FOUND_ANSWER
                return (answer.status, list(answer.raw_headers), answer.body)
        method: str = scope["method"]  # (one lookup for both uses)
        if method not in KNOWN_METHODS:
            # Never reaches the handlers, as in the original; RFC 9110 says 501 for a method
            # the server does not implement (``compat=True``: the original's 400).
            return CoreResponse(b"", 400 if server.compat else 501)
        # Request.__init__, Response.__init__ and Event.__init__ done here for the default
        # classes (kept in step with them; test_vestespy_hot_paths compares the objects):
        # a frame less for each, about 0.4k instructions apiece (callgrind).
        # The private state read on the hot path (``_events``, ``alive``, ``_pending``,
        # ``_buffer``) is stored in the objects too, with the class's values: an attribute
        # found on the class is a generic lookup each time it is read (about 0.2k
        # instructions), one of the instance a specialised one (about 40). With the
        # remembered Content-Length (response.py): plaintext 64.7k -> 63.1k, json 65.6k ->
        # 64.1k, echo 93.6k -> 91.5k instructions (callgrind).
        # Both classes the defaults (``server._defaults``, kept by the server whenever either
        # is set): one test, not one per class (with on()'s store below: echo 86.8k -> 86.5k,
        # param 72.6k -> 72.4k, plaintext 60.0k -> 59.9k, callgrind, 1,000 requests).
        if server._defaults:
            request = _new(Request)
            request.scope = scope
            request.server = server
            request.method = method
            request._events = NO_EVENTS
            request._route = self.route
            response = _new(Response)
            table = response.headers = _new(Headers)
            table._data = {}
            response.request = request
            response.server = server
            response.alive = True
            response._pending = None
            response._buffer = None
            # The status too (the class's 200), read when the answer is made: a store here
            # and a specialised read there cost less than the generic lookup through the
            # class (json 61.6k -> 61.4k, echo 88.0k -> 87.9k, param_sync_inline 76.6k ->
            # 76.1k with the server's response_class, callgrind).
            response.status = 200
        else:
            request = server.handler_class(scope, server)
            request._route = self.route
            response = server.response_class(request, server)
        limit = server.max_body_size
        # The _Wire is built only off the hot path (in _Rest: a data/end listener that sends
        # before the end, a stream, an error); with the direct answer of the buffered send_all
        # below and the header-set cache in Response.finish, plaintext went from 87.9k to
        # 82.7k instructions per request (benchmarks/instructions.py), param 121.6k to 114.1k.
        first: Message | None = None  # the body's first message, once read here
        try:
            # What the body tests need from the headers, in one scan: the Content-Length
            # (once: a repeat goes to declared_length's checks) and whether a
            # Transfer-Encoding is there. A scan costs less than ``dict(headers)`` (the dict
            # and its inserts: plaintext 2.3k -> 1.7k instructions for three headers).
            declared: bytes | None = None
            coded = False
            for name, value in scope["headers"]:
                # One set lookup per header, two comparisons only for those two names
                # (bytes comparisons are not specialised: 1.9k -> 1.6k for three headers).
                if name in _BODY_HEADERS:
                    if name == b"content-length":
                        # A repeat is declared as _TWICE, a value whose size is -1: the
                        # checks below then send it to declared_length, with no flag kept
                        # and tested for it (with the first message standing for ``read``
                        # below and the listeners unpacked: echo 87.6k -> 86.8k
                        # instructions since this pass began, callgrind, 1,000 requests).
                        declared = value if declared is None else _TWICE
                    else:
                        coded = True
            if declared is not None and limit is not None:  # (no body: one test)
                # declared_length's checks, when the header is there once: its value's size,
                # remembered (-1: not one declared_length accepts as is), instead of len(),
                # isdigit() and int() each time (echo 71 -> 12 bytecodes with those three;
                # the lookup: echo 91.5k -> 90.5k instructions, callgrind). A value not
                # remembered yet reads as -1 too, and is worked out behind the same test.
                size = _SIZES.get(declared, -1)
                if (size < 0 or size > limit) and not 0 <= _size_of(declared) <= limit:
                    declared_length(scope, limit)  # 400 or 413 before any handler runs
            target = self.target
            raw: bytes | None = scope.get("raw_path")
            if (
                target is not None
                and server._sole is self.dispatcher
                # ``"%" not in request.url`` (the core matched what the dispatcher would),
                # found in the raw path without making the url (a "%" in the url is one in
                # the raw path): Request.__init__ 55 -> 20 bytecodes, plaintext 799 -> 768.
                # The byte's value, not b"%": ``in`` on bytes takes an int at once (memchr),
                # while a bytes argument is first tried as an int and builds a TypeError;
                # and no str is decoded (0.9k -> 0.2k instructions, callgrind).
                and (_PERCENT not in raw if raw is not None else _unescaped(request))
            ):
                # DispatchHandler.__vestespy_async__'s shortcut, taken here: no bound method
                # and no frame in between (plaintext 65.6k -> 64.4k; a sync handler run
                # inline: param_sync_inline 104.5k -> 101.7k).
                event = _new(Event)
                event.source = server
                event.name = "request"
                try:
                    passing = self.passing
                    if self.awaited:
                        if passing is NONE:
                            await target(event, request, response)
                        elif passing is TWO_GROUPS:
                            one, two = scope["path_groups"]
                            await target(event, request, response, one, two)
                        elif passing is ONE_GROUP:
                            (one,) = scope["path_groups"]
                            await target(event, request, response, one)
                        elif passing is POSITIONAL:
                            await target(event, request, response, *scope["path_groups"])
                        else:
                            await target(event, request, response, **scope["path_params"])
                    elif server.app.concurrency.mode == "inline":  # as dispatcher._call
                        if passing is TWO_GROUPS:
                            one, two = scope["path_groups"]
                            target(event, request, response, one, two)
                        elif passing is ONE_GROUP:
                            (one,) = scope["path_groups"]
                            target(event, request, response, one)
                        elif passing is POSITIONAL:
                            target(event, request, response, *scope["path_groups"])
                        else:
                            target(event, request, response, **scope["path_params"])
                    else:
                        await server.app.concurrency.run(
                            target, event, request, response, **scope["path_params"]
                        )
                except ANSWERS:
                    raise
                except Exception:
                    server.exception_handler()
                    raise
            elif server._single_request is not None:
                # One async handler: ``trigger_async`` inlined.
                try:
                    await server._single_request[0](Event(server, "request"), request, response)
                except ANSWERS:
                    raise
                except Exception:
                    server.exception_handler()
                    raise
            else:
                await server.trigger_async("request", (request, response), server.app.concurrency)
            pending = response._pending
            if not request._events and (pending is None or type(pending) is Answer):
                # The hot path: nobody listens to data or end, and nothing or a complete
                # answer was sent.
                # An HTTP/1 request with neither Content-Length nor Transfer-Encoding has no
                # body (RFC 9112 6.3): nothing to read or bound, as the core does not read one
                # (a receive() and 30 bytecodes less: plaintext 70.3k -> 68.6k instructions,
                # callgrind counting the measured requests only). A body to read after the
                # answer is sent: _Rest reads it.
                if declared is not None or coded or scope.get("http_version", "1.1") not in _HTTP1:
                    return _Rest(self, AFTER_ANSWER, (request, response))
                if pending is not None:
                    response._pending = None
                    return (pending.status, pending.raw_headers, pending.body)
            elif pending is None:
                # Listeners, nothing sent yet: a body in one message (or none), the common
                # case, is read and its events fired right here: _read's loop and the _Wire
                # only when something is sent before the end or the body comes in parts
                # (echo: 1258 -> 1189 bytecodes, about 3k instructions, callgrind).
                first = await receive()
                if first["type"] != "http.request" or first.get("more_body"):
                    return _Rest(self, READ, (request, response, first))
                # (None or b"" when there is none, falsy either way; the defaults of get()
                # and the chunk tested once: a few bytecodes less.)
                chunk = first.get("body")
                if chunk:
                    if limit is not None and len(chunk) > limit:
                        raise PayloadTooLarge(f"Request body exceeds the limit of {limit} bytes")
                    events = request._events
                    if "data" in events:
                        # The one listener's async entry, found once and kept for the call
                        # (several listeners, or a sync one: trigger_async as before). Not
                        # unpacked under a caught ValueError, which cost several listeners
                        # about 3.7k instructions per event for 0.5k less on echo.
                        listeners = events["data"]
                        entry = listeners[0][1] if len(listeners) == 1 else None
                        if entry is not None:
                            event = _new(Event)
                            event.source = request
                            event.name = "data"
                            try:
                                await entry(event, request, response, chunk)
                            except ANSWERS:
                                raise
                            except Exception:
                                request.exception_handler()
                                raise
                        else:
                            await request.trigger_async(
                                "data", (request, response, chunk), server.app.concurrency
                            )
                        if response._pending is not None:
                            # a data handler sent: out it goes, then end fires
                            return _Rest(self, DATA_SENT, (request, response))
                events = request._events
                if "end" in events:
                    listeners = events["end"]  # as for data
                    entry = listeners[0][1] if len(listeners) == 1 else None
                    if entry is not None:
                        event = _new(Event)
                        event.source = request
                        event.name = "end"
                        try:
                            await entry(event, request, response)
                        except ANSWERS:
                            raise
                        except Exception:
                            request.exception_handler()
                            raise
                    else:
                        await request.trigger_async(
                            "end", (request, response), server.app.concurrency
                        )
                pending = response._pending
                if pending is not None:
                    if type(pending) is not Answer:  # a stream: _Rest sends it
                        return _Rest(self, END_SENT, (request, response))
                    response._pending = None
                    return (pending.status, pending.raw_headers, pending.body)
            else:
                # Something sent before the body was read, and listeners: _Rest sends it
                # (a stream runs beside the reading) and reads the body.
                return _Rest(self, READ, (request, response, None))
        except Exception as exc:
            # Nothing has been sent: _Rest settles the error as the raw route did.
            # (``first is not None``: the body was read, in one message)
            return _Rest(self, FAILED, (request, response, exc, first is not None))
        # The buffered send_all is the answer, its headers straight from the response (no
        # Answer: the body is read, nothing else is sent after this).
        body = response._buffer
        if body is None or not response.alive:
            return _unanswered(request)
        # Response.finish(body), inlined (kept in step with it): a frame less, about 0.4k
        # instructions per request (callgrind).
        data = response.headers._data
        if "content-length" in data:
            del data["content-length"]
        status = response.status
        key: tuple[Any, ...]
        if len(data) == 1:
            # The commonest set (one header: the Content-Type), its key without the list
            # that ``(status, *values)`` builds and turns into a tuple (the same key): json
            # 61.4k -> 61.1k, echo 87.9k -> 87.6k, plaintext 60.5k -> 60.2k instructions
            # (callgrind).
            for value in data.values():
                key = (status, value)
        else:
            key = (status, *data.values())
        # get(), not a subscript with its miss caught: both caches are bounded, and once one
        # is full every new key (a body length, a header value that varies) would raise and
        # catch a KeyError on every request, several times the 1.1k instructions the
        # subscripts saved on a hit (callgrind).
        try:
            known = _raw_get(key)
        except TypeError:  # an unhashable value a handler stored: encoded each time
            known = None
        if known is None:
            known = _header_set(key, "transfer-encoding" in data)
        length = len(body)
        if known[1]:
            raw_headers = [*known[0], _length_get(length) or length_header(length)]
        else:
            raw_headers = list(known[0])
        data["content-length"] = (length, "Content-Length")
        response._buffer = None
        response.alive = False
        return (status, raw_headers, body)


# What a _Rest carries on with (its ``stage``).
MOUNT = 0  # a black-box app mounted where the catch-all's request goes
AFTER_ANSWER = 1  # no listeners: send what was sent (if anything), then read the body
READ = 2  # listeners, body not read here: send what was sent, read with _read
DATA_SENT = 3  # the one-message body was read and a data handler sent: out, then end
END_SENT = 4  # the end handler started a stream
FAILED = 5  # a handler (or the body's checks) raised before anything was sent


def _unanswered(request: Request) -> CoreResponse:
    logger.error(
        "VestesPy handlers sent no response for %s %s; answering 500",
        request.method,
        request.url,
    )
    return CoreResponse(b"", 500)


def _buffered(request: Request, response: Response) -> Any:
    """The buffered ``send_all`` as the prepared answer (``answer_sync``'s last step; ``answer``
    has it inline)."""
    body = response._buffer
    if body is None or not response.alive:
        return _unanswered(request)
    return (response.status, _finish(response, body), body)


class _Rest(CoreResponse):
    """The rest of an exchange that needs the ASGI ``send``, as a core ``Response`` that the
    prepared route's caller runs under the raw-route guard (what the whole exchange ran under
    before): the wire steps the raw endpoint took, from where ``Exchange.answer`` stopped."""

    def __init__(self, exchange: Exchange, stage: int, state: tuple[Any, ...]) -> None:
        # No CoreResponse.__init__: nothing of a response's own is used, only __call__.
        self.exchange = exchange
        self.stage = stage
        self.state = state
        self.background = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        stage = self.stage
        if stage == MOUNT:
            app, child = self.state
            await app(child, receive, send)
            return
        request: Request = self.state[0]
        response: Response = self.state[1]
        limit = self.exchange.server.max_body_size
        wire: _Wire | None = None
        answered = False  # a complete answer went out before the body was read
        read = stage in (DATA_SENT, END_SENT)  # the body was read, without a _Wire
        try:
            if stage == FAILED:
                read = self.state[3]
                raise self.state[2]
            if stage == AFTER_ANSWER:
                # _Wire.flush and _read's loop, inlined on locals, still bounding the body.
                pending = response._pending
                if pending is not None:
                    response._pending = None
                    answered = True
                    await send(
                        {
                            "type": "http.response.start",
                            "status": pending.status,  # type: ignore[attr-defined]
                            "headers": pending.raw_headers,  # type: ignore[attr-defined]
                        }
                    )
                    await send(
                        {"type": "http.response.body", "body": pending.body}  # type: ignore[attr-defined]
                    )
                received = 0
                while True:
                    message = await receive()
                    if message["type"] != "http.request":
                        if answered:
                            break  # the server stops reading once the response is complete
                        raise ClientDisconnect()
                    chunk = message.get("body", b"")
                    if chunk and limit is not None:
                        received += len(chunk)
                        if received > limit:
                            raise PayloadTooLarge(
                                f"Request body exceeds the limit of {limit} bytes"
                            )
                    if not message.get("more_body", False):
                        break
            elif stage == DATA_SENT:
                wire = _Wire(scope, receive, send, limit)
                wire.body_done = True
                await wire.flush(response)
                await _end(request, response, wire)
                answered = wire.started
            elif stage == END_SENT:
                wire = _Wire(scope, receive, send, limit)
                wire.body_done = True
                await wire.flush(response)
                answered = wire.started
            else:  # READ
                wire = _Wire(scope, receive, send, limit)
                early = None
                if response._pending is not None:
                    early = await wire.flush(response)
                if early is None:
                    early = await _read(request, response, wire, self.state[2])
                if early is not None:
                    await _stream_while_reading(early, request, response, wire)
                    return
                answered = wire.started
        except (HTTPError, CoreHTTPError) as exc:
            if await _wire_of(wire, scope, receive, send, answered, read).settle_error(
                response, exc
            ):
                # The core's pipeline answers: the user's handlers on this app and the apps
                # above first, then VestesPy's own answer (``answer_error``, the style default).
                scope[ERROR_CHARSET_KEY] = response.charset
                raise
            return
        except ClientDisconnect:
            raise
        except Exception:
            wire = _wire_of(wire, scope, receive, send, answered, read)
            # What a handler sent before failing still goes out, as it did on the socket.
            pending = response.take_pending()
            if pending is not None and not wire.started:
                await wire.send_response(pending)
            if wire.started:
                logger.exception(
                    "VestesPy handler failed after answering %s %s", request.method, request.url
                )
                return
            response.discard()
            raise  # the core answers 500 and logs it
        if answered:
            return
        # The buffered send_all goes out.
        body = response._buffer
        if body is None or not response.alive:
            await _unanswered(request)(scope, receive, send)
            return
        raw_headers = _finish(response, body)
        await send(
            {"type": "http.response.start", "status": response.status, "headers": raw_headers}
        )
        await send({"type": "http.response.body", "body": body})


# A Content-Length value -> its size, or -1 when declared_length must look at it (not 1 to
# 18 ASCII digits): the values repeat from request to request.
_SIZES: dict[bytes, int] = {}


def _size_of(declared: bytes) -> int:
    size = int(declared) if len(declared) < 19 and declared.isdigit() else -1
    if len(_SIZES) < 512:
        _SIZES[declared] = size
    return size


def _passing(entry: Pattern) -> int:
    """How a direct handler gets ``entry``'s groups, decided at registration.

    POSITIONAL when every group is named and the handler is a plain function whose
    parameters after ``(ev, req, res)`` are exactly those names, in the groups' order: the
    same call as with keywords, without matching each keyword against the parameter names
    (group names are not interned, so CPython compares them as strings one by one: about
    1.2k instructions on the param route, callgrind).
    """
    regex = entry.regex
    if regex is None or regex.groups == 0:
        return NONE
    handler = entry.handler
    if type(handler) is not FunctionType:
        return KEYWORDS
    names = tuple(sorted(regex.groupindex, key=regex.groupindex.__getitem__))
    code = handler.__code__
    if (
        len(names) == regex.groups
        and code.co_argcount == 3 + len(names)
        and code.co_posonlyargcount <= 3
        and code.co_varnames[3 : 3 + len(names)] == names
    ):
        return POSITIONAL
    return KEYWORDS


def _unescaped(request: Request) -> bool:
    return "%" not in request.url


def _plain_miss(server: Server, scope: Scope) -> bool:
    """Whether the catch-all's request gets the sole Dispatcher's 404 whatever runs: what
    ``Dispatcher.resolve`` concludes from the route (every pattern routed ahead of the
    catch-all, each the core's exact match), with no user class in between (the default
    Request and Response, and a method the handlers would be asked about)."""
    dispatcher = server._sole
    if (
        dispatcher is None
        or not dispatcher.patterns
        or not dispatcher._all_exact
        or not dispatcher._complete.get(id(server))
        or not server._defaults
        or scope["method"] not in KNOWN_METHODS
    ):
        return False
    # ``req.url`` keeps percent-escapes, which the dispatcher matches itself: none anywhere
    # in the raw path means none in the url (a part of it).
    raw: bytes | None = scope.get("raw_path")
    return "%" not in scope["path"] if raw is None else _PERCENT not in raw


def _wire_of(
    wire: _Wire | None, scope: Scope, receive: Receive, send: Send, answered: bool, read: bool
) -> _Wire:
    """The exchange's wire, built after the fact when the hot path kept its state in locals."""
    if wire is None:
        wire = _Wire(scope, receive, send, None)
        wire.started = wire.completed = answered
        wire.body_done = read
    return wire


async def _read(
    request: Request, response: Response, wire: _Wire, first: Message | None = None
) -> ASGIApp | None:
    """Fire ``data`` per body chunk, then ``end``; flush what they send.

    ``first`` is the body's first message when the caller has already received it.
    Returns a stream a ``data`` handler started before the body was complete, unsent: the
    caller runs it beside the rest of the reading (``_stream_while_reading``).
    """
    concurrency = request.server.app.concurrency
    receive = wire.receive
    limit = wire.limit
    while not wire.body_done:
        if first is not None:
            message, first = first, None
        else:
            message = await receive()
        if message["type"] != "http.request":
            if wire.completed:
                break  # the server stops reading once the response is complete
            raise ClientDisconnect()
        chunk = message.get("body", b"")
        if limit is not None and chunk:
            wire.received += len(chunk)
            if wire.received > limit:  # a streamed body has no Content-Length to check
                raise PayloadTooLarge(f"Request body exceeds the limit of {limit} bytes")
        if not message.get("more_body", False):
            wire.body_done = True
        if chunk and "data" in request._events:
            listeners = request._events["data"]
            if len(listeners) == 1 and listeners[0][1] is not None:
                # trigger_async's one-async-handler case, inlined here and for ``end``: a
                # coroutine less per event (echo: 1898 -> 1658 bytecodes per request with the
                # cheaper on() in events.py; 170.6k -> 153.6k instructions with the rest).
                try:
                    await listeners[0][1](Event(request, "data"), request, response, chunk)
                except ANSWERS:
                    raise
                except Exception:
                    request.exception_handler()
                    raise
            else:
                await request.trigger_async("data", (request, response, chunk), concurrency)
            if response._pending is not None:
                early = await wire.flush(response)
                if early is not None:
                    return early
    wire.body_done = True
    await _end(request, response, wire)
    return None


async def _end(request: Request, response: Response, wire: _Wire) -> None:
    """Fire ``end`` (the body is read) and flush what its handlers send."""
    concurrency = request.server.app.concurrency
    if "end" in request._events:
        listeners = request._events["end"]
        if len(listeners) == 1 and listeners[0][1] is not None:
            try:
                await listeners[0][1](Event(request, "end"), request, response)
            except ANSWERS:
                raise
            except Exception:
                request.exception_handler()
                raise
        else:
            await request.trigger_async("end", (request, response), concurrency)
        if response._pending is not None:
            await wire.flush(response)


async def _stream_while_reading(
    stream: ASGIApp, request: Request, response: Response, wire: _Wire
) -> None:
    """Send ``stream`` while the body is read, and stop it the moment the client leaves.

    The reading loop is the only reader of ``receive``: it hands body chunks to ``data``
    handlers and tells the stream about a disconnect through ``gone``. After ``end`` it keeps
    reading until the stream is complete or the client has left.
    """
    gone = anyio.Event()
    watch = anyio.CancelScope()  # the wait after ``end``: over when the stream is
    send = wire.send

    async def receive_disconnect() -> Message:
        await gone.wait()
        return {"type": "http.disconnect"}

    async def send_noting_the_end(message: Message) -> None:
        if message["type"] == "http.response.body" and not message.get("more_body", False):
            wire.completed = True  # before the send returns: the reader must know at once
        await send(message)

    async def run_stream() -> None:
        try:
            await stream(wire.scope, receive_disconnect, send_noting_the_end)
        except Exception:
            logger.exception("VestesPy stream for %s %s failed", request.method, request.url)
        finally:
            wire.completed = True
            watch.cancel()

    wire.started = True
    async with anyio.create_task_group() as group:
        group.start_soon(run_stream)
        try:
            await _read(request, response, wire)
        except ClientDisconnect:
            pass  # gone is set below: the stream stops
        except (HTTPError, CoreHTTPError) as exc:
            logger.warning("HTTPError %s raised after the response was sent; ignored", exc)
        except Exception:
            logger.exception(
                "VestesPy handler failed after answering %s %s", request.method, request.url
            )
        else:
            with watch:
                while not wire.completed:
                    message = await wire.receive()
                    if message["type"] == "http.disconnect":
                        break
        finally:
            gone.set()


def _black_box(scope: Scope) -> tuple[ASGIApp, Scope] | None:
    """The black-box app mounted where this request goes, with its scope, if there is one.

    Mounts are those of the app that routed the request (``scope["app"]``): the server's own
    app, or the app the server is merged into, which holds the server's mounts under its
    prefix. Routes beat mounts in the core; the catch-all is not a route the user wrote.
    """
    app = scope.get("app")
    router = getattr(app, "router", None)
    mounts: list[tuple[str, ASGIApp]] | None = getattr(router, "mounts", None)
    if not mounts:
        return None
    path = route_path(scope)
    for prefix, mounted in mounts:
        if path == prefix or path.startswith(prefix + "/"):
            child = dict(scope)
            child["root_path"] = scope.get("root_path", "") + prefix
            return mounted, child
    return None


class _Wire:
    """The ASGI side of one exchange: what was sent, and how much of the body was read."""

    __slots__ = (
        "scope",
        "receive",
        "send",
        "started",
        "completed",
        "body_done",
        "limit",
        "received",
    )

    def __init__(self, scope: Scope, receive: Receive, send: Send, limit: int | None) -> None:
        self.scope = scope
        self.receive = receive
        self.send = send
        self.started = False
        self.completed = False
        self.body_done = False
        self.limit = limit
        self.received = 0

    async def flush(self, response: Response) -> ASGIApp | None:
        """Send what a handler sent; a stream started before the body is read is returned
        instead (it must run beside the reading, which alone may call ``receive``)."""
        pending = response.take_pending()
        if pending is None:
            return None
        if not self.body_done and isinstance(pending, StreamingResponse):
            return pending
        await self.send_response(pending)
        return None

    async def send_response(self, response: ASGIApp) -> None:
        self.started = True
        # A complete answer never reads; before the body is read, ``receive`` is not its own.
        receive = self.receive if self.body_done else _never
        await response(self.scope, receive, self.send)
        self.completed = True

    async def settle_error(self, response: Response, exc: HTTPError | CoreHTTPError) -> bool:
        """What a handler sent before raising goes out; True if an error answer can follow."""
        pending = response.take_pending()
        if pending is not None and not self.started:
            await self.send_response(pending)
        if self.started:
            logger.warning("HTTPError %s raised after the response was sent; ignored", exc)
            return False
        response.discard()
        return True


def answer_error(request: CoreRequest, exc: Exception) -> CoreResponse:
    """VestesPy's answer to an ``HTTPError`` raised by its handlers: its style default.

    ``code`` and ``msg`` as they are, no Content-Type; a core ``HTTPError`` from a handler is
    answered the same way. Anything else is declined (re-raised) for the core to answer.
    """
    if isinstance(exc, HTTPError):
        charset = request.scope.get(ERROR_CHARSET_KEY, "utf-8")
        body = exc.msg.encode(charset) if isinstance(exc.msg, str) else exc.msg
        return CoreResponse(body, exc.code)
    if isinstance(exc, CoreHTTPError) and ERROR_CHARSET_KEY in request.scope:
        return CoreResponse(exc.detail, exc.status_code, exc.headers)
    raise exc
