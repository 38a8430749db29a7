"""The items service in web.py's style: ``HTTPHandler`` classes with ``do_<method>`` methods.

Routes are regexes fully matched against the decoded path; ``self.groups['key']`` is the named
group. The ``web.json`` extension does the JSON: ``JSONHandler`` decodes an
``application/json`` body into ``self.request.body`` (400 when unparsable) and encodes what
``do_*`` returns; ``web.json.new_error()`` makes every error answer JSON. A class attribute
``max_request_size`` bounds the body (413 before it is read). Handlers return
``(status, body)``.

Differences web.py forces (success answers are the same as every style's):

- error bodies are ``web.json``'s ``{"error": 404, "status": "Not Found"}`` (any error code);
- ``JSONHandler`` passes a body of another Content-Type through as bytes, and an empty one as
  ``None``: the handler answers 415 and 400 for those itself;
- no trailing-slash redirects: ``/items/`` is a 404, as in web.py.
"""

from __future__ import annotations

from typing import Any

import microrest.adapters.webpy as web
import microrest.adapters.webpy.json  # noqa: F401 - the web.json extension, as web.json

from ..store import ItemStore
from . import MAX_BODY

__all__ = ["app", "make_app"]


def make_app(store: ItemStore) -> web.HTTPServer:
    class ItemList(web.json.JSONHandler):
        def do_get(self) -> Any:
            prefix = self.request.query.get("prefix", "")
            return 200, store.keys(prefix)

    class Item(web.json.JSONHandler):
        max_request_size = MAX_BODY

        def do_get(self) -> Any:
            key = self.groups["key"]
            value = store.get(key)
            if value is None:
                raise web.HTTPError(404)
            return 200, {"key": key, "value": value}

        def do_put(self) -> Any:
            key, value = self.groups["key"], self.request.body
            if isinstance(value, bytes):  # JSONHandler only decodes application/json
                raise web.HTTPError(415)
            if value is None:
                raise web.HTTPError(400, message={"error": 400, "status": "empty JSON body"})
            created = store.put(key, value)
            return (201 if created else 200), {"key": key, "value": value}

        def do_delete(self) -> Any:
            if not store.delete(self.groups["key"]):
                raise web.HTTPError(404)
            return 204, None

    routes = {"/items": ItemList, "/items/(?P<key>[^/]+)": Item}
    return web.HTTPServer(("localhost", 8080), routes, web.json.new_error())


app = make_app(ItemStore())

if __name__ == "__main__":
    app.start()  # returns at once; the process serves until Ctrl-C
