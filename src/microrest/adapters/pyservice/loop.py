"""One event loop in a daemon thread, for sync callers of async code (WSGI, the sync client
in-process): every such call shares it, so an app's thread limiter lives on one loop, and a
process that forgets to close anything still exits."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

__all__ = ["run_on_shared_loop"]

T = TypeVar("T")

_loop: asyncio.AbstractEventLoop | None = None
_lock = threading.Lock()


def _shared_loop() -> asyncio.AbstractEventLoop:
    global _loop
    with _lock:
        if _loop is None:
            loop = asyncio.new_event_loop()
            threading.Thread(target=loop.run_forever, name="pyservice-loop", daemon=True).start()
            _loop = loop
        return _loop


def run_on_shared_loop(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run ``coroutine`` on the shared loop and wait for its result in this thread."""
    return asyncio.run_coroutine_threadsafe(coroutine, _shared_loop()).result()
