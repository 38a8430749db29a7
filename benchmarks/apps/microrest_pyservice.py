"""microrest in pyservice's style: an operation called the way pyservice's client calls it.

pyservice is RPC, so it serves the operation-call scenarios only (and the 404): ``greet`` as an
``async def`` operation, and as a sync one from a service built with ``sync_handlers="inline"``
(``/sync-inline``) and one with the default thread offload (``/sync-thread``). The services are
merged into a core ``App`` that holds the extra routes, as a pyservice service mounted in a
larger app would be.
"""

from __future__ import annotations

from typing import Any

from benchmarks.scenarios import CALL
from microrest import App, PlainTextResponse, Request
from microrest.adapters import pyservice

SCENARIOS = CALL | {"notfound"}

API = {"operations": ["greet"]}


async def _extra(request: Request) -> PlainTextResponse:
    return PlainTextResponse("extra")


async def greet(request: Any, response: Any, context: Any) -> None:
    response.greeting = "hello " + request.name
    response.count = request.count


def greet_sync(request: Any, response: Any, context: Any) -> None:
    response.greeting = "hello " + request.name
    response.count = request.count


def build(extra_routes: int) -> Any:
    """The pyservice services merged into one app with ``extra_routes`` extra routes."""
    app = App()
    for i in range(extra_routes):
        if i % 2 == 0:
            app.add_route(f"/extra{i}/static", _extra)
        else:
            app.add_route(f"/extra{i}/items/{{item_id:int}}", _extra)
    service = pyservice.Service(**API)
    service.operation("greet", func=greet)
    inline = pyservice.Service(**API, sync_handlers="inline")
    inline.operation("greet", func=greet_sync)
    thread = pyservice.Service(**API)
    thread.operation("greet", func=greet_sync)
    app.mount("", service)
    app.mount("/sync-inline", inline)
    app.mount("/sync-thread", thread)
    return app
