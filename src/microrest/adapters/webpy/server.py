"""``HTTPServer``: the original's server object, an ASGI app over a core ``App``.

Constructing it binds nothing (workers import the module); ``start()`` serves it in the
background on uvicorn through ``microrest.server.Server`` and returns once it listens.
Each entry of ``routes`` becomes a core regex route, full-matched against the decoded path, in
insertion order, with the methods its handler class defines, so the core's 405/``Allow``,
automatic HEAD and OPTIONS do the work. ``compat=True`` instead routes everything through one
catch-all route that matches the raw target (query included) the way the original did.
"""

from __future__ import annotations

import atexit
import dataclasses
import re
import sys
import threading
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any

from ...app import App
from ...errors import ConfigurationError
from ...errors import HTTPError as CoreHTTPError
from ...limits import Limits
from ...routing import Route
from ...toolkit import asgi_entry, literal_path
from . import constants
from .dispatch import Dispatcher
from .edge import Edge
from .handler import Groups, HTTPErrorHandler, HTTPHandler, handler_methods
from .log import HTTPLog

if TYPE_CHECKING:
    from ...requests import Request
    from ...responses import Response
    from ...server import Server
    from ...types import Receive, Scope, Send

__all__ = ["HTTPServer"]

_CATCH_ALL = re.compile(".*", re.DOTALL)


def _as_static(pattern: re.Pattern[str], earlier: list[re.Pattern[str]]) -> str | re.Pattern[str]:
    """A literal pattern as a static core path (a dict lookup instead of a regex scan).

    Static paths are looked up before regexes, so this is only done when no earlier route
    matches the literal: then first-match-in-insertion-order gives the same answer. ``/``
    stays a regex (``literal_path``): mounted under ``/p`` it means ``/p/``, as every other
    web.py pattern means the prefix plus itself.
    """
    text = pattern.pattern
    if literal_path(text) is None or any(other.fullmatch(text) for other in earlier):
        return pattern
    return text


def _compile(kind: str, pattern: object, handler: object) -> re.Pattern[str]:
    """A route's regex, or an error that names the route and says what is wrong."""
    if isinstance(pattern, re.Pattern):
        return pattern
    if not isinstance(pattern, str):
        raise ConfigurationError(
            f"{kind} {pattern!r} -> {handler!r}: the key must be a regular expression string"
        )
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise ConfigurationError(
            f"{kind} {pattern!r}: the regular expression does not compile ({exc}); "
            "fix the pattern (re.escape() a literal path)"
        ) from None


def _check_handler(kind: str, pattern: str, handler: object) -> None:
    """A handler is a class built as ``handler(request, response, groups)`` with ``respond()``
    (an ``HTTPHandler`` subclass, or any class shaped like one, as the original accepted)."""
    if not isinstance(handler, type):
        raise ConfigurationError(
            f"{kind} {pattern!r}: {handler!r} is not a handler class; map the pattern to a "
            "class (an HTTPHandler subclass), not an instance or a function"
        )
    if not callable(getattr(handler, "respond", None)):
        raise ConfigurationError(
            f"{kind} {pattern!r}: {handler.__qualname__} has no respond() method; subclass "
            "web.HTTPHandler (and add do_<method> methods) or define respond()"
        )


def overrides_respond(handler_class: type) -> bool:
    """Whether the class answers every method itself through its own ``respond()``."""
    return getattr(handler_class, "respond", None) is not HTTPHandler.respond


def route_methods(handler_class: type[HTTPHandler]) -> list[str]:
    """The methods a route registers: its ``do_`` methods, minus the HEAD/OPTIONS the core
    answers itself unless the class overrides them."""
    methods = []
    for name in handler_methods(handler_class):
        if name == "head" and handler_class.do_head is HTTPHandler.do_head:
            continue
        if name == "options" and handler_class.do_options is HTTPHandler.do_options:
            continue
        methods.append(name.upper())
    return methods


class HTTPServer:
    """``HTTPServer(address, routes, error_routes=None, keyfile=None, certfile=None, ...)``.

    ``routes`` maps regex strings to ``HTTPHandler`` subclasses; ``error_routes`` maps regexes
    matched against the status code (``'500'``, ``'4[0-9][0-9]'``) to ``HTTPErrorHandler``
    subclasses. TLS is on when both ``keyfile`` and ``certfile`` are given. The thread-pool
    arguments are kept as attributes only: sync handlers share the core's thread limiter.
    """

    _asgi: Callable[[Scope, Receive, Send], Awaitable[None]]  # what ``__call__`` calls

    def __init__(
        self,
        address: tuple[str, int],
        routes: Mapping[str, type[HTTPHandler]],
        error_routes: Mapping[str, type[HTTPErrorHandler]] | None = None,
        keyfile: str | None = None,
        certfile: str | None = None,
        keepalive: float | None = 5,
        timeout: float = 20,
        num_threads: int = 2,
        max_threads: int | None = 6,
        max_queue: int | None = 4,
        poll_interval: float = 1,
        log: HTTPLog | None = None,
        *,
        compat: bool = False,
        sync_handlers: str = "thread",
        debug: bool = False,
        workers: int = 1,
    ) -> None:
        self.address = (address[0], int(address[1]))
        self.compat = compat
        self.keyfile = keyfile
        self.certfile = certfile
        self.using_tls = bool(keyfile and certfile)
        self.keepalive_timeout = keepalive
        self.request_timeout = timeout
        self.num_threads = num_threads
        self.max_threads = max_threads
        self.max_queue = max_queue
        self.poll_interval = poll_interval
        self.workers = workers
        self._wrapped = False
        self.log = log if log is not None else HTTPLog(None, None)
        self.routes: dict[re.Pattern[str], type[HTTPHandler]] = {}
        for pattern, handler in routes.items():
            _check_handler("route", pattern, handler)
            self.routes[_compile("route", pattern, handler)] = handler
        self.error_routes: dict[re.Pattern[str], type[HTTPErrorHandler]] = {}
        for pattern, handler in (error_routes or {}).items():
            _check_handler("error route", pattern, handler)
            self.error_routes[_compile("error route", pattern, handler)] = handler
        size = constants.max_request_size or None
        self.app = App(
            style="webpy",
            debug=debug,
            limits=Limits(max_body_size=size),
            trailing_slash="strict",
            auto_head=not compat,
            auto_options=not compat,
            sync_handlers=sync_handlers,  # type: ignore[arg-type]
        )
        self.dispatcher = Dispatcher(self, self.app.concurrency)
        self.dispatcher.error_routes = list(self.error_routes.items())
        # The user's error routes rank first, then handlers on the apps above, then the default.
        if self.error_routes:
            self.app.add_exception_handler(Exception, self.dispatcher.on_error_route)
        # Keyed on HTTPError too: a miss finds it two MRO steps sooner than through Exception.
        self.app.add_style_exception_handler(CoreHTTPError, self.dispatcher.on_core_error)
        self.app.set_style_miss_answer(self.dispatcher.miss_answer)
        self.app.add_style_exception_handler(Exception, self.dispatcher.on_core_error)
        # Per handler class, the core route carrying its own body bound (compat mode swaps it in)
        self._compat_routes: dict[type[HTTPHandler], Route] = {}
        if compat:
            catch_all = self.app.add_route(
                _CATCH_ALL, self._compat_endpoint, ["*"], source=type(self)
            )
            for handler in self.routes.values():
                limits = self._limits_for(handler)
                if limits is not None and handler not in self._compat_routes:
                    own = catch_all.with_prefix("")
                    own.limits = limits
                    self._compat_routes[handler] = own
        else:
            earlier: list[re.Pattern[str]] = []
            for compiled, handler in self.routes.items():
                path = _as_static(compiled, earlier)
                endpoint = self.dispatcher.endpoint_for(handler)
                limits = self._limits_for(handler)
                methods = [] if overrides_respond(handler) else route_methods(handler)
                if methods:
                    self.app.add_route(path, endpoint, methods, source=handler, limits=limits)
                # The first match owns the path for every method: whatever the class does not
                # define is answered by it (405 with its Allow, HEAD from do_get, OPTIONS),
                # never by a later route that happens to match too. A respond() override
                # answers every method itself, as in the original.
                owner = self.app.add_route(path, endpoint, ["*"], source=handler, limits=limits)
                if methods:  # it only answers 405s: the do_ methods' route is the operation
                    owner.openapi["include"] = False
                earlier.append(compiled)
        self.edge = Edge(self)
        self._refresh_edge()
        self.app.on_startup(self._refresh_edge)
        self._server: Server | None = None

    def _limits_for(self, handler: type[HTTPHandler]) -> Limits | None:
        """The app's limits with the handler's own ``max_request_size``, if it has one."""
        size = getattr(handler, "max_request_size", None)
        if size is None:
            return None
        return dataclasses.replace(self.app.limits, max_body_size=size or None)

    # ASGI -------------------------------------------------------------------------------------

    @property
    def __microrest_app__(self) -> App:
        return self.app

    if TYPE_CHECKING:

        async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None: ...

    else:
        # ``httpd(scope, receive, send)`` calls ``self._asgi``: the app's own bound
        # ``__call__`` when requests need no wrapper (the hot path), else ``_edge_call``;
        # decided in ``_refresh_edge``. No frame of ours: 2.1k instructions less per request
        # than an ``async def __call__`` awaiting the app (callgrind).
        __call__ = asgi_entry("_asgi")

    async def _edge_call(self, scope: Scope, receive: Receive, send: Send) -> None:
        # The wrapper only when requests need it (compat, keepalive=None, an access log),
        # decided when the server starts: otherwise the app is called directly, the hot path.
        # (Asking the logging module per request cost 1.6k instructions, 2% of a request.)
        if scope["type"] == "http":
            await self.edge(scope, receive, send)
        else:
            await self.app(scope, receive, send)

    @property
    def log(self) -> HTTPLog:
        return self._log

    @log.setter
    def log(self, value: HTTPLog) -> None:
        self._log = value
        self._refresh_edge()

    def _refresh_edge(self) -> None:
        """Whether requests go through ``Edge``: at construction, when ``log`` is replaced,
        and at startup (lifespan, ``start()``), after logging has been configured."""
        edge = getattr(self, "edge", None)
        self._wrapped = edge is not None and (edge.always or self._log.access_enabled())
        if edge is not None:
            self._asgi = self._edge_call if self._wrapped else self.app.__call__

    async def _compat_endpoint(self, request: Request) -> Response:
        """The original's routing: the raw target, query included, first match wins."""
        scope = request.scope
        raw = scope.get("raw_path") or scope["path"].encode("utf-8")
        route = scope.get("route")
        prefix = getattr(route, "prefix", "") if route is not None else ""
        target = raw.decode("latin-1")
        if prefix and target.startswith(prefix):
            target = target[len(prefix) :]
        query = scope.get("query_string", b"")
        if query:
            target += "?" + query.decode("latin-1")
        for pattern, handler in self.routes.items():
            found = pattern.fullmatch(target)
            if found is not None:
                groups = Groups(found.groups(), found.groupdict())
                own = self._compat_routes.get(handler)
                if own is not None:
                    scope["route"] = own  # the handler's body bound, not the catch-all's
                return await self.dispatcher.handle(request, self.dispatcher.plan(handler), groups)
        raise CoreHTTPError(404)  # answered like any miss: error routes, user's, default

    # the original's server controls -----------------------------------------------------------

    @property
    def server_address(self) -> tuple[str, int]:
        """``(host, port)``: the bound port while running (port 0 resolved), else the address."""
        if self._server is not None and self._server.is_running():
            host, port = self._server.server_address
            return host, port
        return self.address

    def start(self) -> None:
        """Serve in the background and return once listening (no-op when already running,
        inside a worker import, or with ``MICROREST_NO_SERVE=1``).

        Called from a script's top level (the README's last line), the process keeps serving
        after the script ends, as the original's non-daemon server thread did, until Ctrl-C.
        """
        from ...server import Server, serving_disabled

        if self.is_running() or serving_disabled():
            return
        self._refresh_edge()
        options: dict[str, Any] = {}
        if self.using_tls:
            options["ssl_keyfile"] = self.keyfile
            options["ssl_certfile"] = self.certfile
        if self.keepalive_timeout is not None:
            options["timeout_keep_alive"] = self.keepalive_timeout
        if self.compat:
            options["server_header"] = False  # the app sends the original's own
        self._server = Server(
            self, self.address[0], self.address[1], workers=self.workers, **options
        )
        self._server.start()
        caller = sys._getframe(1)
        if caller.f_globals.get("__name__") == "__main__" and caller.f_code.co_name == "<module>":
            atexit.register(self._serve_until_interrupted)
        host, port = self.server_address
        self.log.info(f"Serving HTTP on {host}:{port}")
        self.log.info("Server started")

    def stop(self, timeout: float | None = None) -> None:
        """Stop serving (graceful; no-op when not running). ``start()`` may be called again."""
        server = self._server
        if server is None:
            return
        self._server = None
        if server.is_running():
            server.stop(timeout)
            self.log.info("Server stopped")

    def close(self, timeout: float | None = None) -> None:
        """Stop if running; the listening socket goes with it."""
        self.stop(timeout)

    def is_running(self) -> bool:
        return bool(self._server is not None and self._server.is_running())

    def _serve_until_interrupted(self) -> None:
        """The script has ended: serve until Ctrl-C or SIGTERM, then stop gracefully."""
        from ...server import on_stop_signals

        stopped = threading.Event()
        restore = on_stop_signals(stopped.set)
        try:
            while self.is_running() and not stopped.wait(0.2):
                pass
        except KeyboardInterrupt:  # a second Ctrl-C
            pass
        finally:
            restore()
        self.stop()
