"""A ``twisted.internet.reactor`` shim: ``listenTCP(port, site)`` then ``run()`` serves it.

``run()`` goes through ``microrest.server`` on uvicorn (a no-op inside worker imports and under
``MICROREST_NO_SERVE=1``); ``listenTCP`` binds all interfaces like Twisted unless
``interface=`` is given. ``run(workers=N)`` serves with N worker processes; ``stop()`` ends it
from another thread.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from ...errors import ConfigurationError
from .base import DEFAULT_HOST

__all__ = ["Listener", "listenTCP", "run", "stop"]


@dataclass(slots=True)
class Listener:
    """A pending ``listenTCP``: what ``run()`` will serve, and where."""

    port: int
    factory: Any
    interface: str

    def getHost(self) -> tuple[str, int]:  # noqa: N802
        return (self.interface or DEFAULT_HOST, self.port)


_pending: list[Listener] = []
_servers: list[Any] = []
_lock = threading.Lock()


def listenTCP(  # noqa: N802
    port: int, factory: Any, backlog: int = 50, interface: str = ""
) -> Listener:
    """Remember ``factory`` (a ``Site`` or any ASGI app) to serve on ``port`` at ``run()``."""
    listener = Listener(port, factory, interface)
    with _lock:
        _pending.append(listener)
    return listener


def run(*, workers: int = 1, installSignalHandlers: bool = True, **options: Any) -> None:  # noqa: N803
    """Serve every ``listenTCP`` until interrupted; the last one in the foreground."""
    from ... import server

    with _lock:
        listeners = list(_pending)
        _pending.clear()
    if not listeners:
        raise ConfigurationError(
            "reactor.run() has nothing to serve: call reactor.listenTCP(8080, Site(resource)) first"
        )
    if server.serving_disabled():
        return
    background = [
        server.Server(
            item.factory, item.interface or DEFAULT_HOST, item.port, workers=workers, **options
        )
        for item in listeners[:-1]
    ]
    last = listeners[-1]
    foreground = server.Server(
        last.factory, last.interface or DEFAULT_HOST, last.port, workers=workers, **options
    )
    with _lock:
        _servers.extend([*background, foreground])
    try:
        for item in background:
            item.start()
        foreground.serve()
    finally:
        for item in background:
            item.stop()
        with _lock:
            _servers.clear()


def stop() -> None:
    """Stop what ``run()`` serves (callable from any thread, e.g. a signal or a test)."""
    with _lock:
        servers = list(_servers)
    for item in servers:
        item.stop()
