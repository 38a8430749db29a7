"""Path converters as data: a regex for one segment, a parse function, a formatter, a weight.

The weight orders siblings in the trie: lower weights are tried first, so ``/n/{x:int}`` wins
over ``/n/{x:str}`` for ``/n/7`` whatever the registration order.
"""

from __future__ import annotations

import decimal
import math
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..errors import ConfigurationError

__all__ = ["CONVERTERS", "Converter", "register_converter"]

# Ids longer than this are not ids: refusing them keeps int() off pathological inputs.
MAX_INT_DIGITS = 18


@dataclass(frozen=True, slots=True)
class Converter:
    """How one ``{name:converter}`` placeholder matches, parses and formats.

    ``regex`` must match within one segment (no ``/``) unless ``consumes_rest`` is set, which
    only the ``path`` converter needs. ``convert`` may raise ``ValueError`` to refuse a match.
    """

    regex: str
    convert: Callable[[str], Any] = str
    to_string: Callable[[Any], str] = str
    weight: int = 50
    consumes_rest: bool = False
    parser: Callable[[str], Any] | None = field(default=None, compare=False)
    """Optional: does the regex check and ``convert`` in one call (the routing hot path)."""
    parse: Callable[[str], Any] = field(init=False, repr=False, compare=False)
    """The converted value of one segment; raises ``ValueError`` when it does not match."""

    def __post_init__(self) -> None:
        if self.parser is not None:
            object.__setattr__(self, "parse", self.parser)
            return
        fullmatch = re.compile(self.regex).fullmatch
        convert = self.convert

        def parse(text: str) -> Any:
            if fullmatch(text) is None:
                raise ValueError(text)
            return convert(text)

        object.__setattr__(self, "parse", parse)


def _parse_int(text: str) -> int:
    # str.isdigit() alone admits non-ASCII digits such as '²'; the length cap keeps int() cheap.
    if len(text) <= MAX_INT_DIGITS and text.isascii() and text.isdigit():
        return int(text)
    raise ValueError(text)


def _parse_str(text: str) -> str:
    if text:  # segments never hold '/', so '[^/]+' means 'not empty'
        return text
    raise ValueError(text)


def _int_to_string(value: Any) -> str:
    if not isinstance(value, int) or value < 0:
        raise ValueError(f"int path parameter must be a non-negative int, got {value!r}")
    return str(value)


_FLOAT = r"[0-9]{1,30}(?:\.[0-9]{1,30})?"
_FLOAT_FULLMATCH = re.compile(_FLOAT).fullmatch


def _float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(text)
    return value


def _float_to_string(value: Any) -> str:
    # Positional, shortest round-trip digits: repr() would give '1e+16', which the float
    # regex (and so the route) does not match.
    text = format(decimal.Decimal(repr(float(value))), "f")
    if _FLOAT_FULLMATCH(text) is None:
        raise ValueError(f"float path parameter {value!r} has no form the route accepts")
    return text


def _uuid_to_string(value: Any) -> str:
    return str(value)


def _path_to_string(value: Any) -> str:
    return str(value).lstrip("/")


CONVERTERS: dict[str, Converter] = {
    "int": Converter(
        rf"[0-9]{{1,{MAX_INT_DIGITS}}}", int, _int_to_string, weight=10, parser=_parse_int
    ),
    "float": Converter(_FLOAT, _float, _float_to_string, weight=20),
    "uuid": Converter(
        r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}",
        uuid.UUID,
        _uuid_to_string,
        weight=15,
    ),
    "str": Converter(r"[^/]+", str, str, weight=50, parser=_parse_str),
    "path": Converter(r".*", str, _path_to_string, weight=90, consumes_rest=True),
}


def register_converter(name: str, converter: Converter) -> None:
    """Make ``{x:name}`` available in every app's templates."""
    if not name.isidentifier():
        raise ConfigurationError(f"converter name {name!r} must be a Python identifier")
    if name in CONVERTERS:
        raise ConfigurationError(
            f"converter {name!r} is already registered; choose another name for yours"
        )
    if converter.consumes_rest:
        raise ConfigurationError(
            "only the built-in 'path' converter may consume the rest of a path"
        )
    CONVERTERS[name] = converter
