"""CorePost's ``Response(code, entity, headers)``: what a handler returns to set status and headers.

It is also the object response filters edit, whatever the handler returned. Each instance owns
its headers dict (the original shared one mutable default between all of them).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .headers import HeaderDict

__all__ = ["Response"]


class Response:
    """Status ``code``, body ``entity`` (``None`` means empty) and a ``headers`` dict.

    ``headers`` is case-insensitive: ``headers["content-type"]`` and ``headers["Content-Type"]``
    are one header, so a filter can never make an answer carry two of them.
    """

    def __init__(
        self, code: int = 200, entity: Any = None, headers: Mapping[str, str] | None = None
    ) -> None:
        self.code = code
        self.entity: Any = "" if entity is None else entity
        self._headers = HeaderDict(headers) if headers else HeaderDict()

    @property
    def headers(self) -> HeaderDict:
        return self._headers

    @headers.setter
    def headers(self, value: Mapping[str, str]) -> None:
        # a filter that assigns a plain dict keeps the case-insensitive behaviour
        self._headers = value if isinstance(value, HeaderDict) else HeaderDict(value)

    def __repr__(self) -> str:
        return f"Response(code={self.code!r}, entity={self.entity!r}, headers={self.headers!r})"
