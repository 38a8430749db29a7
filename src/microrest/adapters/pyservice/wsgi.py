"""``service.wsgi_application``: the service as a real WSGI callable (the README's ``wsgiref``).

The WSGI server's thread reads the body (Content-Length, or chunked as 0.8.0 decoded it; never
more than the limit and one byte), then the ASGI app runs on one event loop kept in a daemon
thread for the process (``loop.py``), so every WSGI request shares the app's thread limiter.
No lifespan runs under WSGI: a pyservice ``Service`` has none of its own.
"""

from __future__ import annotations

import asyncio
import http
from collections.abc import Callable
from typing import IO, TYPE_CHECKING, Any

from .loop import run_on_shared_loop

if TYPE_CHECKING:
    from ...types import ASGIApp, Message

__all__ = ["call_asgi_from_wsgi"]

_READ = 65536


class _BadChunks(ValueError):
    pass


def _read_exactly(stream: IO[bytes], size: int) -> bytes:
    parts = []
    while size > 0:
        part = stream.read(min(size, _READ))
        if not part:
            break
        parts.append(part)
        size -= len(part)
    return b"".join(parts)


def _read_chunked(stream: IO[bytes], bound: int) -> bytes:
    """A chunked body, decoded; stops once past ``bound`` bytes (the app answers 413)."""
    body = bytearray()
    while len(body) <= bound:
        line = stream.readline(1024)
        if not line.endswith(b"\n"):
            raise _BadChunks("chunk size line missing or too long")
        size_text = line.split(b";", 1)[0].strip()
        try:
            size = int(size_text, 16)
        except ValueError:
            raise _BadChunks(f"bad chunk size {size_text!r}") from None
        if size < 0:
            raise _BadChunks("negative chunk size")
        if size == 0:
            while stream.readline(1024).strip():  # trailers, up to the blank line
                pass
            return bytes(body)
        chunk = _read_exactly(stream, min(size, bound + 1 - len(body)))
        body += chunk
        if len(chunk) < size:
            if len(body) > bound:
                break
            raise _BadChunks("chunk shorter than its size")
        if stream.read(2) != b"\r\n":
            raise _BadChunks("chunk not followed by CRLF")
    return bytes(body)


def _scope(environ: dict[str, Any]) -> dict[str, Any]:
    def text(key: str) -> str:  # PEP 3333: native strings carry bytes as latin-1
        return str(environ.get(key, "")).encode("latin-1").decode("utf-8", "replace")

    headers = []
    for key, value in environ.items():
        if key.startswith("HTTP_") and key != "HTTP_TRANSFER_ENCODING":
            headers.append((key[5:].replace("_", "-").lower().encode(), value.encode("latin-1")))
    for key, name in (("CONTENT_TYPE", b"content-type"), ("CONTENT_LENGTH", b"content-length")):
        if environ.get(key):
            headers.append((name, str(environ[key]).encode("latin-1")))
    root = text("SCRIPT_NAME")
    server_port = str(environ.get("SERVER_PORT", "") or "0")
    client_port = str(environ.get("REMOTE_PORT", "") or "0")
    client_port = client_port if client_port.isdigit() else "0"
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": str(environ.get("SERVER_PROTOCOL", "HTTP/1.1")).rpartition("/")[2],
        "method": str(environ.get("REQUEST_METHOD", "GET")).upper(),
        "scheme": environ.get("wsgi.url_scheme", "http"),
        "path": root + text("PATH_INFO"),
        "raw_path": (
            str(environ.get("SCRIPT_NAME", "")) + str(environ.get("PATH_INFO", ""))
        ).encode("latin-1"),
        "query_string": str(environ.get("QUERY_STRING", "")).encode("latin-1"),
        "root_path": root,
        "headers": headers,
        "server": (environ.get("SERVER_NAME", "localhost"), int(server_port)),
        "client": (
            environ.get("REMOTE_ADDR", ""),
            int(client_port) if client_port.isdigit() else 0,
        ),
    }


def _read_body(environ: dict[str, Any], limit: int | None) -> bytes | None:
    """The request body, or None when it is malformed (a 400)."""
    stream = environ.get("wsgi.input")
    if stream is None:
        return b""
    bound = limit if limit is not None else 1 << 62
    length = str(environ.get("CONTENT_LENGTH", "") or "").strip()
    if length:
        if not length.isdigit() or int(length) > bound:
            return b""  # the app refuses the header itself (400 or 413) before any read
        return _read_exactly(stream, int(length))
    if environ.get("wsgi.input_terminated"):
        return _read_exactly(stream, bound + 1)
    if environ.get("HTTP_TRANSFER_ENCODING"):  # 0.8.0 treated any coding as chunked
        try:
            return _read_chunked(stream, bound)
        except _BadChunks:
            return None
    return b""  # no length and no chunks: no body


def _answer(status: int, start_response: Callable[..., Any], headers: list[Any]) -> str:
    try:
        phrase = http.HTTPStatus(status).phrase
    except ValueError:
        phrase = ""
    start_response(f"{status} {phrase}".rstrip(), headers)
    return phrase


def call_asgi_from_wsgi(
    app: ASGIApp,
    environ: dict[str, Any],
    start_response: Callable[..., Any],
    limit: int | None = None,
) -> list[bytes]:
    body = _read_body(environ, limit)
    if body is None:
        _answer(400, start_response, [("Content-Length", "0")])
        return [b""]
    scope = _scope(environ)
    if body and not any(name == b"content-length" for name, _ in scope["headers"]):
        scope["headers"].append((b"content-length", str(len(body)).encode()))
    sent: list[Message] = []
    delivered = False

    async def receive() -> Message:
        nonlocal delivered
        if delivered:
            await asyncio.Event().wait()  # nothing more will come; ASGI apps wait for disconnect
        delivered = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    run_on_shared_loop(app(scope, receive, send))  # type: ignore[arg-type]
    start = next((m for m in sent if m["type"] == "http.response.start"), None)
    if start is None:
        _answer(500, start_response, [("Content-Length", "0")])
        return [b""]
    content = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    headers = [
        (name.decode("latin-1"), value.decode("latin-1")) for name, value in start["headers"]
    ]
    _answer(int(start["status"]), start_response, headers)
    return [content]
