"""``HTTPError``: what a web.py handler raises to answer with an error status.

A subclass of the core's ``HTTPError`` (so a handler on an app above catches it) that keeps
web.py's constructor: any status (the original's own tests build ``HTTPError(102)``) and a
reason-phrase override. The style's error routes answer it first, then the user's handlers on
the apps above, then web.py's default error page.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from http import HTTPStatus

from ...errors import HTTPError as CoreHTTPError
from .headers import HTTPHeaders

__all__ = ["HTTPError"]


class HTTPError(CoreHTTPError):
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
        # web.py's own headers object (or None), not the core's list of pairs.
        if headers is None or isinstance(headers, HTTPHeaders):
            self.headers: HTTPHeaders | None = headers  # type: ignore[assignment]
        else:
            self.headers = HTTPHeaders(headers)
        self.status_message = status_message
        # Not CoreHTTPError.__init__: web.py accepts any status.
        Exception.__init__(self, code, message)
        self.status_code = code
        try:
            phrase = HTTPStatus(code).phrase
        except ValueError:
            phrase = "Error"
        self.detail = status_message or phrase

    def __str__(self) -> str:
        text = self.status_message or ""
        return f"{self.code} - {text}" if text else str(self.code)

    def __repr__(self) -> str:
        return f"HTTPError({self.code!r}, message={self.message!r})"
