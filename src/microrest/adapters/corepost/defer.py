"""A small ``twisted.internet.defer`` shim: ``inlineCallbacks``, ``returnValue``, ``succeed``,
``fail``, ``maybeDeferred``.

``@inlineCallbacks`` turns a generator function into an ``async def``: every ``yield``\\ ed
awaitable is awaited (a plain value is sent straight back), ``returnValue(x)`` or ``return x``
ends it. So Deferred-era handlers run unchanged on the event loop, and ``async def`` is the
modern spelling of the same thing.
"""

from __future__ import annotations

import functools
import inspect
import sys
from collections.abc import Callable, Coroutine, Generator
from typing import Any, NoReturn, ParamSpec, TypeVar

__all__ = [
    "Deferred",
    "Failure",
    "fail",
    "inlineCallbacks",
    "maybeDeferred",
    "returnValue",
    "succeed",
]

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


class Failure:
    """What an errback receives, as in Twisted: the exception as ``value``, plus ``trap``."""

    __slots__ = ("value", "type")

    def __init__(self, value: BaseException) -> None:
        self.value = value
        self.type = type(value)

    def check(self, *types: type[BaseException]) -> type[BaseException] | None:
        """The first of ``types`` the error is an instance of, or None."""
        return next((kind for kind in types if isinstance(self.value, kind)), None)

    def trap(self, *types: type[BaseException]) -> type[BaseException]:
        """The matching type, or re-raise the error so the chain stays failed."""
        found = self.check(*types)
        if found is None:
            raise self.value
        return found

    def getErrorMessage(self) -> str:  # noqa: N802
        return str(self.value)

    def raiseException(self) -> NoReturn:  # noqa: N802
        raise self.value

    def __repr__(self) -> str:
        return f"<Failure {self.type.__name__}: {self.value}>"


class Deferred:
    """An already-fired result or failure, awaitable: what :func:`succeed`, :func:`fail` and
    :func:`maybeDeferred` return.

    Callbacks run at once on a plain result (Twisted's behaviour for a fired Deferred); on an
    awaitable result they run when it is awaited. Awaiting a failed Deferred raises its error.
    Only the fired form is provided: code that needs to wait for an event uses ``async def``.
    """

    __slots__ = ("result", "failure", "_pending")

    def __init__(self, result: Any = None) -> None:
        self.result = result
        self.failure: BaseException | None = None
        self._pending: list[tuple[Callable[..., Any] | None, Callable[..., Any] | None]] = []

    def _fire(
        self, callback: Callable[..., Any] | None, errback: Callable[..., Any] | None
    ) -> None:
        if self.failure is None:
            if callback is None:
                return
            function, argument = callback, self.result
        else:
            if errback is None:
                return
            function, argument = errback, Failure(self.failure)
        try:
            outcome = function(argument)
        except Exception as exc:  # a callback that raises turns the chain into a failure
            self.result, self.failure = None, exc
            return
        if isinstance(outcome, Failure):  # returning a Failure keeps the chain failed
            self.result, self.failure = None, outcome.value
        else:
            self.result, self.failure = outcome, None

    def addCallbacks(  # noqa: N802
        self, callback: Callable[..., Any] | None, errback: Callable[..., Any] | None = None
    ) -> Deferred:
        """Run ``callback`` on a result or ``errback`` on a failure; the return value (or the
        exception raised) becomes the new result (or failure)."""
        if self._pending or inspect.isawaitable(self.result):
            self._pending.append((callback, errback))
        else:
            self._fire(callback, errback)
        return self

    def addCallback(self, callback: Callable[..., Any], *args: Any, **kwargs: Any) -> Deferred:  # noqa: N802
        """Run ``callback`` on the result; its return value becomes the new result."""
        return self.addCallbacks(lambda result: callback(result, *args, **kwargs))

    def addErrback(self, errback: Callable[..., Any], *args: Any, **kwargs: Any) -> Deferred:  # noqa: N802
        """Run ``errback`` on the :class:`Failure`; its return value recovers the chain."""
        return self.addCallbacks(None, lambda failure: errback(failure, *args, **kwargs))

    def addBoth(self, callback: Callable[..., Any], *args: Any, **kwargs: Any) -> Deferred:  # noqa: N802
        """Run ``callback`` on the result or the failure."""

        def both(value: Any) -> Any:
            return callback(value, *args, **kwargs)

        return self.addCallbacks(both, both)

    def __await__(self) -> Generator[Any, None, Any]:
        if self.failure is None and inspect.isawaitable(self.result):
            try:
                self.result = yield from _resolve(self.result).__await__()
            except Exception as exc:
                self.result, self.failure = None, exc
        pending, self._pending = self._pending, []
        for callback, errback in pending:
            self._fire(callback, errback)
            if self.failure is None and inspect.isawaitable(self.result):
                self.result = yield from _resolve(self.result).__await__()
        if self.failure is not None:
            raise self.failure
        return self.result


def succeed(result: Any) -> Deferred:
    """An awaitable that is already done with ``result``."""
    return Deferred(result)


def fail(error: BaseException | type[BaseException] | None = None) -> Deferred:
    """An awaitable that is already failed with ``error`` (raised when awaited)."""
    if error is None:
        error = sys.exc_info()[1] or RuntimeError("fail() called with no exception")
    if isinstance(error, type):
        error = error()
    deferred = Deferred()
    deferred.failure = error
    return deferred


async def _resolve(value: Any) -> Any:
    if inspect.isawaitable(value):
        return await value
    return value


def maybeDeferred(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Deferred:  # noqa: N802
    """Call ``func`` and wrap what it returns, or the exception it raises, as a Deferred.

    As Twisted's: an exception never propagates from here, it is a failed Deferred (raised
    when awaited, or handled by ``addErrback``). A Deferred result is returned as is.
    """
    try:
        result = func(*args, **kwargs)
    except Exception as exc:
        return fail(exc)
    if isinstance(result, Deferred):
        return result
    return Deferred(result)


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
