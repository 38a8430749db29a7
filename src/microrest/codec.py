"""JSON in and out, with the core's bounds: orjson when installed, the same answers without.

Every JSON body in every style is decoded here, so the depth bound and the 400 for anything
unparsable hold whether or not the optional orjson is present (the stdlib parser recurses, and
a 100,000-deep document would otherwise be a ``RecursionError``).
"""

from __future__ import annotations

import json
import re
from typing import Any

from .errors import BadRequest

try:  # orjson is optional (the "speed" extra) and several times faster
    import orjson

    _HAS_ORJSON = True
    _loads: Any = orjson.loads
    _DecodeError: tuple[type[Exception], ...] = (orjson.JSONDecodeError,)
except ImportError:  # pragma: no cover - depends on the environment
    _HAS_ORJSON = False
    _loads = json.loads
    _DecodeError = (json.JSONDecodeError, UnicodeDecodeError)

__all__ = ["DEFAULT_JSON_DEPTH", "json_depth_exceeds", "json_dumps", "json_loads"]

DEFAULT_JSON_DEPTH = 512
_STRINGS = re.compile(rb'"(?:[^"\\]|\\.)*"')
_BRACKETS = re.compile(rb"[\[\]{}]")


def json_depth_exceeds(body: bytes, limit: int) -> bool:
    """Whether ``body`` nests arrays/objects deeper than ``limit`` (strings do not count)."""
    # Fewer bytes than the limit means fewer brackets: no scan. Each count() costs ~1.4k
    # instructions even on a 60-byte body (callgrind), so most bodies skip both.
    if len(body) <= limit:
        return False
    if body.count(b"[") + body.count(b"{") <= limit:
        return False  # cannot be deeper than it has brackets: the common case costs two counts
    depth = 0
    for found in _BRACKETS.finditer(_STRINGS.sub(b"", body)):
        if found.group() in (b"[", b"{"):
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False


def json_loads(body: bytes | str, max_depth: int = DEFAULT_JSON_DEPTH) -> Any:
    """Decode a JSON document; anything unparsable or nested past ``max_depth`` is a 400."""
    raw = body.encode("utf-8", "surrogatepass") if isinstance(body, str) else body
    if not raw.strip():
        raise BadRequest("Request body is empty; expected JSON")
    if json_depth_exceeds(raw, max_depth):
        raise BadRequest(f"JSON body is nested deeper than {max_depth} levels")
    try:
        return _loads(raw)
    except _DecodeError as exc:
        raise BadRequest(f"Invalid JSON body: {exc}") from None
    except (ValueError, RecursionError) as exc:
        raise BadRequest(f"Invalid JSON body: {exc}") from None


def _refuse(value: Any) -> Any:
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def json_dumps(value: Any) -> bytes:
    """Compact UTF-8 JSON; orjson first, the stdlib for what orjson refuses (big ints, non-str
    keys). NaN and infinities are refused either way, so both paths send the same bytes."""
    if _HAS_ORJSON:
        try:
            # Annotated so mypy agrees whether or not orjson (optional) is installed.
            encoded: bytes = orjson.dumps(value)
            return encoded
        except TypeError:
            pass
    return json.dumps(
        value, ensure_ascii=False, allow_nan=False, separators=(",", ":"), default=_refuse
    ).encode("utf-8")
