"""How sync code runs: in a worker thread under a per-app limiter, or inline.

Every style's sync handlers go through one ``Concurrency`` object, so one setting sizes the
thread pool for the whole app and one benchmark shows the cost of each mode.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator
from typing import Any, Literal, ParamSpec, TypeVar

import anyio
import anyio.to_thread

from .errors import ConfigurationError

__all__ = ["Concurrency", "SyncMode", "is_async_callable", "iterate_in_thread"]

P = ParamSpec("P")
T = TypeVar("T")
SyncMode = Literal["thread", "inline"]


def is_async_callable(obj: object) -> bool:
    """True for ``async def`` functions, partials of them, and objects with async ``__call__``."""
    while isinstance(obj, functools.partial):
        obj = obj.func
    return inspect.iscoroutinefunction(obj) or (
        callable(obj) and inspect.iscoroutinefunction(getattr(obj, "__call__", None))  # noqa: B004
    )


class Concurrency:
    """Runs sync callables according to ``mode``; context variables follow into threads."""

    __slots__ = ("mode", "limit", "_limiter")

    def __init__(self, mode: SyncMode = "thread", limit: int = 40) -> None:
        if mode not in ("thread", "inline"):
            raise ConfigurationError(f"sync mode must be 'thread' or 'inline', got {mode!r}")
        if limit < 1:
            raise ConfigurationError(f"thread limit must be at least 1, got {limit}")
        self.mode: SyncMode = mode
        self.limit = limit
        # Created on first use: a limiter belongs to the running event loop.
        self._limiter: anyio.CapacityLimiter | None = None

    @property
    def limiter(self) -> anyio.CapacityLimiter:
        if self._limiter is None:
            self._limiter = anyio.CapacityLimiter(self.limit)
        return self._limiter

    async def run(self, func: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        """Run ``func`` per the policy; any keyword (even ``self``, ``func``) goes to ``func``."""
        if self.mode == "inline":
            return func(*args, **kwargs)
        if kwargs:
            func = functools.partial(func, **kwargs)
        return await anyio.to_thread.run_sync(func, *args, limiter=self.limiter)

    def wrap(self, func: Callable[..., Any]) -> Callable[..., Awaitable[Any]]:
        """An awaitable form of ``func``: itself when async, else run per the policy."""
        if is_async_callable(func):
            return func
        if self.mode == "inline":

            async def inline(*args: Any, **kwargs: Any) -> Any:
                return func(*args, **kwargs)

            return inline

        async def threaded(*args: Any, **kwargs: Any) -> Any:
            return await self.run(func, *args, **kwargs)

        return threaded


async def iterate_in_thread(
    iterable: Iterable[T], limiter: anyio.CapacityLimiter | None = None
) -> AsyncIterator[T]:
    """Drive a sync iterator from async code without blocking the loop.

    An abandoned iteration (a client that left, a cancelled task) closes a generator, so its
    ``finally`` runs now and not whenever the garbage collector gets to it.
    """
    iterator: Iterator[T] = iter(iterable)
    done = object()

    def step() -> Any:
        return next(iterator, done)

    try:
        while True:
            item = await anyio.to_thread.run_sync(step, limiter=limiter)
            if item is done:
                break
            yield item
    finally:
        close = getattr(iterator, "close", None)
        if close is not None:
            close()
