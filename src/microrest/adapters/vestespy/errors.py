"""``vestespy.HTTPError``: raise it in any handler to answer with ``code`` and ``msg``.

A subclass of the core's ``HTTPError`` (so a handler on an app above catches it first) that
keeps the original's constructor: any status code (a 3xx included) and an empty default body.
VestesPy's own answer is its style default.
"""

from __future__ import annotations

from ...errors import HTTPError as CoreHTTPError

__all__ = ["HTTPError"]


class HTTPError(CoreHTTPError):
    """An answer raised from a handler: status ``code`` with body ``msg`` (str or bytes)."""

    def __init__(self, code: int, msg: str | bytes | None = None) -> None:
        self.code = int(code)
        self.msg: str | bytes = msg if msg is not None else b""
        # Not CoreHTTPError.__init__: the original accepted any status.
        Exception.__init__(self, self.code, self.msg)
        self.status_code = self.code
        text = self.msg.decode("utf-8", "replace") if isinstance(self.msg, bytes) else self.msg
        self.detail = text
        self.headers = []

    def __str__(self) -> str:
        msg = self.msg.decode("utf-8", "replace") if isinstance(self.msg, bytes) else self.msg
        return f"{self.code}: {msg}" if msg else str(self.code)
