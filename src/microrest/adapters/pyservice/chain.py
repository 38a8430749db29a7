"""The plugin chain of one call: request plugins, then operation plugins, then the function.

pyservice's plugins are an onion: each calls ``context.process_request()`` once to run the rest
of the chain, and what it does after that call runs on the way out. Request-scope plugins
``(context)`` must continue; operation-scope plugins ``(request, response, context)`` may
short-circuit (the function is skipped, the response they filled is sent: how caching works).
Between the two scopes the owner's hooks run: the service parses the body into ``request`` on
the way in and serialises ``response`` on the way out.

Links may be sync or ``async def``. An async plugin awaits ``context.process_request()``. A sync
plugin gets a plain call that returns when the rest has run: when the rest is sync too it runs
right there (in the worker thread the chain runs in, or inline); when something after it is
async, the sync plugin runs in a worker thread and the rest goes back to the event loop.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Sequence
from typing import TYPE_CHECKING, Any

import anyio.from_thread
import anyio.to_thread

from ...toolkit import is_async_callable, qualname_of
from .containers import Container, Context

if TYPE_CHECKING:
    from ...concurrency import Concurrency

__all__ = ["Call", "Hooks", "Plan", "PluginError"]


class PluginError(RuntimeError):
    """A plugin broke the chain's contract (continued twice, or a request plugin never did)."""


class Hooks:
    """What the owner does between the scopes; the defaults do nothing."""

    def enter_operation(self, call: Call) -> None:
        """Before the first operation plugin (the service parses the body here)."""

    def exit_operation(self, call: Call) -> None:
        """After the operation scope returns (the service serialises the response here)."""


class Plan:
    """One operation's chain, worked out once: the links and which of them are async."""

    __slots__ = ("links", "names", "n_request", "last", "is_async", "sync_from", "plain")

    def __init__(
        self,
        request_plugins: Sequence[Callable[..., Any]],
        operation_plugins: Sequence[Callable[..., Any]],
        function: Callable[..., Any],
    ) -> None:
        self.links = [*request_plugins, *operation_plugins, function]
        self.names = [qualname_of(link) for link in self.links]
        self.n_request = len(request_plugins)
        self.last = len(self.links) - 1
        self.is_async = [is_async_callable(link) for link in self.links]
        # sync_from[i]: links i.. are all sync, so the rest of the chain can run without the loop
        self.sync_from = [True] * (len(self.links) + 1)
        for i in range(self.last, -1, -1):
            self.sync_from[i] = self.sync_from[i + 1] and not self.is_async[i]
        self.plain = self.last == 0  # no plugins at all: the owner calls the function itself

    def scope_of(self, index: int) -> str:
        return "request" if index < self.n_request else "operation"


class _Continuation:
    """What ``process_request()`` returns to an async plugin: awaiting it runs the rest."""

    __slots__ = ("call", "index", "awaited")

    def __init__(self, call: Call, index: int) -> None:
        self.call = call
        self.index = index
        self.awaited = False

    def __await__(self) -> Generator[Any, None, None]:
        if self.awaited:
            raise PluginError("the result of context.process_request() was awaited twice")
        self.awaited = True
        return self.call.resume(self.index).__await__()


class Call:
    """One run of a ``Plan`` over a request, a response and a context."""

    __slots__ = (
        "plan",
        "request",
        "response",
        "context",
        "hooks",
        "concurrency",
        "current",
        "continued",
        "pending",
    )

    def __init__(
        self,
        plan: Plan,
        request: Container,
        response: Container,
        context: Context,
        hooks: Hooks,
        concurrency: Concurrency | None = None,
    ) -> None:
        self.plan = plan
        self.request = request
        self.response = response
        self.context = context
        self.hooks = hooks
        self.concurrency = concurrency
        self.current = -1
        self.continued = [False] * len(plan.links)
        self.pending: list[_Continuation | None] = [None] * len(plan.links)
        context._call = self

    # entry points ---------------------------------------------------------------------------

    def run_sync(self) -> None:
        """Run the whole chain here: every link must be sync."""
        self.step_sync(0)

    async def run(self) -> None:
        """Run the whole chain from the event loop; sync parts per the concurrency policy."""
        await self.step_async(0)

    # process_request() ----------------------------------------------------------------------

    def proceed(self) -> Any:
        i = self.current
        plan = self.plan
        if i < 0 or i >= plan.last:
            raise PluginError(
                "context.process_request() continues a plugin's chain; the operation itself "
                "(or code outside a plugin) has nothing to continue"
            )
        if self.continued[i]:
            raise PluginError(
                f"{plan.scope_of(i)} plugin {plan.names[i]} called context.process_request() "
                "more than once; call it exactly once"
            )
        self.continued[i] = True
        if plan.is_async[i]:
            continuation = self.pending[i] = _Continuation(self, i)
            return continuation
        try:
            if plan.sync_from[i + 1]:
                self.step_sync(i + 1)
            else:  # a sync plugin in front of async links: it runs in a worker thread
                anyio.from_thread.run(self.step_async, i + 1)
        finally:
            self.current = i
        return None

    async def resume(self, i: int) -> None:
        try:
            await self.step_async(i + 1)
        finally:
            self.current = i

    # the steps -----------------------------------------------------------------------------

    def step_sync(self, i: int) -> None:
        if i == self.plan.n_request:
            self.hooks.enter_operation(self)
            self._link_sync(i)
            self.hooks.exit_operation(self)
        else:
            self._link_sync(i)

    async def step_async(self, i: int) -> None:
        if i == self.plan.n_request:
            self.hooks.enter_operation(self)
            await self._link_async(i)
            self.hooks.exit_operation(self)
        else:
            await self._link_async(i)

    def _link_sync(self, i: int) -> None:
        plan = self.plan
        self.current = i
        link = plan.links[i]
        if i < plan.n_request:
            link(self.context)
        else:
            link(self.request, self.response, self.context)
        self._check_continued(i)

    async def _link_async(self, i: int) -> None:
        plan = self.plan
        if not plan.is_async[i]:
            assert self.concurrency is not None
            if plan.sync_from[i]:
                await self.concurrency.run(self._link_sync, i)
            else:  # it will hand the rest back to the loop: only a worker thread can wait
                await anyio.to_thread.run_sync(self._link_sync, i, limiter=self.concurrency.limiter)
            return
        self.current = i
        link = plan.links[i]
        if i < plan.n_request:
            await link(self.context)
        else:
            await link(self.request, self.response, self.context)
        pending = self.pending[i]
        if pending is not None and not pending.awaited:
            raise PluginError(
                f"{plan.scope_of(i)} plugin {plan.names[i]} called context.process_request() "
                "without awaiting it; write: await context.process_request()"
            )
        self._check_continued(i)

    def _check_continued(self, i: int) -> None:
        if i < self.plan.n_request and not self.continued[i]:
            raise PluginError(
                f"request plugin {self.plan.names[i]} returned without calling "
                "context.process_request(); a request-scope plugin must call it exactly once "
                "(only operation-scope plugins may short-circuit)"
            )
