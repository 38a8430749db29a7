"""microrest in CorePost style: ``app = CorePost()`` and ``@app.route(url, Http.X)`` with
handlers ``(request, **kwargs)``, the README's typed path ``/users/<int:id>/posts/<slug>``.

Results are returned as the README does: text as text, dicts negotiated (JSON by default).
The main routes are ``async def``; ``/sync-inline`` and ``/sync-thread`` serve the param route
through a sync handler, from CorePost apps built with ``sync_handlers="inline"`` and with the
default thread offload, each mounted (merged) into the main app.
"""

from __future__ import annotations

from typing import Any

from benchmarks.scenarios import EVERY
from microrest.adapters.corepost.enums import Http
from microrest.adapters.corepost.web import CorePost

SCENARIOS = EVERY

PARAM = "/users/<int:id>/posts/<slug>"


async def _extra(request: Any, **kwargs: Any) -> str:
    return "extra"


async def _plaintext(request: Any, **kwargs: Any) -> str:
    return "Hello, World!"


async def _json(request: Any, **kwargs: Any) -> dict[str, str]:
    return {"message": "Hello, World!"}


async def _param(request: Any, id: int, slug: str, **kwargs: Any) -> dict[str, Any]:
    return {"id": id, "slug": slug}


def _param_sync(request: Any, id: int, slug: str, **kwargs: Any) -> dict[str, Any]:
    return {"id": id, "slug": slug}


async def _echo(request: Any, **kwargs: Any) -> Any:
    request.setResponseCode(200)  # CorePost answers a POST with 201 unless told otherwise
    return request.json


def build(extra_routes: int) -> Any:
    """Return the CorePost-style app with ``extra_routes`` extra routes."""
    app = CorePost()
    for i in range(extra_routes):
        url = f"/extra{i}/static" if i % 2 == 0 else f"/extra{i}/items/<int:item_id>"
        app.route(url, Http.GET)(_extra)
    app.route("/plaintext", Http.GET)(_plaintext)
    app.route("/json", Http.GET)(_json)
    app.route(PARAM, Http.GET)(_param)
    app.route("/echo", Http.POST)(_echo)
    inline = CorePost(sync_handlers="inline")
    inline.route(PARAM, Http.GET)(_param_sync)
    thread = CorePost()
    thread.route(PARAM, Http.GET)(_param_sync)
    app.app.mount("/sync-inline", inline)
    app.app.mount("/sync-thread", thread)
    return app
