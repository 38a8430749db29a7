"""Per-app and per-route bounds on what a request may make the server hold in memory."""

from __future__ import annotations

from dataclasses import dataclass, fields

from .errors import ConfigurationError

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

    def __post_init__(self) -> None:
        for spec in fields(self):
            value = getattr(self, spec.name)
            optional = spec.name in ("max_body_size", "max_stream_size")
            if value is None and optional:
                continue
            if type(value) is not int:
                none = " or None (unbounded)" if optional else ""
                raise ConfigurationError(
                    f"Limits({spec.name}={value!r}): give a whole number of "
                    f"{_UNITS[spec.name]}{none}"
                )
            # A zero body size is a real policy (no body at all); zero fields, files, part size
            # or depth would refuse every form or JSON document, which is never meant.
            floor = 0 if optional else 1
            if value < floor:
                hint = "use None for no bound" if optional else f"use at least {floor}"
                raise ConfigurationError(
                    f"Limits({spec.name}={value!r}) must be >= {floor} {_UNITS[spec.name]}; {hint}"
                )


_UNITS = {
    "max_body_size": "bytes",
    "max_stream_size": "bytes",
    "max_form_fields": "fields",
    "max_form_files": "files",
    "max_form_part_size": "bytes",
    "max_json_depth": "levels",
}
