"""Starlette, written the way its documentation shows: a ``Route`` list and response classes.

Starlette matches routes in order, one regex per route, so its cost grows with the route count:
that is what the 10/200/1000 route runs show.
"""

from __future__ import annotations

from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from benchmarks.scenarios import CALL_PATH, DEFAULT

SCENARIOS = (*DEFAULT, "call")


async def _extra(request: Request) -> Response:
    return PlainTextResponse("extra")


async def _plaintext(request: Request) -> Response:
    return PlainTextResponse("Hello, World!")


async def _json(request: Request) -> Response:
    return JSONResponse({"message": "Hello, World!"})


async def _param(request: Request) -> Response:
    params = request.path_params
    return JSONResponse({"id": params["id"], "slug": params["slug"]})


async def _echo(request: Request) -> Response:
    return JSONResponse(await request.json())


async def _call(request: Request) -> Response:
    data = await request.json()
    return JSONResponse({"greeting": "hello " + data["name"], "count": data["count"]})


def build(extra_routes: int) -> Any:
    """Return the Starlette app with ``extra_routes`` extra routes."""
    routes = []
    for i in range(extra_routes):
        if i % 2 == 0:
            routes.append(Route(f"/extra{i}/static", _extra))
        else:
            routes.append(Route(f"/extra{i}/items/{{item_id:int}}", _extra))
    routes += [
        Route("/plaintext", _plaintext),
        Route("/json", _json),
        Route("/users/{id:int}/posts/{slug}", _param),
        Route("/echo", _echo, methods=["POST"]),
        Route(CALL_PATH, _call, methods=["POST"]),
    ]
    return Starlette(routes=routes)
