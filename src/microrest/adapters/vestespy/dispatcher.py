"""``vestespy.tools.Dispatcher``: URL patterns (``/test/:id`` or regexes) to handlers.

Patterns become core regex routes on every server the dispatcher's handler is attached to
(``server.on("request", dispatcher.as_handler())``), so they appear in ``routes()`` and the core
router finds the entry instead of a linear scan. The dispatcher's own matching (``re.match``
of the pattern plus ``$`` against ``req.url``, the path with percent-escapes kept, first
registration wins) stays the authority: the core's pick is used only when it is provably the
same answer, otherwise the handler scans as the original did. So the handler also works when
it is called some other way (wrapped in another handler, or on a server it was never attached
to), and a 404 for no match comes from the dispatcher, as before.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple

import anyio.from_thread

if TYPE_CHECKING:
    from .events import Event
    from .request import Request
    from .response import Response
    from .server import Server

__all__ = ["HTML404", "DispatchHandler", "Dispatcher", "Pattern", "handle404"]

HTML404 = b"<!DOCTYPE html><html><head></head><body>404 Page Not Found</body></html>"
# ``:name`` is a parameter, except the colon of a group modifier such as ``(?:`` or ``(?i:``.
_PARAM = re.compile(r"(\(\?[aiLmsux-]*:)|:(\w+)")
_PARAM_RE = "(?P<{}>[0-9A-Za-z]*?)"


def handle404(ev: Event, req: Request, res: Response) -> None:
    """What the dispatcher answers when no pattern matches."""
    res.send_error(404, HTML404, [("Content-Type", "text/html; charset=utf-8")])


class Pattern(NamedTuple):
    """One registration, shaped like the original's ``(regex, groups, handler, name)`` tuple."""

    regex: re.Pattern[str] | None
    groups: list[str] | None
    handler: Callable[..., Any]
    name: str | None


NOT_FOUND = Pattern(None, None, handle404, None)


def translate(pattern: str) -> str:
    """The regex for a VestesPy pattern: each ``:name`` becomes a lazy alphanumeric group."""
    return _PARAM.sub(lambda m: m.group(1) or _PARAM_RE.format(m.group(2)), pattern)


class Dispatcher:
    """Ordered patterns; ``as_handler()`` is the ``request`` event handler that routes."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.patterns: list[Pattern] = []
        # id(entry) -> True when the core's first regex match is also the dispatcher's answer:
        # no pattern up to and including it has a top-level alternative ("|") that makes
        # ``re.match`` accept a mere prefix of the path.
        self._exact: dict[int, bool] = {}
        self._servers: list[Server] = []

    def register(self, pattern: str, handler: Callable[..., Any], name: str | None = None) -> None:
        """Add ``pattern`` (``/test/:id``, any number of ``:params``, or a regex with named
        groups); ``handler(ev, req, res, **params)`` gets the groups as str keyword arguments."""
        if not callable(handler):
            raise TypeError("You can only register callables!")
        if not isinstance(pattern, str):
            raise TypeError(f"Dispatcher patterns are str, got {type(pattern).__name__}")
        source = translate(pattern)
        try:
            regex = re.compile(source + "$")
        except re.error as exc:
            raise ValueError(
                f"Dispatcher pattern {pattern!r} is not a valid regex ({exc}); parameter names "
                "after ':' must be distinct identifiers that do not start with a digit"
            ) from None
        entry = Pattern(regex, list(regex.groupindex), handler, name)
        previous_exact = all(self._exact.values())
        self.patterns.append(entry)
        self._exact[id(entry)] = previous_exact and "|" not in source
        for server in self._servers:
            server._add_pattern(entry)

    def get_pattern(self, url: str | None = None, name: str | None = None) -> Pattern:
        """The first entry matching ``url``, or the entry called ``name``; else the 404 entry."""
        if url is not None and name is not None:
            raise ValueError("You cannot pass both url and name to get_pattern!")
        if url is not None:
            for entry in self.patterns:
                assert entry.regex is not None
                if entry.regex.match(url):
                    return entry
        elif name is not None:
            for entry in self.patterns:
                if entry.name == name:
                    return entry
        return NOT_FOUND

    def resolve(self, req: Request) -> tuple[Pattern, dict[str, str]]:
        """The entry for ``req`` and its parameters, using the core's match when it is exact."""
        url = req.url
        route = req._route
        if route is not None and "%" not in url and self._exact.get(id(route)):
            assert route.regex is not None
            match = route.regex.match(url)
            if match is not None:
                return route, match.groupdict()
        for entry in self.patterns:
            assert entry.regex is not None
            match = entry.regex.match(url)
            if match is not None:
                return entry, match.groupdict()
        return NOT_FOUND, {}

    def as_handler(self) -> DispatchHandler:
        return DispatchHandler(self)

    def attach(self, server: Server) -> None:
        """Register this dispatcher's patterns (now and later ones) as routes of ``server``."""
        if any(existing is server for existing in self._servers):
            return
        self._servers.append(server)
        for entry in self.patterns:
            server._add_pattern(entry)


class DispatchHandler:
    """The ``request`` handler of a Dispatcher; ``Server.on`` attaches its patterns as routes.

    Callable from sync code like any VestesPy handler; the pipeline awaits
    ``__vestespy_async__`` instead, so only a sync target handler costs a thread hop.
    """

    __slots__ = ("dispatcher",)

    def __init__(self, dispatcher: Dispatcher) -> None:
        self.dispatcher = dispatcher

    def __call__(self, ev: Event, req: Request, res: Response) -> None:
        entry, params = self.dispatcher.resolve(req)
        result = entry.handler(ev, req, res, **params)
        if inspect.isawaitable(result):
            anyio.from_thread.run(_await, result)

    async def __vestespy_async__(self, ev: Event, req: Request, res: Response) -> None:
        entry, params = self.dispatcher.resolve(req)
        await req.server.call(entry.handler, ev, req, res, **params)

    def __eq__(self, other: object) -> bool:
        # Two as_handler() results of one dispatcher are the same handler (for ``off``).
        return isinstance(other, DispatchHandler) and other.dispatcher is self.dispatcher

    def __hash__(self) -> int:
        return hash(id(self.dispatcher))


async def _await(awaitable: Any) -> None:
    await awaitable
