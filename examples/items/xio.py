"""The items service in xio's style: resources bound under ``www``, handlers taking ``req``.

``bind('www/items/:key')`` captures the key into ``req.context[':key']``; the docstring's YAML
``options`` declares the methods, so other methods get 405 with ``Allow`` and OPTIONS 204
before the handler runs. The handler branches on ``req.GET``/``req.PUT``/``req.DELETE``, sets
``req.response.status``, and raises ``Exception(404, ...)`` for the errors, as xio did.

Differences xio forces (success answers are the same as every style's):

- a handler also receives the paths below its own (``/items/a/b`` reaches the item handler with
  ``req.path == 'b'``): the handler answers 404 for those itself;
- error bodies are xio's ``"<status> <message>"`` text (``404 no such item: apple``);
- ``req.data`` is ``{}`` for an empty body, so the handler reads ``req.body`` to tell an empty
  body from the JSON document ``{}``.
"""

from __future__ import annotations

from typing import Any

from microrest import Limits
from microrest.adapters import xio

from ..store import ItemStore
from . import MAX_BODY

__all__ = ["app", "make_app"]


def make_app(store: ItemStore) -> xio.App:
    app = xio.app(__name__, limits=Limits(max_body_size=MAX_BODY))

    @app.bind("www/items")
    def item_list(req: Any) -> Any:
        """
        options: GET
        """
        if req.path:
            raise Exception(404, "no such resource")
        return store.keys(req.query.get("prefix", ""))

    @app.bind("www/items/:key")
    def item(req: Any) -> Any:
        """
        options: GET, PUT, DELETE
        """
        key = req.context[":key"]
        if req.path:
            raise Exception(404, "no such resource")
        if req.GET:
            value = store.get(key)
            if value is None:
                raise Exception(404, "no such item:", key)
            return {"key": key, "value": value}
        if req.PUT:
            if not str(req.headers.get("content-type", "")).startswith("application/json"):
                raise Exception(415, "expected application/json")
            if not req.body:
                raise Exception(400, "empty JSON body")
            created = store.put(key, req.data)
            req.response.status = 201 if created else 200
            return {"key": key, "value": req.data}
        if not store.delete(key):
            raise Exception(404, "no such item:", key)
        req.response.status = 204
        return None

    return app


app = make_app(ItemStore())

if __name__ == "__main__":
    app.main()
