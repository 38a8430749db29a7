"""What the original's own server did around every request, done by the ASGI app here.

web.py parsed the request line and headers itself, wrote the ``Server`` and ``Connection``
headers and one access-log line per request. Under uvicorn most of that belongs to the server;
``Edge`` keeps the parts the app can still decide, and only when asked for (so the common
request pays nothing):

- ``compat=True``: the original's request-line and header bounds (``max_line_size``,
  ``max_headers``: 414 and 431), 505 for anything but HTTP/1.1, and ``Server: web.py/0.1rc3``;
- ``keepalive=None``: ``Connection: close`` on every answer, so no connection is kept;
- the access log, one Common Log Format line per request, when the ``HTTPLog`` writes one
  (a file was given, or the ``microrest.webpy.access`` logger is enabled for INFO).

Answers refused here go through the style's error routes, as the original's parse errors did.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any

from ...requests import Request
from . import constants
from .errors import HTTPError
from .handler import NO_GROUPS, HTTPRequest, HTTPResponse

if TYPE_CHECKING:
    from ...types import Message, Receive, Scope, Send
    from .server import HTTPServer

__all__ = ["Edge", "request_line"]

_CONNECTION_CLOSE = (b"connection", b"close")


def request_line(scope: Scope) -> str:
    """The request line as the client sent it (the target still percent-encoded)."""
    raw = scope.get("raw_path")
    target: str = raw.decode("latin-1") if raw else scope["path"]
    query = scope.get("query_string", b"")
    if query:
        target += "?" + query.decode("latin-1")
    return f"{scope['method']} {target} HTTP/{scope.get('http_version', '1.1')}"


def _header_name(raw: bytes) -> str:
    # ASGI servers lower-case names; the original's reason phrase showed them as sent.
    return "-".join(part.capitalize() for part in raw.decode("latin-1").split("-"))


class Edge:
    """The per-request wrapper of one ``HTTPServer`` (see the module docstring)."""

    def __init__(self, server: HTTPServer) -> None:
        self.server = server
        self.compat = server.compat
        self.close_connections = server.keepalive_timeout is None
        # Read when the server is built, like the body bound (patch ``constants`` before).
        self.max_line_size = constants.max_line_size
        self.max_headers = constants.max_headers
        self.extra: list[tuple[bytes, bytes]] = []
        if self.compat:
            self.extra.append((b"server", constants.server_version.encode("latin-1")))
        if self.close_connections:
            self.extra.append(_CONNECTION_CLOSE)
        self.replaced = frozenset(name for name, _ in self.extra)
        self.always = bool(self.extra)

    def refusal(self, scope: Scope) -> HTTPError | None:
        """The original's request-line and header checks (compat mode), in its order."""
        line = request_line(scope)
        if self.max_line_size and len(line) + 2 > self.max_line_size:
            return HTTPError(414)
        if scope.get("http_version", "1.1") != "1.1":
            return HTTPError(505)
        headers = scope.get("headers") or ()
        if self.max_headers and len(headers) > self.max_headers:
            return HTTPError(431)
        if self.max_line_size:
            bound = self.max_line_size - 4  # "Name: value\r\n"
            for name, value in headers:
                if len(name) + len(value) > bound:
                    return HTTPError(431, status_message=f"{_header_name(name)} Header Too Large")
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        server = self.server
        log = server.log
        logging_access = log.access_enabled()
        extra = self.extra
        replaced = self.replaced
        sent: list[Any] = ["-", 0]  # status, body bytes

        def observed(message: Message) -> Awaitable[None]:
            # Not a coroutine (as the core's _Tracked): the caller awaits the server's send
            # directly, one frame less per message of every logged request.
            kind = message["type"]
            if kind == "http.response.start":
                sent[0] = message["status"]
                if extra:
                    headers = [
                        pair
                        for pair in message.get("headers", ())
                        if pair[0].lower() not in replaced
                    ]
                    message = {**message, "headers": headers + extra}
            elif kind == "http.response.body":
                sent[1] += len(message.get("body", b""))
            return send(message)

        error = self.refusal(scope) if self.compat else None
        try:
            if error is None:
                await server.app(scope, receive, observed)
            else:
                await self.refuse(scope, receive, observed, error)
        finally:
            if logging_access:
                client = scope.get("client")
                host = client[0] if client else "-"
                log.request(host, request_line(scope), str(sent[0]), str(sent[1]))

    async def refuse(self, scope: Scope, receive: Receive, send: Send, error: HTTPError) -> None:
        """Answer a refused request through the error routes and close the connection."""
        wrapped = HTTPRequest(self.server, Request(scope, receive))
        wrapped.keepalive = False
        response = await self.server.dispatcher.error(
            wrapped, HTTPResponse(wrapped), NO_GROUPS, error
        )
        response.headers["connection"] = "close"
        if scope["method"] == "HEAD":
            original = send

            async def send(message: Message) -> None:
                if message["type"] == "http.response.body":
                    message = {"type": "http.response.body", "body": b""}
                await original(message)

        await response(scope, receive, send)
