"""The dispatcher's fast path: handlers built without ``__init__`` answer exactly as before.

``Dispatcher.fast_endpoint`` builds a plain ``HTTPHandler`` subclass's handler with four
attribute stores; ``request`` and ``response`` are made on first use. These tests check that
nothing a handler can see or do differs from the general path (``handle``), and that classes
it cannot serve take the general path.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

import microrest.adapters.webpy as web
from microrest.adapters.webpy.handler import HTTPRequest, HTTPResponse
from microrest.adapters.webpy.json import JSONHandler
from microrest.testing import Client

Serve = Callable[..., Client]
seen: dict[str, Any] = {}


class Plain(web.HTTPHandler):
    async def do_get(self) -> Any:
        return 200, "plain"


class Inspecting(web.HTTPHandler):
    async def do_get(self) -> Any:
        seen["request"] = self.request
        seen["response"] = self.response
        seen["server"] = self.server
        seen["method"] = self.method
        seen["groups"] = self.groups
        return 200, self.request.headers.get("X-Test") or "-"


class Headers(web.HTTPHandler):
    async def do_get(self) -> Any:
        self.response.headers.set("X-Extra", "yes")
        return 200, "with a header"


class Closing(web.HTTPHandler):
    async def do_get(self) -> Any:
        self.request.keepalive = False
        return 200, "closing"


class Json(JSONHandler):
    async def do_get(self) -> Any:
        return 201, {"a": [1, "é"]}

    async def do_post(self) -> Any:
        return 200, self.request.body


class Own(web.HTTPHandler):
    def __init__(self, request: Any, response: Any, groups: tuple[Any, ...]) -> None:
        super().__init__(request, response, groups)
        self.extra = "built by __init__"

    async def do_get(self) -> Any:
        return 200, self.extra


def test_plain_answer_is_unchanged(serve: Serve) -> None:
    response = serve({"/": Plain}).get("/")
    assert response.status_code == 200
    assert response.text == "plain"
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert response.headers["content-length"] == "5"


def test_request_and_response_are_made_on_first_use(serve: Serve) -> None:
    seen.clear()
    client = serve({"/item/([0-9]+)": Inspecting})
    response = client.get("/item/7", headers={"X-Test": "hi"})
    assert response.text == "hi"
    request, answer = seen["request"], seen["response"]
    assert isinstance(request, HTTPRequest)
    assert isinstance(answer, HTTPResponse)
    assert answer.request is request
    assert isinstance(request.handler, Inspecting)
    assert request.handler.request is request  # made once, then a plain attribute
    assert request.method == "GET"
    assert seen["method"] == "get"
    assert seen["groups"] == ("7",)
    assert isinstance(seen["server"], web.HTTPServer)


def test_unknown_attribute_is_still_an_attribute_error() -> None:
    handler = Plain.__new__(Plain)
    with pytest.raises(AttributeError, match="no attribute 'request'"):
        _ = handler.request
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        _ = handler.nothing


def test_headers_set_by_the_handler_are_sent(serve: Serve) -> None:
    response = serve({"/": Headers}).get("/")
    assert response.headers["X-Extra"] == "yes"
    assert response.text == "with a header"


def test_keepalive_off_closes(serve: Serve) -> None:
    response = serve({"/": Closing}).get("/")
    assert response.headers["connection"] == "close"


def test_json_answer_is_unchanged(serve: Serve) -> None:
    client = serve({"/": Json})
    response = client.get("/")
    assert response.status_code == 201
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"a": [1, "é"]}
    echoed = client.post("/", content=b'{"b": 2}', headers={"Content-Type": "application/json"})
    assert echoed.json() == {"b": 2}


def test_head_and_other_methods_take_the_general_path(serve: Serve) -> None:
    client = serve({"/": Json})
    head = client.head("/")
    assert head.status_code == 201
    assert head.content == b""
    assert client.delete("/").status_code == 405


def test_a_class_with_its_own_init_is_built_by_it(serve: Serve) -> None:
    httpd = web.HTTPServer(("localhost", 0), {"/": Own})
    assert not httpd.dispatcher.plan(Own).fast
    assert httpd.dispatcher.plan(Plain).fast
    with Client(httpd) as client:
        assert client.get("/").text == "built by __init__"


def test_errors_raised_on_the_fast_path_reach_the_error_routes(serve: Serve) -> None:
    class Failing(web.HTTPHandler):
        async def do_get(self) -> Any:
            self.response.headers.set("X-Lost", "1")  # replaced by the error's headers
            raise web.HTTPError(409, headers={"X-Why": "conflict"})

    class Errors(web.HTTPErrorHandler):
        def respond(self) -> Any:
            return self.error.code, f"handled {self.request.method}"

    response = serve({"/": Failing}, error_routes={"409": Errors}).get("/")
    assert response.status_code == 409
    assert response.text == "handled GET"
    assert response.headers["X-Why"] == "conflict"
    assert "X-Lost" not in response.headers


class _Hello(web.HTTPHandler):
    def do_get(self) -> tuple[int, str]:
        return 200, "hello"


@pytest.mark.parametrize("compat", [False, True])
def test_the_miss_answer_is_the_pipelines_404(compat: bool) -> None:
    """The core sends web.py's miss answer for a plain miss (set_style_miss_answer): every
    miss, GET and HEAD, any Accept, must equal what the full error pipeline answers."""
    kept = web.HTTPServer(("127.0.0.1", 0), {"/hello": _Hello}, compat=compat)
    general = web.HTTPServer(("127.0.0.1", 0), {"/hello": _Hello}, compat=compat)
    # Any user handler turns the miss answer off: the pipeline answers every miss.
    general.app.add_exception_handler(LookupError, lambda request, exc: "unused")
    with Client(kept) as fast, Client(general) as slow:
        for method in ("HEAD", "GET", "GET", "HEAD", "POST"):
            for accept in ("*/*", "application/json"):
                a = fast.request(method, "/no/such/page", headers={"accept": accept})
                b = slow.request(method, "/no/such/page", headers={"accept": accept})
                assert (a.status_code, a.content) == (b.status_code, b.content)
                assert a.headers.multi_items() == b.headers.multi_items()
                assert a.status_code == 404
