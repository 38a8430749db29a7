"""httpx transports that call an ASGI app in-process: the clients' ``app=``.

No socket and no lifespan: a ``Service`` has none of its own. The sync transport runs the app
on the shared loop (``loop.py``), so it needs nothing closed, and pytest is never imported.
"""

from __future__ import annotations

from typing import Any

import httpx

from .loop import run_on_shared_loop

__all__ = ["AsyncInProcess", "InProcess"]


class AsyncInProcess(httpx.ASGITransport):
    """The async client's transport: httpx's own ASGI transport."""


class InProcess(httpx.BaseTransport):
    """The sync client's transport: each request runs the app on the shared event loop."""

    def __init__(self, app: Any) -> None:
        self.asgi = httpx.ASGITransport(app=app)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read()

        async def call() -> tuple[int, list[tuple[bytes, bytes]], bytes]:
            forwarded = httpx.Request(
                request.method, request.url, headers=request.headers, content=body
            )
            response = await self.asgi.handle_async_request(forwarded)
            content = b"".join([chunk async for chunk in response.aiter_raw()])
            return response.status_code, response.headers.raw, content

        status, headers, content = run_on_shared_loop(call())
        return httpx.Response(status, headers=headers, content=content, request=request)
