"""The items service in CorePost's README dialect: ``app = CorePost()``, ``@app.route(...)``.

Path parameters and query arguments arrive as keyword arguments; the parsed JSON body is
``request.json`` (its root keys are keyword arguments too, hence ``**kwargs``). ``accepts=``
picks the handler by Content-Type, so a PUT that is not ``application/json`` is a 415. Status
and headers travel in a ``Response(code, entity, headers)``; dicts and lists are JSON (negotiated
by ``Accept``); ``NotFoundException`` is CorePost's 404.

Differences CorePost forces (success answers are the same as every style's):

- error bodies are CorePost's plain text: ``Unable to find Item identified by 'x'`` (404, with
  ``x-corepost-resource``/``x-corepost-value`` headers), ``Unable to parse JSON body: ...`` (400);
- CorePost reads an empty JSON body as ``{}``, so the handler refuses it itself (400);
- trailing slashes are ignored (``/items/`` is ``/items``), as twisted.web made them.
"""

from __future__ import annotations

from typing import Any

from microrest import Limits
from microrest.adapters.corepost import NotFoundException, Response, RESTException
from microrest.adapters.corepost.enums import Http, MediaType
from microrest.adapters.corepost.web import CorePost

from ..store import ItemStore
from . import MAX_BODY

__all__ = ["app", "make_app"]


def make_app(store: ItemStore) -> CorePost:
    app = CorePost(limits=Limits(max_body_size=MAX_BODY))

    @app.route("/items", Http.GET)
    def list_items(request: Any, prefix: str = "", **kwargs: Any) -> list[str]:
        return store.keys(prefix)

    @app.route("/items/<key>", Http.GET)
    def get_item(request: Any, key: str, **kwargs: Any) -> dict[str, Any]:
        value = store.get(key)
        if value is None:
            raise NotFoundException("Item", key)
        return {"key": key, "value": value}

    @app.route("/items/<key>", Http.PUT, accepts=MediaType.APPLICATION_JSON)
    def put_item(request: Any, key: str, **kwargs: Any) -> Response:
        if not request.data.strip():
            raise RESTException(Response(400, "Request body is empty; expected JSON"))
        created = store.put(key, request.json)
        return Response(201 if created else 200, {"key": key, "value": request.json})

    @app.route("/items/<key>", Http.DELETE)
    def delete_item(request: Any, key: str, **kwargs: Any) -> Response:
        if not store.delete(key):
            raise NotFoundException("Item", key)
        return Response(204)

    return app


app = make_app(ItemStore())

if __name__ == "__main__":
    app.run(port=8080, host="localhost")  # the original's default host was every interface
