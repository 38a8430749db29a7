"""Parsing route templates (``/users/{id:int}/files/{rest:path}``) into segments.

Parsing is separate from matching: the matcher only sees ``Segment`` records.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from ..errors import ConfigurationError
from .converters import CONVERTERS, Converter

__all__ = ["Segment", "Template", "parse_template"]

_PLACEHOLDER = re.compile(r"{([^{}:]*)(?::([^{}]*))?}")


@dataclass(frozen=True, slots=True)
class Segment:
    """One ``/``-separated piece: static text, one placeholder, or a mix compiled to a regex."""

    static: str | None = None
    name: str | None = None
    converter: Converter | None = None
    mixed: re.Pattern[str] | None = None
    mixed_converters: tuple[tuple[str, Converter], ...] = ()
    shape: str = ""
    parse: Callable[[str], Any] | None = None
    """For a single placeholder, its converter's parse function (the trie calls it inline)."""

    def match(self, text: str, params: dict[str, Any]) -> bool:
        """Fill ``params`` from ``text``; False when the segment does not match."""
        if self.converter is not None:
            try:
                params[self.name] = self.converter.parse(text)  # type: ignore[index]
            except ValueError:
                return False
            return True
        assert self.mixed is not None
        found = self.mixed.fullmatch(text)
        if found is None:
            return False
        try:
            for name, converter in self.mixed_converters:
                params[name] = converter.convert(found.group(name))
        except ValueError:
            return False
        return True


@dataclass(frozen=True, slots=True)
class Template:
    text: str
    segments: tuple[Segment, ...]
    param_names: tuple[str, ...]
    is_static: bool
    shape: str
    """The template with parameter names erased: two routes with one shape collide."""

    def format(self, params: dict[str, Any]) -> str:
        missing = set(self.param_names) - params.keys()
        if missing:
            raise ConfigurationError(f"url_path_for({self.text!r}) lacks {sorted(missing)}")

        def fill(found: re.Match[str]) -> str:
            name, conv = found.group(1), found.group(2) or "str"
            converter = CONVERTERS[conv]
            text = converter.to_string(params[name])
            if converter.consumes_rest:
                return "/".join(_segment(part) for part in text.split("/"))
            if "/" in text or not text:
                raise ConfigurationError(
                    f"url_path_for({self.text!r}): {name}={text!r} cannot fill one segment; "
                    f"declare it as {{{name}:path}} to allow slashes"
                )
            return _segment(text)

        return _PLACEHOLDER.sub(fill, self.text)


def _segment(text: str) -> str:
    """One percent-encoded segment; a dot segment is encoded too, since clients would remove
    it from the path rather than send it."""
    if text in (".", ".."):
        return text.replace(".", "%2E")
    return quote(text, safe="")


def _converter(template: str, name: str, conv_name: str | None) -> Converter:
    if not name.isidentifier():
        raise ConfigurationError(
            f"route {template!r}: placeholder {{{name}}} must be a Python identifier, "
            "like {user_id} or {user_id:int}"
        )
    conv_name = conv_name or "str"
    try:
        return CONVERTERS[conv_name]
    except KeyError:
        raise ConfigurationError(
            f"route {template!r}: unknown converter {conv_name!r} in {{{name}:{conv_name}}}; "
            f"use one of {sorted(CONVERTERS)} or register it with "
            "microrest.routing.register_converter()"
        ) from None


def parse_template(template: str) -> Template:
    """Parse and validate ``template``; errors explain how to write it instead."""
    if not template.startswith("/"):
        raise ConfigurationError(f"route {template!r} must start with '/', e.g. '/{template}'")
    pieces = template[1:].split("/")
    segments: list[Segment] = []
    names: list[str] = []
    for index, piece in enumerate(pieces):
        placeholders = list(_PLACEHOLDER.finditer(piece))
        if not placeholders:
            if "{" in piece or "}" in piece:
                raise ConfigurationError(
                    f"route {template!r}: unbalanced brace in segment {piece!r}; "
                    "placeholders look like {name} or {name:int}"
                )
            segments.append(Segment(static=piece, shape=piece))
            continue
        whole = placeholders[0]
        if len(placeholders) == 1 and whole.span() == (0, len(piece)):
            name = whole.group(1)
            converter = _converter(template, name, whole.group(2))
            if converter.consumes_rest and index != len(pieces) - 1:
                raise ConfigurationError(
                    f"route {template!r}: {{{name}:path}} must be the last segment"
                )
            names.append(name)
            shape = "{:" + (whole.group(2) or "str") + "}"
            segments.append(
                Segment(name=name, converter=converter, shape=shape, parse=converter.parse)
            )
            continue
        regex, shape, position = "", "", 0
        converters: list[tuple[str, Converter]] = []
        for found in placeholders:
            literal = piece[position : found.start()]
            regex += re.escape(literal)
            shape += literal
            name = found.group(1)
            converter = _converter(template, name, found.group(2))
            if converter.consumes_rest:
                raise ConfigurationError(
                    f"route {template!r}: {{{name}:path}} must fill a whole segment"
                )
            regex += f"(?P<{name}>{converter.regex})"
            shape += "{:" + (found.group(2) or "str") + "}"
            converters.append((name, converter))
            names.append(name)
            position = found.end()
        regex += re.escape(piece[position:])
        shape += piece[position:]
        segments.append(
            Segment(mixed=re.compile(regex), mixed_converters=tuple(converters), shape=shape)
        )
    if len(set(names)) != len(names):
        raise ConfigurationError(f"route {template!r} uses a placeholder name twice")
    return Template(
        text=template,
        segments=tuple(segments),
        param_names=tuple(names),
        is_static=not names,
        shape="/" + "/".join(s.shape for s in segments),
    )
