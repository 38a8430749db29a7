"""The JSON codec answers the same with and without orjson: values, refusals and bounds."""

from __future__ import annotations

import pytest

from microrest import codec
from microrest.codec import json_dumps, json_loads
from microrest.errors import BadRequest


def _nested(depth: int) -> list[object]:
    value: list[object] = []
    for _ in range(depth - 1):
        value = [value]
    return value


NESTED = _nested(512)


@pytest.fixture(params=[True, False], ids=["orjson", "stdlib"])
def decoder(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> bool:
    if request.param:
        pytest.importorskip("orjson")
    monkeypatch.setattr(codec, "_HAS_ORJSON", request.param)
    return bool(request.param)


@pytest.mark.parametrize(
    ("body", "value"),
    [
        (b'{"a": [1, 2.5, null, true, "\\u00e9"]}', {"a": [1, 2.5, None, True, "é"]}),
        (b"-9223372036854775809", -9223372036854775809),
        (b"18446744073709551616", 18446744073709551616),
        (b'"12345678901234567890123"', "12345678901234567890123"),
        (b"1e308", 1e308),
        (b"[" * 512 + b"]" * 512, NESTED),
    ],
)
def test_values_decode_alike(decoder: bool, body: bytes, value: object) -> None:
    assert json_loads(body) == value
    assert type(json_loads(body)) is type(value)


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"   ",
        b'{"a":',
        b"1e400",
        b"-1e400",
        b"NaN",
        b"Infinity",
        b"[-Infinity]",
        b"\xff\xfe{}",
        b"{'a': 1}",
        b"[1,]",
        b"[" * 100_000 + b"]" * 100_000,
        b"[" * 100_000,
    ],
)
def test_refusals_are_400_alike(decoder: bool, body: bytes) -> None:
    with pytest.raises(BadRequest):
        json_loads(body)


def test_depth_limit_is_the_callers(decoder: bool) -> None:
    assert json_loads(b"[[[]]]", max_depth=3) == [[[]]]
    with pytest.raises(BadRequest, match="deeper than 2"):
        json_loads(b"[[[]]]", max_depth=2)
    assert json_loads('"brackets [[[ in strings do not count"', max_depth=1)


def test_dumps_is_compact_utf8_alike(decoder: bool) -> None:
    assert json_dumps({"é": [1, 2**70, None]}) == '{"é":[1,1180591620717411303424,null]}'.encode()
    assert json_dumps([float("nan"), {"x": float("-inf")}]) == b'[null,{"x":null}]'
    for bad in ({1j: 1}, object(), {"nested": [object()]}):
        with pytest.raises((TypeError, ValueError)):
            json_dumps(bad)


@pytest.mark.parametrize(
    "body",
    [
        b'{"name":"microrest","count":3,"tags":["a","b","c"],"ok":true}',
        b"[1, 2.5, null]",
        b"123456789012345678",  # 18 digits: the shortcut's
        b"1234567890123456789012",  # 22: the general path's
        b'"' + b"9" * 30 + b'"',
        b"[[[[[[]]]]]]",
        b"",
        b"  ",
        b'{"a":',
        b"[1,]",
        b"NaN",
        b"\xff",
        bytearray(b'{"a": 1}'),
        '{"a": "é"}',
    ],
)
@pytest.mark.parametrize("max_depth", [512, 4])
def test_shortcut_answers_as_the_general_decoder(
    decoder: bool, body: bytes | str, max_depth: int
) -> None:
    """json_loads's common case (short bytes, few digits, orjson) is codec._decode's answer."""

    def outcome(decode: object) -> object:
        try:
            value = decode(body, max_depth)  # type: ignore[operator]
        except BadRequest as exc:
            return ("400", str(exc))
        return (type(value), value)

    assert outcome(json_loads) == outcome(codec._decode)
