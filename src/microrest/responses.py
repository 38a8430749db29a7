"""Response types and ``render()``: what a handler returns, turned into ASGI messages.

Headers are encoded and checked once, when the response is built; a value that cannot go on
the wire raises ``InvalidHeader`` there, inside the handler's error pipeline, instead of
breaking the connection later.
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import AsyncIterable, Iterable, Mapping
from email.utils import formatdate, parsedate_to_datetime
from http.cookies import SimpleCookie
from typing import Any, Literal
from urllib.parse import quote

import anyio
import anyio.lowlevel
import anyio.to_thread
from starlette.datastructures import MutableHeaders

from .codec import json_dumps
from .concurrency import iterate_in_thread
from .errors import InvalidHeader, NotFound
from .types import Receive, Scope, Send

__all__ = [
    "FileResponse",
    "HTMLResponse",
    "JSONResponse",
    "PlainTextResponse",
    "RedirectResponse",
    "Response",
    "StreamingResponse",
    "render",
]

HeadersInput = Mapping[str, str] | Iterable[tuple[str, str]] | None
NO_BODY_STATUSES = frozenset({204, 304})  # and every 1xx: statuses whose answer has no body
CHUNK_SIZE = 64 * 1024
_CONTENT_TYPES: dict[tuple[str | None, str], bytes | None] = {}
_UNKNOWN: Any = object()


def encode_header(name: str, value: str) -> tuple[bytes, bytes]:
    """Encode one header, refusing what would corrupt the message (CR, LF, NUL, non-latin-1)."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(name, str) or not isinstance(value, str):
        raise InvalidHeader(f"header {name!r} must have str name and value, got {value!r}")
    for text in (name, value):
        if "\r" in text or "\n" in text or "\x00" in text:
            raise InvalidHeader(f"header {name!r} contains CR, LF or NUL: {value!r}")
    try:
        return name.lower().encode("latin-1"), value.encode("latin-1")
    except UnicodeEncodeError:
        raise InvalidHeader(
            f"header {name!r} value {value!r} is not latin-1; percent-encode it (RFC 8187)"
        ) from None


def encode_headers(headers: HeadersInput) -> list[tuple[bytes, bytes]]:
    if not headers:
        return []
    pairs = headers.items() if isinstance(headers, Mapping) else headers
    return [encode_header(name, value) for name, value in pairs]


def _check_raw(raw: list[tuple[bytes, bytes]]) -> None:
    for name, value in raw:
        if b"\r" in value or b"\n" in value or b"\x00" in value or b"\r" in name or b"\n" in name:
            raise InvalidHeader(f"header {name!r} contains CR, LF or NUL: {value!r}")


class Response:
    """A complete body known up front. ``content`` is str, bytes or None."""

    media_type: str | None = None
    charset = "utf-8"

    def __init__(
        self,
        content: Any = None,
        status_code: int = 200,
        headers: HeadersInput = None,
        media_type: str | None = None,
        background: Any = None,
    ) -> None:
        if type(content) is str and status_code == 200 and headers is None and media_type is None:
            # A text response's commonest form built without the general steps below (render
            # lookup, header defaults, content-type cache), as JSONResponse does for its own:
            # the plaintext route's ``PlainTextResponse("...")`` 49.8k -> 47.1k instructions a
            # request (callgrind).
            content_type = _FAST_TEXT.get(type(self))
            if content_type is not None:
                body = content.encode("utf-8")
                self.status_code = 200
                self.background = background
                self.body = body
                self._touched = False
                self.raw_headers = [
                    (b"content-length", str(len(body)).encode()),
                    (b"content-type", content_type),
                ]
                return
        self.status_code = status_code
        if media_type is not None:
            self.media_type = media_type
        self.background = background
        self.body = self.render(content)
        self._touched = False
        if headers:
            self.raw_headers = encode_headers(headers)
            self._finish_headers()
        else:
            self.raw_headers = self._default_headers()

    def render(self, content: Any) -> bytes:
        if content is None:
            return b""
        if isinstance(content, bytes):
            return content
        if isinstance(content, str):
            return content.encode(self.charset)
        if isinstance(content, (bytearray, memoryview)):
            return bytes(content)
        raise TypeError(
            f"{type(self).__name__} content must be str or bytes, got {type(content).__name__}; "
            "use JSONResponse for data"
        )

    def _content_type(self) -> bytes | None:
        key = (self.media_type, self.charset)
        try:
            return _CONTENT_TYPES[key]
        except KeyError:
            pass
        media_type = self.media_type
        value = None
        if media_type is not None:
            if media_type.startswith("text/") and "charset=" not in media_type:
                media_type += "; charset=" + self.charset
            value = media_type.encode("latin-1")
        if len(_CONTENT_TYPES) < 256:  # media types are few; do not let odd ones grow it
            _CONTENT_TYPES[key] = value
        return value

    def _default_headers(self) -> list[tuple[bytes, bytes]]:
        """The headers of a response built without any: the hot path, no set, no checks."""
        status = self.status_code
        if status < 200 or status in NO_BODY_STATUSES:
            return []
        # The cache read inline and the list built whole: about 0.4k instructions less per
        # response than calling _content_type() and appending (callgrind).
        content_type = _CONTENT_TYPES.get((self.media_type, self.charset), _UNKNOWN)
        if content_type is _UNKNOWN:
            content_type = self._content_type()
        if content_type is None:
            return [(b"content-length", str(len(self.body)).encode())]
        return [(b"content-length", str(len(self.body)).encode()), (b"content-type", content_type)]

    def _finish_headers(self) -> None:
        raw = self.raw_headers
        names = {name for name, _ in raw}
        if self.status_code not in NO_BODY_STATUSES and self.status_code >= 200:
            if b"content-length" not in names and b"transfer-encoding" not in names:
                raw.append((b"content-length", str(len(self.body)).encode()))
            if b"content-type" not in names:
                content_type = self._content_type()
                if content_type is not None:
                    raw.append((b"content-type", content_type))

    @property
    def headers(self) -> MutableHeaders:
        """Mutable view over the raw headers; edits are re-checked before sending."""
        self._touched = True
        return MutableHeaders(raw=self.raw_headers)

    def set_cookie(
        self,
        key: str,
        value: str = "",
        max_age: int | None = None,
        expires: int | str | None = None,
        path: str | None = "/",
        domain: str | None = None,
        secure: bool = False,
        httponly: bool = False,
        samesite: Literal["lax", "strict", "none"] | None = "lax",
    ) -> None:
        cookie: SimpleCookie = SimpleCookie()
        cookie[key] = value
        morsel = cookie[key]
        if max_age is not None:
            morsel["max-age"] = max_age
        if expires is not None:
            morsel["expires"] = (
                formatdate(expires, usegmt=True) if isinstance(expires, int) else expires
            )
        if path is not None:
            morsel["path"] = path
        if domain is not None:
            morsel["domain"] = domain
        if secure:
            morsel["secure"] = True
        if httponly:
            morsel["httponly"] = True
        if samesite is not None:
            morsel["samesite"] = samesite
        self.raw_headers.append(encode_header("set-cookie", cookie.output(header="").strip()))

    def delete_cookie(self, key: str, path: str = "/", domain: str | None = None) -> None:
        self.set_cookie(key, max_age=0, expires=0, path=path, domain=domain)

    def _start(self) -> dict[str, Any]:
        if self._touched:
            _check_raw(self.raw_headers)
        return {
            "type": "http.response.start",
            "status": self.status_code,
            "headers": self.raw_headers,
        }

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send(self._start())
        await send({"type": "http.response.body", "body": self.body})
        if self.background is not None:
            await self.background()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.status_code}>"


class PlainTextResponse(Response):
    media_type = "text/plain"


class HTMLResponse(Response):
    media_type = "text/html"


# The text responses' commonest form, built by Response.__init__'s shortcut: their own content
# type, for these exact classes only (a subclass may override render, the media type or the
# charset, which are set by subclassing, not by editing these classes).
_FAST_TEXT: dict[type[Response], bytes] = {
    PlainTextResponse: b"text/plain; charset=utf-8",
    HTMLResponse: b"text/html; charset=utf-8",
}


class JSONResponse(Response):
    """JSON via orjson when installed (falling back to the stdlib for what orjson refuses)."""

    media_type = "application/json"

    def __init__(
        self,
        content: Any = None,
        status_code: int = 200,
        headers: HeadersInput = None,
        media_type: str | None = None,
        background: Any = None,
    ) -> None:
        if (
            headers is None
            and media_type is None
            and type(self) is JSONResponse
            # 200 first: one int comparison, where the set lookup cost 0.2k instructions.
            and (status_code == 200 or (status_code > 200 and status_code not in NO_BODY_STATUSES))
        ):
            # The commonest answer built without Response.__init__'s general steps (render
            # lookup, header defaults, content-type cache): the echo route's
            # ``JSONResponse(data)`` 78.3k -> 75.2k instructions (callgrind). Subclasses, which
            # may override render or the media type, take the general path.
            body = json_dumps(content)
            self.status_code = status_code
            self.background = background
            self.body = body
            self._touched = False
            self.raw_headers = [
                (b"content-length", str(len(body)).encode()),
                (b"content-type", b"application/json"),
            ]
            return
        super().__init__(content, status_code, headers, media_type, background)

    def render(self, content: Any) -> bytes:
        return json_dumps(content)


class RedirectResponse(Response):
    def __init__(
        self, url: str, status_code: int = 307, headers: HeadersInput = None, background: Any = None
    ) -> None:
        super().__init__(b"", status_code, headers, background=background)
        location = quote(str(url), safe=":/%#?=@[]!$&'()*+,;~")
        self.raw_headers.append((b"location", location.encode("latin-1")))


Content = AsyncIterable[Any] | Iterable[Any] | Any


class StreamingResponse(Response):
    """A body produced piece by piece: async or sync iterables, or a file-like object.

    Without a Content-Length header the server frames it with chunked encoding. If the client
    leaves, iteration stops (the iterator is closed) instead of running on for nobody.
    """

    def __init__(
        self,
        content: Content,
        status_code: int = 200,
        headers: HeadersInput = None,
        media_type: str | None = None,
        background: Any = None,
    ) -> None:
        self.content = content
        super().__init__(None, status_code, headers, media_type, background)

    def _default_headers(self) -> list[tuple[bytes, bytes]]:
        content_type = self._content_type()
        return [] if content_type is None else [(b"content-type", content_type)]

    def _finish_headers(self) -> None:
        # The length is unknown up front: only a Content-Type is added.
        names = {name for name, _ in self.raw_headers}
        if b"content-type" not in names:
            self.raw_headers += self._default_headers()

    async def _chunks(self) -> AsyncIterable[Any]:
        content = self.content
        if hasattr(content, "__aiter__"):
            try:
                async for chunk in content:
                    yield chunk
            finally:  # an abandoned stream closes its producer now, not at garbage collection
                aclose = getattr(content, "aclose", None)
                if aclose is not None:
                    with anyio.CancelScope(shield=True):
                        await aclose()
        elif hasattr(content, "read") and not isinstance(content, (str, bytes)):
            try:
                while True:
                    chunk = await anyio.to_thread.run_sync(content.read, CHUNK_SIZE)
                    if not chunk:
                        break
                    yield chunk
            finally:  # the response owns a file it was given, as FileResponse does
                close = getattr(content, "close", None)
                if close is not None:
                    close()
        else:
            try:
                async for chunk in iterate_in_thread(content):
                    yield chunk
            finally:  # a generator left mid-way (its client went) runs its cleanup now
                close = getattr(content, "close", None)
                if close is not None:
                    close()

    async def _stream(self, send: Send) -> None:
        await send(self._start())
        charset = self.charset
        chunks = self._chunks()
        try:
            async for chunk in chunks:
                if isinstance(chunk, str):
                    chunk = chunk.encode(charset)
                if chunk:
                    await send({"type": "http.response.body", "body": chunk, "more_body": True})
                    # uvicorn's send returns at once once the client is gone, and a producer
                    # that never awaits would then starve watch_disconnect and run to its end
                    # (4 GB for a client that left, tests/reliability): let it run.
                    await anyio.lowlevel.checkpoint()
        finally:
            aclose = getattr(chunks, "aclose", None)
            if aclose is not None:
                with anyio.CancelScope(shield=True):  # cleanup runs even when cancelled
                    await aclose()
        await send({"type": "http.response.body", "body": b"", "more_body": False})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope.get("method") == "HEAD":
            await send(self._start())
            await send({"type": "http.response.body", "body": b""})
            if hasattr(self.content, "read") and hasattr(self.content, "close"):
                self.content.close()  # never read, still owned
            return
        async with anyio.create_task_group() as group:

            async def watch_disconnect() -> None:
                while True:
                    message = await receive()
                    if message["type"] == "http.disconnect":
                        group.cancel_scope.cancel()
                        return

            async def stream_then_stop() -> None:
                await self._stream(send)
                group.cancel_scope.cancel()

            group.start_soon(watch_disconnect)
            group.start_soon(stream_then_stop)
        if self.background is not None:
            await self.background()


def _etag(st: os.stat_result) -> str:
    digest = hashlib.md5(f"{st.st_mtime_ns}-{st.st_size}".encode(), usedforsecurity=False)
    return f'"{digest.hexdigest()}"'


def _parse_range(header: str, size: int) -> tuple[int, int] | None | Literal["unsatisfiable"]:
    """One ``bytes=`` range as inclusive (start, end); None to ignore the header."""
    unit, _, spec = header.partition("=")
    if unit.strip().lower() != "bytes" or "," in spec:
        return None  # other units and multi-range requests get the full body (RFC 9110 14.2)
    first, dash, last = spec.strip().partition("-")
    if not dash:
        return None
    try:
        if first == "":
            if not last.isdigit():
                return None
            suffix = int(last)
            if suffix == 0:
                return "unsatisfiable"
            return max(size - suffix, 0), size - 1
        if not first.isdigit() or (last and not last.isdigit()):
            return None
        start = int(first)
        end = int(last) if last else size - 1
    except ValueError:
        return None
    if last and end < start:
        return None  # an invalid range is ignored; an open one past the end is a 416
    if start >= size:
        return "unsatisfiable"
    return start, min(end, size - 1)


class FileResponse(Response):
    """A file from disk with ETag/Last-Modified, 304s, and single byte ranges (206/416)."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        status_code: int = 200,
        headers: HeadersInput = None,
        media_type: str | None = None,
        filename: str | None = None,
        stat_result: os.stat_result | None = None,
        content_disposition_type: str = "attachment",
        background: Any = None,
    ) -> None:
        self.path = os.fspath(path)
        self.filename = filename
        self.stat_result = stat_result
        if media_type is None:
            import mimetypes

            media_type = (
                mimetypes.guess_type(filename or self.path)[0] or "application/octet-stream"
            )
        super().__init__(None, status_code, headers, media_type, background)
        if filename is not None:
            quoted = quote(filename)
            value = (
                f"{content_disposition_type}; filename*=utf-8''{quoted}"
                if quoted != filename
                else f'{content_disposition_type}; filename="{filename}"'
            )
            self.raw_headers.append((b"content-disposition", value.encode("latin-1")))

    _default_headers = StreamingResponse._default_headers
    _finish_headers = StreamingResponse._finish_headers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        st = self.stat_result
        if st is None:
            try:
                st = await anyio.to_thread.run_sync(os.stat, self.path)
            except (FileNotFoundError, NotADirectoryError):
                raise NotFound("File not found") from None
        if not stat.S_ISREG(st.st_mode):
            raise NotFound("File not found")
        request_headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        etag = _etag(st)
        last_modified = formatdate(st.st_mtime, usegmt=True)
        base = [
            *self.raw_headers,
            (b"etag", etag.encode()),
            (b"last-modified", last_modified.encode()),
            (b"accept-ranges", b"bytes"),
        ]
        if self._touched:
            _check_raw(base)
        method = scope.get("method", "GET")
        if (
            method in ("GET", "HEAD")
            and self.status_code == 200
            and _not_modified(request_headers, etag, st)
        ):
            headers = [(k, v) for k, v in base if k not in (b"content-type", b"content-length")]
            await send({"type": "http.response.start", "status": 304, "headers": headers})
            await send({"type": "http.response.body", "body": b""})
            return
        size = st.st_size
        start, end, status = 0, size - 1, self.status_code
        range_header = request_headers.get("range")
        if range_header and status == 200 and _range_applies(request_headers, etag, last_modified):
            parsed = _parse_range(range_header, size)
            if parsed == "unsatisfiable":
                headers = [
                    (b"content-range", f"bytes */{size}".encode()),
                    (b"content-length", b"0"),
                ]
                await send({"type": "http.response.start", "status": 416, "headers": headers})
                await send({"type": "http.response.body", "body": b""})
                return
            if parsed is not None:
                start, end = parsed
                status = 206
                base.append((b"content-range", f"bytes {start}-{end}/{size}".encode()))
        length = max(end - start + 1, 0)
        base.append((b"content-length", str(length).encode()))
        await send({"type": "http.response.start", "status": status, "headers": base})
        if method == "HEAD" or length == 0:
            await send({"type": "http.response.body", "body": b""})
        else:
            async with await anyio.open_file(self.path, "rb") as handle:
                await handle.seek(start)
                remaining = length
                while remaining > 0:
                    chunk = await handle.read(min(CHUNK_SIZE, remaining))
                    if not chunk:
                        break
                    remaining -= len(chunk)
                    await send(
                        {"type": "http.response.body", "body": chunk, "more_body": remaining > 0}
                    )
                if remaining > 0:  # the file shrank under us: end the message anyway
                    await send({"type": "http.response.body", "body": b""})
        if self.background is not None:
            await self.background()


def _not_modified(headers: dict[str, str], etag: str, st: os.stat_result) -> bool:
    if_none_match = headers.get("if-none-match")
    if if_none_match is not None:
        tags = [tag.strip().removeprefix("W/") for tag in if_none_match.split(",")]
        return "*" in tags or etag in tags
    if_modified_since = headers.get("if-modified-since")
    if if_modified_since:
        try:
            since = parsedate_to_datetime(if_modified_since).timestamp()
        except (TypeError, ValueError, IndexError):
            return False
        return int(st.st_mtime) <= since
    return False


def _range_applies(headers: dict[str, str], etag: str, last_modified: str) -> bool:
    if_range = headers.get("if-range")
    return if_range is None or if_range.strip() in (etag, last_modified)


def render(value: Any) -> Response:
    """Turn a handler's return value into a response.

    ``Response`` as is; ``str`` text/plain; ``bytes`` application/octet-stream; ``dict`` or
    ``list`` JSON; ``None`` 204 No Content. Anything else is a programming error.
    """
    if isinstance(value, Response):
        return value
    if isinstance(value, str):
        return PlainTextResponse(value)
    if isinstance(value, (dict, list)):
        return JSONResponse(value)
    if value is None:
        return Response(status_code=204)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return Response(bytes(value), media_type="application/octet-stream")
    raise TypeError(
        f"a handler returned {type(value).__name__!s}; return a Response, str, bytes, dict, "
        "list or None"
    )
