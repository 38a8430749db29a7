"""The JSON extension: encoded returns, decoded bodies, JSON errors, HEAD and OPTIONS right."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from microrest.adapters.webpy import json as webjson
from microrest.testing import Client

Serve = Callable[..., Client]


class Things(webjson.JSONHandler):
    def do_get(self) -> Any:
        return 200, {"things": [1, 2, 3]}

    def do_post(self) -> Any:
        return 201, {"got": self.request.body}


def test_return_values_are_json(serve: Serve) -> None:
    response = serve({"/": Things}).get("/")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    assert response.json() == {"things": [1, 2, 3]}


def test_json_bodies_are_decoded(serve: Serve) -> None:
    response = serve({"/": Things}).post("/", json={"a": [1, None]})
    assert response.status_code == 201
    assert response.json() == {"got": {"a": [1, None]}}


def test_other_bodies_stay_bytes(serve: Serve) -> None:
    class Raw(webjson.JSONHandler):
        def do_post(self) -> Any:
            return 200, {"type": type(self.request.body).__name__}

    assert serve({"/": Raw}).post("/", content=b"abc").json() == {"type": "bytes"}


def test_bad_json_is_400(serve: Serve) -> None:
    response = serve({"/": Things}, error_routes=webjson.new_error()).post(
        "/", content=b"{nope", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400


def test_json_error_bodies(serve: Serve) -> None:
    client = serve({"/": Things}, error_routes=webjson.new_error())
    response = client.get("/missing")
    assert response.status_code == 404
    assert response.headers["Content-Type"] == "application/json"
    assert response.json() == {"error": 404, "status": "Not Found"}
    response = client.delete("/")
    assert response.status_code == 405
    assert response.json() == {"error": 405, "status": "Method Not Allowed"}


def test_head_and_options(serve: Serve) -> None:
    client = serve({"/": Things})
    get = client.get("/")
    head = client.head("/")
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["Content-Length"] == get.headers["Content-Length"]
    options = client.options("/")
    assert options.status_code == 204
    assert options.content == b""
