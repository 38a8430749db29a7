"""A small ``twisted.internet.defer`` shim: ``inlineCallbacks``, ``returnValue``, ``succeed``.

``@inlineCallbacks`` turns a generator function into an ``async def``: every ``yield``\\ ed
awaitable is awaited (a plain value is sent straight back), ``returnValue(x)`` or ``return x``
ends it. So Deferred-era handlers run unchanged on the event loop, and ``async def`` is the
modern spelling of the same thing.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Coroutine, Generator
from typing import Any, NoReturn, ParamSpec, TypeVar

__all__ = ["Deferred", "inlineCallbacks", "maybeDeferred", "returnValue", "succeed"]

P = ParamSpec("P")
T = TypeVar("T")


class _DefGen_Return(BaseException):  # noqa: N801 - Twisted's name, kept for tracebacks
    """Raised by :func:`returnValue`; a BaseException so ``except Exception`` cannot eat it."""

    def __init__(self, value: Any) -> None:
        super().__init__(value)
        self.value = value


def returnValue(value: Any) -> NoReturn:  # noqa: N802
    """End an ``@inlineCallbacks`` generator with ``value`` (``return value`` works too)."""
    raise _DefGen_Return(value)


class Deferred:
    """An already-fired result, awaitable: what :func:`succeed` returns.

    Only the fired form is provided: code that needs to wait for an event uses ``async def``.
    """

    __slots__ = ("result",)

    def __init__(self, result: Any = None) -> None:
        self.result = result

    def addCallback(self, callback: Callable[..., Any], *args: Any, **kwargs: Any) -> Deferred:  # noqa: N802
        """Run ``callback`` on the result now; its return value becomes the new result."""
        self.result = callback(self.result, *args, **kwargs)
        return self

    def __await__(self) -> Generator[Any, None, Any]:
        result = self.result
        if inspect.isawaitable(result):
            return (yield from result.__await__())
        return result


def succeed(result: Any) -> Deferred:
    """An awaitable that is already done with ``result``."""
    return Deferred(result)


async def _resolve(value: Any) -> Any:
    if inspect.isawaitable(value):
        return await value
    return value


def maybeDeferred(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Deferred:  # noqa: N802
    """Call ``func`` and wrap its result so it can be awaited either way."""
    return Deferred(func(*args, **kwargs))


def inlineCallbacks(  # noqa: N802
    func: Callable[P, Generator[Any, Any, T]] | Callable[P, Any],
) -> Callable[P, Coroutine[Any, Any, T]]:
    """Drive a generator function on the event loop: ``yield`` awaits, ``returnValue`` returns."""

    @functools.wraps(func)
    async def driver(*args: P.args, **kwargs: P.kwargs) -> Any:
        try:
            produced = func(*args, **kwargs)
        except _DefGen_Return as done:
            return done.value
        if not inspect.isgenerator(produced):
            return await _resolve(produced)
        gen: Generator[Any, Any, Any] = produced
        send_value: Any = None
        error: BaseException | None = None
        while True:
            try:
                yielded = gen.throw(error) if error is not None else gen.send(send_value)
            except StopIteration as stop:
                return stop.value
            except _DefGen_Return as done:
                return done.value
            error = None
            try:
                send_value = await _resolve(yielded)
            except Exception as exc:  # re-raised inside the generator, as Twisted does
                error = exc

    return driver
