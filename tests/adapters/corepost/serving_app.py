"""A CorePost app for the real-uvicorn tests: streams in every way CorePost offers, REST
exceptions that echo the key, and headers built from input.

``/state`` reports the streaming handlers still running and how each one ended, so a test can
tell that a stream stopped when its client left.
"""

from __future__ import annotations

import asyncio
from typing import Any

from microrest.adapters.corepost import CorePost, NotFoundException, defer

CHUNK = b"x" * (64 * 1024)
app = CorePost()
running: dict[str, int] = {}
ended: dict[str, str] = {}


def _track(kind: str) -> None:
    running[kind] = running.get(kind, 0) + 1


def _done(kind: str, how: str) -> None:
    running[kind] -= 1
    ended[kind] = how


@app.route("/state")
def state(request: Any, **kwargs: Any) -> dict[str, Any]:
    return {"running": running, "ended": ended}


@app.route("/big/<int:mib>")
async def big(request: Any, mib: int, **kwargs: Any) -> None:
    """``mib`` MiB, each write awaited: the handler runs at the client's pace."""
    _track("big")
    try:
        for _ in range(mib * 16):
            await request.write(CHUNK)
        request.finish()
    finally:
        _done("big", "finished")


@app.route("/big-unawaited/<int:mib>")
async def big_unawaited(request: Any, mib: int, **kwargs: Any) -> None:
    """Twisted-era code: writes nobody waits for, with a pause between them."""
    _track("big-unawaited")
    try:
        for _ in range(mib * 16):
            request.write(CHUNK)
            await asyncio.sleep(0)
        request.finish()
        _done("big-unawaited", "finished")
    except Exception as exc:
        _done("big-unawaited", type(exc).__name__)
        raise


async def _forever(request: Any, kind: str, awaited: bool) -> None:
    _track(kind)
    try:
        while True:
            if awaited:
                await request.write(CHUNK)
            else:
                request.write(CHUNK)
                await asyncio.sleep(0.001)
    except BaseException as exc:
        _done(kind, type(exc).__name__)
        raise


@app.route("/forever/awaited")
async def forever_awaited(request: Any, **kwargs: Any) -> None:
    await _forever(request, "awaited", True)


@app.route("/forever/unawaited")
async def forever_unawaited(request: Any, **kwargs: Any) -> None:
    await _forever(request, "unawaited", False)


@app.route("/forever/inline-yield")
@defer.inlineCallbacks
def forever_inline_yield(request: Any, **kwargs: Any) -> Any:
    _track("inline-yield")
    try:
        while True:
            yield request.write(CHUNK)
    except BaseException as exc:
        _done("inline-yield", type(exc).__name__)
        raise


@app.route("/forever/inline-plain")
@defer.inlineCallbacks
def forever_inline_plain(request: Any, **kwargs: Any) -> Any:
    _track("inline-plain")
    try:
        while True:
            request.write(CHUNK)
            yield asyncio.sleep(0.001)
    except BaseException as exc:
        _done("inline-plain", type(exc).__name__)
        raise


@app.route("/thing/<key>")
def thing(request: Any, key: str, **kwargs: Any) -> Any:
    raise NotFoundException("Thing", key)


@app.route("/bad-stream-header")
async def bad_stream_header(request: Any, **kwargs: Any) -> None:
    request.setHeader("X-Echo", request.args["v"][0])
    await request.write("never sent")
    request.finish()


@app.route("/bad-header")
def bad_header(request: Any, **kwargs: Any) -> str:
    request.setHeader("X-Echo", request.args["v"][0])
    return "never sent"
