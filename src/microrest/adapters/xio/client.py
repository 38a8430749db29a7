"""Clients: a resource whose handler forwards every request to a target.

``xio.client(target)`` (also ``xio.resource(target)``) takes an in-process app (its ``www``
subtree, through ``public_request``), any resource, an ``http(s)://`` URL (httpx), or the
``ws(s)://`` URL of an app's websocket service (``wsclient.py``). Results
are the same ``Result`` objects either way: JSON decoded for any ``application/json*`` type,
text for ``text/*``, bytes otherwise. Over HTTP a custom method travels as POST with an
``XIO-method`` header (uvicorn refuses unknown request-line methods).
"""

from __future__ import annotations

import threading
from typing import Any
from urllib.parse import quote

import httpx

from ...toolkit import json_dumps
from .request import Request
from .resource import Resource, Result

__all__ = ["Client", "HttpTarget", "decode_content", "forward_headers"]

# Headers that describe one hop (or the body, which is rebuilt), never forwarded.
_HOP = frozenset(
    {
        "host",
        "content_length",
        "content_type",
        "transfer_encoding",
        "connection",
        "keep_alive",
        "upgrade",
        "te",
        "trailer",
        "accept_encoding",
        "xio_method",
        "cookie",
        "proxy_authorization",
    }
)


def forward_headers(headers: Any) -> dict[str, str]:
    """The caller's headers fit to send on: dashed names, hop-by-hop ones left out."""
    out: dict[str, str] = {}
    for name, value in dict(headers or {}).items():
        key = name.lower().replace("-", "_")
        if key not in _HOP and isinstance(value, str):
            out[key.replace("_", "-")] = value
    return out


def decode_content(content_type: str, body: bytes) -> Any:
    media_type = content_type.split(";", 1)[0].strip().lower()
    if media_type == "application/json" or (
        media_type.startswith("application/") and media_type.endswith("+json")
    ):
        try:
            return httpx.Response(200, content=body).json() if body else None
        except ValueError:
            return body.decode("utf-8", "replace")
    if media_type.startswith("text/") or not media_type:
        charset = "utf-8"
        for part in content_type.split(";")[1:]:
            key, _, value = part.strip().partition("=")
            if key.lower() == "charset" and value:
                charset = value.strip('"')
        return body.decode(charset, "replace")
    return body


class HttpTarget:
    """Requests to ``base_url`` over HTTP with one pooled httpx client (thread-safe)."""

    def __init__(
        self, base_url: str, *, timeout: float = 30.0, transport: httpx.BaseTransport | None = None
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.transport = transport
        self._client: httpx.Client | None = None
        self._lock = threading.Lock()

    @property
    def client(self) -> httpx.Client:
        with self._lock:
            if self._client is None:
                self._client = httpx.Client(timeout=self.timeout, transport=self.transport)
            return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()

    def __call__(
        self, method: str, xmethod: str | None, path: str, query: Any, data: Any, headers: Any
    ) -> Result:
        send_headers = forward_headers(headers)
        if xmethod:
            method = "POST"
            send_headers["XIO-method"] = xmethod
        url = self.base_url + "/" + quote(path.strip("/"), safe="/:@!$&'()*+,;=-._~")
        content: bytes | None = None
        if data not in (None, {}, "") and method not in ("GET", "HEAD"):
            if isinstance(data, bytes):
                content = data
                send_headers.setdefault("content-type", "application/octet-stream")
            elif isinstance(data, str):
                content = data.encode("utf-8")
                send_headers.setdefault("content-type", "text/plain; charset=utf-8")
            else:
                content = json_dumps(data)
                send_headers["content-type"] = "application/json"
        params = query if isinstance(query, dict) and query else None
        try:
            response = self.client.request(
                method, url, params=params, content=content, headers=send_headers
            )
        except httpx.TimeoutException as exc:
            return Result(504, f"504 Gateway Timeout: {type(exc).__name__}")
        except httpx.HTTPError as exc:
            return Result(502, f"502 Bad Gateway: {type(exc).__name__}")
        content_type = response.headers.get("content-type", "")
        body = response.content
        return Result(
            response.status_code,
            None if method == "HEAD" else decode_content(content_type, body),
            dict(response.headers),
            content_type or None,
        )


def _target_call(target: Any) -> Any:
    """A ``(method, xmethod, path, query, data, headers) -> Result`` for ``target``."""
    if isinstance(target, str):
        if target.startswith(("ws://", "wss://")):
            from .wsclient import WebSocketTarget

            return WebSocketTarget(target)
        return HttpTarget(target)
    if isinstance(target, HttpTarget):
        return target
    # Looked up on the type: a plain resource answers any attribute with a custom method.
    if getattr(type(target), "public_request", None) is not None:
        public = target.public_request

        def to_app(
            method: str, xmethod: str | None, path: str, query: Any, data: Any, headers: Any
        ) -> Result:
            return public(xmethod or method, path, query=query, data=data, headers=headers)  # type: ignore[no-any-return]

        return to_app
    if isinstance(target, Resource):

        def to_resource(
            method: str, xmethod: str | None, path: str, query: Any, data: Any, headers: Any
        ) -> Result:
            return target.request(xmethod or method, path, query=query, data=data, headers=headers)

        return to_resource
    raise TypeError(f"xio cannot make a client for {target!r}: give an app, a resource or a URL")


class Client(Resource):
    """``xio.client(target)``: ``get/post/put/delete/.../about/api/request`` on the target's
    public resources; ``client.get('a').get('b')`` chains like any result."""

    def __init__(self, target: Any, prefix: str = "") -> None:
        super().__init__()
        self.target = target
        self.prefix = prefix.strip("/")
        call = _target_call(target)
        self._call = call
        prefix_path = self.prefix

        def forward(req: Request) -> Result:
            path = "/".join(part for part in (prefix_path, req.path) if part)
            return call(req.method, req.xmethod, path, req.query, req.data, req.headers)  # type: ignore[no-any-return]

        self.handler = forward

    def _answer(self, req: Request) -> Any:
        # Everything goes to the target, ABOUT and OPTIONS included: it knows its resources.
        assert self.handler is not None
        return self.handler(req)

    def put(self, *args: Any, **kwargs: Any) -> Any:  # a client's put is a PUT request
        return self.request("PUT", *args, **kwargs)

    def close(self) -> None:
        """Close the HTTP connections of a URL client (a no-op for in-process targets)."""
        close = getattr(self._call, "close", None)
        if close is not None:  # a URL client: HTTP or websocket connections
            close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<xio client {self.target!r}>"
