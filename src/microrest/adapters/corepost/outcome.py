"""What a handler produced -> a CorePost ``Response`` -> response filters -> a core response.

Kept apart from dispatching so the error handlers build their answers the same way, and
every answer (success, REST exception, 404, 500) passes through the response filters.
"""

from __future__ import annotations

import json
import json.encoder
from typing import Any

from ...responses import Response as CoreResponse
from .convert import JSON, negotiate, to_plain
from .request import CorePostRequest
from .response import Response

__all__ = ["TEXT", "apply_filters", "fast_response", "render_result", "to_core"]

TEXT = "text/plain; charset=utf-8"
_NO_BODY = frozenset({204, 304})


def _accept(facade: CorePostRequest) -> str | None:
    for name, value in facade.request.scope["headers"]:
        if name == b"accept":
            return bytes(value).decode("latin-1")
    return None


def render_result(facade: CorePostRequest, result: Any, is_async: bool) -> Response:
    """The original's rules: text as text/plain, objects negotiated, POST 201 by default."""
    if facade.startedWriting or facade.finished:
        return Response(facade.code, b"".join(facade.written))
    if isinstance(result, Response):
        return result
    code = facade.code if facade.code_set else (201 if facade.method == "POST" else 200)
    if isinstance(result, (str, bytes, bytearray)):
        return Response(code, result, {"Content-Type": TEXT})
    if result is None and is_async:
        return Response(facade.code if facade.code_set else 204)
    body, media_type = negotiate(_accept(facade), to_plain(result))
    return Response(code, body, {"Content-Type": media_type})


_PRIMITIVES = (str, int, float, bool, type(None))


def _json_encoder() -> Any:
    """``json.dumps(data)`` for shallow data without rebuilding the encoder on every call.

    ``json.dumps`` with default options makes a fresh C encoder per call; this one is made
    once with the same options (``", "`` and ``": "``, ASCII, NaN allowed). Cycle detection is
    off: it only ever sees dicts and lists of primitives. Falls back to ``json.dumps``.
    """
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:  # pragma: no cover - CPython always has the C accelerator
        return json.dumps
    options = json.JSONEncoder()
    encoder = make(
        None,
        options.default,
        json.encoder.encode_basestring_ascii,
        None,
        options.key_separator,
        options.item_separator,
        False,
        False,
        True,
    )

    def dumps(data: Any) -> str:
        return "".join(encoder(data, 0))

    return dumps


_dumps_shallow = _json_encoder()


def _shallow_plain(data: dict[Any, Any] | list[Any]) -> bool:
    values = data.values() if type(data) is dict else data
    return all(type(value) in _PRIMITIVES for value in values)


def fast_response(facade: CorePostRequest, result: Any, is_async: bool) -> CoreResponse | None:
    """The common results straight to a core response, or None for the general path.

    Only used when no response filter and no ``setHeader`` can change the answer; produces
    exactly what ``render_result`` + ``to_core`` would.
    """
    if facade.startedWriting or facade.finished:
        return None
    kind = type(result)
    code = facade.code if facade.code_set else (201 if facade.method == "POST" else 200)
    if kind is str:
        return CoreResponse(result.encode("utf-8"), code, media_type=TEXT)
    if kind is dict or kind is list:
        if not _shallow_plain(result):
            return None
        accept = _accept(facade)
        if accept is None or accept == "*/*" or accept == JSON:
            return CoreResponse(_dumps_shallow(result).encode("utf-8"), code, media_type=JSON)
    return None


def apply_filters(filters: tuple[Any, ...], facade: CorePostRequest, response: Response) -> None:
    for item in filters:
        item.filterResponse(facade, response)


def to_core(facade: CorePostRequest, response: Response) -> CoreResponse:
    """Encode the entity and merge headers set with ``request.setHeader`` under the response's."""
    entity = response.entity
    headers = response.headers
    if isinstance(entity, str):
        body = entity.encode("utf-8")
    elif isinstance(entity, (bytes, bytearray)):
        body = bytes(entity)
    else:
        body, media_type = negotiate(_accept(facade), to_plain(entity))
        headers = {**headers}
        if not any(name.lower() == "content-type" for name in headers):
            headers["Content-Type"] = media_type
    pairs: list[tuple[str, str]] = []
    if facade.response_headers:
        overridden = {name.lower() for name in headers}
        pairs = [pair for pair in facade.response_headers if pair[0].lower() not in overridden]
    pairs.extend((name, str(value)) for name, value in headers.items())
    code = response.code
    if code in _NO_BODY or code < 200:
        body = b""
    elif body and not any(name.lower() == "content-type" for name, _ in pairs):
        pairs.append(("Content-Type", TEXT))
    return CoreResponse(body, code, pairs)
