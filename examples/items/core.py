"""The items service in microrest's own style: ``App`` decorators, handlers take a ``Request``.

Sync handlers (the SQLite calls) run in the app's thread limiter; ``put_item`` is async because
it awaits the body, and hands the blocking store call to ``app.concurrency``. Returned dicts and
lists are JSON, ``None`` is 204. Errors are the core's: ``NotFound``, and the body problems
``request.json()`` raises itself (400, 413, 415), with a JSON body ``{"error": ..., "status":
...}`` when the client accepts JSON, else text.
"""

from __future__ import annotations

from typing import Any, TypedDict

from microrest import App, JSONResponse, Limits, NotFound, Request
from microrest.openapi import describe

from ..store import ItemStore
from . import MAX_BODY

__all__ = ["Item", "app", "make_app"]


class Item(TypedDict):
    """An item: its key and the JSON value stored under it."""

    key: str
    value: Any


def make_app(store: ItemStore) -> App:
    app = App(limits=Limits(max_body_size=MAX_BODY))

    @app.get("/items")
    @describe(query={"prefix": str})
    def list_items(request: Request) -> list[str]:
        prefix = request.query_params.get("prefix", "")
        return store.keys(prefix)

    @app.get("/items/{key}")
    @describe(responses={200: Item})
    def get_item(request: Request) -> dict[str, Any]:
        key = request.path_params["key"]
        value = store.get(key)
        if value is None:
            raise NotFound(f"no item {key!r}")
        return {"key": key, "value": value}

    @app.put("/items/{key}")
    @describe(body=Any, responses={200: Item, 201: Item})
    async def put_item(request: Request) -> JSONResponse:
        key = request.path_params["key"]
        value = await request.json()  # 400 malformed, 413 too large, 415 not JSON
        created = await app.concurrency.run(store.put, key, value)
        return JSONResponse({"key": key, "value": value}, status_code=201 if created else 200)

    @app.delete("/items/{key}")
    def delete_item(request: Request) -> None:
        if not store.delete(request.path_params["key"]):
            raise NotFound(f"no item {request.path_params['key']!r}")

    return app


app = make_app(ItemStore())

if __name__ == "__main__":
    from microrest.server import run

    run(app, port=8080)  # or: uvicorn examples.items.core:app --workers 2
