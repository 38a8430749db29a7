"""Falcon's ASGI flavour (``falcon.asgi.App``), written the way its documentation shows.

Resources with ``on_get``/``on_post`` responders, the ``int`` field converter, ``resp.media``
for JSON (Falcon's default JSON handler) and ``resp.text`` for plain text.
"""

from __future__ import annotations

from typing import Any

import falcon
import falcon.asgi


class _Text:
    def __init__(self, text: str) -> None:
        self.text = text

    async def on_get(self, req: falcon.asgi.Request, resp: falcon.asgi.Response, **_: Any) -> None:
        resp.content_type = falcon.MEDIA_TEXT
        resp.text = self.text


class _Json:
    async def on_get(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        resp.media = {"message": "Hello, World!"}


class _Param:
    async def on_get(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response, id: int, slug: str
    ) -> None:
        resp.media = {"id": id, "slug": slug}


class _Echo:
    async def on_post(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        resp.media = await req.get_media()


def build(extra_routes: int) -> Any:
    """Return the Falcon ASGI app with ``extra_routes`` extra routes."""
    app = falcon.asgi.App()
    extra = _Text("extra")
    for i in range(extra_routes):
        if i % 2 == 0:
            app.add_route(f"/extra{i}/static", extra)
        else:
            app.add_route(f"/extra{i}/items/{{item_id:int}}", extra)
    app.add_route("/plaintext", _Text("Hello, World!"))
    app.add_route("/json", _Json())
    app.add_route("/users/{id:int}/posts/{slug}", _Param())
    app.add_route("/echo", _Echo())
    return app
