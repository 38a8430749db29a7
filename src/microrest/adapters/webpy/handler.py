"""The handler classes: ``HTTPHandler`` with its ``do_<method>`` methods, and the error handlers.

A handler is built per request as ``handler(request, response, groups)``, or, for a class that
keeps ``HTTPHandler.__init__``, without it (``request``/``response`` made on first use). The
adapter's dispatcher (``dispatch.py``) reads the body, calls ``respond()`` and turns what it
returns into a core response; the classes here only hold the original API.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, SupportsIndex, overload
from urllib.parse import parse_qsl

from .constants import http_version, status_messages
from .errors import HTTPError
from .headers import HTTPHeaders

if TYPE_CHECKING:
    from ...requests import Request
    from .server import HTTPServer

__all__ = [
    "DummyHandler",
    "Groups",
    "HTTPErrorHandler",
    "HTTPHandler",
    "HTTPRequest",
    "HTTPResponse",
    "handler_methods",
]


class Groups(tuple[Any, ...]):
    """The route's match groups: positional like the original, named groups also by name.

    ``self.groups[0]`` is the first group; with ``(?P<path>.*)`` ``self.groups['path']`` works
    too (the later fooster-web behaviour).
    """

    named: Mapping[str, Any]

    def __new__(cls, groups: Iterable[Any] = (), named: Mapping[str, Any] | None = None) -> Groups:
        obj = super().__new__(cls, groups)
        obj.named = named or {}
        return obj

    @overload
    def __getitem__(self, key: SupportsIndex) -> Any: ...
    @overload
    def __getitem__(self, key: slice) -> tuple[Any, ...]: ...
    @overload
    def __getitem__(self, key: str) -> Any: ...
    def __getitem__(self, key: SupportsIndex | slice | str) -> Any:
        if isinstance(key, str):
            return self.named[key]
        return super().__getitem__(key)

    def get(self, key: str, default: Any = None) -> Any:
        return self.named.get(key, default)


NO_GROUPS = Groups()
# Bound at import: Python 3.11 compiles ``Name.method(...)`` on an imported class as a plain
# attribute read, a bound method made per call (0.8k -> 0.4k instructions a call, callgrind).
_headers_from_raw = HTTPHeaders.from_raw


class HTTPRequest:
    """``self.request``: the original request attributes over a core ``Request``.

    ``resource`` is the raw target as sent (path and query, still percent-encoded); ``body``
    is the request body as bytes (decoded by the handler's ``decode``) for methods whose
    ``get_body()`` is true and ``b''`` otherwise (never a stale or missing attribute).
    """

    # Class-level defaults: a request sets two attributes when it is made, the rest on use.
    body: Any = b""
    keepalive = True
    handler: HTTPHandler | None = None
    _headers: HTTPHeaders | None = None
    _query: dict[str, str] | None = None

    def __init__(self, server: HTTPServer, request: Request) -> None:
        self.server = server
        self.microrest = request
        self.method: str = request.scope["method"]

    @property
    def resource(self) -> str:
        scope = self.microrest.scope
        raw = scope.get("raw_path")
        path: str = raw.decode("latin-1") if raw else scope["path"]
        query = scope.get("query_string", b"")
        return f"{path}?{query.decode('latin-1')}" if query else path

    @property
    def request_http(self) -> str:
        version: str = self.microrest.scope.get("http_version", http_version[5:])
        return "HTTP/" + version

    @property
    def request_line(self) -> str:
        return f"{self.method} {self.resource} {self.request_http}"

    @property
    def client_address(self) -> tuple[str, int] | None:
        client = self.microrest.scope.get("client")
        return (client[0], client[1]) if client else None

    @property
    def headers(self) -> HTTPHeaders:
        if self._headers is None:
            self._headers = _headers_from_raw(self.microrest.scope["headers"])
        return self._headers

    @property
    def query(self) -> dict[str, str]:
        """The query string as a dict (last value wins), like fooster-web's ``web.query``."""
        if self._query is None:
            raw = self.microrest.scope.get("query_string", b"").decode("latin-1")
            self._query = dict(parse_qsl(raw, keep_blank_values=True))
        return self._query


class HTTPResponse:
    """``self.response``: the headers the handler sets and whether a body is written."""

    write_body = True
    _headers: HTTPHeaders | None = None  # made on first use: most handlers set none
    # The Content-Type used when the handler set none (``encode`` hooks set it).
    media_type: str | None = None

    def __init__(self, request: HTTPRequest) -> None:
        self.request = request

    @property
    def server(self) -> HTTPServer:
        return self.request.server

    @property
    def headers(self) -> HTTPHeaders:
        headers = self._headers
        if headers is None:
            headers = self._headers = HTTPHeaders()
        return headers

    @headers.setter
    def headers(self, value: HTTPHeaders) -> None:
        self._headers = value


def handler_methods(obj: object) -> list[str]:
    """Lower-case ``do_`` names without the prefix, alphabetically (``dir()`` order).

    ``do_InVaLiD`` is ignored, as in the original. ``head`` is left out when there is no
    ``get`` (the original advertised a HEAD it then refused).
    """
    names = [name[3:] for name in dir(obj) if name.startswith("do_") and name == name.lower()]
    if "get" not in names and "head" in names:
        names.remove("head")
    return names


class HTTPHandler:
    """Subclass and add ``do_get``, ``do_put``... returning ``(status, body)``.

    ``body`` is ``str`` (sent UTF-8), ``bytes`` or a binary stream (sent in chunks);
    ``(status, reason, body)`` is accepted too. ``do_*`` may be ``async def``.
    """

    nonatomic: list[str] | bool = ["options", "head", "get"]
    # Route-level body bound overriding the server's (None: the server's max_request_size).
    max_request_size: int | None = None
    # Set by the dispatcher's fast path (``dispatch.Dispatcher.endpoint_for``), which builds a
    # handler without ``__init__``: the core request, and the ``request``/``response`` objects
    # once something asked for them (``__getattr__`` below makes them on first use).
    _webpy_core: Request | None = None
    _webpy_request: HTTPRequest | None = None
    _webpy_response: HTTPResponse | None = None

    def __init__(
        self, request: HTTPRequest, response: HTTPResponse, groups: tuple[Any, ...]
    ) -> None:
        self.request = request
        self.response = response
        self.groups = groups
        self.server = request.server
        self.method = request.method.lower()

    if not TYPE_CHECKING:  # mypy would take every attribute of a handler for a lazy one

        def __getattr__(self, name: str) -> Any:
            """``request`` and ``response`` of a handler built by the dispatcher's fast path,
            made on first use: most handlers read neither (``self.groups`` and a return value
            are enough), and the two objects were a tenth of a plaintext request (callgrind).
            Only reached when normal lookup failed, so it costs nothing once they exist."""
            if name == "request" or name == "response":
                core = self._webpy_core
                if core is not None:
                    request = self._webpy_request
                    if request is None:
                        request = self._webpy_request = HTTPRequest(self.server, core)
                        request.handler = self
                        self.request = request
                    if name == "response":
                        self.response = self._webpy_response = HTTPResponse(request)
                    return self.__dict__[name]
            raise AttributeError(
                f"{type(self).__name__!r} object has no attribute {name!r}", name=name, obj=self
            )

    def methods(self) -> Iterator[str]:
        yield from handler_methods(self)

    def allow(self) -> str:
        """The ``Allow`` value: upper-case, alphabetical; no spaces in compat mode."""
        separator = "," if self.server.compat else ", "
        return separator.join(method.upper() for method in self.methods())

    def respond(self) -> Any:
        """Run ``do_<method>``; 405 with ``Allow`` when there is none."""
        method = getattr(self, "do_" + self.method, None)
        if method is None or self.method != self.method.lower():
            raise HTTPError(405, headers={"Allow": self.allow()})
        return method()

    def get_body(self) -> bool:
        """Whether the dispatcher reads the body into ``request.body`` before ``respond()``."""
        return self.method in ("post", "put", "patch")

    def check_continue(self) -> None:
        """Hook run before the body is read (may raise, e.g. ``HTTPError(417)``)."""

    def encode(self, body: Any) -> Any:
        """Turn what ``do_*`` returned into ``str``/``bytes``/stream (identity here)."""
        return body

    def decode(self, body: bytes) -> Any:
        """Turn the request body into what ``request.body`` holds (identity here)."""
        return body

    def do_options(self) -> Any:
        self.response.headers.set("Allow", self.allow())
        return 204, ""

    def do_head(self) -> Any:
        self.response.write_body = False
        self.method = "get"
        return self.respond()


class HTTPErrorHandler(HTTPHandler):
    """Answers an ``HTTPError``: body ``error.message`` or ``'<code> - <reason>\\n'``."""

    nonatomic = True

    def __init__(
        self,
        request: HTTPRequest,
        response: HTTPResponse,
        groups: tuple[Any, ...],
        error: HTTPError | None = None,
    ) -> None:
        super().__init__(request, response, groups)
        self.error = error if error is not None else HTTPError(500)

    def respond(self) -> Any:
        error = self.error
        reason = error.status_message or status_messages.get(error.code, "Unknown")
        body = error.message if error.message else f"{error.code} - {reason}\n"
        return error.code, reason, body


class DummyHandler(HTTPErrorHandler):
    """Stands in for errors found before a handler exists: re-raises the stored error."""

    def respond(self) -> Any:
        raise self.error
