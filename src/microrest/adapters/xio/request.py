"""The request object handlers receive (``req``) and the answer they shape (``req.response``).

One class serves both ways in: HTTP (built by the route endpoint from the core request, body
already read) and in-process calls (``app.get('www/x')``, a node forwarding, a future message
protocol), so a handler cannot tell them apart except through ``req.context``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import parse_qsl

from ...requests import Request as CoreRequest
from .about import STANDARD_METHODS

__all__ = [
    "PASS",
    "Caller",
    "Cookies",
    "Headers",
    "Request",
    "Response",
    "parse_query",
    "split_method",
]


class _Pass:
    """The value a handler returns to say "not mine": default handling applies."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "xio.PASS"


PASS: Any = _Pass()


def _key(name: str) -> str:
    return name.lower().replace("-", "_")


class Headers(dict[str, Any]):
    """Request headers by lower-case name with underscores, as xio gave them (``user_agent``);
    dashed and any-case names work too (``headers['User-Agent']``)."""

    def __init__(self, items: Mapping[str, Any] | Iterable[tuple[str, Any]] = ()) -> None:
        super().__init__()
        pairs = items.items() if isinstance(items, Mapping) else items
        for name, value in pairs:
            super().__setitem__(_key(name), value)

    def __getitem__(self, name: str) -> Any:
        return super().__getitem__(_key(name))

    def __setitem__(self, name: str, value: Any) -> None:
        super().__setitem__(_key(name), value)

    def __delitem__(self, name: str) -> None:
        super().__delitem__(_key(name))

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and super().__contains__(_key(name))

    def get(self, name: str, default: Any = None) -> Any:
        return super().get(_key(name), default)


def parse_query(query_string: bytes | str) -> dict[str, Any]:
    """xio's query dict: one value is a scalar, repeated keys a list, blank values dropped."""
    text = query_string.decode("latin-1") if isinstance(query_string, bytes) else query_string
    query: dict[str, Any] = {}
    for key, value in parse_qsl(text, keep_blank_values=False):
        if key in query:
            known = query[key]
            query[key] = [*known, value] if isinstance(known, list) else [known, value]
        else:
            query[key] = value
    return query


_PLAIN = STANDARD_METHODS - {"HEAD"}
_LAZY = frozenset({"context", "fullpath"})


def split_method(method: str, xmethod: str | None = None) -> tuple[str, str | None]:
    """``(method, xmethod)`` as xio sees them: a custom method is POST plus its name."""
    method = method.upper()
    if method == "HEAD":
        # HEAD is answered as GET and the wire drops the body (the original's HEAD did the
        # same through its WSGI server), so handlers branching on req.GET answer it right.
        method = "GET"
    if xmethod:
        return "POST", xmethod.upper()
    if method not in STANDARD_METHODS:
        return "POST", method
    return method, None


class Response:
    """``req.response``: what the handler sets besides its return value."""

    __slots__ = ("status", "content", "content_type", "headers", "ttl", "cookies")

    def __init__(self) -> None:
        self.status = 200
        self.content: Any = None
        self.content_type: str | None = None
        self.headers: dict[str, str] = {}
        self.ttl: int | None = None
        self.cookies: list[tuple[str, str, dict[str, Any]]] = []


class Cookies:
    """``req.cookie``: read the request's cookies, set cookies on the answer (``Path=/``)."""

    __slots__ = ("_received", "_response")

    def __init__(self, received: Mapping[str, str], response: Response) -> None:
        self._received = received
        self._response = response

    def get(self, key: str, default: Any = None) -> Any:
        return self._received.get(key, default)

    def set(self, key: str, value: str, **options: Any) -> None:
        options.setdefault("path", "/")
        self._response.cookies.append((key, str(value), options))


class Caller:
    """``req.client``: who calls. ``token`` comes from ``XIO-token``, ``Authorization: Bearer``
    or the ``token`` cookie; ``id`` is what the app's identity strategy makes of it (None by
    default: without a verifier a token proves nothing). Truthy when ``id`` is set."""

    __slots__ = ("id", "token", "context")

    def __init__(self, id: str | None, token: str | None, context: Any) -> None:
        self.id = id
        self.token = token
        self.context = context

    def __bool__(self) -> bool:
        return self.id is not None

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "token": self.token, "context": self.context}


def _json_or_text(value: str | None) -> Any:
    if value is None:
        return None
    try:
        return json.loads(value)
    except ValueError:
        return value


class Request:
    """``req``: ``method``, ``xmethod``, ``path`` (the part below the handling resource),
    ``fullpath``, ``query``, ``data``, ``input``, ``headers``, ``context``, ``cookie``,
    ``client``, ``profile``, ``response``, and a flag per method (``req.GET``...)."""

    PASS = PASS

    __slots__ = (
        "method",
        "xmethod",
        "path",
        "fullpath",
        "data",
        "context",
        "_response",
        "body",
        "http",
        "scope",
        "_query",
        "_headers",
        "_cookie",
        "_client",
        "_verify",
    )

    def __init__(
        self,
        method: str,
        path: str = "",
        *,
        xmethod: str | None = None,
        query: Any = None,
        data: Any = None,
        headers: Mapping[str, Any] | Headers | None = None,
        context: dict[str, Any] | None = None,
        body: bytes | None = None,
        http: Any = None,
        verify: Any = None,
    ) -> None:
        self.method, self.xmethod = split_method(method, xmethod)
        self.path = path
        self.fullpath = path
        self._query: Any = {} if query is None else query
        self.data: Any = {} if data is None else data
        self._headers: Headers | None = (
            headers if isinstance(headers, Headers) else Headers(headers or {})
        )
        self.context: dict[str, Any] = {} if context is None else context
        self._response: Response | None = None
        self.body = body
        self.http = http
        self.scope: Any = None
        self._cookie: Cookies | None = None
        self._client: Caller | None = None
        self._verify = verify

    @classmethod
    def from_scope(
        cls,
        scope: Any,
        method: str,
        xmethod: str | None,
        path: str,
        data: Any,
        body: bytes | None,
        http: Any,
        verify: Any,
        context: dict[str, Any] | None,
    ) -> Request:
        """A request over HTTP. ``fullpath``, the query, headers and cookies, and ``context``
        when None is given, are made from the scope when first read (``__getattr__`` fills
        the unset slot): the hot path builds nothing a handler does not ask for. Measured
        (callgrind, 200 routes, PYTHONHASHSEED=0): the context dict and the full path built
        per request cost about 1.5k instructions on a request reading neither."""
        req = cls.__new__(cls)
        if xmethod is None and method in _PLAIN:
            req.method, req.xmethod = method, None
        else:
            req.method, req.xmethod = split_method(method, xmethod)
        req.path = path
        req.data = data
        if context is not None:
            req.context = context
        req._response = None
        req.body = body
        req.http = http
        req.scope = scope
        req._query = None
        req._headers = None
        req._cookie = None
        req._client = None
        req._verify = verify
        return req

    def _lazy(self, name: str) -> Any:
        """``context`` and ``fullpath`` of a request over HTTP, made on first read."""
        scope = self.scope
        if name == "context":
            # No route parameter (the endpoint passes those), so only the client's address.
            client = scope.get("client")
            self.context = {"remote_addr": client[0] if client else None}
            return self.context
        prefix = scope["route"].prefix  # a mounted (merged) app's routes carry their prefix
        path = scope["path"]
        self.fullpath = "www" + (path[len(prefix) :] if prefix else path).rstrip("/")
        return self.fullpath

    @property
    def response(self) -> Response:
        """What the handler sets besides its return value (made on first use)."""
        if self._response is None:
            self._response = Response()
        return self._response

    @property
    def query(self) -> Any:
        if self._query is None:
            self._query = parse_query(self.scope.get("query_string", b""))
        return self._query

    @query.setter
    def query(self, value: Any) -> None:
        self._query = value

    @property
    def headers(self) -> Headers:
        if self._headers is None:
            self._headers = Headers(
                (name.decode("latin-1"), value.decode("latin-1"))
                for name, value in self.scope["headers"]
            )
        return self._headers

    @headers.setter
    def headers(self, value: Any) -> None:
        self._headers = value if isinstance(value, Headers) else Headers(value or {})

    def __getattr__(self, name: str) -> Any:
        # req.GET, req.POST, req.MYMETHOD...: True for the current method; any other name
        # reads None, so a handler testing a flag never raises. Over HTTP, context and
        # fullpath are unset slots until first read: made here then.
        if name in _LAZY and self.scope is not None:
            return self._lazy(name)
        if name.isupper():
            return name == self.method or name == self.xmethod
        if name.startswith("_"):
            raise AttributeError(name)
        return None

    @property
    def input(self) -> Any:
        """The data when there is some, else the query (what parameter checks read)."""
        return self.data if self.data not in (None, {}, "", b"") else self.query

    @property
    def cookie(self) -> Cookies:
        if self._cookie is None:
            received = self.context.get("cookies")
            if received is None and self.scope is not None:
                received = CoreRequest(self.scope).cookies
            self._cookie = Cookies(received or {}, self.response)
        return self._cookie

    @property
    def client(self) -> Caller:
        if self._client is None:
            token = self.headers.get("xio_token")
            authorization = str(self.headers.get("authorization") or "")
            if token is None and authorization[:7].lower() == "bearer ":
                token = authorization[7:].strip() or None
            if token is None:
                token = self.cookie.get("token")
            caller_id = self._verify(token) if token and self._verify is not None else None
            context = _json_or_text(self.headers.get("xio_context"))
            self._client = Caller(caller_id, token, context)
        return self._client

    @property
    def profile(self) -> Any:
        """Reconstructed from the docs ("extra information from the header"): the
        ``XIO-profile`` header, JSON-decoded when it parses, else the string; None if absent."""
        return _json_or_text(self.headers.get("xio_profile"))

    def _debug(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "xmethod": self.xmethod,
            "path": self.path,
            "fullpath": self.fullpath,
            "headers": dict(self.headers),
            "query": self.query,
            "data": self.data,
            "profile": self.profile,
            "client": self.client.as_dict(),
        }
