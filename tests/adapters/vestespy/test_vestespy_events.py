"""Events: on/off/trigger, the Event object, and the request -> data* -> end order."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from microrest.adapters import vestespy
from microrest.adapters.vestespy.tools import Event, EventManager
from microrest.testing import AsyncClient, Client


def test_on_requires_a_callable() -> None:
    with pytest.raises(TypeError, match="callables"):
        EventManager().on("x", "not callable")  # type: ignore[arg-type]


def test_trigger_calls_handlers_in_order_with_the_event_first() -> None:
    emitter = EventManager()
    seen: list[tuple[str, Any, Any]] = []
    emitter.on("x", lambda ev, a: seen.append(("one", ev.name, a)))
    emitter.on("x", lambda ev, a: seen.append(("two", ev.source is emitter, a)))
    event = emitter.trigger("x", [42])
    assert seen == [("one", "x", 42), ("two", True, 42)]
    assert isinstance(event, Event)


def test_off_removes_one_handler_or_all() -> None:
    emitter = EventManager()
    calls: list[str] = []

    def a(ev: Event) -> None:
        calls.append("a")

    def b(ev: Event) -> None:
        calls.append("b")

    emitter.on("x", a)
    emitter.on("x", b)
    emitter.off("x", a)
    emitter.trigger("x")
    assert calls == ["b"]
    emitter.off("x", a)  # not registered any more: ignored
    emitter.off("x")
    emitter.trigger("x")
    assert calls == ["b"]
    assert emitter.listeners("x") == []
    emitter.off("never")  # unknown event: ignored


def test_stop_propagation_and_shared_scratch_data() -> None:
    emitter = EventManager()
    seen: list[Any] = []

    def first(ev: Event) -> None:
        ev.set("who", "first")
        seen.append(ev.get("missing", "default"))

    def second(ev: Event) -> None:
        seen.append(ev.get("who"))
        ev.stopPropagation()

    def third(ev: Event) -> None:
        seen.append("third")

    for handler in (first, second, third):
        emitter.on("x", handler)
    emitter.trigger("x")
    assert seen == ["default", "first"]


def test_event_get_without_default_raises_key_error() -> None:
    event = Event(object(), "x")
    with pytest.raises(KeyError):
        event.get("nothing")
    event.stopPropagation()
    event.continuePropagation()
    assert event.propagate


def test_trigger_exception_calls_the_hook_then_propagates() -> None:
    emitter = EventManager()
    hooked: list[str] = []
    emitter.set_exception_handler(lambda: hooked.append("hook"))

    def boom(ev: Event) -> None:
        raise ValueError("x")

    emitter.on("x", boom)
    with pytest.raises(ValueError):
        emitter.trigger("x")
    assert hooked == ["hook"]


@pytest.mark.anyio
async def test_events_fire_in_order_for_a_chunked_upload(server: vestespy.Server) -> None:
    order: list[Any] = []

    def onrequest(ev: Event, req: vestespy.Request, res: vestespy.Response) -> None:
        order.append(("request", ev.source is server, ev.name))
        req.on("data", ondata)
        req.on("end", onend)

    def ondata(ev: Event, req: vestespy.Request, res: vestespy.Response, chunk: bytes) -> None:
        order.append(("data", ev.source is req, chunk))

    def onend(ev: Event, req: vestespy.Request, res: vestespy.Response) -> None:
        order.append(("end", req.content_length))
        res.send_all("done")

    async def body() -> AsyncIterator[bytes]:
        yield b"one"
        yield b"two"
        yield b"three"

    server.on("request", onrequest)
    async with AsyncClient(server) as client:
        response = await client.post("/up", content=body())  # chunked: no Content-Length
    assert "content-length" not in response.request.headers
    assert response.text == "done"
    assert order == [
        ("request", True, "request"),
        ("data", True, b"one"),
        ("data", True, b"two"),
        ("data", True, b"three"),
        ("end", 0),
    ]


def test_no_data_event_for_an_empty_body(
    server: vestespy.Server, connect: Callable[..., Client]
) -> None:
    chunks: list[bytes] = []

    def onrequest(ev: Event, req: vestespy.Request, res: vestespy.Response) -> None:
        req.on("data", lambda ev, req, res, chunk: chunks.append(chunk))
        req.on("end", lambda ev, req, res: res.send_all(str(len(chunks)), buffer=False))

    server.on("request", onrequest)
    assert connect(server).post("/").text == "0"
    assert chunks == []


def test_async_handlers_are_awaited(
    server: vestespy.Server, connect: Callable[..., Client]
) -> None:
    received: list[bytes] = []

    async def onrequest(ev: Event, req: vestespy.Request, res: vestespy.Response) -> None:
        req.on("data", ondata)
        req.on("end", onend)

    async def ondata(
        ev: Event, req: vestespy.Request, res: vestespy.Response, chunk: bytes
    ) -> None:
        received.append(chunk)

    async def onend(ev: Event, req: vestespy.Request, res: vestespy.Response) -> None:
        res.send_all(b"".join(received).upper())

    server.on("request", onrequest)
    assert connect(server).post("/", content=b"hello").text == "HELLO"


def test_sync_handlers_run_in_worker_threads_sized_by_max_workers(
    connect: Callable[..., Client],
) -> None:
    server = vestespy.Server(("localhost", 8080), max_workers=3)
    assert server.app.concurrency.limit == 3
    assert server.app.concurrency.mode == "thread"
    threads: list[str] = []

    def onrequest(ev: Event, req: vestespy.Request, res: vestespy.Response) -> None:
        threads.append(threading.current_thread().name)
        res.send_all("ok")

    server.on("request", onrequest)
    assert connect(server).get("/").text == "ok"
    assert threads and threads[0] != threading.main_thread().name


def test_inline_mode_runs_sync_handlers_on_the_loop(connect: Callable[..., Client]) -> None:
    server = vestespy.Server(("localhost", 8080), sync_handlers="inline")
    assert server.app.concurrency.mode == "inline"
    server.on("request", lambda ev, req, res: res.send_all("inline"))
    assert connect(server).get("/").text == "inline"


def test_mixed_sync_and_async_handlers_share_the_event(
    server: vestespy.Server, connect: Callable[..., Client]
) -> None:
    def first(ev: Event, req: vestespy.Request, res: vestespy.Response) -> None:
        ev.set("n", 1)

    async def second(ev: Event, req: vestespy.Request, res: vestespy.Response) -> None:
        ev.set("n", ev.get("n") + 1)

    def third(ev: Event, req: vestespy.Request, res: vestespy.Response) -> None:
        res.send_all(str(ev.get("n") + 1))

    def fourth(ev: Event, req: vestespy.Request, res: vestespy.Response) -> None:
        ev.stopPropagation()

    def never(ev: Event, req: vestespy.Request, res: vestespy.Response) -> None:
        raise AssertionError("propagation was stopped")

    for handler in (first, second, third, fourth, never):
        server.on("request", handler)
    assert connect(server).get("/").text == "3"


def test_stop_propagation_in_a_request_handler(
    server: vestespy.Server, connect: Callable[..., Client]
) -> None:
    calls: list[str] = []

    def first(ev: Event, req: vestespy.Request, res: vestespy.Response) -> None:
        calls.append("first")
        ev.stopPropagation()
        res.send_all("first")

    def second(ev: Event, req: vestespy.Request, res: vestespy.Response) -> None:
        calls.append("second")

    server.on("request", first)
    server.on("request", second)
    assert connect(server).get("/").text == "first"
    assert calls == ["first"]


def test_a_sync_handler_can_trigger_custom_events_with_async_handlers(
    server: vestespy.Server, connect: Callable[..., Client]
) -> None:
    async def custom(ev: Event, res: vestespy.Response) -> None:
        res.send_all("custom")

    def onrequest(ev: Event, req: vestespy.Request, res: vestespy.Response) -> None:
        req.on("custom", custom)
        req.trigger("custom", [res])

    server.on("request", onrequest)
    assert connect(server).get("/").text == "custom"


@pytest.mark.anyio
async def test_concurrent_requests_keep_their_own_events(server: vestespy.Server) -> None:
    import anyio

    async def onrequest(ev: Event, req: vestespy.Request, res: vestespy.Response) -> None:
        parts: list[bytes] = []
        req.on("data", lambda ev, req, res, chunk: parts.append(chunk))
        req.on("end", lambda ev, req, res: res.send_all(b"".join(parts)))

    server.on("request", onrequest)
    results: dict[int, str] = {}

    async def body(n: int) -> AsyncIterator[bytes]:
        for _ in range(5):
            await anyio.sleep(0)
            yield str(n).encode()

    async with AsyncClient(server) as client:

        async def one(n: int) -> None:
            results[n] = (await client.post("/", content=body(n))).text

        async with anyio.create_task_group() as group:
            for n in range(8):
                group.start_soon(one, n)
    assert results == {n: str(n) * 5 for n in range(8)}
