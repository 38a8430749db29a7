"""The items service as pyservice operations: ``list_items``, ``get_item``, ``put_item``,
``delete_item``, each a POST of a JSON object of keyword arguments to ``/api/0/<operation>``.

RPC is not REST, and this module does not pretend otherwise:

- the key is an argument (``{"key": "apple"}``), not a path segment; a call names an operation,
  not a resource, and every call is a POST (other methods get 405 ``Allow: OPTIONS, POST``);
- a missing item is the declared exception ``NotFound``, which travels as a 200 answer
  ``{"__exception__": {"cls": "NotFound", "args": [...]}}`` and is raised again by name in a
  ``pyservice.Client``; HTTP errors stay HTTP: 400 for a malformed call, 415 for a body that is
  not JSON, 413 for a call over the limit;
- "created" is a field of ``put_item``'s answer (``{"key", "value", "created"}``), not a 201;
- the body limit bounds the whole call: ``MAX_BODY`` bytes for the value plus ``CALL_ROOM`` for
  the key and the JSON around it.

``tests/conformance/rpc.py`` maps the REST contract onto these operations, one call per
request, and says where the mapping has no REST counterpart.
"""

from __future__ import annotations

from typing import Any

from microrest import BadRequest
from microrest.adapters import pyservice

from ..store import ItemStore
from . import MAX_BODY

__all__ = ["CALL_ROOM", "LIST_PATH", "api", "app", "make_app"]

#: Bytes a put_item call may spend around its value: the key, the field names, the braces.
CALL_ROOM = 256

api = {
    "endpoint": {
        "scheme": "http",
        "host": "localhost",
        "port": 8080,
        "path": "/api/{version}/{operation}",
    },
    "operations": ["list_items", "get_item", "put_item", "delete_item"],
    "exceptions": ["NotFound"],
}

#: Where the showcase's index points for this style (an operation URL: POST ``{}`` to it).
LIST_PATH = "/api/0/list_items"


def make_app(store: ItemStore) -> pyservice.Service:
    service = pyservice.Service(**api, max_body_size=MAX_BODY + CALL_ROOM)

    def key_of(request: Any) -> str:
        if not isinstance(request.key, str):
            raise BadRequest("'key' is required and must be a string")  # an HTTP 400
        return str(request.key)

    @service.operation(name="list_items")
    def list_items(request: Any, response: Any, context: Any) -> None:
        prefix = request.prefix or ""
        if not isinstance(prefix, str):
            raise BadRequest("'prefix' must be a string")
        response["keys"] = store.keys(prefix)  # item syntax: response.keys is dict.keys

    @service.operation(name="get_item")
    def get_item(request: Any, response: Any, context: Any) -> None:
        key = key_of(request)
        value = store.get(key)
        if value is None:
            raise service.exceptions.NotFound(f"no item {key!r}")
        response.key, response.value = key, value

    @service.operation(name="put_item")
    def put_item(request: Any, response: Any, context: Any) -> None:
        key = key_of(request)
        if "value" not in request:
            raise BadRequest("'value' is required")
        response.created = store.put(key, request.value)
        response.key, response.value = key, request.value

    @service.operation(name="delete_item")
    def delete_item(request: Any, response: Any, context: Any) -> None:
        key = key_of(request)
        if not store.delete(key):
            raise service.exceptions.NotFound(f"no item {key!r}")
        response.key = key

    return service


app = make_app(ItemStore())

if __name__ == "__main__":
    from microrest.server import run

    run(app, port=8080)  # or: uvicorn examples.items.pyservice:app --workers 2
