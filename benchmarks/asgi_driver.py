"""Drive an ASGI callable directly, without a server: fake ``receive``/``send``, lifespan.

The in-process numbers are only as honest as this driver is thin. Everything a request needs
(scope dict, receive and send objects) is built before the clock starts, so the timed loop is
just ``await app(scope, receive, send)`` per request. The scope carries what uvicorn puts in one
(including ``state`` from lifespan), so every framework sees a realistic request.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import Any

from benchmarks.scenarios import Scenario

_DISCONNECT = {"type": "http.disconnect"}
_EMPTY_REQUEST = {"type": "http.request", "body": b"", "more_body": False}
_BASE_HEADERS = [
    (b"host", b"127.0.0.1:8000"),
    (b"user-agent", b"microrest-bench"),
    (b"accept", b"*/*"),
]

ASGIApp = Callable[[dict[str, Any], Any, Any], Awaitable[None]]


class Sender:
    """Records what the app sends; resolves a waiting ``receive`` once the response is done."""

    __slots__ = ("status", "headers", "chunks", "finished", "_waiter")

    def __init__(self) -> None:
        self.status = 0
        self.headers: Any = None
        self.chunks: list[bytes] = []
        self.finished = False
        self._waiter: asyncio.Future[None] | None = None

    async def __call__(self, message: dict[str, Any]) -> None:
        kind = message["type"]
        if kind == "http.response.body":
            self.chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                self.finished = True
                if self._waiter is not None and not self._waiter.done():
                    self._waiter.set_result(None)
        elif kind == "http.response.start":
            self.status = message["status"]
            self.headers = message.get("headers")

    async def wait_finished(self) -> None:
        if not self.finished:
            self._waiter = asyncio.get_running_loop().create_future()
            await self._waiter

    @property
    def body(self) -> bytes:
        return b"".join(self.chunks)


class Receiver:
    """First call: the whole request body. Later calls: disconnect, once the response is sent
    (as a server does), so apps that listen for disconnects behave normally."""

    __slots__ = ("_message", "_sender")

    def __init__(self, message: dict[str, Any], sender: Sender) -> None:
        self._message: dict[str, Any] | None = message
        self._sender = sender

    async def __call__(self) -> dict[str, Any]:
        message = self._message
        if message is not None:
            self._message = None
            return message
        await self._sender.wait_finished()
        return _DISCONNECT


def scope_template(scenario: Scenario, path: str, state: dict[str, Any]) -> dict[str, Any]:
    """The scope uvicorn would build for this request."""
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": "1.1",
        "method": scenario.method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [*_BASE_HEADERS, *scenario.headers],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
        # uvicorn gives each request its own shallow copy: frameworks keep per-request data here.
        "state": state.copy(),
    }


def request_message(scenario: Scenario) -> dict[str, Any]:
    if not scenario.body:
        return _EMPTY_REQUEST
    return {"type": "http.request", "body": scenario.body, "more_body": False}


Batch = list[tuple[dict[str, Any], Receiver, Sender]]


def make_batch(
    scenario: Scenario, start: int, count: int, state: dict[str, Any], paths: list[str]
) -> Batch:
    """``count`` ready-to-run requests, the first being request number ``start``.

    ``paths`` caches the scenario's distinct paths (a param scenario has PARAM_IDS of them).
    """
    message = request_message(scenario)
    batch: Batch = []
    n = len(paths)
    for i in range(start, start + count):
        scope = scope_template(scenario, paths[i % n], state)
        sender = Sender()
        batch.append((scope, Receiver(message, sender), sender))
    return batch


async def run_batch(app: ASGIApp, batch: Batch) -> None:
    """The timed part: one request after another, nothing else."""
    for scope, receive, send in batch:
        await app(scope, receive, send)


class Lifespan:
    """Runs an app's lifespan protocol (startup on enter, shutdown on exit), if it has one."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.state: dict[str, Any] = {}
        self._to_app: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._from_app: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self.supported = False

    async def _run(self) -> None:
        scope = {
            "type": "lifespan",
            "asgi": {"version": "3.0", "spec_version": "2.0"},
            "state": self.state,
        }
        await self.app(scope, self._to_app.get, self._from_app.put)

    async def _next(self, timeout: float) -> dict[str, Any] | None:
        assert self._task is not None
        getter = asyncio.ensure_future(self._from_app.get())
        done, _ = await asyncio.wait(
            {getter, self._task}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED
        )
        if getter in done:
            return getter.result()
        getter.cancel()
        return None

    async def __aenter__(self) -> Lifespan:
        self._task = asyncio.ensure_future(self._run())
        await self._to_app.put({"type": "lifespan.startup"})
        message = await self._next(timeout=30)
        if message is None:
            # The app ended (or hung) without answering: it does not do lifespan, as uvicorn's
            # "auto" mode tolerates. A raised error here is that refusal, not a failure.
            if self._task.done() and not self._task.cancelled():
                self._task.exception()
            return self
        if message["type"] == "lifespan.startup.failed":
            raise RuntimeError(f"lifespan startup failed: {message.get('message')}")
        self.supported = True
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._task is not None
        if self.supported:
            await self._to_app.put({"type": "lifespan.shutdown"})
            await self._next(timeout=30)
        if not self._task.done():
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
