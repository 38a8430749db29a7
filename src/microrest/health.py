"""A health-check route any style's app can expose, for load balancers and orchestrators.

``add_health_check(app, "/healthz", store.ping)`` registers ``GET /healthz`` (HEAD too) on a
core ``App`` or on any style's main object. It answers ``200 {"status": "ok"}`` when every check
passes, and ``503 {"status": "unavailable", "failed": [...]}`` naming the checks that raised or
took longer than ``timeout`` seconds, so a balancer takes an instance whose database is gone
out of rotation. A check is a function, sync (run in a worker thread) or async, that raises
when something is wrong. The check's exception is logged, never sent.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

import anyio
import anyio.to_thread

from .app import app_of
from .concurrency import is_async_callable
from .errors import ConfigurationError
from .requests import Request
from .responses import JSONResponse

__all__ = ["add_health_check"]

logger = logging.getLogger("microrest.health")


def _name(check: Callable[..., Any]) -> str:
    return getattr(check, "__qualname__", None) or repr(check)


def add_health_check(
    app: Any,
    path: str = "/healthz",
    checks: Iterable[Callable[[], Any]] = (),
    *,
    timeout: float = 2.0,
) -> None:
    """Register the health route on ``app``; see the module docstring."""
    probes = list(checks)
    for check in probes:
        if not callable(check):
            raise ConfigurationError(f"health check {check!r} is not callable")

    async def run(check: Callable[[], Any]) -> None:
        with anyio.fail_after(timeout):
            if is_async_callable(check):
                await check()
            else:
                await anyio.to_thread.run_sync(check, abandon_on_cancel=True)

    async def health(request: Request) -> JSONResponse:
        failed = []
        for check in probes:
            try:
                await run(check)
            except Exception as exc:  # a failing dependency is the answer, not an error
                logger.warning("health check %s failed: %r", _name(check), exc)
                failed.append(_name(check))
        if failed:
            return JSONResponse({"status": "unavailable", "failed": failed}, 503)
        return JSONResponse({"status": "ok"})

    health.__doc__ = (
        "Health check: 200 when every dependency answers, 503 naming those that do not."
    )
    app_of(app, "add_health_check()").add_route(path, health, ["GET"], name="healthz")
