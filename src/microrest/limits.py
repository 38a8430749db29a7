"""Per-app and per-route bounds on what a request may make the server hold in memory."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Limits"]

MiB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class Limits:
    """Bounds applied while reading a request.

    ``max_body_size`` bounds a buffered body (``body()``, ``json()``, ``form()``) and, unless
    ``max_stream_size`` is set, a streamed one too; ``None`` means unbounded. A declared
    Content-Length over the bound is refused with 413 before a byte is read.
    """

    max_body_size: int | None = 10 * MiB
    max_stream_size: int | None = None
    max_form_fields: int = 1000
    max_form_files: int = 100
    max_form_part_size: int = 1 * MiB
    max_json_depth: int = 512
