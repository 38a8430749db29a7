"""HTTP in and out: a core request becomes an xio ``Request``, a ``Result`` a core response.

Everything that needs the event loop (reading and parsing the body) happens here, before the
handler runs; the handler chain itself is synchronous, as xio's was, and runs under the app's
sync policy (a worker thread by default, inline on request).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl

from ...requests import Request as CoreRequest
from ...responses import Response, StreamingResponse
from ...toolkit import json_dumps, json_loads
from .request import Headers, Request
from .resource import Result

__all__ = ["CORS_HEADERS", "OPTIONS_CORS_HEADERS", "parse_query", "read_request", "to_response"]

CORS_HEADERS = {"Access-Control-Allow-Origin": "*"}
OPTIONS_CORS_HEADERS = {
    "Access-Control-Allow-Methods": "GET,HEAD,OPTIONS,POST,PUT,PATCH,DELETE,CONNECT",
    "Access-Control-Allow-Headers": (
        "Origin, X-Requested-With, Content-Type, Content-Length, Date, Accept, Authorization, "
        "XIO-id, XIO-token, XIO-view, XIO-method, XIO-profile"
    ),
}
_NO_BODY = frozenset({"GET", "HEAD", "OPTIONS"})
_FORMS = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})
_CHUNK = 64 * 1024


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


def _is_json(media_type: str) -> bool:
    return media_type == "application/json" or (
        media_type.startswith("application/") and media_type.endswith("+json")
    )


async def _data(request: CoreRequest, method: str) -> tuple[Any, bytes | None]:
    if method in _NO_BODY:
        return {}, None
    media_type = request.content_type
    if media_type in _FORMS:
        form = await request.form()
        fields: dict[str, Any] = {}
        for key, value in form.multi_items():
            fields[key] = value if isinstance(value, str) else (value.file, value.filename)
        return fields, None
    body = await request.body()
    if not body:
        return {}, body
    if _is_json(media_type):
        return json_loads(body, request.limits.max_json_depth), body
    try:
        return body.decode("utf-8"), body
    except UnicodeDecodeError:
        return body, body


async def read_request(
    request: CoreRequest, path: str, fullpath: str, context: dict[str, Any], verify: Any
) -> Request:
    """The xio request for a core request; ``path`` is the part below the handling resource."""
    scope = request.scope
    headers = Headers(
        (name.decode("latin-1"), value.decode("latin-1")) for name, value in scope["headers"]
    )
    method = request.method
    xmethod = headers.get("xio_method") or None
    data, body = await _data(request, "POST" if xmethod else method)
    context["cookies"] = request.cookies
    context["remote_addr"] = request.client.host if request.client else None
    req = Request(
        method,
        xmethod=xmethod,
        query=parse_query(scope.get("query_string", b"")),
        data=data,
        headers=headers,
        context=context,
        body=body,
        http=request,
        verify=verify,
    )
    req.path = path
    req.fullpath = fullpath
    return req


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
    media_type = explicit_type or result.content_type or default_type
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
