"""One request's life as VestesPy events, run as a raw core endpoint (it needs the wire).

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
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import anyio

from ...errors import ClientDisconnect, PayloadTooLarge
from ...errors import HTTPError as CoreHTTPError
from ...responses import Response as CoreResponse
from ...toolkit import declared_length
from .errors import HTTPError
from .events import ANSWERS, Event

if TYPE_CHECKING:
    from ...requests import Request as CoreRequest
    from ...types import ASGIApp, Message, Receive, Scope, Send
    from .dispatcher import Pattern
    from .response import Response
    from .server import Server

__all__ = ["ERROR_CHARSET_KEY", "Exchange", "answer_error", "logger"]

# Set when a handler's error goes to the pipeline: the charset of its ``msg``, and the mark that
# the error came from a VestesPy handler (a core miss outside them keeps the core's answer).
ERROR_CHARSET_KEY = "vestespy.error_charset"

logger = logging.getLogger("microrest.error")
# The methods the original's parser accepted; it answered 400 to any other.
KNOWN_METHODS = frozenset(
    {"GET", "POST", "HEAD", "PUT", "DELETE", "TRACE", "OPTIONS", "CONNECT", "PATCH"}
)


async def _never() -> Message:
    """A ``receive`` for responses sent before the body was read: the body stays ours."""
    await anyio.sleep_forever()
    raise AssertionError("unreachable")  # pragma: no cover


class Exchange:
    """The raw endpoint of a server's routes; ``route`` is the Dispatcher entry, if any."""

    __slots__ = ("server", "route")

    def __init__(self, server: Server, route: Pattern | None = None) -> None:
        self.server = server
        self.route = route

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        server = self.server
        if scope["method"] not in KNOWN_METHODS:
            # Never reaches the handlers, as in the original; RFC 9110 says 501 for a method
            # the server does not implement (``compat=True``: the original's 400).
            await CoreResponse(b"", 400 if server.compat else 501)(scope, receive, send)
            return
        request = server.handler_class(scope, server)
        request._route = self.route
        response = server.response_class(request, server)
        wire = _Wire(scope, receive, send)
        concurrency = server.app.concurrency
        args = (request, response)
        limit = server.max_body_size
        received = 0
        try:
            if limit is not None:
                declared_length(scope, limit)  # 413 before any handler runs
            listeners = server._events.get("request")
            if listeners is not None and len(listeners) == 1 and listeners[0][1] is not None:
                # One async handler (a Dispatcher's, typically): ``trigger_async`` inlined.
                try:
                    await listeners[0][1](Event(server, "request"), request, response)
                except ANSWERS:
                    raise
                except Exception:
                    server.exception_handler()
                    raise
            else:
                await server.trigger_async("request", args, concurrency)
            if response._pending is not None:
                await wire.flush(response)
            while True:
                message = await receive()
                if message["type"] != "http.request":
                    if wire.completed:
                        break  # the server stops reading once the response is complete
                    raise ClientDisconnect()
                chunk = message.get("body", b"")
                if limit is not None and chunk:
                    received += len(chunk)
                    if received > limit:  # a streamed body has no Content-Length to check
                        raise PayloadTooLarge(f"Request body exceeds the limit of {limit} bytes")
                if chunk and "data" in request._events:
                    await request.trigger_async("data", (request, response, chunk), concurrency)
                    if response._pending is not None:
                        await wire.flush(response)
                if not message.get("more_body", False):
                    break
            wire.body_done = True
            if "end" in request._events:
                await request.trigger_async("end", args, concurrency)
                if response._pending is not None:
                    await wire.flush(response)
        except (HTTPError, CoreHTTPError) as exc:
            if await wire.settle_error(response, exc):
                # The core's pipeline answers: the user's handlers on this app and the apps
                # above first, then VestesPy's own answer (``answer_error``, the style default).
                scope[ERROR_CHARSET_KEY] = response.charset
                raise
            return
        except ClientDisconnect:
            raise
        except Exception:
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
        if not wire.started:
            buffered = response.take_buffered()
            if buffered is None:
                logger.error(
                    "VestesPy handlers sent no response for %s %s; answering 500",
                    request.method,
                    request.url,
                )
                await wire.send_response(CoreResponse(b"", 500))
                return
            # wire.send_response inlined: the body is read, nothing else is sent after this.
            wire.started = True
            await send(
                {
                    "type": "http.response.start",
                    "status": buffered.status,
                    "headers": buffered.raw_headers,
                }
            )
            await send({"type": "http.response.body", "body": buffered.body})


class _Wire:
    """The ASGI side of one exchange: what was sent, and whether the body was read."""

    __slots__ = ("scope", "receive", "send", "started", "completed", "body_done")

    def __init__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.scope = scope
        self.receive = receive
        self.send = send
        self.started = False
        self.completed = False
        self.body_done = False

    async def flush(self, response: Response) -> None:
        pending = response.take_pending()
        if pending is not None:
            await self.send_response(pending)

    async def send_response(self, response: ASGIApp) -> None:
        self.started = True
        # A streaming response watches ``receive`` for a disconnect; before the body is read
        # that would swallow body chunks, so it gets a receive that never returns.
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
