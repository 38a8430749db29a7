"""microrest in its own (core) style: ``@app.get(path)`` with ``async def handler(request)``.

Besides the common scenarios it serves the param route through sync handlers, in both modes the
core offers (``/sync-thread``: a worker thread under the app's limiter, the default;
``/sync-inline``: called on the event loop), via a mounted app built with
``sync_handlers="inline"``, since the mode is a per-app setting.
"""

from __future__ import annotations

from typing import Any

from benchmarks.scenarios import CALL, CALL_PATH, EVERY
from microrest import App, BadRequest, JSONResponse, PlainTextResponse, Request

SCENARIOS = EVERY | CALL


async def _extra(request: Request) -> str:
    return "extra"


async def _plaintext(request: Request) -> PlainTextResponse:
    return PlainTextResponse("Hello, World!")


async def _json(request: Request) -> JSONResponse:
    return JSONResponse({"message": "Hello, World!"})


async def _param(request: Request) -> dict[str, Any]:
    params = request.path_params
    return {"id": params["id"], "slug": params["slug"]}


async def _echo(request: Request) -> JSONResponse:
    return JSONResponse(await request.json())


async def _call(request: Request) -> dict[str, Any]:
    """What the pyservice operation does, as a core JSON route: a JSON object in, one out."""
    data = await request.json()
    if type(data) is not dict:
        raise BadRequest("expected a JSON object")
    return {"greeting": "hello " + data["name"], "count": data["count"]}


def _call_sync(request: Request, data: dict[str, Any]) -> dict[str, Any]:
    return {"greeting": "hello " + data["name"], "count": data["count"]}


async def _call_inline(request: Request) -> dict[str, Any]:
    data = await request.json()  # the body must be awaited: the sync part runs after it
    if type(data) is not dict:
        raise BadRequest("expected a JSON object")
    return _call_sync(request, data)


async def _call_thread(request: Request) -> dict[str, Any]:
    data = await request.json()
    if type(data) is not dict:
        raise BadRequest("expected a JSON object")
    return await request.app.concurrency.run(_call_sync, request, data)


def _param_sync(request: Request) -> dict[str, Any]:
    params = request.path_params
    return {"id": params["id"], "slug": params["slug"]}


def build(extra_routes: int) -> Any:
    """Return the microrest app with ``extra_routes`` extra routes."""
    app = App()
    for i in range(extra_routes):
        if i % 2 == 0:
            app.add_route(f"/extra{i}/static", _extra)
        else:
            app.add_route(f"/extra{i}/items/{{item_id:int}}", _extra)
    app.add_route("/plaintext", _plaintext)
    app.add_route("/json", _json)
    app.add_route("/users/{id:int}/posts/{slug}", _param)
    app.add_route("/echo", _echo, ["POST"])
    app.add_route("/sync-thread/users/{id:int}/posts/{slug}", _param_sync)
    app.add_route(CALL_PATH, _call, ["POST"])
    app.add_route("/sync-thread" + CALL_PATH, _call_thread, ["POST"])
    inline = App(sync_handlers="inline")
    inline.add_route("/users/{id:int}/posts/{slug}", _param_sync)
    inline.add_route(CALL_PATH, _call_inline, ["POST"])
    app.mount("/sync-inline", inline)
    return app
