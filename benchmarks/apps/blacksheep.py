"""BlackSheep, written the way its documentation shows: router decorators, typed route values.

The param handler declares ``id: int, slug: str`` and lets BlackSheep bind and convert them;
the echo handler reads ``await request.json()``.
"""

from __future__ import annotations

import logging
from typing import Any

from blacksheep import Application, Request, json, text
from blacksheep.server.routing import Router


async def _extra_static() -> Any:
    return text("extra")


async def _extra_item(item_id: int) -> Any:
    return text("extra")


async def _plaintext() -> Any:
    return text("Hello, World!")


async def _json() -> Any:
    return json({"message": "Hello, World!"})


async def _param(id: int, slug: str) -> Any:
    return json({"id": id, "slug": slug})


async def _echo(request: Request) -> Any:
    return json(await request.json())


def build(extra_routes: int) -> Any:
    """Return the BlackSheep app with ``extra_routes`` extra routes (started by lifespan).

    BlackSheep logs every 404 at INFO level by default; a deployment would not, and the other
    frameworks do not, so its server logger is set to WARNING here.
    """
    # Its own router: the default one is process-global, and a second app would reset it.
    app = Application(router=Router())
    app.logger.setLevel(logging.WARNING)  # Application() sets it to INFO
    router = app.router
    for i in range(extra_routes):
        if i % 2 == 0:
            router.add_get(f"/extra{i}/static", _extra_static)
        else:
            router.add_get(f"/extra{i}/items/{{int:item_id}}", _extra_item)
    router.add_get("/plaintext", _plaintext)
    router.add_get("/json", _json)
    router.add_get("/users/{int:id}/posts/{slug}", _param)
    router.add_post("/echo", _echo)
    return app
