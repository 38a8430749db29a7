"""JSON in and out, with the core's bounds: orjson when installed, the same answers without.

Every JSON body in every style is decoded here, so the depth bound and the 400 for anything
unparsable hold whether or not the optional orjson is present (the stdlib parser recurses, and
a 100,000-deep document would otherwise be a ``RecursionError``).
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from .errors import BadRequest

try:  # orjson is optional (the "speed" extra) and several times faster
    import orjson

    _HAS_ORJSON = True
    _ORJSON_LOADS: Any = orjson.loads  # a global read: no module attribute per call
except ImportError:  # pragma: no cover - depends on the environment
    _HAS_ORJSON = False
    _ORJSON_LOADS = None  # read only when _HAS_ORJSON

__all__ = ["DEFAULT_JSON_DEPTH", "json_depth_exceeds", "json_dumps", "json_loads"]

DEFAULT_JSON_DEPTH = 512
# orjson reads an integer past 64 bits as a float (precision lost); the stdlib keeps it exact.
_BIG_INT_DIGITS = 19
_BIG_INT = re.compile(rb"[0-9]{%d}" % _BIG_INT_DIGITS)
_DIGITS = b"0123456789"
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
    # The common case first, in the fewest steps: a bytes body too short to nest past the
    # bound (so no depth scan) with fewer than 19 digits in all (so no integer orjson would
    # turn into a float; the digit count is one C pass, where the regex search below cost
    # 7k instructions on a 62-byte document). Every other body, and every error message,
    # is _decode's: the echo route 68.7k -> 68.3k instructions (callgrind), each style's
    # JSON body as much.
    digits = None  # the body's digit count, once counted: _decode does not count again
    if _HAS_ORJSON and type(body) is bytes and len(body) <= max_depth:
        digits = len(body) - len(body.translate(None, _DIGITS))
        if digits < _BIG_INT_DIGITS:
            try:
                return _ORJSON_LOADS(body)
            except ValueError:
                pass  # decoded again below, for the 400 and its message
    return _decode(body, max_depth, digits)


def _decode(body: bytes | str, max_depth: int, digits: int | None = None) -> Any:
    raw = body.encode("utf-8", "surrogatepass") if isinstance(body, str) else body
    # The depth scan only for bodies long enough to hold that many brackets, and the empty-body
    # test only once a parser has refused the body (both parsers refuse an empty one).
    if len(raw) > max_depth and json_depth_exceeds(raw, max_depth):
        raise BadRequest(f"JSON body is nested deeper than {max_depth} levels")
    try:
        if _HAS_ORJSON:
            # The regex only when the body holds 19 digits at all (see json_loads).
            if digits is None:
                digits = len(raw) - len(raw.translate(None, _DIGITS))
            if digits < _BIG_INT_DIGITS or _BIG_INT.search(raw) is None:
                return orjson.loads(raw)
        return json.loads(raw, parse_constant=_no_constant, parse_float=_finite)
    except (ValueError, RecursionError) as exc:  # both decoders' errors are ValueErrors
        if not raw.strip():
            raise BadRequest("Request body is empty; expected JSON") from None
        raise BadRequest(f"Invalid JSON body: {exc}") from None


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")  # orjson refuses NaN and Infinity too


def _finite(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise ValueError(f"number {text} is infinity when parsed as double")
    return value


def _refuse(value: Any) -> Any:
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def json_dumps(value: Any) -> bytes:
    """Compact UTF-8 JSON; orjson first, the stdlib for what orjson refuses (big ints, non-str
    keys). NaN and infinities become null either way, so both paths send the same bytes."""
    if _HAS_ORJSON:
        try:
            # Annotated so mypy agrees whether or not orjson (optional) is installed.
            encoded: bytes = orjson.dumps(value)
            return encoded
        except TypeError:
            pass
    try:
        text = json.dumps(
            value, ensure_ascii=False, allow_nan=False, separators=(",", ":"), default=_refuse
        )
    except ValueError:  # NaN or an infinity: null, as orjson writes them
        text = json.dumps(
            _finite_only(value), ensure_ascii=False, separators=(",", ":"), default=_refuse
        )
    return text.encode("utf-8")


def _finite_only(value: Any) -> Any:
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: _finite_only(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite_only(item) for item in value]
    return value
