"""How a VestesPy server shows in the route table (``App.routes()``, ``microrest routes``).

Two kinds of core routes lead into the event pipeline: one per Dispatcher pattern, listed with
the pattern as the user wrote it (``/test/:id``) and the target handler's source line; and the
catch-all that takes every other path to the ``request`` handlers, listed as the style's mount
(``/...`` under the server's prefix, naming those handlers, sourced to the line that built
the server), not as the internal regex it is, sourced to the adapter's own file.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from ...routing import Route, RouteInfo
from ...toolkit import qualname_of
from .dispatcher import DispatchHandler

if TYPE_CHECKING:
    from .exchange import Exchange

__all__ = ["CATCH_ALL", "EventsRoute", "PatternRoute"]

# Everything not claimed by a Dispatcher pattern; also right under a mount prefix.
CATCH_ALL = re.compile(r"(?:/.*)?", re.DOTALL)


class _Shown(Route):
    """A route whose table row the adapter words; mounting keeps the subclass."""

    __slots__ = ()

    def with_prefix(self, prefix: str) -> Route:
        clone = super().with_prefix(prefix)
        clone.__class__ = type(self)  # the same slots: only the display differs
        return clone


class PatternRoute(_Shown):
    """A Dispatcher pattern: shown as registered (``/test/:id``), under any mount prefix."""

    __slots__ = ()

    def __init__(self, pattern: str | re.Pattern[str], endpoint: Exchange, **options: Any) -> None:
        super().__init__(pattern, endpoint.endpoint, ["*"], prepared=True, **options)

    @property
    def path(self) -> str:
        if self.template is not None:  # a literal pattern: the static route's own text
            return self.template.text
        exchange: Exchange = self.endpoint.__self__  # type: ignore[attr-defined]
        return self.prefix + exchange.label


class EventsRoute(_Shown):
    """The catch-all into the ``request`` handlers: the style's mount, ``<prefix>/...``."""

    __slots__ = ()

    def __init__(self, endpoint: Exchange, **options: Any) -> None:
        super().__init__(CATCH_ALL, endpoint.answer, ["*"], prepared=True, **options)

    @property
    def path(self) -> str:
        return self.prefix + "/..."

    def info(self) -> list[RouteInfo]:
        """One row: the ``request`` handlers (``request:a,b``), from where the server was built.

        No spaces in a column, and a ``file.py:line`` source, like every other row.
        """
        exchange: Exchange = self.endpoint.__self__  # type: ignore[attr-defined]
        server = exchange.server
        names = ",".join(_name_of(handler) for handler in server.listeners("request"))
        return [
            RouteInfo(
                "*",
                self.path,
                self.style or "vestespy",
                "request:" + (names or "(none)"),
                server.defined_at,
                self.name,
            )
        ]


def _name_of(handler: Any) -> str:
    if isinstance(handler, DispatchHandler):
        return "vestespy.tools.Dispatcher"
    return qualname_of(handler)
