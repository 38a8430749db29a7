"""``vestespy.tools.Dispatcher``: URL patterns (``/test/:id`` or regexes) to handlers.

Patterns become core regex routes on every server the dispatcher's handler is attached to
(``server.on("request", dispatcher.as_handler())``), so they appear in ``routes()`` and the core
router finds the entry instead of a linear scan. The dispatcher's own matching (``re.match``
of the pattern plus ``$`` against ``req.url``, the path with percent-escapes kept, first
registration wins) stays the authority: the core's pick is used only when it is provably the
same answer, otherwise the handler scans as the original did. So the handler also works when
it is called some other way (wrapped in another handler, or on a server it was never attached
to), and a 404 for no match comes from the dispatcher, as before.

Typed parameters (an extension): ``:id(int)`` matches what the core's ``{id:int}`` matches (1
to 18 ASCII digits) and passes an ``int``; ``float``, ``uuid``, ``str`` and ``path`` work the
same way (``microrest.routing.CONVERTERS``). A segment they refuse (5,000 digits, say) matches
no pattern: a 404 from the dispatcher, never a 500 from a handler's ``int()``.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Awaitable, Callable, Iterator
from typing import TYPE_CHECKING, Any, NamedTuple, cast

import anyio.from_thread

from ...routing import CONVERTERS
from ...toolkit import is_async_callable, literal_path
from .response import Prepared

if TYPE_CHECKING:
    from .events import Event
    from .request import Request
    from .response import Response
    from .server import Server

__all__ = ["NOT_FOUND_ANSWER", "DispatchHandler", "Dispatcher", "HTML404", "Pattern", "handle404"]

HTML404 = b"<!DOCTYPE html><html><head></head><body>404 Page Not Found</body></html>"
# ``:name`` is a parameter, except the colon of a group modifier such as ``(?:`` or ``(?i:``;
# ``:name(type)`` is a typed one.
_PARAM = re.compile(r"(\(\?[aiLmsux-]*:)|:(\w+)(?:\((\w+)\))?")
_PARAM_RE = "(?P<{}>[0-9A-Za-z]*?)"
Conversions = dict[str, Callable[[str], Any]]
NO_PARAMS: dict[str, Any] = {}  # only ever unpacked (``**params``), never written to


# send_error(404, HTML404, [("Content-Type", "text/html; charset=utf-8")]), prepared once.
NOT_FOUND_ANSWER = Prepared(404, HTML404, [("Content-Type", "text/html; charset=utf-8")])


def handle404(ev: Event, req: Request, res: Response) -> None:
    """What the dispatcher answers when no pattern matches."""
    res._send_prepared(NOT_FOUND_ANSWER)


class Pattern(NamedTuple):
    """One registration, shaped like the original's ``(regex, groups, handler, name)`` tuple."""

    regex: re.Pattern[str] | None
    groups: list[str] | None
    handler: Callable[..., Any]
    name: str | None


NOT_FOUND = Pattern(None, None, handle404, None)


def translate(pattern: str) -> str:
    """The regex for a VestesPy pattern: each ``:name`` becomes a lazy alphanumeric group,
    each ``:name(type)`` a group matching what the core's ``{name:type}`` matches."""
    return compile_pattern(pattern)[0]


def compile_pattern(pattern: str) -> tuple[str, Conversions]:
    """The regex source for ``pattern`` and the conversion of each typed parameter."""
    conversions: Conversions = {}

    def parameter(match: re.Match[str]) -> str:
        modifier, name, kind = match.groups()
        if modifier:
            return modifier
        if kind is None:
            return _PARAM_RE.format(name)
        converter = CONVERTERS.get(kind)
        if converter is None:
            known = ", ".join(sorted(CONVERTERS))
            raise ValueError(
                f"Dispatcher pattern {pattern!r}: unknown parameter type {kind!r} in "
                f"':{name}({kind})'; use one of {known}, or a regex group such as "
                f"(?P<{name}>[0-9]{{1,9}})"
            )
        if converter.convert is not str:
            conversions[name] = converter.parse
        return f"(?P<{name}>{converter.regex})"

    return _PARAM.sub(parameter, pattern), conversions


class _Info(NamedTuple):
    exact: bool  # the core's pick for this entry is also the dispatcher's (see resolve)
    is_async: bool  # the handler is awaited rather than run through the thread limiter
    static: str | None  # a literal path no earlier pattern matches: a static core route
    conversions: Conversions | None  # typed parameters (``:id(int)``) and their parsing
    label: str  # the pattern as registered, for the route table


class Dispatcher:
    """Ordered patterns; ``as_handler()`` is the ``request`` event handler that routes."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.patterns: list[Pattern] = []
        self._info: dict[int, _Info] = {}
        # id(entry) -> is_async, for the entries whose core match is always the dispatcher's
        # answer as is (exact, no typed parameters): the request path's one lookup.
        self._direct: dict[int, bool] = {}
        self._all_exact = True  # every entry's _Info.exact (kept up to date by register)
        self._servers: list[Server] = []
        # id(server) -> every pattern is routed on that server ahead of its catch-all, so a
        # request that reached the catch-all matches none of them.
        self._complete: dict[int, bool] = {}

    def register(self, pattern: str, handler: Callable[..., Any], name: str | None = None) -> None:
        """Add ``pattern`` (``/test/:id``, any number of ``:params``, typed ones such as
        ``:id(int)``, or a regex with named groups); ``handler(ev, req, res, **params)`` gets
        the groups as keyword arguments: str, or the type's value for a typed parameter."""
        if not callable(handler):
            raise TypeError("You can only register callables!")
        if not isinstance(pattern, str):
            raise TypeError(f"Dispatcher patterns are str, got {type(pattern).__name__}")
        source, conversions = compile_pattern(pattern)
        try:
            regex = re.compile(source + "$")
        except re.error as exc:
            raise ValueError(
                f"Dispatcher pattern {pattern!r} is not a valid regex ({exc}); parameter names "
                "after ':' must be distinct identifiers that do not start with a digit"
            ) from None
        entry = Pattern(regex, list(regex.groupindex), handler, name)
        static = literal_path(source)
        if static is not None and self.get_pattern(static).regex is not None:
            static = None  # an earlier pattern answers this path: keep registration order
        # Regex routes are tried in registration order after static ones. That order gives the
        # dispatcher's answer unless a pattern has a top-level alternative ("a|b"), with which
        # re.match accepts a mere prefix of the path while the core matches whole paths.
        exact = static is not None or (self._all_exact and "|" not in source)
        self._all_exact = self._all_exact and exact
        self.patterns.append(entry)
        is_async = is_async_callable(handler)
        self._info[id(entry)] = _Info(exact, is_async, static, conversions or None, pattern)
        if exact and not conversions:
            self._direct[id(entry)] = is_async
        for server in self._servers:
            self._route(server, entry)

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

    def resolve(self, req: Request) -> tuple[Pattern, dict[str, Any]]:
        """The entry for ``req`` and its parameters, using the core's match when it is exact.

        The core matched the decoded path; ``req.url`` keeps percent-escapes, so the shortcut
        is taken only when there are none (then both are the same string).
        """
        url = req.url
        if "%" not in url:
            route = req._route
            if route is None:
                if self.patterns and self._all_exact and self._complete.get(id(req.server)):
                    return NOT_FOUND, {}
            else:
                info = self._info.get(id(route))
                if info is not None and info.exact:
                    # The core's full match of the same string: its groups are ours.
                    params: dict[str, Any] | None = req.scope.get("path_params", {})
                    if params is not None and info.conversions is not None:
                        params = converted(params, info.conversions)
                    if params is not None:
                        return route, params
        for entry in self.patterns:
            assert entry.regex is not None
            match = entry.regex.match(url)
            if match is not None:
                params = match.groupdict()
                info = self._info.get(id(entry))
                if info is not None and info.conversions is not None:
                    params = converted(match.groupdict(), info.conversions)
                if params is None:
                    continue  # a type refused its value: this pattern does not match
                return entry, params
        return NOT_FOUND, {}

    def is_async(self, entry: Pattern) -> bool:
        info = self._info.get(id(entry))
        return info.is_async if info is not None else is_async_callable(entry.handler)

    def as_handler(self) -> DispatchHandler:
        return DispatchHandler(self)

    def attach(self, server: Server) -> None:
        """Register this dispatcher's patterns (now and later ones) as routes of ``server``."""
        if any(existing is server for existing in self._servers):
            return
        self._servers.append(server)
        self._complete[id(server)] = True
        for entry in self.patterns:
            self._route(server, entry)

    def _route(self, server: Server, entry: Pattern) -> None:
        info = self._info[id(entry)]
        ahead = server._add_pattern(entry, info.static, info.label, self)
        self._complete[id(server)] = self._complete.get(id(server), True) and ahead


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

    def __vestespy_async__(self, ev: Event, req: Request, res: Response) -> Awaitable[Any]:
        """The target handler's awaitable (the pipeline awaits it: no coroutine of our own)."""
        dispatcher = self.dispatcher
        route = req._route
        if route is not None:
            # resolve()'s shortcut, inlined, its per-entry decision taken at registration
            # (``_direct``): the core's full match is the dispatcher's answer. One lookup
            # instead of _info's three attribute tests (param: 56 -> 33 bytecodes).
            is_async = dispatcher._direct.get(id(route))
            if is_async is not None and "%" not in req.url:
                params: dict[str, Any] = req.scope.get("path_params", NO_PARAMS)
                if is_async:
                    result: Awaitable[Any] = route.handler(ev, req, res, **params)
                    return result
                return _call(False, route.handler, ev, req, res, params)
        entry, params = dispatcher.resolve(req)
        if entry is NOT_FOUND:
            handle404(ev, req, res)  # never blocks: no thread needed
            return DONE
        return _call(dispatcher.is_async(entry), entry.handler, ev, req, res, params)

    def __eq__(self, other: object) -> bool:
        # Two as_handler() results of one dispatcher are the same handler (for ``off``).
        return isinstance(other, DispatchHandler) and other.dispatcher is self.dispatcher

    def __hash__(self) -> int:
        return hash(id(self.dispatcher))


def _call(
    is_async: bool,
    handler: Callable[..., Any],
    ev: Event,
    req: Request,
    res: Response,
    params: dict[str, Any],
) -> Awaitable[Any]:
    """Start ``handler``: its coroutine when async, else a run per the server's policy."""
    if is_async:
        result: Awaitable[Any] = handler(ev, req, res, **params)
        return result
    concurrency = req.server.app.concurrency
    if concurrency.mode == "inline":  # what concurrency.run does inline, minus a coroutine
        handler(ev, req, res, **params)
        return DONE
    return concurrency.run(handler, ev, req, res, **params)


def converted(params: dict[str, Any], conversions: Conversions) -> dict[str, Any] | None:
    """``params`` with typed values parsed; None when a type refuses its value."""
    result = dict(params)
    try:
        for name, parse in conversions.items():
            value = result.get(name)
            if value is not None:  # an optional group that did not take part stays None
                result[name] = parse(value)
    except ValueError:
        return None
    return result


class _Done:
    """An awaitable that is already finished (for handlers that ran synchronously)."""

    __slots__ = ()

    def __await__(self) -> Iterator[None]:
        return iter(())


DONE = cast("Awaitable[Any]", _Done())


async def _await(awaitable: Any) -> None:
    await awaitable
