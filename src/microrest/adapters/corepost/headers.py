"""Case-insensitive header dicts: the request's ``received_headers`` and a ``Response``'s headers.

Twisted kept both case-insensitively, so ``response.headers[HttpHeader.CONTENT_TYPE]`` (the
original's lower-case key) replaces a ``Content-Type`` set elsewhere instead of adding a second
one. Names are stored lower-cased, as twisted.web stored them and as the wire carries them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["HeaderDict"]


def _key(name: object) -> object:
    return name.lower() if isinstance(name, str) else name


class HeaderDict(dict[str, str]):
    """A ``dict`` whose keys are lower-cased on the way in and on every lookup."""

    def __init__(
        self, initial: Mapping[str, Any] | Iterable[tuple[str, Any]] | None = None, /, **more: Any
    ) -> None:
        if not initial:
            pass
        elif type(initial) is HeaderDict:  # already lower-case: a C-level copy
            dict.__init__(self, initial)
        else:  # one C-level fill: a Response is built on every answer's general path
            pairs = initial.items() if hasattr(initial, "items") else initial
            dict.__init__(self, {key.lower(): value for key, value in pairs})
        if more:
            self.update(more)

    def __setitem__(self, key: str, value: str) -> None:
        super().__setitem__(key.lower(), value)

    def __getitem__(self, key: str) -> str:
        return super().__getitem__(key.lower())

    def __delitem__(self, key: str) -> None:
        super().__delitem__(key.lower())

    def __contains__(self, key: object) -> bool:
        return super().__contains__(_key(key))

    def get(self, key: str, default: Any = None) -> Any:
        return super().get(key.lower(), default)

    def pop(self, key: str, *default: Any) -> Any:
        return super().pop(key.lower(), *default)

    def setdefault(self, key: str, default: str = "") -> str:
        return super().setdefault(key.lower(), default)

    def update(self, *others: Any, **more: Any) -> None:
        for other in others:
            pairs = other.items() if isinstance(other, Mapping) else other
            for key, value in pairs:
                self[key] = value
        for key, value in more.items():
            self[key] = value

    def copy(self) -> HeaderDict:
        return HeaderDict(self)

    def __or__(self, other: Any) -> HeaderDict:  # type: ignore[override]
        merged = self.copy()
        merged.update(other)
        return merged

    def __ior__(self, other: Any) -> HeaderDict:  # type: ignore[override]
        self.update(other)
        return self
