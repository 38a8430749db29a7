"""The toolkit for styles: the plumbing every adapter needs from the core, nothing style-specific.

An adapter translates one API style into core routes, core requests and core answers. It takes
the app, routes, requests, responses, errors and limits from ``microrest`` (and the public core
modules' ``__all__``), and the plumbing below from here; never a private core name, never
another adapter (``tests/core/test_import_boundary.py`` keeps that so). ``docs/adapters.md``
shows how a style maps onto these pieces.
"""

from __future__ import annotations

import operator
from typing import Any

from .codec import DEFAULT_JSON_DEPTH, json_depth_exceeds, json_dumps, json_loads
from .concurrency import Concurrency, SyncMode, is_async_callable, iterate_in_thread
from .negotiation import best_match, parse_accept
from .pipeline import logger as error_logger
from .requests import declared_length, media_type_of
from .responses import NO_BODY_STATUSES, encode_header, encode_headers
from .routing.route import REGEX_SYNTAX, literal_path, qualname_of, source_of
from .staticfiles import route_path, safe_join
from .types import ASGIApp, Message, Receive, Scope, Send

__all__ = [
    "ASGIApp",
    "Concurrency",
    "DEFAULT_JSON_DEPTH",
    "Message",
    "NO_BODY_STATUSES",
    "REGEX_SYNTAX",
    "Receive",
    "Scope",
    "Send",
    "SyncMode",
    "answer_headers",
    "asgi_entry",
    "best_match",
    "body_allowed",
    "declared_length",
    "encode_header",
    "encode_headers",
    "error_logger",
    "is_async_callable",
    "iterate_in_thread",
    "json_depth_exceeds",
    "json_dumps",
    "json_loads",
    "literal_path",
    "media_type_of",
    "parse_accept",
    "qualname_of",
    "route_path",
    "safe_join",
    "send_buffered",
    "source_of",
]


def asgi_entry(attribute: str) -> Any:
    """A ``__call__`` for a style's main object that IS the ASGI callable kept in
    ``attribute`` (usually the core app's own bound ``__call__``), with no frame of the style's.

    ``obj(scope, receive, send)`` looks ``__call__`` up on the class, finds this property and
    calls what it returns: resolved in C, where an ``async def __call__`` that awaited the app
    cost a coroutine and a frame, about 2k instructions per request (callgrind). Servers still
    see a coroutine function, since ``obj.__call__`` is that bound ``async def`` (uvicorn tells
    ASGI 3 from ASGI 2 by it). Declare ``async def __call__`` under ``TYPE_CHECKING`` for the
    type checker, and assign this in the ``else`` branch.
    """
    return property(operator.attrgetter(attribute), doc="The ASGI entry point.")


def body_allowed(status: int) -> bool:
    """Whether an answer with ``status`` may carry a body (not 1xx, 204 or 304)."""
    return status >= 200 and status not in NO_BODY_STATUSES


def answer_headers(
    status: int, body: bytes, content_type: bytes | None = None
) -> list[tuple[bytes, bytes]]:
    """The headers the core's ``Response`` would send for a body: length and type, or none
    for a status that has no body. Extra headers are the caller's to append (encoded)."""
    if not body_allowed(status):
        return []
    headers = [(b"content-length", str(len(body)).encode())]
    if content_type is not None:
        headers.append((b"content-type", content_type))
    return headers


async def send_buffered(
    send: Send, status: int, headers: list[tuple[bytes, bytes]], body: bytes = b""
) -> None:
    """A complete answer as two ASGI messages, headers already encoded (``encode_header``).

    This is what the core's ``Response`` sends, without building one per request: the cheap
    way for a style to answer on its hot path. HEAD needs nothing here: the core strips the
    body of a HEAD answer itself.
    """
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
