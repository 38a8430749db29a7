"""FastAPI, written the way its documentation shows: typed path parameters and a pydantic body.

Its numbers include what users of FastAPI pay for: parameter validation by signature, pydantic
parsing of the body, and Starlette's ordered route matching underneath.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel


class EchoBody(BaseModel):
    """The echoed document."""

    name: str
    count: int
    tags: list[str]
    ok: bool


async def _extra_static():  # type: ignore[no-untyped-def]
    return "extra"


async def _extra_item(item_id: int):  # type: ignore[no-untyped-def]
    return "extra"


async def _plaintext():  # type: ignore[no-untyped-def]
    return "Hello, World!"


async def _json():  # type: ignore[no-untyped-def]
    return {"message": "Hello, World!"}


async def _param(id: int, slug: str):  # type: ignore[no-untyped-def]
    return {"id": id, "slug": slug}


async def _echo(body: EchoBody):  # type: ignore[no-untyped-def]
    return body


def build(extra_routes: int) -> Any:
    """Return the FastAPI app with ``extra_routes`` extra routes."""
    app = FastAPI()
    for i in range(extra_routes):
        if i % 2 == 0:
            app.add_api_route(f"/extra{i}/static", _extra_static, response_class=PlainTextResponse)
        else:
            app.add_api_route(
                f"/extra{i}/items/{{item_id}}", _extra_item, response_class=PlainTextResponse
            )
    app.add_api_route("/plaintext", _plaintext, response_class=PlainTextResponse)
    app.add_api_route("/json", _json)
    app.add_api_route("/users/{id}/posts/{slug}", _param)
    app.add_api_route("/echo", _echo, methods=["POST"])
    return app
