"""CorePost URL patterns -> core templates, and the ``@route`` marker on service methods.

``<x>`` is one segment, ``<int:x>``, ``<float:x>`` and ``<uuid:x>`` are typed; literal text is
literal (the original pasted it into a regex unescaped). One leading and one trailing slash
do not matter: ``/customer/`` and ``/customer`` are the same route.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from ...errors import ConfigurationError
from .enums import Http, MediaType

__all__ = ["ROUTE_MARKER", "RouteSpec", "join_url", "route", "translate"]

F = TypeVar("F", bound=Callable[..., Any])
ROUTE_MARKER = "__corepost_routes__"
_PARAM = re.compile(r"<(?:([A-Za-z_]\w*):)?([A-Za-z_]\w*)>")
_CONVERTERS = {None: "", "int": ":int", "float": ":float", "uuid": ":uuid"}


def join_url(*parts: str) -> str:
    """``join_url('/customer/', '/<id>')`` -> ``'/customer/<id>'``; empty parts vanish."""
    kept = [part.strip("/") for part in parts if part and part.strip("/")]
    return "/" + "/".join(kept)


def translate(url: str) -> str:
    """``/test/<int:id>/x/<name>`` -> ``/test/{id:int}/x/{name}``."""
    pieces: list[str] = []
    position = 0
    for found in _PARAM.finditer(url):
        pieces.append(_literal(url[position : found.start()], url))
        converter, name = found.group(1), found.group(2)
        if converter not in _CONVERTERS:
            raise ConfigurationError(
                f"route {url!r}: unknown converter {converter!r}; "
                "use <name>, <int:name>, <float:name> or <uuid:name>"
            )
        pieces.append("{" + name + _CONVERTERS[converter] + "}")
        position = found.end()
    pieces.append(_literal(url[position:], url))
    return join_url("".join(pieces))


def _literal(text: str, url: str) -> str:
    if any(char in text for char in "<>{}"):
        raise ConfigurationError(
            f"route {url!r}: {text!r} is not a valid literal or parameter; "
            "parameters look like <name> or <int:name>"
        )
    return text


def methods_tuple(methods: str | Iterable[str]) -> tuple[str, ...]:
    """A single method or several, upper-cased (a list works as well as the original's tuple)."""
    if isinstance(methods, str):
        return (methods.upper(),)
    result = tuple(method.upper() for method in methods)
    if not result:
        raise ConfigurationError("@route methods must name at least one HTTP method")
    return result


def accepts_tuple(accepts: str | Iterable[str]) -> tuple[str, ...]:
    if isinstance(accepts, str):
        return (accepts.lower(),)
    return tuple(media.lower() for media in accepts) or (MediaType.WILDCARD,)


@dataclass(frozen=True, slots=True)
class RouteSpec:
    """What ``@route`` recorded: the service registers it when its resource is built."""

    url: str
    methods: tuple[str, ...]
    accepts: tuple[str, ...]
    produces: Any = None
    cache: bool = True


def route(
    url: str,
    methods: str | Iterable[str] = (Http.GET,),
    accepts: str | Iterable[str] = MediaType.WILDCARD,
    produces: Any = None,
    cache: bool = True,
) -> Callable[[F], F]:
    """Mark a service method as the handler of ``methods`` on ``url`` for ``accepts`` bodies.

    The method stays an ordinary, callable method. ``produces`` and ``cache`` are accepted
    for compatibility; the response format follows the client's ``Accept``.
    """
    spec = RouteSpec(url, methods_tuple(methods), accepts_tuple(accepts), produces, cache)
    translate(url)  # fail at import time on a bad pattern

    def mark(func: F) -> F:
        specs: list[RouteSpec] = list(getattr(func, ROUTE_MARKER, ()))
        specs.append(spec)
        setattr(func, ROUTE_MARKER, tuple(specs))
        return func

    return mark
