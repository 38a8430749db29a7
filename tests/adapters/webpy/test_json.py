"""The JSON extension: encoded returns, decoded bodies, JSON errors, HEAD and OPTIONS right."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from microrest import codec
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


@pytest.mark.parametrize(
    ("content_type", "decoded"),
    [
        ("application/json", True),  # the exact value, compared as bytes
        ("application/json; charset=utf-8", True),
        ("Application/JSON", True),
        (" application/json ;q=1", True),
        ("application/jsonx", False),
        ("text/plain", False),
        ("application/problem+json", False),  # the original decoded application/json only
    ],
)
def test_the_media_type_decides_decoding(serve: Serve, content_type: str, decoded: bool) -> None:
    class Raw(webjson.JSONHandler):
        def do_post(self) -> Any:
            return 200, {"type": type(self.request.body).__name__}

    response = serve({"/": Raw}).post(
        "/", content=b'{"a": 1}', headers={"Content-Type": content_type}
    )
    assert response.json() == {"type": "dict" if decoded else "bytes"}


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


# issue 10: JSON bodies through the core's reading, depth limit included -----------------------

DEEP = b"[" * 100_000 + b"]" * 100_000


@pytest.fixture(params=["orjson", "stdlib"])
def json_parser(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run once with orjson (when installed) and once with the stdlib parser."""
    if request.param == "orjson":
        pytest.importorskip("orjson")
    else:
        monkeypatch.setattr(codec, "_HAS_ORJSON", False)  # the codec then parses with json
    return str(request.param)


def test_deep_nesting_is_a_400_with_and_without_orjson(serve: Serve, json_parser: str) -> None:
    for error_routes in (None, webjson.new_error()):
        response = serve({"/": Things}, error_routes=error_routes).post(
            "/", content=DEEP, headers={"Content-Type": "application/json"}
        )
        assert response.status_code == 400, json_parser
        assert b"deeper than" in response.content or response.json()["error"] == 400


def test_the_route_depth_limit_applies(serve: Serve, json_parser: str) -> None:
    client = serve({"/": Things})
    shallow = b"[" * 100 + b"]" * 100
    ok = client.post("/", content=shallow, headers={"Content-Type": "application/json"})
    assert ok.status_code == 201
    over = b"[" * 600 + b"]" * 600
    refused = client.post("/", content=over, headers={"Content-Type": "application/json"})
    assert refused.status_code == 400
    assert refused.text.startswith("400 - Bad Request: JSON body is nested deeper than 512")
    bad = client.post("/", content=b"{nope", headers={"Content-Type": "application/json"})
    assert bad.status_code == 400
