"""microrest in fkmclane's web.py style: ``HTTPHandler`` classes with ``do_get``/``do_post``.

JSON goes through the style's own ``web.json.JSONHandler``. Routes are regexes tried in
insertion order, as in the original, so the extra routes are registered after the measured
ones (a miss still tries every one of them). The main routes use ``async def do_*``;
``/sync-inline`` and ``/sync-thread`` serve the param route through a sync ``do_get``, from a
server built with ``sync_handlers="inline"`` and with the default thread offload, each mounted
(merged) into the main server's app.
"""

from __future__ import annotations

from typing import Any

import microrest.adapters.webpy as web
from benchmarks.scenarios import EVERY
from microrest.adapters.webpy.json import JSONHandler

SCENARIOS = EVERY

PARAM = "/users/([0-9]+)/posts/([^/]+)"


class Extra(web.HTTPHandler):
    async def do_get(self) -> Any:
        return 200, "extra"


class Plaintext(web.HTTPHandler):
    async def do_get(self) -> Any:
        return 200, "Hello, World!"


class Json(JSONHandler):
    async def do_get(self) -> Any:
        return 200, {"message": "Hello, World!"}


class Param(JSONHandler):
    async def do_get(self) -> Any:
        return 200, {"id": int(self.groups[0]), "slug": self.groups[1]}


class ParamSync(JSONHandler):
    def do_get(self) -> Any:
        return 200, {"id": int(self.groups[0]), "slug": self.groups[1]}


class Echo(JSONHandler):
    async def do_post(self) -> Any:
        return 200, self.request.body  # decoded from JSON, encoded back


def build(extra_routes: int) -> Any:
    """Return the web.py-style server with ``extra_routes`` extra routes."""
    routes: dict[str, type[web.HTTPHandler]] = {
        "/plaintext": Plaintext,
        "/json": Json,
        PARAM: Param,
        "/echo": Echo,
    }
    for i in range(extra_routes):
        routes[f"/extra{i}/static" if i % 2 == 0 else f"/extra{i}/items/([0-9]+)"] = Extra
    httpd = web.HTTPServer(("127.0.0.1", 0), routes)
    inline = web.HTTPServer(("127.0.0.1", 0), {PARAM: ParamSync}, sync_handlers="inline")
    thread = web.HTTPServer(("127.0.0.1", 0), {PARAM: ParamSync})
    httpd.app.mount("/sync-inline", inline)
    httpd.app.mount("/sync-thread", thread)
    return httpd
