"""HTTP in and out: a core request becomes an xio ``Request``, a ``Result`` a core response.

The route endpoint (``app.py``) reads the body with these helpers before the handler runs,
and answers what ``answer_of`` makes of the handler's result. The handler chain itself is
synchronous, as xio's was, and runs under the app's sync policy (a worker thread by default,
inline on request).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ...requests import Request as CoreRequest
from ...responses import Response, StreamingResponse
from ...toolkit import answer_headers, json_dumps, json_loads
from .request import Headers, parse_query
from .resource import Result

__all__ = [
    "answer_of",
    "CORS_HEADERS",
    "OPTIONS_CORS_HEADERS",
    "CORS_RAW",
    "FORMS",
    "JSON_TYPE",
    "NO_BODY",
    "TEXT_TYPE",
    "decoded",
    "form_fields",
    "parse_query",
    "to_response",
]

CORS_HEADERS = {"Access-Control-Allow-Origin": "*"}
OPTIONS_CORS_HEADERS = {
    "Access-Control-Allow-Methods": "GET,HEAD,OPTIONS,POST,PUT,PATCH,DELETE,CONNECT",
    "Access-Control-Allow-Headers": (
        "Origin, X-Requested-With, Content-Type, Content-Length, Date, Accept, Authorization, "
        "XIO-id, XIO-token, XIO-view, XIO-method, XIO-profile"
    ),
}
#: Methods whose body is not read (unless ``XIO-method`` makes the request a custom one).
NO_BODY = frozenset({"GET", "HEAD", "OPTIONS"})
#: The Content-Type of the two common answers, encoded once.
TEXT_TYPE = b"text/plain; charset=utf-8"
JSON_TYPE = b"application/json"
FORMS = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})
_CHUNK = 64 * 1024


def _is_json(media_type: str) -> bool:
    return media_type == "application/json" or (
        media_type.startswith("application/") and media_type.endswith("+json")
    )


async def form_fields(request: CoreRequest) -> dict[str, Any]:
    """``req.data`` of a form: its fields, an uploaded file as ``(file, filename)``."""
    form = await request.form()
    fields: dict[str, Any] = {}
    for key, value in form.multi_items():
        fields[key] = value if isinstance(value, str) else (value.file, value.filename)
    return fields


def decoded(body: bytes, media_type: str, request: CoreRequest) -> Any:
    """``req.data`` of a non-empty body: JSON decoded, else text, else the bytes."""
    if _is_json(media_type):
        return json_loads(body, request.limits.max_json_depth)
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return body


def _file_chunks(handle: Any) -> Iterator[bytes]:
    try:
        while True:
            chunk = handle.read(_CHUNK)
            if not chunk:
                return
            yield chunk.encode("utf-8") if isinstance(chunk, str) else chunk
    finally:
        handle.close()


def _body(content: Any) -> tuple[bytes | None, str | None]:
    """``(body, default media type)``; body None means "stream it" (a file object)."""
    kind = type(content)
    if kind is dict or kind is list:
        return json_dumps(content), "application/json"
    if content is None:
        return b"", None
    if isinstance(content, str):
        return content.encode("utf-8"), "text/plain; charset=utf-8"
    if isinstance(content, (bytes, bytearray, memoryview)):
        return bytes(content), "application/octet-stream"
    if hasattr(content, "read"):
        return None, "application/octet-stream"
    if isinstance(content, (dict, list, tuple, int, float, bool)):
        return json_dumps(content), "application/json"
    return str(content).encode("utf-8"), "text/plain; charset=utf-8"


def to_response(result: Result, method: str, cors: bool = True) -> Response:
    """The core response for ``result``: its status, headers and content type honoured."""
    headers = Headers()
    explicit_type = None
    for name, value in result.headers.items():
        if name.lower().replace("_", "-") == "content-type":
            explicit_type = str(value)
        else:
            headers[name] = value
    body, default_type = _body(result.content)
    media_type = explicit_type or result._content_type or default_type
    raw: dict[str, str] = {}
    if cors:
        raw.update(CORS_HEADERS)
        if method == "OPTIONS":
            raw.update(OPTIONS_CORS_HEADERS)
    for name, value in headers.items():
        raw[name.replace("_", "-")] = str(value)
    if media_type is not None and result.content is not None:
        raw["content-type"] = media_type
    response: Response
    if body is None:
        response = StreamingResponse(_file_chunks(result.content), result.status, raw)
    else:
        response = Response(body, result.status, raw)
    for key, value, options in result.cookies:
        response.set_cookie(key, value, **options)
    return response


CORS_RAW = (b"access-control-allow-origin", b"*")
_MEDIA_TYPES: dict[str, bytes] = {}


def answer_of(result: Result, method: str, cors: bool) -> tuple[int, Any, bytes] | Response:
    """What the prepared route answers for ``result``: the common case (no headers or cookies
    set, a buffered body, not OPTIONS under CORS) as ``(status, headers, body)``, which the
    core sends as is; anything else as a core response (which checks the headers)."""
    content = result.content
    body, default_type = _body(content)
    if body is None or result.headers or result.cookies or (cors and method == "OPTIONS"):
        return to_response(result, method, cors)
    media_type = result._content_type or default_type
    encoded = None
    if media_type is not None and content is not None:
        encoded = _MEDIA_TYPES.get(media_type)
        if encoded is None:
            encoded = media_type.encode("latin-1")  # a bad value raises: the core's 500
            if len(_MEDIA_TYPES) < 64 and "\r" not in media_type and "\n" not in media_type:
                _MEDIA_TYPES[media_type] = encoded
    headers = answer_headers(result.status, body, encoded)
    if cors:
        headers.append(CORS_RAW)
    return result.status, headers, body
