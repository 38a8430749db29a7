"""``vestespy.HTTPError``: raise it in any handler to answer with ``code`` and ``msg``.

It is not the core's ``HTTPError`` because the original accepted any status code (a 3xx
included) and an empty default body; the request pipeline turns it into a response itself.
"""

from __future__ import annotations

__all__ = ["HTTPError"]


class HTTPError(Exception):
    """An answer raised from a handler: status ``code`` with body ``msg`` (str or bytes)."""

    def __init__(self, code: int, msg: str | bytes | None = None) -> None:
        self.code = int(code)
        self.msg: str | bytes = msg if msg is not None else b""
        super().__init__(self.code, self.msg)

    def __str__(self) -> str:
        msg = self.msg.decode("utf-8", "replace") if isinstance(self.msg, bytes) else self.msg
        return f"{self.code}: {msg}" if msg else str(self.code)
