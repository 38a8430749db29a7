"""The original's handler tests (W-H*) restated as HTTP exchanges.

ASGI cannot carry a custom reason phrase, so the tests check status codes and bodies; the
``100 Continue`` interim response is the server's business under ASGI (uvicorn sends it when
the body is first read), so the tests check that ``check_continue`` runs before the body is
read and that a refusal answers without reading.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import microrest.adapters.webpy as web
from microrest.adapters.webpy import HTTPError, HTTPErrorHandler
from microrest.adapters.webpy.handler import DummyHandler, Groups, HTTPRequest, HTTPResponse
from microrest.requests import Request
from microrest.testing import Client

Serve = Callable[..., Client]


class Handler(web.HTTPHandler):
    def do_get(self) -> Any:
        self.response.headers.set("Test", "hi")
        return 200, "OK"

    def do_put(self) -> Any:
        return 200, self.request.body

    def do_InVaLiD(self) -> Any:  # noqa: N802 - the original's test: must be ignored
        return 200, "never"


class Expecting(Handler):
    def check_continue(self) -> None:
        raise HTTPError(417)


def test_get(serve: Serve) -> None:
    response = serve({"/": Handler}).get("/")
    assert response.status_code == 200
    assert response.text == "OK"
    assert response.headers["Test"] == "hi"


def test_unknown_method_is_405_with_allow(serve: Serve) -> None:
    response = serve({"/": Handler}).delete("/")
    assert response.status_code == 405
    allowed = [item.strip() for item in response.headers["Allow"].split(",")]
    assert sorted(allowed) == ["GET", "HEAD", "OPTIONS", "PUT"]
    assert response.text == "405 - Method Not Allowed\n"


def test_mixed_case_do_methods_are_never_reachable(serve: Serve) -> None:
    client = serve({"/": Handler})
    assert client.request("INVALID", "/").status_code == 405
    assert client.request("InVaLiD", "/").status_code == 405


def test_put_echoes_the_body(serve: Serve) -> None:
    response = serve({"/": Handler}).put("/", content=b"This is a test message.")
    assert response.status_code == 200
    assert response.content == b"This is a test message."


def test_expect_continue_refused_by_check_continue(serve: Serve) -> None:
    response = serve({"/": Expecting}).put("/", content=b"x", headers={"Expect": "100-continue"})
    assert response.status_code == 417
    assert response.text == "417 - Expectation Failed\n"


def test_expect_continue_accepted(serve: Serve) -> None:
    response = serve({"/": Handler}).put("/", content=b"body", headers={"Expect": "100-continue"})
    assert response.status_code == 200
    assert response.content == b"body"


def test_body_over_one_mebibyte_is_413_before_reading(serve: Serve) -> None:
    client = serve({"/": Handler})
    response = client.put("/", content=b"x" * (web.max_request_size + 1))
    assert response.status_code == 413
    assert response.text.startswith("413 - ")
    response = client.put(
        "/", content=b"x" * (web.max_request_size + 1), headers={"Expect": "100-continue"}
    )
    assert response.status_code == 413
    assert client.put("/", content=b"x" * web.max_request_size).status_code == 200


def test_options_is_204_with_allow(serve: Serve) -> None:
    response = serve({"/": Handler}).options("/")
    assert response.status_code == 204
    assert response.content == b""
    assert sorted(m.strip() for m in response.headers["Allow"].split(",")) == [
        "GET",
        "HEAD",
        "OPTIONS",
        "PUT",
    ]


def test_head_runs_do_get_without_a_body(serve: Serve) -> None:
    response = serve({"/": Handler}).head("/")
    assert response.status_code == 200
    assert response.headers["Test"] == "hi"
    assert response.headers["Content-Length"] == "2"
    assert response.content == b""


def test_head_is_not_allowed_without_do_get(serve: Serve) -> None:
    class PutOnly(web.HTTPHandler):
        def do_put(self) -> Any:
            return 204, ""

    client = serve({"/": PutOnly})
    response = client.head("/")
    assert response.status_code == 405
    assert "HEAD" not in response.headers["Allow"]


def _error_handler(error: HTTPError) -> HTTPErrorHandler:
    scope = {"type": "http", "method": "GET", "path": "/", "headers": [], "query_string": b""}
    httpd = web.HTTPServer(("localhost", 0), {})
    request = HTTPRequest(httpd, Request(scope))
    return HTTPErrorHandler(request, HTTPResponse(request), Groups(), error)


def test_error_handler_results() -> None:
    assert _error_handler(HTTPError(102)).respond() == (102, "Processing", "102 - Processing\n")
    assert _error_handler(HTTPError(102, status_message="Befuddled")).respond() == (
        102,
        "Befuddled",
        "102 - Befuddled\n",
    )
    assert _error_handler(HTTPError(102, "M")).respond() == (102, "Processing", "M")
    assert _error_handler(HTTPError(102, "M", status_message="Befuddled")).respond() == (
        102,
        "Befuddled",
        "M",
    )


def test_dummy_handler_reraises_its_error() -> None:
    error = HTTPError(418)
    handler = _error_handler(error)
    dummy = DummyHandler(handler.request, handler.response, Groups(), error)
    try:
        dummy.respond()
    except HTTPError as raised:
        assert raised is error
    else:  # pragma: no cover - the assertion above is the test
        raise AssertionError("DummyHandler did not raise")


def test_async_do_methods_are_awaited(serve: Serve) -> None:
    class Async(web.HTTPHandler):
        async def do_get(self) -> Any:
            return 200, "async"

        async def do_post(self) -> Any:
            return 201, self.request.body

    client = serve({"/": Async})
    assert client.get("/").text == "async"
    assert client.head("/").headers["Content-Length"] == "5"
    response = client.post("/", content=b"data")
    assert (response.status_code, response.content) == (201, b"data")


def test_custom_methods_and_overridden_respond(serve: Serve) -> None:
    class Custom(web.HTTPHandler):
        def do_propfind(self) -> Any:
            return 207, "multi"

        def respond(self) -> Any:
            self.response.headers.set("X-Respond", "yes")
            return super().respond()

    client = serve({"/": Custom})
    response = client.request("PROPFIND", "/")
    assert (response.status_code, response.text) == (207, "multi")
    assert response.headers["X-Respond"] == "yes"
    assert client.get("/").status_code == 405


def test_sync_handlers_run_in_a_worker_thread_or_inline(serve: Serve) -> None:
    import threading

    class Where(web.HTTPHandler):
        def do_get(self) -> Any:
            return 200, threading.current_thread().name

        async def do_post(self) -> Any:
            return 200, threading.current_thread().name

    threaded = serve({"/": Where})
    inline = serve({"/": Where}, sync_handlers="inline")
    loop_thread = threaded.post("/").text
    assert threaded.get("/").text != loop_thread
    assert inline.get("/").text == inline.post("/").text
