"""CorePost's ``Response(code, entity, headers)``: what a handler returns to set status and headers.

It is also the object response filters edit, whatever the handler returned. Each instance owns
its headers dict (the original shared one mutable default between all of them).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["Response"]


class Response:
    """Status ``code``, body ``entity`` (``None`` means empty) and a ``headers`` dict."""

    def __init__(
        self, code: int = 200, entity: Any = None, headers: Mapping[str, str] | None = None
    ) -> None:
        self.code = code
        self.entity: Any = "" if entity is None else entity
        self.headers: dict[str, str] = dict(headers) if headers else {}

    def __repr__(self) -> str:
        return f"Response(code={self.code!r}, entity={self.entity!r}, headers={self.headers!r})"
