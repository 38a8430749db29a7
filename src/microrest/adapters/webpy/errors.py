"""``HTTPError``: what a web.py handler raises to answer with an error status.

It is not a subclass of the core's ``HTTPError`` because web.py allows any status (the
original's own tests build ``HTTPError(102)``) and carries a reason-phrase override; the
adapter's dispatcher turns it into a response through the style's error routes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from .headers import HTTPHeaders

__all__ = ["HTTPError"]


class HTTPError(Exception):
    """``code``, an optional body ``message``, extra ``headers`` and a ``status_message``.

    ``headers`` replace whatever the handler had set on its response before raising, as in
    the original. ``status_message`` changes the default body text; ASGI cannot carry a custom
    reason phrase on the status line, so the line itself keeps the standard phrase.
    """

    def __init__(
        self,
        code: int,
        message: str | bytes | None = None,
        headers: HTTPHeaders | Mapping[str, str] | Iterable[tuple[str, str]] | None = None,
        status_message: str | None = None,
    ) -> None:
        self.code = code
        self.message = message
        if headers is None or isinstance(headers, HTTPHeaders):
            self.headers: HTTPHeaders | None = headers
        else:
            self.headers = HTTPHeaders(headers)
        self.status_message = status_message
        super().__init__(code, message)

    def __str__(self) -> str:
        text = self.status_message or ""
        return f"{self.code} - {text}" if text else str(self.code)

    def __repr__(self) -> str:
        return f"HTTPError({self.code!r}, message={self.message!r})"
