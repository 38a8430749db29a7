"""Litestar, written the way its documentation shows: decorated handlers with typed signatures.

Path parameters are declared ``FromPath[...]`` and the body ``JSONBody[...]`` (Litestar 2.x
deprecates inferring them from the signature); return values are serialized by Litestar (msgspec).
POST answers 200 here (Litestar's default for POST is 201).
"""

from __future__ import annotations

from typing import Any

from litestar import Litestar, MediaType, get, post
from litestar.params import FromPath, JSONBody


async def _extra_static() -> str:
    return "extra"


async def _extra_item(item_id: FromPath[int]) -> str:
    return "extra"


@get("/plaintext", media_type=MediaType.TEXT)
async def _plaintext() -> str:
    return "Hello, World!"


@get("/json")
async def _json() -> dict[str, str]:
    return {"message": "Hello, World!"}


@get("/users/{id:int}/posts/{slug:str}")
async def _param(id: FromPath[int], slug: FromPath[str]) -> dict[str, Any]:
    return {"id": id, "slug": slug}


@post("/echo", status_code=200)
async def _echo(data: JSONBody[dict[str, Any]]) -> dict[str, Any]:
    return data


def build(extra_routes: int) -> Any:
    """Return the Litestar app with ``extra_routes`` extra routes."""
    handlers: list[Any] = []
    for i in range(extra_routes):
        if i % 2 == 0:
            handlers.append(
                get(f"/extra{i}/static", media_type=MediaType.TEXT, name=f"x{i}")(_extra_static)
            )
        else:
            handlers.append(
                get(f"/extra{i}/items/{{item_id:int}}", media_type=MediaType.TEXT, name=f"x{i}")(
                    _extra_item
                )
            )
    handlers += [_plaintext, _json, _param, _echo]
    # No logging config: Litestar's default one (which logs nothing per request) reconfigures
    # the root logger at start-up, and in the in-process smoke test that leaked into the tests
    # that ran after it (web.py's access log, off by default, turned on).
    return Litestar(route_handlers=handlers, logging_config=None)
