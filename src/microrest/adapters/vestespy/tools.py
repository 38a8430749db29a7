"""``vestespy.tools``: the Dispatcher, Headers, the event classes and small helpers."""

from __future__ import annotations

from .dispatcher import Dispatcher, DispatchHandler, Pattern
from .events import Event, EventManager, default_exception_handler, dummy
from .headers import Headers

__all__ = [
    "CRLF",
    "DispatchHandler",
    "Dispatcher",
    "Event",
    "EventManager",
    "HTTP_HEADER_END",
    "HTTP_HEADER_SEPARATOR",
    "Headers",
    "Pattern",
    "default_exception_handler",
    "dummy",
    "generate_simple_http",
]

CRLF = b"\r\n"
HTTP_HEADER_END = b"\r\n\r\n"
HTTP_HEADER_SEPARATOR = b":"


def generate_simple_http(content: str | bytes) -> bytes:
    """``content`` wrapped in a minimal HTML document (bytes)."""
    if not isinstance(content, bytes):
        content = content.encode("utf-8")
    return b"<!DOCTYPE html><html><head></head><body>" + content + b"</body></html>"
