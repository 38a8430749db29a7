"""``request.write()`` from an async handler: chunks go out while the handler still runs.

``write`` is synchronous (Twisted's signature), so the first call starts a sender task that
drains the written chunks in order; the dispatcher waits for it before returning. Response
filters see the status and headers just before the first byte leaves.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from typing import TYPE_CHECKING, Any

from ...toolkit import encode_headers
from .outcome import TEXT, apply_filters
from .response import Response

if TYPE_CHECKING:
    from ...types import Send
    from .request import CorePostRequest

__all__ = ["Streamer", "start_streamer"]


class Streamer:
    """Owns the wire once the handler has written: start message, chunks, end of body."""

    def __init__(
        self, facade: CorePostRequest, send: Send, response_filters: tuple[Any, ...]
    ) -> None:
        head = Response(facade.code)
        apply_filters(response_filters, facade, head)
        pairs = list(facade.response_headers) + list(head.headers.items())
        if not any(name.lower() == "content-type" for name, _ in pairs):
            pairs.append(("Content-Type", TEXT))
        self.start = {
            "type": "http.response.start",
            "status": head.code,
            "headers": encode_headers(pairs),
        }
        self.send = send
        self.chunks: deque[bytes] = deque()
        self.closed = False
        self.wakeup = asyncio.Event()
        self.task = asyncio.get_running_loop().create_task(self._run())

    def push(self, chunk: bytes | None) -> None:
        """Queue a chunk (``None`` ends the body); never blocks the caller."""
        if chunk is None:
            self.closed = True
        elif chunk:
            self.chunks.append(chunk)
        self.wakeup.set()

    async def _run(self) -> None:
        send = self.send
        await send(self.start)
        while True:
            while self.chunks:
                chunk = self.chunks.popleft()
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
            if self.closed:
                await send({"type": "http.response.body", "body": b"", "more_body": False})
                return
            self.wakeup.clear()
            await self.wakeup.wait()

    async def close(self) -> None:
        """End the body (if the handler did not) and wait until everything is sent."""
        self.push(None)
        await self.task

    async def abort(self) -> None:
        """The handler failed: stop sending; the server then drops the connection."""
        self.task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await self.task


def start_streamer(
    facade: CorePostRequest, send: Send, response_filters: tuple[Any, ...]
) -> Streamer | None:
    """A Streamer when an asyncio loop runs this request, else None (writes are buffered)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return None
    return Streamer(facade, send, response_filters)
