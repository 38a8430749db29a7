"""``vestespy.Request``: one per request, an event emitter for its ``data`` and ``end`` events.

Built over the ASGI scope (no socket: the transport belongs to the ASGI server). Everything
but ``method``/``url`` is computed on first use, so a handler that never looks at the headers
never pays for them. Subclass it and pass ``Server(..., handler=MyRequest)`` to extend it.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import parse_qs

from .events import EventManager
from .headers import Headers

if TYPE_CHECKING:
    from ...types import Scope
    from .dispatcher import Pattern
    from .server import Server

__all__ = ["Request", "url_of"]

# Bound at import: Python 3.11 compiles ``Name.method(...)`` on an imported class as a plain
# attribute read, a bound method made per call (0.8k -> 0.4k instructions a call, callgrind).
_headers_from_scope = Headers.from_scope


def url_of(scope: Scope) -> str:
    """``req.url``: the path as received (percent-escapes kept), without the query and the
    mount prefix (a merged mount leaves the prefix in the path and records it on the matched
    route)."""
    raw: bytes | None = scope.get("raw_path")
    if raw is None:
        path: str = scope["path"]
    else:
        path = raw.decode("utf-8", "surrogateescape")
        # Some servers (httpx's ASGI transport) include the query string. Looked for in
        # the str: a "?" byte decodes to "?" and nothing else does, and searching bytes
        # costs far more (``in`` tries its argument as an int first and builds a
        # TypeError; find() parses its arguments): plaintext 68.6k -> 66.5k instructions.
        if "?" in path:
            path = path.split("?", 1)[0]
    root: str = scope.get("root_path", "")
    if root and path.startswith(root):
        path = path[len(root) :]
    route = scope.get("route")
    if route is not None and route.prefix and route.regex is not None:
        prefix: str = route.prefix
        if path.startswith(prefix):
            path = path[len(prefix) :]  # "" for the bare prefix: no pattern sees "/"
    return path


class _URL:
    """``Request.url``: a non-data descriptor that stores what it computes in the instance,
    where later reads (and a subclass's assignment) find it first."""

    def __get__(self, obj: Request | None, owner: type[Request]) -> Any:
        if obj is None:
            return self
        url = obj.__dict__["url"] = url_of(obj.scope)
        return url


class Request(EventManager):
    """The request line and headers (parsed by the ASGI server) plus ``data``/``end`` events.

    Deliberate deviations from the original: ``method`` and ``protocol`` are ``str``
    (``"GET"``, ``"HTTP/1.1"``); the bytes forms are ``raw_method`` and ``raw_protocol``.
    """

    # The original held the socket here; under ASGI the server owns the transport.
    connection: Any = None
    # Set by the pipeline when a Dispatcher pattern's core route matched this request.
    _route: Pattern | None = None

    def __init__(self, scope: Scope, server: Server) -> None:
        # EventManager.__init__ is not called: ``_events`` stays the shared empty table until
        # a handler calls ``on`` (most requests have no data/end listener). The exchange does
        # the same for this class without calling this (keep the two in step).
        self.scope = scope
        self.server = server
        self.method: str = scope["method"]

    # ``url`` is worked out on first read (then it is a plain attribute): the exchange's hot
    # path decides without it, and most handlers never read it (plaintext 55 -> 20 bytecodes
    # in __init__). A subclass may still assign ``self.url``.
    url: str = cast(str, _URL())

    @cached_property
    def query(self) -> dict[str, list[str]]:
        """``parse_qs`` of the query string, blank values kept: every value is a list."""
        raw = self.scope.get("query_string", b"")
        if not raw:
            return {}
        return parse_qs(raw.decode("latin-1"), keep_blank_values=True)

    @cached_property
    def headers(self) -> Headers:
        return _headers_from_scope(self.scope.get("headers", []))

    @cached_property
    def content_length(self) -> int:
        """The declared Content-Length; 0 when absent or invalid (chunked uploads included)."""
        for name, value in self.scope.get("headers", ()):
            if name == b"content-length":
                try:
                    return max(int(value), 0)
                except ValueError:
                    return 0
        return 0

    @property
    def protocol(self) -> str:
        version: str = self.scope.get("http_version", "1.1")
        return "HTTP/" + version

    @property
    def raw_method(self) -> bytes:
        return self.method.encode("ascii")

    @property
    def raw_protocol(self) -> bytes:
        return self.protocol.encode("ascii")

    @property
    def client(self) -> tuple[str, int] | None:
        client = self.scope.get("client")
        return (client[0], client[1]) if client else None

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.method} {self.url}>"
