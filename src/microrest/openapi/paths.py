"""A route's pattern -> an OpenAPI path and its typed path parameters.

Templates (the core's ``{id:int}``, and every style that translates to them: CorePost's
``<int:id>``, xio's ``:name``) give their converter's type. Regexes (web.py, VestesPy) are read
as literal text and groups: a group becomes a string parameter with the group's ``pattern``.
A regex that is not literal text and groups (``.*``, ``/?``, alternatives) cannot be an
OpenAPI path; ``regex_path`` returns None for it and the caller describes it as a catch-all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ..routing import CONVERTERS, Route

__all__ = ["PathShape", "path_shape"]

_PLACEHOLDER = re.compile(r"{([^{}:]*)(?::([^{}]*))?}")
_INT_MAX = 10**18 - 1  # the int converter takes at most 18 digits
_TYPED: dict[str, dict[str, Any]] = {
    "int": {"type": "integer", "minimum": 0, "maximum": _INT_MAX},
    "float": {"type": "number", "minimum": 0},
    "uuid": {"type": "string", "format": "uuid"},
    "str": {"type": "string", "minLength": 1, "pattern": "^[^/]+$"},
    "path": {"type": "string"},
}
_REGEX_META = set(".^$*+?{}[]|()")


@dataclass
class PathShape:
    """An OpenAPI path, its parameters, and the regex it stands for when it is not exact."""

    path: str
    parameters: list[dict[str, Any]] = field(default_factory=list)
    catch_all: str | None = None


def path_shape(route: Route) -> PathShape:
    if route.template is not None:
        return _template_shape(route.template.text)
    assert route.regex is not None
    shape = regex_path(route.prefix, route.regex.pattern)
    if shape is not None:
        return shape
    base = (route.prefix + _literal_head(route.regex.pattern)).rstrip("/")
    return PathShape(
        f"{base}/{{path}}",
        [
            {
                "name": "path",
                "in": "path",
                "required": True,
                "description": (
                    f"The rest of the path: this route matches the regular expression "
                    f"`{route.regex.pattern}` after `{route.prefix or '/'}`, which no OpenAPI "
                    "path can express."
                ),
                "schema": {"type": "string"},
            }
        ],
        catch_all=route.regex.pattern,
    )


def _literal_head(pattern: str) -> str:
    """The literal directories a regex starts with: ``/x/(a|b)?`` -> ``/x``."""
    text = pattern.removeprefix("^")
    head = ""
    for char in text:
        if char in _REGEX_META or char == "\\":
            break
        head += char
    return head[: head.rfind("/")] if "/" in head else ""


def _template_shape(text: str) -> PathShape:
    parameters: list[dict[str, Any]] = []

    def plain(found: re.Match[str]) -> str:
        name, conv = found.group(1), found.group(2) or "str"
        schema = dict(_TYPED.get(conv) or {"type": "string", "pattern": _anchored(conv)})
        parameter: dict[str, Any] = {"name": name, "in": "path", "required": True}
        if conv == "path":
            parameter["description"] = "The rest of the path; it may contain '/'."
        parameter["schema"] = schema
        parameters.append(parameter)
        return "{" + name + "}"

    return PathShape(_PLACEHOLDER.sub(plain, text), parameters)


def _anchored(converter: str) -> str:
    registered = CONVERTERS.get(converter)
    return f"^(?:{registered.regex})$" if registered is not None else "^[^/]+$"


def regex_path(prefix: str, pattern: str) -> PathShape | None:
    """``/items/(?P<key>[^/]+)`` -> ``/items/{key}``; None unless literal text and groups."""
    text = pattern
    if text.startswith("^"):
        text = text[1:]
    for end in ("$", r"\Z", r"\z"):
        if text.endswith(end) and not text.endswith("\\" + end):
            text = text[: -len(end)]
            break
    out: list[str] = []
    parameters: list[dict[str, Any]] = []
    position, unnamed = 0, 0
    while position < len(text):
        char = text[position]
        if char == "\\":
            if position + 1 >= len(text) or text[position + 1].isalnum():
                return None  # \d, \w, \b...: not a literal character
            out.append(text[position + 1])
            position += 2
            continue
        if char == "(":
            close = _group_end(text, position)
            if close is None:
                return None
            inner = text[position + 1 : close]
            named = re.match(r"\?P<([A-Za-z_]\w*)>", inner)
            if named is not None:
                name, body = named.group(1), inner[named.end() :]
            elif inner.startswith("?"):
                return None  # a non-capturing or look-around group is not a parameter
            else:
                unnamed += 1
                name, body = f"arg{unnamed}", inner
            if "/" in body.replace("[^/]", ""):
                return None  # a group that can span segments is not one OpenAPI parameter
            out.append("{" + name + "}")
            parameters.append(
                {
                    "name": name,
                    "in": "path",
                    "required": True,
                    "schema": {"type": "string", "pattern": f"^(?:{body})$"},
                }
            )
            position = close + 1
            continue
        if char in _REGEX_META:
            return None
        out.append(char)
        position += 1
    path = prefix + "".join(out)
    if not path.startswith("/"):
        return None
    if len({p["name"] for p in parameters}) != len(parameters):
        return None
    return PathShape(path, parameters)


def _group_end(text: str, start: int) -> int | None:
    """The index of the ``)`` closing the group opened at ``start`` (escapes and classes kept)."""
    depth, position, in_class = 0, start, False
    while position < len(text):
        char = text[position]
        if char == "\\":
            position += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return position
        position += 1
    return None
