"""What a handler produced -> a CorePost ``Response`` -> response filters -> a core response.

Kept apart from dispatching so the error handlers build their answers the same way, and
every answer (success, REST exception, 404, 500) passes through the response filters.
"""

from __future__ import annotations

import json
import json.encoder
from typing import Any

try:  # optional (the "speed" extra): the same bytes without it, from the stdlib's encoder
    import orjson as orjson_options
    from orjson import dumps as _orjson_dumps
except ImportError:  # pragma: no cover - depends on the environment
    _orjson_dumps = None  # type: ignore[assignment]

from ...responses import Response as CoreResponse
from ...toolkit import NO_BODY_STATUSES
from .convert import negotiate, to_plain
from .headers import HeaderDict
from .request import CorePostRequest
from .response import Response

__all__ = [
    "TEXT",
    "TEXT_HEADERS",
    "apply_filters",
    "merged_headers",
    "render_result",
    "stdlib_json",
    "to_core",
]

TEXT = "text/plain; charset=utf-8"
TEXT_HEADERS = HeaderDict({"Content-Type": TEXT})  # copied, never changed, by each Response


def _accept(facade: CorePostRequest) -> str | None:
    for name, value in facade._scope["headers"]:
        if name == b"accept":
            return bytes(value).decode("latin-1")
    return None


def render_result(facade: CorePostRequest, result: Any, is_async: bool) -> Response:
    """The original's rules: text as text/plain, objects negotiated, POST 201 by default."""
    if facade.startedWriting or facade.finished:
        return Response(facade.code, b"".join(facade.written))
    if isinstance(result, Response):
        return result
    code = (
        facade.code if facade.code_set else (facade.post_code if facade.method == "POST" else 200)
    )
    if isinstance(result, (str, bytes, bytearray)):
        return Response(code, result, TEXT_HEADERS)
    if result is None and is_async:
        return Response(facade.code if facade.code_set else 204)
    body, media_type = negotiate(_accept(facade), to_plain(result))
    return Response(code, body, {"Content-Type": media_type})


_PRIMITIVES = frozenset({str, int, float, bool, type(None)})


def _chunk_encoder() -> Any:
    """``json.dumps(data)``'s chunks, without rebuilding the encoder on every call.

    ``json.dumps`` with default options makes a fresh C encoder per call; this one is made
    once with the same options (``", "`` and ``": "``, ASCII, NaN allowed). Cycle detection is
    off: it only ever sees dicts and lists of primitives.
    """
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:  # pragma: no cover - CPython always has the C accelerator
        return lambda data, level: (json.dumps(data),)
    options = json.JSONEncoder()
    return make(
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


_encode_chunks = _chunk_encoder()
_FAST_DEPTH = 32  # deeper documents take the general path (its depth check, its errors)


def _is_plain(data: dict[Any, Any] | list[Any], depth: int) -> bool:
    """Only exact dicts, lists and primitives, not nested deeper than ``_FAST_DEPTH``:
    what ``to_plain`` returns unchanged (so bounded, it also proves there is no cycle)."""
    if depth > _FAST_DEPTH:
        return False
    primitives = _PRIMITIVES
    for value in data.values() if type(data) is dict else data:
        kind = type(value)
        if kind not in primitives and (
            (kind is not dict and kind is not list) or not _is_plain(value, depth + 1)
        ):
            return False
    return True


# What orjson writes exactly as json.dumps does (floats are not: "1e+16" against "1e16", and
# NaN, which orjson writes as null).
_ORJSON_SCALARS = frozenset({str, int, bool, type(None)})
_NOT_ORJSON = -1  # not plain, or holds a float: the stdlib's encoder decides
_FLAT = -2  # a non-empty container of _ORJSON_SCALARS alone: orjson's indented form
_EMPTY = {dict: b"{}", list: b"[]"}
_BRACES = {dict: (b"{", b"}"), list: (b"[", b"]")}
_INDENT = 0 if _orjson_dumps is None else orjson_options.OPT_INDENT_2


def _separators(data: dict[Any, Any] | list[Any], depth: int) -> int:
    """How many "," and ":" json.dumps writes between the items of ``data``, when it holds
    only exact dicts, lists, str, int, bool and None, not nested deeper than ``_FAST_DEPTH``;
    ``_NOT_ORJSON`` for anything else."""
    if type(data) is dict:
        count = 2 * len(data) - 1  # n colons, n - 1 commas
        values: Any = data.values()
    else:
        count = len(data) - 1
        values = data
    if count < 0:  # empty
        return 0
    scalars = _ORJSON_SCALARS
    for value in values:
        kind = type(value)
        if kind not in scalars:
            if (kind is not dict and kind is not list) or depth >= _FAST_DEPTH:
                return _NOT_ORJSON
            inner = _separators(value, depth + 1)
            if inner < 0:
                return _NOT_ORJSON
            count += inner
    return count


def stdlib_json(data: dict[Any, Any] | list[Any]) -> bytes | None:
    """``json.dumps(data).encode()`` for plain ``data`` (exact dicts, lists and primitives),
    None for anything else.

    With orjson, when it provably writes the same bytes but for the separators: ``data``
    holds no float (``_separators``), orjson accepts it (str keys, 64-bit ints, no lone
    surrogate), and its output is ASCII without DEL (what ``ensure_ascii`` leaves unescaped;
    the other control characters orjson escapes as json.dumps does). Then:

    - a flat container (scalars only) is written indented (``OPT_INDENT_2``): its ": " is
      json.dumps's already, and every newline is structural (a string's is escaped), so
      ",\n  " becomes ", " and the braces lose their newlines, whatever the strings hold
      (the json scenario's "Hello, World!" went to the C encoder: 9.0k -> 4.2k instructions,
      param's document 7.5k -> 5k, callgrind);
    - a nested one is written compact and every "," and ":" spaced: a string holding one
      shows in the length, which must grow by exactly the separators ``_separators``
      counted (else the C encoder writes it).

    Otherwise through the stdlib's C encoder, built once (``_chunk_encoder``). The original's
    ", " and ": " format, at about half the C encoder's cost (echo's document 18.3k -> 12.4k,
    callgrind).
    """
    separators = _NOT_ORJSON
    if _orjson_dumps is not None:
        # _separators(data, 0), its top level here: a call less per answer (0.7k
        # instructions, callgrind); keep the two alike
        if type(data) is dict:
            separators = 2 * len(data) - 1
            values: Any = data.values()
        else:
            separators = len(data) - 1
            values = data
        if separators < 0:
            return _EMPTY[type(data)]  # json.dumps's "{}" and "[]"
        nested = False
        scalars = _ORJSON_SCALARS
        for value in values:
            inner = type(value)
            if inner in scalars:
                continue
            if inner is list and value:
                # a list of scalars, _separators' loop inline: a call less for the commonest
                # nesting (echo's document 12.4k -> 11.6k instructions, callgrind)
                for item in value:
                    if type(item) not in scalars:
                        count = _separators(value, 1)
                        break
                else:
                    count = len(value) - 1
            elif inner is dict or inner is list:
                count = _separators(value, 1)
            else:
                separators = _NOT_ORJSON
                break
            if count < 0:
                separators = _NOT_ORJSON
                break
            nested = True
            separators += count
        else:
            if not nested:
                separators = _FLAT
    if separators == _FLAT:
        try:
            indented: bytes = _orjson_dumps(data, option=_INDENT)
        except TypeError:  # a non-str key, an int past 64 bits, a lone surrogate
            pass
        else:
            if indented.isascii() and 127 not in indented:
                # "{\n  a,\n  b\n}" -> "{" + "a, b" + "}"
                return indented[4:-2].replace(b",\n  ", b", ").join(_BRACES[type(data)])
    elif separators >= 0:
        try:
            compact: bytes = _orjson_dumps(data)
        except TypeError:
            pass
        else:
            if compact.isascii() and 127 not in compact:
                written = compact.replace(b",", b", ").replace(b":", b": ")
                if len(written) - len(compact) == separators:
                    return written
    elif not _is_plain(data, 0):
        return None
    # plain (proved by either walk): what json.dumps writes, from the same C encoder
    return "".join(_encode_chunks(data, 0)).encode("utf-8")


def apply_filters(filters: tuple[Any, ...], facade: CorePostRequest, response: Response) -> None:
    for item in filters:
        item.filterResponse(facade, response)


def merged_headers(facade: CorePostRequest, headers: HeaderDict) -> list[tuple[str, str]]:
    """``request.setHeader`` headers, then the response's, one value per name whatever its case."""
    pairs: list[tuple[str, str]] = []
    if facade.response_headers:
        pairs = [pair for pair in facade.response_headers if pair[0].lower() not in headers]
    pairs.extend((name, str(value)) for name, value in headers.items())
    return pairs


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
        if "content-type" not in headers:
            headers = headers | {"Content-Type": media_type}
    pairs = merged_headers(facade, headers)
    code = response.code
    if code < 200 or code in NO_BODY_STATUSES:  # body_allowed(), inlined: every answer passes
        body = b""
    elif body and not any(name.lower() == "content-type" for name, _ in pairs):
        pairs.append(("Content-Type", TEXT))
    return CoreResponse(body, code, pairs)
