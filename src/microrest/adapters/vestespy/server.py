"""``vestespy.Server``: an event emitter that is also an ASGI application.

Constructing one binds nothing (uvicorn workers import the module); ``serve_forever()`` serves
it on its address through ``microrest.server`` and ``shutdown()`` stops that from any thread.
Underneath is a core ``App`` (``server.app``, style ``"vestespy"``) with prepared routes into the
event pipeline: one per attached Dispatcher pattern, then a catch-all for everything else. The
catch-all is added when the server is first used (first request, ``serve_forever()``, or being
mounted), so patterns attached before that come first in the route table and the core router
picks them; patterns attached later still work through the dispatcher's own matching. The
catch-all steps aside for black-box apps mounted on ``server.app`` (``StaticFiles``): they are
reached as on any core app (see ``exchange.py``).
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import socket
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal

from ...app import App
from ...errors import ConfigurationError
from ...errors import HTTPError as CoreHTTPError
from ...limits import Limits
from ...toolkit import asgi_entry, is_async_callable
from .dispatcher import Dispatcher, DispatchHandler, Pattern
from .events import EventManager, Handler
from .exchange import Exchange, answer_error
from .request import Request
from .response import Response
from .routes import CATCH_ALL as CATCH_ALL  # re-exported: it lived here before
from .routes import EventsRoute, PatternRoute
from .serving import Serving
from .websocket import serve_websockets

if TYPE_CHECKING:
    from ...server import Server as Runner
    from ...types import Receive, Scope, Send

__all__ = ["DEFAULT_MAX_BODY_SIZE", "Console", "Server"]

# The core's default body bound: a VestesPy server is bounded unless told otherwise.
DEFAULT_MAX_BODY_SIZE: int | None = Limits().max_body_size
SELECTS = ("select", "epoll", "poll", "kqueue")
_CLASSES = frozenset(("handler_class", "response_class"))  # what Server._defaults follows


class Console:
    """The original's coloured console, as ``logging`` calls on ``microrest.vestespy``.

    Each method takes ``logging``'s arguments: ``console.info("got %s", x)`` formats lazily,
    and ``exc_info=True`` and the like work.
    """

    def __init__(self) -> None:
        self.logger = logging.getLogger("microrest.vestespy")

    def log(self, message: object, *args: Any, **kwargs: Any) -> None:
        self._log(logging.INFO, message, args, kwargs)

    def info(self, message: object, *args: Any, **kwargs: Any) -> None:
        self._log(logging.INFO, message, args, kwargs)

    def success(self, message: object, *args: Any, **kwargs: Any) -> None:
        self._log(logging.INFO, message, args, kwargs)

    def warn(self, message: object, *args: Any, **kwargs: Any) -> None:
        self._log(logging.WARNING, message, args, kwargs)

    def error(self, message: object, *args: Any, **kwargs: Any) -> None:
        self._log(logging.ERROR, message, args, kwargs)

    def _log(self, level: int, message: object, args: tuple[Any, ...], kwargs: Any) -> None:
        kwargs.setdefault("stacklevel", 3)  # the record names the caller's line, not ours
        self.logger.log(level, message, *args, **kwargs)


class Server(EventManager):
    """``Server(addr, handler=Request, select="select", max_workers=50, debug=False, ...)``.

    ``addr`` is ``(host, port)`` or a bound ``socket.socket``. ``max_workers`` sizes the thread
    limiter that runs sync handlers; ``select``, ``HEADERS_LENGTH`` and ``CHUNK_LENGTH`` are
    accepted for compatibility (uvicorn parses and reads). Extensions: ``workers`` (processes
    for ``serve_forever``), ``sync_handlers="inline"`` (run sync handlers on the loop) and
    ``compat=True`` (the original's 400 instead of 501 for a method it did not know) and
    ``max_body_size`` (bytes a request body may stream through ``data`` events before a 413;
    the core's 10 MiB by default; ``None`` is unbounded, as in the original, and must be
    asked for).
    """

    response_class: type[Response] = Response
    # Whether ``handler_class`` and ``response_class`` are Request and Response, worked out
    # whenever either is set (``__setattr__``): the exchange tests this one flag per request
    # (and then builds both objects itself) instead of the two classes.
    _defaults = False

    def __init__(
        self,
        addr: tuple[str, int] | socket.socket,
        handler: type[Request] = Request,
        select: str = "select",
        max_workers: int = 50,
        debug: bool = False,
        HEADERS_LENGTH: int = 8192,  # noqa: N803 - the original's name
        CHUNK_LENGTH: int = 16384,  # noqa: N803 - the original's name
        *,
        workers: int = 1,
        sync_handlers: Literal["thread", "inline"] = "thread",
        compat: bool = False,
        max_body_size: int | None = DEFAULT_MAX_BODY_SIZE,
    ) -> None:
        super().__init__()
        if not (isinstance(handler, type) and issubclass(handler, Request)):
            raise ValueError("Server instance only accepts subclasses of Request as handlers!")
        if isinstance(addr, tuple):
            self.address: tuple[str, int] = addr
            self._socket: socket.socket | None = None
        elif isinstance(addr, socket.socket):
            self._socket = addr
            self.address = addr.getsockname()[:2]
        else:
            raise TypeError(
                "You have to pass either address tuple of instance of socket.socket to Server!"
            )
        if select not in SELECTS:
            raise ValueError(f"select must be one of {SELECTS}, got {select!r}")
        self.handler_class = handler
        # The class's response_class, stored in the server: the exchange reads it on every
        # request, and an attribute found on the class is a generic lookup each time (an
        # instance's is a specialised one): json 61.8k -> 61.6k, echo 88.2k -> 88.0k
        # instructions, callgrind.
        self.response_class = self.response_class
        self.method = select
        self.max_workers = max_workers
        self.debug = debug
        self.workers = workers
        self.compat = compat
        if max_body_size is not None and (
            isinstance(max_body_size, bool) or not isinstance(max_body_size, int)
        ):
            raise TypeError(
                f"max_body_size must be an int (bytes) or None (unbounded), got {max_body_size!r}"
            )
        if max_body_size is not None and max_body_size < 0:
            raise ValueError(f"max_body_size must be >= 0 bytes, got {max_body_size}")
        # None (explicit only): unbounded, as the original; data events stream either way.
        self.max_body_size = max_body_size
        self.HEADERS_LENGTH = HEADERS_LENGTH
        self.CHUNK_LENGTH = CHUNK_LENGTH
        self.console = Console()
        self.app = App(
            debug=debug,
            style="vestespy",
            trailing_slash="strict",
            sync_handlers=sync_handlers,
            thread_limit=max_workers,
            auto_head=False,
            auto_options=False,
            limits=Limits(max_body_size=max_body_size),
        )
        # VestesPy's answer to its handlers' HTTPErrors, below the user's handlers.
        self.app.add_style_exception_handler(CoreHTTPError, answer_error)
        # Where the user built this server: the route table's source for its event routes.
        self.defined_at = _caller_line()
        self._patterns: dict[str, bool] = {}  # route key -> tried before the catch-all
        self._single_request: tuple[Handler, Dispatcher | None] | None = None
        self._sole: Dispatcher | None = None
        self._sealed = False
        self._asgi: Callable[[Scope, Receive, Send], Any] = self._first_call
        self._serving = Serving()

    def __setattr__(self, name: str, value: Any) -> None:
        super().__setattr__(name, value)
        if name in _CLASSES:
            self._note_classes()

    def __delattr__(self, name: str) -> None:
        super().__delattr__(name)
        if name in _CLASSES:
            self._note_classes()

    def _note_classes(self) -> None:
        defaults = (
            getattr(self, "handler_class", None) is Request
            and getattr(self, "response_class", None) is Response
        )
        super().__setattr__("_defaults", defaults)

    # -- events ----------------------------------------------------------------------------

    def on(self, name: str, handler: Handler) -> None:
        """As ``EventManager.on``; a Dispatcher's handler also brings its patterns as routes."""
        super().on(name, handler)
        if name == "request":
            self._plan_requests()
            if isinstance(handler, DispatchHandler):
                handler.dispatcher.attach(self)
        elif name == "websocket":  # a microrest addition: see websocket.py
            serve_websockets(self, handler)

    def off(self, name: str, handler: Handler | None = None) -> None:
        super().off(name, handler)
        if name == "request":
            self._plan_requests()

    def _plan_requests(self) -> None:
        """Work out, once per change of the ``request`` handlers, how a request runs them.

        ``_single_request`` is the async entry point of the one handler when there is exactly
        one and it is async, with that handler's Dispatcher if it is one; None otherwise (the
        general ``trigger_async``). The exchange reads it instead of inspecting the listener
        list on every request (plaintext: 64.4k -> 63.5k).
        """
        listeners = self._events.get("request")
        self._single_request = None
        self._sole = None
        if listeners is not None and len(listeners) == 1:
            handler, entry = listeners[0]
            if entry is not None:
                owner = handler.dispatcher if type(handler) is DispatchHandler else None
                self._single_request = (entry, owner)
                # The Dispatcher whose handler is the only one, when it is exactly a
                # Dispatcher (a subclass may resolve differently): the exchange may then
                # take its decisions (the route's handler, the 404) without asking it.
                if owner is not None and type(owner) is Dispatcher:
                    self._sole = owner

    async def call(self, handler: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Run one handler: awaited when async, else through the app's thread limiter."""
        if getattr(handler, "__vestespy_async__", None) is not None:
            return await handler.__vestespy_async__(*args, **kwargs)  # type: ignore[attr-defined]
        if is_async_callable(handler):
            return await handler(*args, **kwargs)
        return await self.app.concurrency.run(handler, *args, **kwargs)

    # -- ASGI ------------------------------------------------------------------------------

    @property
    def __microrest_app__(self) -> App:
        self._seal()
        return self.app

    if TYPE_CHECKING:

        async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None: ...

    else:
        # ``server(scope, receive, send)`` calls ``self._asgi``: ``_first_call`` until the
        # catch-all route is sealed in, then the app's own bound ``__call__``, with no frame
        # of ours (toolkit.asgi_entry).
        __call__ = asgi_entry("_asgi")

    async def _first_call(self, scope: Scope, receive: Receive, send: Send) -> None:
        self._seal()
        await self.app(scope, receive, send)

    def _seal(self) -> None:
        """Add the catch-all route, after the Dispatcher patterns known so far."""
        if self._sealed:
            return
        self._sealed = True
        self.app.add(EventsRoute(Exchange(self)))
        self._asgi = self.app.__call__

    def _add_pattern(
        self,
        entry: Pattern,
        static: str | None = None,
        label: str = "",
        dispatcher: Dispatcher | None = None,
    ) -> bool:
        """A Dispatcher entry as a core route (once per pattern: the first registration wins).

        ``static`` is the literal path of a pattern that can match nothing else: a static core
        route (a dict lookup); ``label`` is the pattern as registered, for the route table.
        Returns whether the route is tried before the catch-all.
        """
        assert entry.regex is not None
        # The core matches the whole path, so the dispatcher's trailing "$" is dropped there.
        key = static if static is not None else entry.regex.pattern.removesuffix("$")
        if key in self._patterns:
            return self._patterns[key]
        ahead = static is not None or not self._sealed
        self._patterns[key] = ahead
        self.app.add(
            PatternRoute(
                key if static is not None else re.compile(key),
                Exchange(self, entry, label, dispatcher),
                name=entry.name,
                source=entry.handler,
            )
        )
        return ahead

    # -- serving ---------------------------------------------------------------------------

    @property
    def _runner(self) -> Runner | None:
        """The core server while ``serve_forever()`` runs, else None."""
        return self._serving.runner

    def serve_forever(self, workers: int | None = None, **options: Any) -> None:
        """Serve on ``address`` until ``shutdown()``, SIGTERM or Ctrl-C.

        A no-op inside a worker's import of the module, and when ``shutdown()`` was called
        before (that request is not lost: this call consumes it and returns at once).
        """
        self._seal()
        host, port = self.address
        if self._socket is not None:
            options.setdefault("fd", self._socket.fileno())
        options.setdefault("log_level", "debug" if self.debug else "info")
        count = workers or self.workers
        if self._socket is not None and count > 1:
            raise ConfigurationError(
                "serve_forever() serves a socket you bound with one worker only; pass an "
                "address tuple to Server(...) to serve several workers"
            )
        try:
            self._serving.serve(self, host, port, count, **options)
        except KeyboardInterrupt:
            self.console.warn("Shutting down the server.")

    def shutdown(self, timeout: float | None = None) -> None:
        """Stop ``serve_forever()`` from any thread, whatever the number of workers.

        Before ``serve_forever()`` has started, it makes that call return at once. With a
        ``timeout``, waits up to that many seconds for the serving to end (never from a
        handler of this server: it would wait for itself).
        """
        self._serving.stop(timeout)

    def __repr__(self) -> str:
        host, port = self.address
        return f"<vestespy.Server {host}:{port}>"


def _caller_line() -> str:
    """``file.py:line`` of the first frame outside microrest (who built the server)."""
    frame = sys._getframe(1)
    while frame.f_back is not None and str(frame.f_globals.get("__name__", "")).startswith(
        "microrest."
    ):
        frame = frame.f_back
    filename = frame.f_code.co_filename
    with contextlib.suppress(ValueError):  # another drive on Windows
        filename = os.path.relpath(filename)
    return f"{filename}:{frame.f_lineno}"
