"""``HTTPHeaders``: the original's case-insensitive header object, able to hold repeats.

The original was single-valued (``set`` overwrites), which made two ``Set-Cookie`` headers
impossible. ``set`` still overwrites; ``append`` (or ``set(..., overwrite=False)``) adds another
value, and ``getlist`` reads them all back.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

__all__ = ["HTTPHeaders"]


def _check(key: object, value: object = "") -> None:
    if type(key) is not str and not isinstance(key, str):
        raise TypeError("header name must be a str")
    if type(value) is not str and not isinstance(value, str):
        raise TypeError("header value must be a str")


class HTTPHeaders:
    """Names are case-insensitive; each value remembers the spelling it was set with."""

    __slots__ = ("_values",)

    def __init__(
        self, headers: Mapping[str, str] | Iterable[tuple[str, str]] | HTTPHeaders | None = None
    ) -> None:
        # lower-cased name -> [(name as set, value), ...]
        self._values: dict[str, list[tuple[str, str]]] = {}
        if headers is None:
            return
        pairs = headers.items() if isinstance(headers, (Mapping, HTTPHeaders)) else headers
        for key, value in pairs:
            self.append(key, value)

    @classmethod
    def from_raw(cls, raw: Iterable[tuple[bytes, bytes]]) -> HTTPHeaders:
        """From ASGI ``scope["headers"]`` (latin-1 byte pairs), without per-pair checks."""
        headers = cls()
        values = headers._values
        for name, value in raw:
            key = name.decode("latin-1")
            pair = (key, value.decode("latin-1"))
            existing = values.get(key.lower())
            if existing is None:
                values[key.lower()] = [pair]
            else:
                existing.append(pair)
        return headers

    def get(self, key: str, default: str | None = None) -> str | None:
        """The last value set for ``key``, or ``default``."""
        if type(key) is not str:
            _check(key)
        values = self._values.get(key.lower())
        return values[-1][1] if values else default

    def getlist(self, key: str) -> list[str]:
        """Every value of ``key`` in the order they were added."""
        _check(key)
        return [value for _, value in self._values.get(key.lower(), ())]

    def set(self, key: str, value: str, overwrite: bool = True) -> None:
        """Replace ``key``'s values with ``value`` (or add one more with ``overwrite=False``)."""
        if type(key) is not str or type(value) is not str:
            _check(key, value)
        if overwrite:
            self._values[key.lower()] = [(key, value)]
        else:
            self._values.setdefault(key.lower(), []).append((key, value))

    def append(self, key: str, value: str) -> None:
        """Add another value, e.g. a second ``Set-Cookie``."""
        self.set(key, value, overwrite=False)

    def remove(self, key: str) -> None:
        """Delete every value of ``key``; ``KeyError`` if it is absent."""
        _check(key)
        del self._values[key.lower()]

    def add(self, line: str) -> None:
        """Parse a raw ``Name: value`` line (CRLF optional) and set it."""
        _check(line)
        name, sep, value = line.partition(":")
        if not sep:
            raise ValueError(f"header line without a colon: {line!r}")
        self.set(name.strip(), value.strip())

    def retrieve(self, key: str) -> str:
        """The wire form ``'Name: value\\r\\n'`` of ``key`` (one line per value)."""
        _check(key)
        return "".join(f"{name}: {value}\r\n" for name, value in self._values[key.lower()])

    def clear(self) -> None:
        self._values.clear()

    def items(self) -> list[tuple[str, str]]:
        """Every ``(name, value)`` pair, repeats included, in insertion order."""
        return [pair for values in self._values.values() for pair in values]

    def __iter__(self) -> Iterator[str]:
        """Each header line in wire form (the original's trailing bare CRLF is gone)."""
        for name, value in self.items():
            yield f"{name}: {value}\r\n"

    def __len__(self) -> int:
        return sum(len(values) for values in self._values.values())

    def __bool__(self) -> bool:
        return bool(self._values)

    def only(self) -> tuple[str, str] | None:
        """The single ``(name, value)`` pair when exactly one header is set, else None."""
        values = self._values
        if len(values) == 1:
            [pairs] = values.values()
            if len(pairs) == 1:
                return pairs[0]
        return None

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and key.lower() in self._values

    def __getitem__(self, key: str) -> str:
        value = self.get(key)
        if value is None:
            raise KeyError(key)
        return value

    def __setitem__(self, key: str, value: str) -> None:
        self.set(key, value)

    def __delitem__(self, key: str) -> None:
        self.remove(key)

    def __repr__(self) -> str:
        return f"HTTPHeaders({self.items()!r})"
