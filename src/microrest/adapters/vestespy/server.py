"""``vestespy.Server``: an event emitter that is also an ASGI application.

Constructing one binds nothing (uvicorn workers import the module); ``serve_forever()`` serves
it on its address through ``microrest.server`` and ``shutdown()`` stops that from any thread.
Underneath is a core ``App`` (``server.app``, style ``"vestespy"``) with raw routes into the
event pipeline: one per attached Dispatcher pattern, then a catch-all for everything else. The
catch-all is added when the server is first used (first request, ``serve_forever()``, or being
mounted), so patterns attached before that come first in the route table and the core router
picks them; patterns attached later still work through the dispatcher's own matching.
"""

from __future__ import annotations

import logging
import re
import socket
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal

from ...app import App
from ...errors import HTTPError as CoreHTTPError
from ...limits import Limits
from ...toolkit import is_async_callable
from .dispatcher import DispatchHandler, Pattern
from .events import EventManager, Handler
from .exchange import Exchange, answer_error
from .request import Request
from .response import Response
from .websocket import serve_websockets

if TYPE_CHECKING:
    from ...server import Server as Runner
    from ...types import Receive, Scope, Send

__all__ = ["Console", "Server"]

# Everything not claimed by a Dispatcher pattern; also right under a mount prefix.
CATCH_ALL = re.compile(r"(?:/.*)?", re.DOTALL)
SELECTS = ("select", "epoll", "poll", "kqueue")


class Console:
    """The original's coloured console, as ``logging`` calls on ``microrest.vestespy``."""

    def __init__(self) -> None:
        self.logger = logging.getLogger("microrest.vestespy")

    def log(self, message: str, *args: Any, **kwargs: Any) -> None:
        self.logger.info(message)

    def info(self, message: str, *args: Any, **kwargs: Any) -> None:
        self.logger.info(message)

    def success(self, message: str, *args: Any, **kwargs: Any) -> None:
        self.logger.info(message)

    def warn(self, message: str, *args: Any, **kwargs: Any) -> None:
        self.logger.warning(message)

    def error(self, message: str, *args: Any, **kwargs: Any) -> None:
        self.logger.error(message)


class Server(EventManager):
    """``Server(addr, handler=Request, select="select", max_workers=50, debug=False, ...)``.

    ``addr`` is ``(host, port)`` or a bound ``socket.socket``. ``max_workers`` sizes the thread
    limiter that runs sync handlers; ``select``, ``HEADERS_LENGTH`` and ``CHUNK_LENGTH`` are
    accepted for compatibility (uvicorn parses and reads). Extensions: ``workers`` (processes
    for ``serve_forever``), ``sync_handlers="inline"`` (run sync handlers on the loop) and
    ``compat=True`` (the original's 400 instead of 501 for a method it did not know) and
    ``max_body_size`` (bytes a request body may stream through ``data`` events before a 413;
    None, the default, is unbounded as in the original).
    """

    response_class: type[Response] = Response

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
        max_body_size: int | None = None,
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
        self.method = select
        self.max_workers = max_workers
        self.debug = debug
        self.workers = workers
        self.compat = compat
        # None: unbounded, as the original; data events stream, so memory stays flat anyway.
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
        self._patterns: dict[str, bool] = {}  # route key -> tried before the catch-all
        self._sealed = False
        self._runner: Runner | None = None

    # -- events ----------------------------------------------------------------------------

    def on(self, name: str, handler: Handler) -> None:
        """As ``EventManager.on``; a Dispatcher's handler also brings its patterns as routes."""
        super().on(name, handler)
        if name == "request" and isinstance(handler, DispatchHandler):
            handler.dispatcher.attach(self)
        elif name == "websocket":  # a microrest addition: see websocket.py
            serve_websockets(self, handler)

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

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self._sealed:
            self._seal()
        await self.app(scope, receive, send)

    def _seal(self) -> None:
        """Add the catch-all route, after the Dispatcher patterns known so far."""
        if self._sealed:
            return
        self._sealed = True
        self.app.add_route(CATCH_ALL, Exchange(self), ["*"], raw=True, source=type(self))

    def _add_pattern(self, entry: Pattern, static: str | None = None) -> bool:
        """A Dispatcher entry as a core route (once per pattern: the first registration wins).

        ``static`` is the literal path of a pattern that can match nothing else: a static core
        route (a dict lookup). Returns whether the route is tried before the catch-all.
        """
        assert entry.regex is not None
        # The core matches the whole path, so the dispatcher's trailing "$" is dropped there.
        key = static if static is not None else entry.regex.pattern.removesuffix("$")
        if key in self._patterns:
            return self._patterns[key]
        ahead = static is not None or not self._sealed
        self._patterns[key] = ahead
        self.app.add_route(
            key if static is not None else re.compile(key),
            Exchange(self, entry),
            ["*"],
            name=entry.name,
            raw=True,
            source=entry.handler,
        )
        return ahead

    # -- serving ---------------------------------------------------------------------------

    def serve_forever(self, workers: int | None = None, **options: Any) -> None:
        """Serve on ``address`` until ``shutdown()`` or Ctrl-C (a no-op inside a worker)."""
        from ...server import Server as Runner

        self._seal()
        host, port = self.address
        if self._socket is not None:
            options.setdefault("fd", self._socket.fileno())
        options.setdefault("log_level", "debug" if self.debug else "info")
        runner = Runner(self, host, port, workers=workers or self.workers, **options)
        self._runner = runner
        try:
            runner.serve()
        except KeyboardInterrupt:
            self.console.warn("Shutting down the server.")
        finally:
            self._runner = None

    def shutdown(self, timeout: float | None = None) -> None:
        """Stop ``serve_forever()``; safe from any thread, and when not serving."""
        runner = self._runner
        if runner is not None:
            runner.stop(timeout)

    def __repr__(self) -> str:
        host, port = self.address
        return f"<vestespy.Server {host}:{port}>"
