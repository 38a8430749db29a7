"""Sync handlers: worker threads under the app's limiter, or inline; context variables follow."""

from __future__ import annotations

import contextvars
import functools
import threading
from typing import Any

import anyio
import anyio.from_thread
import pytest
from anyio import wait_all_tasks_blocked

from microrest import App, Concurrency, Request
from microrest.concurrency import is_async_callable, iterate_in_thread
from microrest.errors import ConfigurationError
from microrest.testing import AsyncClient
from microrest.types import Receive, Scope, Send

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="unset")


class RequestId:
    """Middleware setting a context variable that handlers read."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            request_id.set(scope["path"])
        await self.app(scope, receive, send)


def thread_app(mode: str) -> App:
    app = App(sync_handlers=mode)  # type: ignore[arg-type]
    app.add_middleware(RequestId)

    @app.get("/where")
    def where(request: Request) -> dict[str, Any]:
        return {"thread": threading.get_ident(), "request_id": request_id.get()}

    @app.get("/async-where")
    async def async_where(request: Request) -> dict[str, Any]:
        return {"thread": threading.get_ident(), "request_id": request_id.get()}

    return app


@pytest.mark.anyio
async def test_thread_mode_runs_sync_handlers_off_the_loop_thread() -> None:
    loop_thread = threading.get_ident()
    async with AsyncClient(thread_app("thread")) as client:
        sync = (await client.get("/where")).json()
        async_ = (await client.get("/async-where")).json()
    assert sync["thread"] != loop_thread
    assert async_["thread"] == loop_thread


@pytest.mark.anyio
async def test_inline_mode_runs_sync_handlers_on_the_loop_thread() -> None:
    loop_thread = threading.get_ident()
    app = thread_app("inline")
    assert app.concurrency.mode == "inline"
    async with AsyncClient(app) as client:
        assert (await client.get("/where")).json()["thread"] == loop_thread


@pytest.mark.anyio
@pytest.mark.parametrize("mode", ["thread", "inline"])
async def test_context_variables_propagate(mode: str) -> None:
    async with AsyncClient(thread_app(mode)) as client:
        assert (await client.get("/where")).json()["request_id"] == "/where"
        assert (await client.get("/async-where")).json()["request_id"] == "/async-where"


@pytest.mark.anyio
async def test_thread_mode_is_bounded_by_the_app_limiter() -> None:
    app = App(thread_limit=2)
    gate = threading.Event()
    lock = threading.Lock()
    active = 0
    peak = 0
    entered = 0
    two_inside = anyio.Event()

    @app.get("/block")
    def block(request: Request) -> str:
        nonlocal active, peak, entered
        with lock:
            active += 1
            entered += 1
            peak = max(peak, active)
            if entered == 2:
                anyio.from_thread.run_sync(two_inside.set)
        assert gate.wait(10)
        with lock:
            active -= 1
        return "done"

    results: list[int] = []
    async with AsyncClient(app) as client:

        async def fetch() -> None:
            results.append((await client.get("/block")).status_code)

        with anyio.fail_after(10):
            async with anyio.create_task_group() as group:
                for _ in range(5):
                    group.start_soon(fetch)
                await two_inside.wait()
                await wait_all_tasks_blocked()
                stats = app.concurrency.limiter.statistics()
                assert stats.borrowed_tokens == 2
                assert stats.tasks_waiting == 3
                assert peak == 2
                gate.set()
    assert results == [200] * 5
    assert peak == 2
    assert app.concurrency.limit == 2


@pytest.mark.anyio
async def test_concurrency_run_and_wrap() -> None:
    loop_thread = threading.get_ident()

    def work(a: int, *, b: int) -> tuple[int, int]:
        return a + b, threading.get_ident()

    threaded = Concurrency("thread", limit=3)
    total, thread = await threaded.run(work, 1, b=2)
    assert total == 3 and thread != loop_thread
    inline = Concurrency("inline")
    total, thread = await inline.run(work, 1, b=5)
    assert total == 6 and thread == loop_thread

    async def already_async(x: int) -> int:
        return x

    assert threaded.wrap(already_async) is already_async
    wrapped = threaded.wrap(lambda x: (x, threading.get_ident()))
    value, thread = await wrapped(9)
    assert value == 9 and thread != loop_thread
    value, thread = await inline.wrap(lambda x: (x, threading.get_ident()))(8)
    assert value == 8 and thread == loop_thread


@pytest.mark.anyio
async def test_app_concurrency_run_uses_the_app_policy() -> None:
    loop_thread = threading.get_ident()
    app = App(sync_handlers="inline")

    @app.get("/")
    async def handler(request: Request) -> dict[str, Any]:
        ident = await request.app.concurrency.run(threading.get_ident)
        return {"same": ident == loop_thread}

    async with AsyncClient(app) as client:
        assert (await client.get("/")).json() == {"same": True}


def test_concurrency_validation() -> None:
    with pytest.raises(ConfigurationError, match="'thread' or 'inline'"):
        Concurrency("process")  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="at least 1"):
        Concurrency("thread", 0)
    with pytest.raises(ConfigurationError):
        App(sync_handlers="greenlet")  # type: ignore[arg-type]


def test_is_async_callable() -> None:
    async def coroutine_function() -> None: ...

    class AsyncCall:
        async def __call__(self) -> None: ...

    class SyncCall:
        def __call__(self) -> None: ...

    assert is_async_callable(coroutine_function)
    assert is_async_callable(functools.partial(functools.partial(coroutine_function)))
    assert is_async_callable(AsyncCall())
    assert not is_async_callable(SyncCall())
    assert not is_async_callable(len)
    assert not is_async_callable(lambda: None)


@pytest.mark.anyio
async def test_iterate_in_thread() -> None:
    loop_thread = threading.get_ident()
    threads: list[int] = []

    def produce() -> Any:
        for i in range(3):
            threads.append(threading.get_ident())
            yield i

    assert [item async for item in iterate_in_thread(produce())] == [0, 1, 2]
    assert loop_thread not in threads
    assert [item async for item in iterate_in_thread([None, 0])] == [None, 0]


@pytest.mark.anyio
@pytest.mark.parametrize("mode", ["thread", "inline"])
async def test_run_passes_any_keyword_through(mode: str) -> None:
    """Adapters forward user data as keywords (CorePost body keys): 'self' and 'func' too."""

    def echo(**kwargs: Any) -> dict[str, Any]:
        return kwargs

    result = await Concurrency(mode).run(echo, self=1, func=2)  # type: ignore[arg-type]
    assert result == {"self": 1, "func": 2}
