"""What a request and a websocket share: the handshake's data, read lazily from the scope.

``Request`` and ``WebSocket`` both subclass ``HTTPConnection`` (Starlette's name), so a value
parsed from the scope is parsed in one place, the same way, once per connection.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.datastructures import URL, Address, Headers, QueryParams, State
from starlette.requests import cookie_parser

if TYPE_CHECKING:
    from .types import Scope

__all__ = ["HTTPConnection"]


class HTTPConnection:
    """The scope's request data as properties; subclasses hold ``scope`` and the three caches."""

    # The subclasses set all four in __init__.
    __slots__ = ("scope", "_headers", "_query", "_cookies")

    scope: Scope
    _headers: Headers | None
    _query: QueryParams | None
    _cookies: dict[str, str] | None

    @property
    def url(self) -> URL:
        return URL(scope=self.scope)

    @property
    def path_params(self) -> dict[str, Any]:
        return self.scope.get("path_params", {})  # type: ignore[no-any-return]

    @property
    def path_groups(self) -> tuple[Any, ...]:
        """Every group of a regex route, positional and named, in pattern order."""
        return self.scope.get("path_groups", ())  # type: ignore[no-any-return]

    @property
    def query_params(self) -> QueryParams:
        if self._query is None:
            self._query = QueryParams(self.scope.get("query_string", b""))
        return self._query

    @property
    def headers(self) -> Headers:
        if self._headers is None:
            self._headers = Headers(scope=self.scope)
        return self._headers

    @property
    def cookies(self) -> dict[str, str]:
        if self._cookies is None:
            cookies: dict[str, str] = {}
            for value in self.headers.getlist("cookie"):
                # lenient, as browsers are: SimpleCookie drops every cookie after one it
                # dislikes (a JSON-valued analytics cookie would hide the session cookie)
                cookies.update(cookie_parser(value))
            self._cookies = cookies
        return self._cookies

    @property
    def client(self) -> Address | None:
        client = self.scope.get("client")
        return Address(*client) if client else None

    @property
    def app(self) -> Any:
        return self.scope.get("app")

    @property
    def state(self) -> State:
        """Per-connection scratch space, seeded with what the lifespan yielded (ASGI spec)."""
        state: State | None = self.scope.get("microrest.state")
        if state is None:
            state = self.scope["microrest.state"] = State(dict(self.scope.get("state") or {}))
        return state
