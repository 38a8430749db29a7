"""Path converters as data: a regex for one segment, a parse function, a formatter, a weight.

The weight orders siblings in the trie: lower weights are tried first, so ``/n/{x:int}`` wins
over ``/n/{x:str}`` for ``/n/7`` whatever the registration order.
"""

from __future__ import annotations

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
    _fullmatch: Callable[[str], re.Match[str] | None] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_fullmatch", re.compile(self.regex).fullmatch)

    def parse(self, text: str) -> Any:
        """Return the converted value, or raise ``ValueError`` when ``text`` does not match."""
        if self._fullmatch(text) is None:
            raise ValueError(text)
        return self.convert(text)


def _int_to_string(value: Any) -> str:
    if not isinstance(value, int) or value < 0:
        raise ValueError(f"int path parameter must be a non-negative int, got {value!r}")
    return str(value)


def _float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(text)
    return value


def _float_to_string(value: Any) -> str:
    return repr(float(value))


def _uuid_to_string(value: Any) -> str:
    return str(value)


def _path_to_string(value: Any) -> str:
    return str(value).lstrip("/")


CONVERTERS: dict[str, Converter] = {
    "int": Converter(rf"[0-9]{{1,{MAX_INT_DIGITS}}}", int, _int_to_string, weight=10),
    "float": Converter(r"[0-9]{1,30}(?:\.[0-9]{1,30})?", _float, _float_to_string, weight=20),
    "uuid": Converter(
        r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}",
        uuid.UUID,
        _uuid_to_string,
        weight=15,
    ),
    "str": Converter(r"[^/]+", str, str, weight=50),
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
