"""Per-app and per-route bounds on what a request may make the server hold in memory."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from itertools import chain

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
