"""The Twisted-style request handlers receive: ``path``, ``args``, ``received_headers``,
``setResponseCode``, ``setHeader``, ``write``/``finish``, ``content``, ``json``/``xml``/``yaml``.

A thin facade over the core :class:`~microrest.Request`: the expensive parts (headers, args)
are built on first use so a handler that reads nothing costs next to nothing.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from ...requests import Request

if TYPE_CHECKING:
    from ...types import Receive, Scope

__all__ = ["CorePostRequest", "ReceivedHeaders", "facade_over"]


class ReceivedHeaders(dict[str, str]):
    """A dict of request headers whose names are lower-cased on the way in and on lookup."""

    def __setitem__(self, key: str, value: str) -> None:
        super().__setitem__(key.lower(), value)

    def __getitem__(self, key: str) -> str:
        return super().__getitem__(key.lower())

    def __delitem__(self, key: str) -> None:
        super().__delitem__(key.lower())

    def __contains__(self, key: object) -> bool:
        return super().__contains__(key.lower() if isinstance(key, str) else key)

    def get(self, key: str, default: Any = None) -> Any:
        return super().get(key.lower(), default)

    def pop(self, key: str, *default: Any) -> Any:
        return super().pop(key.lower(), *default)

    def setdefault(self, key: str, default: str = "") -> str:
        return super().setdefault(key.lower(), default)


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

    __slots__ = ("_scope", "_receive", "_request", "method", "__dict__")

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
    _code = 200
    _args: dict[str, list[str]] | None = None
    _headers: ReceivedHeaders | None = None
    streamer: Any = None
    stream_send: Callable[..., Any] | None = None
    stream_filters: tuple[Any, ...] = ()

    def __init__(self, request: Request) -> None:
        self._request: Request | None = request
        self._scope: Scope = request.scope
        self._receive: Receive = request.receive
        self.method: str = request.scope["method"]

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
        self.code = code

    def setHeader(self, name: str, value: str) -> None:  # noqa: N802
        """Set a response header, replacing an earlier value of the same name."""
        lowered = name.lower()
        kept = [h for h in self.response_headers if h[0].lower() != lowered]
        kept.append((name, str(value)))
        self.response_headers = kept

    def write(self, data: bytes | str) -> None:
        """Send part of the body now (async handlers) or when the handler returns (sync ones)."""
        if self.finished:
            raise RuntimeError("Request.write called on a request after Request.finish was called.")
        chunk = data.encode("utf-8") if isinstance(data, str) else bytes(data)
        self.startedWriting = True
        if self.streamer is None and self.stream_send is not None:
            from .stream import start_streamer

            self.streamer = start_streamer(self, self.stream_send, self.stream_filters)
        if self.streamer is not None:
            self.streamer.push(chunk)
        elif isinstance(self.written, list):
            self.written.append(chunk)
        else:
            self.written = [chunk]

    def finish(self) -> None:
        """End the body written with :meth:`write`."""
        if self.finished:
            return
        self.finished = True
        if self.streamer is not None:
            self.streamer.push(None)

    def __repr__(self) -> str:
        return f"<CorePostRequest {self.method} {self.path}>"


_new = object.__new__


def facade_over(scope: Scope, receive: Receive) -> CorePostRequest:
    """A facade straight over the ASGI scope: the dispatcher's per-request constructor."""
    facade: CorePostRequest = _new(CorePostRequest)
    facade._scope = scope
    facade._receive = receive
    facade._request = None
    facade.method = scope["method"]
    return facade
