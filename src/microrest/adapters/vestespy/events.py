"""VestesPy's event emitter: ``on``/``off``/``trigger`` and the ``Event`` passed to handlers.

The original caught every handler exception inside ``trigger`` and carried on, which made its
own ``HTTPError`` and 500 handling dead code. Here an exception stops the chain and travels to
the request pipeline, which turns it into a response; the emitter's exception handler is still
called first (inside the ``except`` block, with no arguments, as before) so logging hooks keep
working.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Sequence
from inspect import CO_COROUTINE
from types import FunctionType, MappingProxyType
from typing import TYPE_CHECKING, Any, cast

import anyio.from_thread

from ...errors import ClientDisconnect
from ...errors import HTTPError as CoreHTTPError
from ...toolkit import is_async_callable
from .errors import HTTPError

if TYPE_CHECKING:
    from ...concurrency import Concurrency

__all__ = ["ANSWERS", "Event", "EventManager", "Handler", "default_exception_handler", "dummy"]

Handler = Callable[..., Any]
Listener = tuple[Handler, Handler | None]
# The event table of an emitter nobody has called ``on`` for yet (empty, never written to).
NO_EVENTS: dict[str, list[Listener]] = cast("dict[str, list[Listener]]", MappingProxyType({}))
_MISSING: Any = object()
# Exceptions that are answers, not failures: they bypass the exception handler hook.
ANSWERS = (HTTPError, CoreHTTPError, ClientDisconnect)


def dummy(*args: Any, **kwargs: Any) -> None:
    """A handler that does nothing (the original's silent exception handler)."""


def default_exception_handler() -> None:
    """The hook's default: nothing, since the core logs every 500 with its traceback."""


class Event:
    """One ``trigger`` call: who fired it, which event, and scratch data its handlers share."""

    # No __slots__: the two per-trigger defaults live on the class, and an event stores only
    # its source and name (one is built per event of every request; 14 -> 8 bytecodes).
    propagate = True
    _data: dict[Any, Any] | None = None

    def __init__(self, source: object, name: str) -> None:
        # The exchange builds its events without calling this (keep the two in step).
        self.source = source
        self.name = name

    def stopPropagation(self) -> None:  # noqa: N802 - the original's name
        """Later handlers of this trigger are not called."""
        self.propagate = False

    def continuePropagation(self) -> None:  # noqa: N802 - the original's name
        self.propagate = True

    def set(self, key: Any, value: Any) -> None:
        if self._data is None:
            self._data = {}
        self._data[key] = value

    def get(self, key: Any, default: Any = _MISSING) -> Any:
        """The value stored under ``key``; ``KeyError`` when missing and no default is given."""
        if self._data is not None and key in self._data:
            return self._data[key]
        if default is _MISSING:
            raise KeyError(key)
        return default

    def __repr__(self) -> str:
        return f"<Event {self.name!r} from {type(self.source).__name__}>"


class EventManager:
    """Named events with ordered handlers; the base of ``Server`` and ``Request``."""

    exception_handler: Callable[[], Any] = staticmethod(default_exception_handler)

    # name -> [(handler, async entry point or None)], decided once, at registration. Until
    # the first ``on``, the shared empty table below (read-only): a Request builds none.
    _events: dict[str, list[Listener]] = NO_EVENTS

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._events = {}

    def set_exception_handler(self, handler: Callable[[], Any]) -> None:
        self.exception_handler = handler

    def on(self, name: str, handler: Handler) -> None:
        """Append ``handler`` to event ``name``; handlers run in registration order."""
        listener: Listener
        if type(handler) is FunctionType:
            # What _async_entry answers for a plain function, without its getattr: a miss
            # builds an AttributeError, and ``req.on("data", fn)`` registers a fresh closure
            # per request (echo: two registrations 115 -> 75 bytecodes, and no exception built).
            listener = (handler, handler if handler.__code__.co_flags & CO_COROUTINE else None)
        elif callable(handler):
            listener = (handler, _async_entry(handler))
        else:
            raise TypeError("You have to pass callables to .on method!")
        events = self._events
        if events is NO_EVENTS:
            self._events = {name: [listener]}
        elif name in events:
            events[name].append(listener)
        else:
            # A test and a store, not get() and a test of its answer: a method call and
            # about 6 bytecodes less for a request's second event (echo's ``end``: 1086 ->
            # 1082 bytecodes per request).
            events[name] = [listener]

    def off(self, name: str, handler: Handler | None = None) -> None:
        """Remove one handler of ``name``, or all of them when ``handler`` is None."""
        listeners = self._events.get(name)
        if listeners is None:
            return
        if handler is None:
            del self._events[name]
            return
        for index, (registered, _) in enumerate(listeners):
            if registered == handler:
                del listeners[index]
                break
        if not listeners:
            del self._events[name]

    def listeners(self, name: str) -> list[Handler]:
        """The handlers registered for ``name``, in calling order."""
        return [handler for handler, _ in self._events.get(name, ())]

    def trigger(self, name: str, args: Sequence[Any] = ()) -> Event:
        """Call the handlers of ``name`` now, from sync code, as ``handler(ev, *args)``.

        ``async def`` handlers are run on the event loop when called from a worker thread
        (where every sync VestesPy handler runs by default); the request pipeline itself uses
        ``trigger_async``.
        """
        event = Event(self, name)
        for handler, entry in tuple(self._events.get(name, ())):
            try:
                if entry is not None:
                    anyio.from_thread.run(_call_async, entry, event, args)
                else:
                    result = handler(event, *args)
                    if inspect.isawaitable(result):
                        anyio.from_thread.run(_await, result)
            except ANSWERS:
                raise
            except Exception:
                self.exception_handler()
                raise
            if not event.propagate:
                break
        return event

    async def trigger_async(
        self, name: str, args: Sequence[Any], concurrency: Concurrency
    ) -> Event | None:
        """Call the handlers of ``name`` from the event loop: sync ones via ``concurrency``.

        A run of consecutive sync handlers goes to one worker thread together, so a chain of
        plain functions costs one thread hop per event, not one per handler.
        """
        listeners = self._events.get(name)
        if not listeners:
            return None
        event = Event(self, name)
        if len(listeners) == 1 and listeners[0][1] is not None:  # one async handler
            try:
                await listeners[0][1](event, *args)
            except ANSWERS:
                raise
            except Exception:
                self.exception_handler()
                raise
            return event
        pending = tuple(listeners)
        try:
            index = 0
            while index < len(pending) and event.propagate:
                handler, entry = pending[index]
                if entry is not None:
                    await entry(event, *args)
                    index += 1
                    continue
                end = index
                while end < len(pending) and pending[end][1] is None:
                    end += 1
                if end - index == 1:
                    result = await concurrency.run(handler, event, *args)
                    if inspect.isawaitable(result):
                        await result
                else:
                    await concurrency.run(_run_sync_chain, pending[index:end], event, args)
                index = end
        except ANSWERS:
            raise
        except Exception:
            self.exception_handler()
            raise
        return event


def _async_entry(handler: Handler) -> Handler | None:
    """What to call and await for ``handler``, or None when it is plain sync.

    Objects such as the Dispatcher's handler offer ``__vestespy_async__`` (a callable that
    returns an awaitable) for the pipeline while staying callable from sync code.
    """
    entry: Handler | None = getattr(handler, "__vestespy_async__", None)
    if entry is not None:
        return entry
    if type(handler) is FunctionType:
        # What is_async_callable answers for a plain function, without inspect's unwrapping:
        # ``req.on("data", fn)`` registers a fresh closure per request (echo: 144 bytecodes
        # for two registrations -> 30).
        return handler if handler.__code__.co_flags & CO_COROUTINE else None
    return handler if is_async_callable(handler) else None


async def _call_async(handler: Handler, event: Event, args: Sequence[Any]) -> None:
    await handler(event, *args)


async def _await(awaitable: Any) -> None:
    await awaitable


def _run_sync_chain(listeners: Iterable[Listener], event: Event, args: Sequence[Any]) -> None:
    for handler, _ in listeners:
        result = handler(event, *args)
        if inspect.isawaitable(result):
            anyio.from_thread.run(_await, result)
        if not event.propagate:
            break
