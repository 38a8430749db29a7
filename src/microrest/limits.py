"""Per-app and per-route bounds on what a request may make the server hold in memory."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field, fields
from itertools import chain

from .errors import ConfigurationError
from .types import Scope

__all__ = ["Limits", "oversized_request", "request_bounds"]

KiB = 1024
MiB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class Limits:
    """Bounds applied while reading a request.

    ``max_body_size`` bounds a buffered body (``body()``, ``json()``, ``form()``) and, unless
    ``max_stream_size`` is set, a streamed one too; ``None`` means unbounded. A declared
    Content-Length over the bound is refused with 413 before a byte is read.

    ``max_url_length`` (the raw path plus the query string, in bytes; 414 past it),
    ``max_header_count`` and ``max_header_bytes`` (names plus values; 431 past either) are
    checked by the top-level ``App`` before routing, so they hold in every style; set one to
    ``None`` to lift it. Per-route limits do not change them: they apply before any route is
    known.
    """

    max_body_size: int | None = 10 * MiB
    max_stream_size: int | None = None
    max_form_fields: int = 1000
    max_form_files: int = 100
    max_form_part_size: int = 1 * MiB
    max_json_depth: int = 512
    max_url_length: int | None = 8 * KiB
    max_header_count: int | None = 100
    max_header_bytes: int | None = 32 * KiB
    # WebSockets (docs/websockets.md): a received message over the size is closed with 1009;
    # a connection silent both ways for the idle timeout is closed with 1001 (None: never);
    # a send that waits longer than the send timeout for a client that does not read, or more
    # than ``websocket_max_queue`` sends waiting at once, closes it with 1008.
    websocket_max_message_size: int | None = 1 * MiB
    websocket_idle_timeout: float | None = None
    websocket_send_timeout: float | None = 30.0
    websocket_max_queue: int = 32
    websocket_allowed_origins: tuple[str, ...] | None = None
    """Origins (``"https://example.com"``, or ``"*"`` for any) a browser may open websockets
    from; None, the default, allows only the same origin (Origin's host equals Host). A
    request without Origin (not a browser) is always allowed."""
    # Derived, not a setting (set once the settings are checked): the digit count from which
    # a declared Content-Length may pass ``max_body_size`` (sys.maxsize when unbounded). A
    # shorter value is within the bound without int(), which cost the echo route 0.9k
    # instructions a request (callgrind).
    _wide_length: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        for spec in fields(self):
            rule = _RULES.get(spec.name)
            if rule is None:
                continue
            unit, optional, floor, kinds = rule
            value = getattr(self, spec.name)
            if value is None and optional:
                continue
            if type(value) not in kinds:
                none = " or None (unbounded)" if optional else ""
                amount = "a whole number" if kinds == (int,) else "a number"
                raise ConfigurationError(
                    f"Limits({spec.name}={value!r}): give {amount} of {unit}{none}"
                )
            if value < floor:
                hint = "use None for no bound" if optional else f"use at least {floor}"
                raise ConfigurationError(
                    f"Limits({spec.name}={value!r}) must be >= {floor} {unit}; {hint}"
                )
        origins = self.websocket_allowed_origins
        if origins is not None and (
            not isinstance(origins, tuple) or not all(isinstance(o, str) for o in origins)
        ):
            raise ConfigurationError(
                f"Limits(websocket_allowed_origins={origins!r}): give a tuple of origins such as "
                "('https://example.com',), ('*',) for any, or None for the same origin only"
            )
        bound = self.max_body_size
        object.__setattr__(self, "_wide_length", sys.maxsize if bound is None else len(str(bound)))


# name -> (unit, None allowed, smallest value, accepted types). A zero body size is a real
# policy (no body at all); zero fields, files, part size or depth would refuse every form or
# JSON document, which is never meant.
_RULES: dict[str, tuple[str, bool, float, tuple[type, ...]]] = {
    "max_body_size": ("bytes", True, 0, (int,)),
    "max_stream_size": ("bytes", True, 0, (int,)),
    "max_form_fields": ("fields", False, 1, (int,)),
    "max_form_files": ("files", False, 1, (int,)),
    "max_form_part_size": ("bytes", False, 1, (int,)),
    "max_json_depth": ("levels", False, 1, (int,)),
    "websocket_max_message_size": ("bytes", True, 1, (int,)),
    "websocket_idle_timeout": ("seconds", True, 0, (int, float)),
    "websocket_send_timeout": ("seconds", True, 0, (int, float)),
    "websocket_max_queue": ("messages", False, 1, (int,)),
    "max_url_length": ("bytes", True, 1, (int,)),
    "max_header_count": ("headers", True, 1, (int,)),
    "max_header_bytes": ("bytes", True, 1, (int,)),
}


def request_bounds(limits: Limits) -> tuple[int, int, int]:
    """(URL bytes, header count, header bytes), ``sys.maxsize`` where a bound is lifted: the
    form ``App`` checks on every request without testing for ``None``.
    """
    return (
        sys.maxsize if limits.max_url_length is None else limits.max_url_length,
        sys.maxsize if limits.max_header_count is None else limits.max_header_count,
        sys.maxsize if limits.max_header_bytes is None else limits.max_header_bytes,
    )


def oversized_request(scope: Scope, limits: Limits) -> int:
    """414 or 431 when the request line or headers exceed ``limits``, else 0.

    Called once per HTTP request, before routing: the count and the URL cost one ``len`` each,
    and the header bytes one pass in C (``map``/``sum``) over the header pairs.
    """
    url_bound = limits.max_url_length
    if url_bound is not None:
        raw = scope.get("raw_path")
        length = len(raw) if raw is not None else len(scope["path"].encode("utf-8"))
        if length + len(scope.get("query_string", b"")) > url_bound:
            return 414
    headers = scope["headers"]
    count_bound = limits.max_header_count
    if count_bound is not None and len(headers) > count_bound:
        return 431
    bytes_bound = limits.max_header_bytes
    if bytes_bound is not None and sum(map(len, chain.from_iterable(headers))) > bytes_bound:
        return 431
    return 0
