"""``vestespy.tools.Headers``: a header table keyed case-insensitively, keeping the spelling.

The original stored ``lower-name -> (value, original name)``; ``items()`` and ``values()``
still expose those pairs. Its ``get`` and ``in`` did not lower-case and iteration raised
TypeError; here every lookup is case-insensitive and iteration yields the lower-case names.
"""

from __future__ import annotations

from collections.abc import ItemsView, Iterator, ValuesView
from typing import Any

__all__ = ["Headers"]

_MISSING: Any = object()
# A header name as set (str) -> (its key: stripped and lower-cased, its spelling: stripped).
_NAMES: dict[str, tuple[str, str]] = {}
# A (name, value) pair as set (both str) -> (its key, what is stored under it).
_SETS: dict[tuple[object, Any], tuple[str, tuple[str, str]]] = {}


def _name(key: object) -> str:
    if isinstance(key, bytes):
        key = key.decode("utf-8")
    if not isinstance(key, str):
        raise KeyError(key)
    return key.strip()


class Headers:
    """Case-insensitive header table; values are str (or whatever a handler stored)."""

    __slots__ = ("_data",)

    def __init__(self, items: Any = None) -> None:
        self._data: dict[str, tuple[Any, str]] = {}
        if items:
            pairs = items.items() if hasattr(items, "items") else items
            for key, value in pairs:
                self[key] = value

    @classmethod
    def from_scope(cls, raw: list[tuple[bytes, bytes]]) -> Headers:
        """Request headers from ASGI's lower-cased byte pairs (repeats joined with ", ")."""
        headers = cls()
        data = headers._data
        for name, value in raw:
            key = name.decode("latin-1")
            text = value.decode("latin-1").strip()
            if key in data:
                text = f"{data[key][0]}, {text}"
            data[key] = (text, key)
        return headers

    def __setitem__(self, key: object, value: Any) -> None:
        # The common set, remembered whole: handlers set the same few names to the same few
        # values on every request, and one lookup of the pair gives what to store (no
        # type tests, strip() or lower(), nor a tuple built: 2.2k -> 1.9k instructions a
        # set, callgrind). Only str pairs are remembered (``_set``); a pair equal to one is
        # stored as it would be.
        try:
            known = _SETS.get((key, value))
        except TypeError:  # an unhashable value: the general way (which stores it as is)
            known = None
        if known is None:
            self._set(key, value)
            return
        self._data[known[0]] = known[1]

    def _set(self, key: object, value: Any) -> None:
        """``self[key] = value``, the general way."""
        if type(key) is str and type(value) is str:  # the common case, without the checks
            # The stored key and spelling of a name, remembered: handlers set the same few
            # names on every request (a dict lookup instead of strip() and lower(): about a
            # quarter of this call).
            known = _NAMES.get(key)
            if known is None:
                name = key.strip()
                known = (name.lower(), name)
                if len(_NAMES) < 512:
                    _NAMES[key] = known
            stored = (value.strip(), known[1])
            self._data[known[0]] = stored
            if len(_SETS) < 512:
                _SETS[key, value] = (known[0], stored)
            return
        name = _name(key)
        if isinstance(value, bytes):
            value = value.decode("utf-8")
        if isinstance(value, str):
            value = value.strip()
        self._data[name.lower()] = (value, name)

    def set_raw(self, key: str, value: Any, name: str) -> None:
        """Store ``value`` under the lower-case ``key`` as is (for values the adapter made)."""
        self._data[key] = (value, name)

    def __getitem__(self, key: object) -> Any:
        if not isinstance(key, str):
            raise KeyError(key)
        return self._data[key.lower()][0]

    def get(self, key: object, default: Any = _MISSING) -> Any:
        """The value; ``KeyError`` when missing and no default was given (as the original)."""
        try:
            return self[key]
        except KeyError:
            if default is _MISSING:
                raise
            return default

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and key.lower() in self._data

    def __delitem__(self, key: object) -> None:
        if isinstance(key, str) and self._data:
            self._data.pop(key.lower(), None)

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __bool__(self) -> bool:
        return bool(self._data)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Headers):
            return {k: v for k, (v, _) in self._data.items()} == {
                k: v for k, (v, _) in other._data.items()
            }
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def keys(self) -> list[str]:
        return list(self._data)

    def items(self) -> ItemsView[str, tuple[Any, str]]:
        """``(lower-name, (value, original name))`` pairs, as in the original."""
        return self._data.items()

    def values(self) -> ValuesView[tuple[Any, str]]:
        """``(value, original name)`` pairs, as in the original."""
        return self._data.values()

    def pairs(self) -> list[tuple[str, str]]:
        """``(original name, value as str)`` pairs: what goes on the wire."""
        return [(name, str(value)) for value, name in self._data.values()]

    def validate(self) -> None:
        """Coerce Content-Length to int and drop entries that cannot be valid header values."""
        for key in list(self._data):
            value, name = self._data[key]
            if key == "content-length":
                try:
                    value = int(value)
                except (TypeError, ValueError):
                    del self._data[key]
                    continue
                if value < 0:
                    del self._data[key]
                    continue
            elif not isinstance(value, (str, int)):
                del self._data[key]
                continue
            self._data[key] = (value, name)

    def __repr__(self) -> str:
        lines = ["HEADERS:"] + [f"{key}: {value}" for key, (value, _) in self._data.items()]
        return "\n ".join(lines)
