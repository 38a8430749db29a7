"""``serve_forever()`` and ``shutdown()``: one serving at a time, stoppable from any thread.

The serving runs in the background (``microrest.server.Server.start()``: a uvicorn thread for
one worker, a ``uvicorn --workers N`` process for several) while the calling thread waits on
one event. ``shutdown()``, and SIGTERM and Ctrl-C when serving from the main thread
(``microrest.server.on_stop_signals``), set it, and the caller's thread then stops the serving
gracefully. So a stop
works the same way with any number of workers, and a ``shutdown()`` that comes before
``serve_forever()`` has started is kept: that ``serve_forever()`` returns at once.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from typing import Any

from ...server import Server as Runner
from ...server import on_stop_signals, serving_disabled

__all__ = ["Serving"]

# How often the waiting thread checks that the background server is still alive; a stop
# request wakes it at once, this only bounds how long a crashed server goes unnoticed.
HEALTH_CHECK_SECONDS = 0.5
logger = logging.getLogger("microrest.vestespy")


class Serving:
    """The serving state of one ``vestespy.Server``."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._stop = threading.Event()  # set by shutdown(); consumed by serve_forever()
        self._idle = threading.Event()  # set while nothing is being served
        self._idle.set()
        self.runner: Runner | None = None

    def serve(self, app: Any, host: str, port: int, workers: int, **options: Any) -> bool:
        """Serve until stopped; False when it returned at once (a stop came first, or this
        is a worker's import of the module, where serving is the worker's job)."""
        if serving_disabled() or _loop_running():
            return False
        with self._lock:
            if self._stop.is_set():  # shutdown() came first: it is not lost
                self._stop.clear()
                return False
            if self.runner is not None:
                raise RuntimeError("serve_forever() is already running for this server")
            runner = self.runner = Runner(app, host, port, workers=workers, **options)
            self._idle.clear()
        restore = on_stop_signals(self._stop.set)
        try:
            runner.start()
            while not self._stop.wait(HEALTH_CHECK_SECONDS):
                if not runner.is_running():
                    logger.error("the server on %s:%s stopped by itself", host, port)
                    break
        finally:
            try:
                runner.stop()
            finally:
                restore()
                with self._lock:
                    self.runner = None
                    self._stop.clear()
                    self._idle.set()
        return True

    def stop(self, timeout: float | None = None) -> None:
        """Ask ``serve()`` to stop (or not to start); wait up to ``timeout`` s if given."""
        with self._lock:
            self._stop.set()
        if timeout is not None:
            self._idle.wait(timeout)


def _loop_running() -> bool:
    """Inside a running event loop (a handler of a server already serving): never block it."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True
