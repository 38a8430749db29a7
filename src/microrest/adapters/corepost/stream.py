"""``request.write()`` from an async handler: chunks go out while the handler still runs.

``write`` is synchronous (Twisted's signature), so the first call starts a sender task that
drains the written chunks in order; the dispatcher waits for it before returning. Response
filters see the status and headers just before the first byte leaves.

Backpressure: ``write`` returns an awaitable that waits until the client has taken all but
``HIGH_WATER`` bytes, so ``await request.write(chunk)`` (``yield request.write(chunk)`` under
``inlineCallbacks``) holds at most that much per connection. Writes nobody waits for are
queued, but once ``MAX_UNSENT`` bytes wait behind a client that is not reading, the next
``write`` raises instead of growing the queue without end. When the client disconnects, the
sender stops and the next ``write`` (or the awaited one) raises ``ClientDisconnect``, so the
handler stops too.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from typing import TYPE_CHECKING, Any

from ...errors import ClientDisconnect
from ...toolkit import encode_headers
from .outcome import TEXT, apply_filters, merged_headers
from .response import Response

if TYPE_CHECKING:
    from ...types import Receive, Send
    from .request import CorePostRequest

__all__ = ["HIGH_WATER", "MAX_UNSENT", "StreamStalled", "Streamer", "start_streamer"]

HIGH_WATER = 64 * 1024
MAX_UNSENT = 4 * 1024 * 1024


class StreamStalled(RuntimeError):
    """A handler kept writing without waiting while the client took nothing."""


class Streamer:
    """Owns the wire once the handler has written: start message, chunks, end of body."""

    def __init__(
        self,
        facade: CorePostRequest,
        send: Send,
        receive: Receive,
        response_filters: tuple[Any, ...],
    ) -> None:
        head = Response(facade.code)
        apply_filters(response_filters, facade, head)
        pairs = merged_headers(facade, head.headers)
        if not any(name.lower() == "content-type" for name, _ in pairs):
            pairs.append(("Content-Type", TEXT))
        # a header that cannot go on the wire raises here, in write(), before any byte is sent
        self.start = {
            "type": "http.response.start",
            "status": head.code,
            "headers": encode_headers(pairs),
        }
        self.send = send
        self.chunks: deque[bytes] = deque()
        self.unsent = 0
        self.closed = False
        self.gone = False
        self.sending = False
        self.wakeup = asyncio.Event()
        self.drained = asyncio.Event()
        self.drained.set()
        loop = asyncio.get_running_loop()
        self.task = loop.create_task(self._run())
        self.watcher = loop.create_task(self._watch(receive))

    def push(self, chunk: bytes | None) -> None:
        """Queue a chunk (``None`` ends the body); never blocks the caller."""
        if self.gone:
            raise ClientDisconnect("the client went away; nothing more can be written")
        if chunk is None:
            self.closed = True
        elif chunk:
            if self.sending and self.unsent > MAX_UNSENT:
                raise StreamStalled(
                    f"{self.unsent} written bytes wait for a client that is not reading: "
                    "await request.write(chunk) (or yield it under inlineCallbacks) to wait "
                    "for the client"
                )
            self.chunks.append(chunk)
            self.unsent += len(chunk)
            if self.unsent > HIGH_WATER:
                self.drained.clear()
        self.wakeup.set()

    async def drain(self) -> None:
        """Wait until the client has taken all but ``HIGH_WATER`` bytes."""
        while self.unsent > HIGH_WATER and not self.gone:
            await self.drained.wait()
        if self.gone:
            raise ClientDisconnect("the client went away; nothing more can be written")

    async def _run(self) -> None:
        send = self.send
        await send(self.start)
        while True:
            while self.chunks:
                chunk = self.chunks.popleft()
                self.sending = True
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
                self.sending = False
                self.unsent -= len(chunk)
                if self.unsent <= HIGH_WATER:
                    self.drained.set()
            if self.closed:
                await send({"type": "http.response.body", "body": b"", "more_body": False})
                return
            self.wakeup.clear()
            await self.wakeup.wait()

    async def _watch(self, receive: Receive) -> None:
        """Wait for the client to leave (the request body is read before writing starts)."""
        body_done = False
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                break
            if body_done:
                return  # a server that repeats the body's end cannot report a disconnect
            body_done = not message.get("more_body", False)
        if self.task.done():
            return  # the answer was complete: the server reports the end of the exchange
        self.gone = True
        self.chunks.clear()
        self.drained.set()
        self.task.cancel()

    async def close(self) -> None:
        """End the body (if the handler did not) and wait until everything is sent."""
        if not self.gone:
            self.push(None)
        try:
            with contextlib.suppress(asyncio.CancelledError):
                await self.task
        finally:
            await self._stop_watching()
        if self.gone:
            raise ClientDisconnect("the client went away before the end of the answer")

    async def abort(self) -> None:
        """The handler failed: stop sending; the server then drops the connection."""
        self.task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await self.task
        await self._stop_watching()

    async def _stop_watching(self) -> None:
        self.watcher.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await self.watcher


def start_streamer(
    facade: CorePostRequest, send: Send, receive: Receive, response_filters: tuple[Any, ...]
) -> Streamer | None:
    """A Streamer when an asyncio loop runs this request, else None (writes are buffered)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return None
    return Streamer(facade, send, receive, response_filters)
