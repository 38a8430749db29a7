"""The showcase: one app, one route table, every style built so far, on SQLite.

``make run`` serves it with two workers on http://127.0.0.1:8000. Try::

    curl http://127.0.0.1:8000/
    curl -X PUT http://127.0.0.1:8000/items/apple -H 'content-type: application/json' -d '{"n": 1}'
    curl http://127.0.0.1:8000/items/apple
    curl http://127.0.0.1:8000/routes
"""

from __future__ import annotations

import dataclasses
import os
from typing import Any

from microrest import App, JSONResponse, NotFound, Request

from .store import ItemStore

store = ItemStore()
app = App()


@app.get("/")
async def index(request: Request) -> dict[str, Any]:
    return {
        "name": "microrest showcase",
        "worker": os.getpid(),
        "try": ["/items", "/items/{key}", "/routes"],
    }


@app.get("/items")
def list_items(request: Request) -> list[str]:
    return store.keys()


@app.get("/items/{key}")
def get_item(request: Request) -> Any:
    value = store.get(request.path_params["key"])
    if value is None:
        raise NotFound(f"no item {request.path_params['key']!r}")
    return {"key": request.path_params["key"], "value": value}


@app.put("/items/{key}")
async def put_item(request: Request) -> JSONResponse:
    value = await request.json()
    key = request.path_params["key"]
    created = await app.concurrency.run(store.put, key, value)
    return JSONResponse({"key": key, "value": value}, status_code=201 if created else 200)


@app.delete("/items/{key}")
def delete_item(request: Request) -> None:
    if not store.delete(request.path_params["key"]):
        raise NotFound(f"no item {request.path_params['key']!r}")


@app.get("/routes")
async def route_table(request: Request) -> list[dict[str, Any]]:
    return [dataclasses.asdict(row) for row in app.routes()]
