"""microrest in xio's style: ``app.bind('www/...')`` with handlers taking ``req``.

xio handlers are plain functions, so the fair comparison is the core's sync-inline route: the
main app is built with ``sync_handlers="inline"`` (its routes, ``/sync-inline`` included, call
the handler on the event loop), and ``/sync-thread`` is the same param route from an app with
the default thread offload, mounted (merged) into the main one. ``:id`` segments are text in
xio: the handler converts the id itself.
"""

from __future__ import annotations

from typing import Any

from benchmarks.scenarios import EVERY
from microrest.adapters import xio

SCENARIOS = EVERY

PARAM = "www/users/:id/posts/:slug"


def _param(req: Any) -> dict[str, Any]:
    context = req.context
    return {"id": int(context[":id"]), "slug": context[":slug"]}


def _bind_param(app: xio.App) -> None:
    app.bind(PARAM, _param)


def build(extra_routes: int) -> Any:
    """Return the xio-style app with ``extra_routes`` extra routes."""
    app = xio.app(sync_handlers="inline", serve_clients=False)
    for i in range(extra_routes):
        path = f"www/extra{i}/static" if i % 2 == 0 else f"www/extra{i}/items/:item_id"
        app.bind(path, lambda req: "extra")
    app.bind("www/plaintext", lambda req: "Hello, World!")
    app.bind("www/json", lambda req: {"message": "Hello, World!"})
    _bind_param(app)
    app.bind("www/echo", lambda req: req.data)
    inline = xio.app(sync_handlers="inline", serve_clients=False)
    _bind_param(inline)
    thread = xio.app(serve_clients=False)
    _bind_param(thread)
    app.asgi.mount("/sync-inline", inline)
    app.asgi.mount("/sync-thread", thread)
    return app
