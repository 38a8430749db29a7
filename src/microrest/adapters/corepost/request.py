"""The Twisted-style request handlers receive: ``path``, ``args``, ``received_headers``,
``setResponseCode``, ``setHeader``, ``write``/``finish``, ``content``, ``json``/``xml``/``yaml``.

A thin facade over the core :class:`~microrest.Request`: the expensive parts (headers, args)
are built on first use so a handler that reads nothing costs next to nothing.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Generator
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from ...requests import Request
from .headers import HeaderDict

if TYPE_CHECKING:
    from ...types import Receive, Scope

__all__ = ["CorePostRequest", "ReceivedHeaders", "Written", "facade_over"]


class Written:
    """What ``request.write()`` returns: awaiting it waits for the client to take the data.

    Twisted's ``write`` returned ``None``; code that ignores the result keeps working.
    """

    __slots__ = ("_streamer",)

    def __init__(self, streamer: Any = None) -> None:
        self._streamer = streamer

    def __await__(self) -> Generator[Any, None, None]:
        if self._streamer is not None:
            yield from self._streamer.drain().__await__()


_WRITTEN = Written()


class ReceivedHeaders(HeaderDict):
    """The request headers, lower-cased: request filters may edit them before routing."""


class _RawPath:
    """``request.path`` computed on first read, then an ordinary (assignable) attribute."""

    def __get__(self, facade: CorePostRequest | None, owner: type) -> Any:
        if facade is None:
            return self
        scope = facade._scope
        raw_path = scope.get("raw_path")
        path: str = raw_path.decode("latin-1") if raw_path else scope["path"]
        facade.__dict__["path"] = path
        return path


class CorePostRequest:
    """What a CorePost handler gets as ``request`` (a twisted.web Request look-alike).

    Per request only the scope, ``receive`` and ``method`` are stored (slots); the core
    ``Request`` is built on first use, and every other attribute starts as the class-level
    default below and becomes an instance attribute when first assigned, so a handler that
    reads nothing costs next to nothing.
    """

    # ``stream_send`` is a slot (not a class default like the rest) because the dispatcher sets
    # it on every async call: as an instance attribute it created the instance dict on every
    # request.
    # ``touched``: set by whatever changes the answer's shape (a header, a write, finish), so
    # the dispatcher asks one slot instead of four class defaults before its shortcut.
    __slots__ = ("_scope", "_receive", "_request", "method", "stream_send", "touched", "__dict__")

    path: str = _RawPath()  # type: ignore[assignment]
    json: Any = None
    xml: Any = None
    yaml: Any = None
    data: bytes = b""
    finished = False
    startedWriting = False  # noqa: N815 - Twisted's name
    response_headers: list[tuple[str, str]] | tuple[()] = ()
    written: list[bytes] | tuple[()] = ()
    code_set = False
    post_code = 201  # a POST's status unless the handler sets one (200 in the seed dialect)
    _code = 200
    _args: dict[str, list[str]] | None = None
    _headers: ReceivedHeaders | None = None
    streamer: Any = None
    stream_filters: tuple[Any, ...] = ()

    def __init__(self, request: Request) -> None:
        self._request: Request | None = request
        self._scope: Scope = request.scope
        self._receive: Receive = request.receive
        self.method: str = request.scope["method"]
        # where write() streams to: the dispatcher sets it for async handlers only
        self.stream_send: Callable[..., Any] | None = None
        self.touched = False

    @property
    def request(self) -> Request:
        """The core :class:`~microrest.Request` underneath (built on first use)."""
        request = self._request
        if request is None:
            request = self._request = Request(self._scope, self._receive)
        return request

    # what the client sent ----------------------------------------------------------------

    @property
    def uri(self) -> str:
        """The path with its query string, as the client sent it."""
        query = self._scope.get("query_string", b"")
        return self.path + ("?" + query.decode("latin-1") if query else "")

    @property
    def args(self) -> dict[str, list[str]]:
        """Query string arguments (plus form fields once the body is read), every value a list."""
        if self._args is None:
            self._args = {}
            query = self._scope.get("query_string", b"")
            if query:
                for key, value in parse_qsl(query.decode("latin-1"), keep_blank_values=True):
                    self._args.setdefault(key, []).append(value)
        return self._args

    @property
    def received_headers(self) -> ReceivedHeaders:
        """Lower-cased request headers; filters may edit them before the handler runs."""
        if self._headers is None:
            headers = ReceivedHeaders()
            for name, value in self._scope["headers"]:
                key, text = name.decode("latin-1").lower(), value.decode("latin-1")
                previous = dict.get(headers, key)
                headers[key] = text if previous is None else previous + ", " + text
            self._headers = headers
        return self._headers

    def apply_header_edits(self) -> None:
        """Make what request filters did to ``received_headers`` what the rest of the request
        sees: routing by Content-Type, the body parser, the answer's format, the core Request.

        Headers the filters left alone keep their raw form (repeated fields stay repeated).
        """
        edited = self._headers
        if edited is None:
            return
        scope = self._scope
        original: dict[str, str] = {}
        for name, value in scope["headers"]:
            key, text = name.decode("latin-1").lower(), value.decode("latin-1")
            previous = original.get(key)
            original[key] = text if previous is None else previous + ", " + text
        if original == dict(edited):
            return
        pairs = [
            (name, value)
            for name, value in scope["headers"]
            if original[name.decode("latin-1").lower()] == edited.get(name.decode("latin-1"))
        ]
        for key, value in edited.items():
            if original.get(key) != value:
                text = str(value)
                try:
                    encoded = text.encode("latin-1")
                except UnicodeEncodeError:
                    encoded = text.encode("utf-8")
                pairs.append((key.encode("latin-1"), encoded))
        scope["headers"] = pairs
        self._request = None  # built again over the edited headers when next used

    def getHeader(self, name: str) -> str | None:  # noqa: N802
        """One request header, or ``None``."""
        value: str | None = self.received_headers.get(name)
        return value

    def getClientIP(self) -> str | None:  # noqa: N802
        """The peer address, when the server knows it."""
        client = self._scope.get("client")
        return client[0] if client else None

    @property
    def content(self) -> io.BytesIO:
        """The raw body as a file (``request.content.read()``)."""
        return io.BytesIO(self.data)

    # the response --------------------------------------------------------------------------

    @property
    def code(self) -> int:
        return self._code

    @code.setter
    def code(self, value: int) -> None:
        self._code = int(value)
        self.code_set = True

    def setResponseCode(self, code: int, message: bytes | str | None = None) -> None:  # noqa: N802
        """Set the status; a handler that does so keeps it (no POST 201 override)."""
        # the code setter's body, not a call to it: one frame less (echo handler)
        self._code = int(code)
        self.code_set = True

    def setHeader(self, name: str, value: str) -> None:  # noqa: N802
        """Set a response header, replacing an earlier value of the same name."""
        lowered = name.lower()
        kept = [h for h in self.response_headers if h[0].lower() != lowered]
        kept.append((name, str(value)))
        self.response_headers = kept
        self.touched = True

    def write(self, data: bytes | str) -> Written:
        """Send part of the body now (async handlers) or when the handler returns (sync ones).

        Returns an awaitable: ``await request.write(chunk)`` (``yield`` it under
        ``inlineCallbacks``) waits until the client has taken what was written, which keeps
        a slow client from growing the server's memory. Raises ``ClientDisconnect`` once the
        client has gone.
        """
        if self.finished:
            raise RuntimeError("Request.write called on a request after Request.finish was called.")
        chunk = data.encode("utf-8") if isinstance(data, str) else bytes(data)
        if self.streamer is None and self.stream_send is not None:
            from .stream import start_streamer

            self.streamer = start_streamer(
                self, self.stream_send, self._receive, self.stream_filters
            )
        self.startedWriting = True
        self.touched = True
        if self.streamer is not None:
            self.streamer.push(chunk)
            return Written(self.streamer)
        if isinstance(self.written, list):
            self.written.append(chunk)
        else:
            self.written = [chunk]
        return _WRITTEN

    def finish(self) -> None:
        """End the body written with :meth:`write`."""
        if self.finished:
            return
        self.finished = True
        self.touched = True
        if self.streamer is not None:
            self.streamer.push(None)

    def __repr__(self) -> str:
        return f"<CorePostRequest {self.method} {self.path}>"


_new = object.__new__


def facade_over(scope: Scope, receive: Receive) -> CorePostRequest:
    """A facade straight over the ASGI scope, without the core Request or ``__init__``'s
    frame: the dispatcher's entries build every request's facade here."""
    facade: CorePostRequest = _new(CorePostRequest)
    facade._scope = scope
    facade._receive = receive
    facade._request = None
    facade.method = scope["method"]
    facade.stream_send = None
    facade.touched = False
    return facade
