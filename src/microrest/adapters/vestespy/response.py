"""``vestespy.Response``: the ``res`` of every handler; ``send_*`` build core responses.

A ``send_*`` call fixes the response (status, headers, body or stream) and marks ``res`` used;
the request pipeline puts it on the wire as soon as the handler returns, so a response can
start from the ``request``, any ``data`` or the ``end`` handler, sync or async. The original's
``send_all`` with its default ``buffer=True`` stored the body and never sent it; here the
buffered body is sent when the handler chain ends (unless something else was sent first).
"""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

import anyio.lowlevel

from ...responses import StreamingResponse
from ...toolkit import NO_BODY_STATUSES, encode_header, send_buffered
from .headers import Headers

if TYPE_CHECKING:
    from ...types import ASGIApp, Message, Receive, Scope, Send
    from .request import Request
    from .server import Server

__all__ = ["Answer", "Prepared", "Response", "Stream"]

ALREADY_USED = "Already used that response instance!"
_new = object.__new__
# (name, value) -> the checked wire form; header names and values repeat from request to request.
_ENCODED: dict[tuple[str, str], tuple[bytes, bytes]] = {}
# A response's status and whole header set (its ``(value, name)`` pairs, all str) -> the wire
# form, and whether a Content-Length goes with it.
_RAW: dict[tuple[Any, ...], tuple[tuple[tuple[bytes, bytes], ...], bool]] = {}


# A body length -> its Content-Length header in wire form: bodies repeat their lengths, and
# a lookup costs less than str(length).encode() and a tuple, and a list built with every
# header in it is not grown by an append (with the state the exchange stores in its objects:
# plaintext 64.7k -> 63.1k, echo 93.6k -> 91.5k instructions, callgrind).
_LENGTHS: dict[int, tuple[bytes, bytes]] = {}


def length_header(length: int) -> tuple[bytes, bytes]:
    """``(b"content-length", b"<length>")``, remembered for the first lengths seen."""
    pair = (b"content-length", str(length).encode())
    if len(_LENGTHS) < 1024:
        _LENGTHS[length] = pair
    return pair


class Answer:
    """A complete response, headers already encoded and checked: two ASGI messages.

    What the core's ``Response`` would send for the same status, headers and body (the
    Content-Length it would add included), without building one per request.
    """

    __slots__ = ("status", "raw_headers", "body")

    def __init__(self, status: int, raw_headers: list[tuple[bytes, bytes]], body: bytes) -> None:
        self.status = status
        self.raw_headers = raw_headers
        self.body = body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send_buffered(send, self.status, self.raw_headers, self.body)

    def __repr__(self) -> str:
        return f"<vestespy.Answer {self.status}>"


def _header_set(
    key: tuple[Any, ...], chunked: bool
) -> tuple[tuple[tuple[bytes, bytes], ...], bool]:
    """The wire form of a response's ``(status, *(value, name))`` and whether a Content-Length
    goes with it (as the core's Response: not for a status without a body, nor chunked);
    ``encode_header``'s checks and errors. Remembered under ``key`` when the pairs are all str.
    """
    status: int = key[0]
    raw: list[tuple[bytes, bytes]] = []
    cacheable = True
    for value, name in key[1:]:
        if type(value) is str and type(name) is str:
            raw.append(_encoded(name, value))
        else:
            cacheable = False
            raw.append(_encoded(name, str(value)))
    sized = status not in NO_BODY_STATUSES and status >= 200 and not chunked
    known = (tuple(raw), sized)
    # ``chunked`` must follow from the key for the answer to be remembered under it (it
    # does unless ``Headers.set_raw`` stored a name under another key).
    if chunked != any(str(name).lower() == "transfer-encoding" for _, name in key[1:]):
        cacheable = False
    if cacheable and type(status) is int and len(_RAW) < 512:
        _RAW[key] = known
    return known


def _encoded(name: str, value: str) -> tuple[bytes, bytes]:
    """``encode_header`` (same checks, same errors), remembered for the common pairs."""
    key = (name, value)
    pair = _ENCODED.get(key)
    if pair is None:
        pair = encode_header(name, value)
        if len(_ENCODED) < 512 and type(name) is str and type(value) is str:
            _ENCODED[key] = pair
    return pair


class Response:
    """Status, headers and the one send a request gets."""

    # Defaults live on the class: a response only stores what a handler changes.
    alive = True
    status = 200
    protocol = "HTTP/1.1"
    charset = "utf-8"
    connection: Any = None
    _buffer: bytes | None = None
    _pending: ASGIApp | None = None

    def __init__(self, request: Request, server: Server) -> None:
        # An empty Headers without its __init__ frame: one call less per request. The
        # exchange does the same for this class without calling this (keep the two in step).
        headers = self.headers = _new(Headers)
        headers._data = {}
        self.request = request
        self.server = server

    # -- the original API ------------------------------------------------------------------

    def send_all(self, data: str | bytes | None = None, buffer: bool = True) -> None:
        """Send ``data`` with Content-Length; buffered (the default) means "at the chain's end".

        A later buffered ``send_all`` replaces the buffer; any unbuffered send discards it.
        """
        if not self.alive:  # self._check(), inlined on the hot path
            raise RuntimeError(ALREADY_USED)
        if type(data) is str:
            body = data.encode(self.charset)
        elif type(data) is bytes:  # what a JSON encoder returns: no _encode call (16 bytecodes)
            body = data
        else:
            body = self._encode(data, "res.send_all accepts only None, str or bytes!")
        if buffer:
            self._buffer = body
            return
        self._send(body)

    def send_stream(self, stream: Iterable[Any] | AsyncIterable[Any], length: int) -> None:
        """Send exactly ``length`` bytes from ``stream`` (str/bytes items), cut at ``length``."""
        self._check()
        total = int(length)
        if total < 0:
            raise ValueError("res.send_stream needs a length >= 0")
        self.headers["Content-Length"] = total
        self._stream(_limited(stream, total, self.charset))

    def send_chunked(self, stream: Iterable[Any] | AsyncIterable[Any]) -> None:
        """Send ``stream`` with chunked transfer encoding; empty items are skipped."""
        self._check()
        del self.headers["Content-Length"]
        self.headers["Transfer-Encoding"] = "chunked"
        self._stream(_checked(stream, self.charset, "res.send_chunked"))

    def send_error(
        self,
        code: int,
        body: str | bytes | None = None,
        headers: Mapping[str, Any] | Iterable[tuple[str, Any]] | None = None,
    ) -> None:
        """Answer ``code`` with ``body``; ``headers`` (a dict or pairs) replace all others."""
        self._check()
        data = self._encode(body, "res.send_error accepts only str or bytes or None as body!")
        self.status = int(code)
        self.headers = Headers(headers)
        self._send(data)

    def _send_prepared(self, prepared: Prepared) -> None:
        """``send_error`` of ``prepared``'s arguments, its work done once, at import (the
        dispatcher's 404: notfound 1157 -> 1005 bytecodes per request, 75.5k -> 73.7k
        instructions, callgrind counting the measured requests only)."""
        if type(self).send_error is not Response.send_error:  # a subclass words it its way
            self.send_error(*prepared.arguments)
            return
        self._check()
        self.status = prepared.status
        headers = self.headers = Headers()
        headers._data = prepared.headers.copy()
        self._pending = Answer(prepared.status, list(prepared.raw_headers), prepared.body)
        self._buffer = None
        self.alive = False

    # -- used by the pipeline --------------------------------------------------------------

    @property
    def sent(self) -> bool:
        """True once an unbuffered send fixed the response."""
        return not self.alive

    def take_pending(self) -> ASGIApp | None:
        """The response a send created and nobody has put on the wire yet."""
        pending, self._pending = self._pending, None
        return pending

    def take_buffered(self) -> Answer | None:
        """The buffered ``send_all`` as a response, if the chain ended without another send."""
        if self._buffer is None or not self.alive:
            return None
        answer = self._send(self._buffer)
        self._pending = None
        return answer

    def discard(self) -> None:
        """Forget the buffer and any unsent response (an error answer replaces them)."""
        self._buffer = None
        self._pending = None

    # -- helpers ---------------------------------------------------------------------------

    def _check(self) -> None:
        if not self.alive:
            raise RuntimeError(ALREADY_USED)

    def _encode(self, data: object, message: str) -> bytes:
        if data is None:
            return b""
        if isinstance(data, str):
            return data.encode(self.charset)
        if isinstance(data, bytes):
            return data
        raise TypeError(message)

    def _send(self, body: bytes) -> Answer:
        answer = self._pending = Answer(self.status, self.finish(body), body)
        return answer

    def finish(self, body: bytes) -> list[tuple[bytes, bytes]]:
        """Fix the response with ``body``: its headers in wire form (Content-Length added).

        The pipeline sends a buffered ``send_all`` with these directly, without an ``Answer``.
        """
        data = self.headers._data
        if "content-length" in data:
            del data["content-length"]  # the real one is added below
        # The wire form of the whole header set and whether it takes a length, remembered
        # under the status and the ``(value, name)`` pairs: handlers set the same headers
        # from request to request, and one dict lookup replaces the encoding and the status
        # and Transfer-Encoding tests (part of plaintext 87.9k -> 82.7k: see exchange.py;
        # the status and the length test in the key: 84 -> 72 bytecodes).
        status = self.status
        key: tuple[Any, ...]
        if len(data) == 1:  # as in Exchange.answer: the same key without a list built
            for value in data.values():
                key = (status, value)
        else:
            key = (status, *data.values())
        try:  # (get(), as in Exchange.answer: the caches are bounded, a miss stays cheap)
            known = _RAW.get(key)
        except TypeError:  # an unhashable value a handler stored: encoded each time
            known = None
        if known is None:
            known = _header_set(key, "transfer-encoding" in data)
        length = len(body)
        if known[1]:
            raw = [*known[0], _LENGTHS.get(length) or length_header(length)]
        else:
            raw = list(known[0])
        data["content-length"] = (length, "Content-Length")  # visible, as before
        self._buffer = None
        self.alive = False
        return raw

    def _stream(self, content: Iterable[bytes] | AsyncIterable[bytes]) -> None:
        headers = self.headers
        self._pending = Stream(content, self.status, headers.pairs() if headers else None)
        self._buffer = None
        self.alive = False

    def __repr__(self) -> str:
        state = "alive" if self.alive else "sent"
        return f"<{type(self).__name__} {self.status} {state}>"


def _item(data: object, charset: str, where: str) -> bytes:
    if isinstance(data, str):
        return data.encode(charset)
    if isinstance(data, bytes):
        return data
    raise TypeError(f"{where} accepts only a stream of str or bytes!")


def _checked(
    stream: Iterable[Any] | AsyncIterable[Any], charset: str, where: str
) -> Iterator[bytes] | AsyncIterator[bytes]:
    """Items encoded and type-checked, empty ones skipped (an empty chunk would end the body)."""
    if isinstance(stream, AsyncIterable):

        async def agen() -> AsyncIterator[bytes]:
            items = aiter(stream)
            try:
                async for data in items:
                    chunk = _item(data, charset, where)
                    if chunk:
                        yield chunk
            finally:
                await _aclose(items)

        return agen()

    def gen() -> Iterator[bytes]:
        items = iter(stream)
        try:
            for data in items:
                chunk = _item(data, charset, where)
                if chunk:
                    yield chunk
        finally:
            _close(items)

    return gen()


def _limited(
    stream: Iterable[Any] | AsyncIterable[Any], total: int, charset: str
) -> Iterator[bytes] | AsyncIterator[bytes]:
    """At most ``total`` bytes of the stream; iteration stops once they are out."""
    where = "res.send_stream"
    if isinstance(stream, AsyncIterable):

        async def agen() -> AsyncIterator[bytes]:
            left = total
            items = aiter(stream)
            try:
                if left == 0:
                    return
                async for data in items:
                    chunk = _item(data, charset, where)[:left]
                    left -= len(chunk)
                    if chunk:
                        yield chunk
                    if left == 0:
                        return
            finally:
                await _aclose(items)

        return agen()

    def gen() -> Iterator[bytes]:
        left = total
        items = iter(stream)
        try:
            if left == 0:
                return
            for data in items:
                chunk = _item(data, charset, where)[:left]
                left -= len(chunk)
                if chunk:
                    yield chunk
                if left == 0:
                    return
        finally:
            _close(items)

    return gen()


def _close(items: Iterator[Any]) -> None:
    """Close a generator (or file) the stream was drawn from: its ``finally`` runs now."""
    close = getattr(items, "close", None)
    if close is not None:
        close()


async def _aclose(items: AsyncIterator[Any]) -> None:
    aclose = getattr(items, "aclose", None)
    if aclose is not None:
        await aclose()


class Stream(StreamingResponse):
    """The core's streaming answer, made to stop for certain when the client leaves.

    Two gaps are closed. Once the client is gone, uvicorn's ``send`` returns without ever
    suspending, so an async generator that never awaits would hold the event loop for ever
    (the disconnect watcher never runs, SIGTERM is never handled): each chunk sent is
    followed by a checkpoint. And the source is closed when the answer ends, however it
    ends, instead of being left to the garbage collector: its ``finally`` runs at once.
    """

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_then_yield(message: Message) -> None:
            await send(message)
            await anyio.lowlevel.checkpoint()

        try:
            await super().__call__(scope, receive, send_then_yield)
        finally:
            content = self.content
            if isinstance(content, AsyncIterator):
                await _aclose(content)
            elif isinstance(content, Iterator):
                _close(content)


class Prepared:
    """A ``send_error`` answer worked out once: the response's state after it, on the wire."""

    __slots__ = ("arguments", "status", "headers", "raw_headers", "body")

    def __init__(self, code: int, body: bytes, headers: list[tuple[str, str]]) -> None:
        self.arguments = (code, body, headers)
        probe = Response.__new__(Response)  # no request or server: send_error needs neither
        probe.headers = Headers()
        probe.send_error(code, body, headers)
        answer = probe.take_pending()
        assert isinstance(answer, Answer)
        self.status = answer.status
        self.headers = probe.headers._data.copy()
        self.raw_headers = tuple(answer.raw_headers)
        self.body = answer.body
