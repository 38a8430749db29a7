"""What ``do_*`` returns becomes the response (the original's W-S* cases).

The status line's reason phrase is chosen by the ASGI server, so ``(status, reason, body)``
and ``status_message`` are checked through the status and the body only.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import microrest.adapters.webpy as web
from microrest.testing import Client

Serve = Callable[..., Client]
M = b"This is a test sentence!"


def route(result: Callable[[web.HTTPHandler], Any]) -> type[web.HTTPHandler]:
    class Handler(web.HTTPHandler):
        def do_get(self) -> Any:
            return result(self)

    return Handler


def test_http_error_status_and_default_body(serve: Serve) -> None:
    def fail(handler: web.HTTPHandler) -> Any:
        raise web.HTTPError(402)

    response = serve({"/": route(fail)}).get("/")
    assert response.status_code == 402
    assert response.text == "402 - Payment Required\n"


def test_plain_exception_is_500_without_traceback(serve: Serve) -> None:
    def fail(handler: web.HTTPHandler) -> Any:
        raise TypeError("secret detail")

    response = serve({"/": route(fail)}).get("/")
    assert response.status_code == 500
    assert response.text == "500 - Internal Server Error\n"
    assert "secret" not in response.text


def test_error_headers_replace_the_handlers(serve: Serve) -> None:
    def with_headers(handler: web.HTTPHandler) -> Any:
        handler.response.headers.set("Lost", "yes")
        raise web.HTTPError(402, headers={"Test": "True"})

    response = serve({"/": route(with_headers)}).get("/")
    assert response.headers["Test"] == "True"
    assert "Lost" not in response.headers


def test_error_route_answers_the_500(serve: Serve) -> None:
    class OnError(web.HTTPErrorHandler):
        def respond(self) -> Any:
            self.response.headers.set("Test", "True")
            return 402, b""

    def fail(handler: web.HTTPHandler) -> Any:
        raise TypeError

    response = serve({"/": route(fail)}, error_routes={"500": OnError}).get("/")
    assert response.status_code == 402
    assert response.headers["Test"] == "True"
    assert response.content == b""


def test_failing_error_route_falls_back_to_the_last_resort(serve: Serve) -> None:
    class Broken(web.HTTPErrorHandler):
        def respond(self) -> Any:
            self.response.headers.set("Test", "True")
            raise RuntimeError("error handler broke")

    def fail(handler: web.HTTPHandler) -> Any:
        raise TypeError

    response = serve({"/": route(fail)}, error_routes={"500": Broken}).get("/")
    assert response.status_code == 500
    assert "Test" not in response.headers
    assert response.headers["Content-Length"] == "28"
    assert response.content == b"500 - Internal Server Error\n"


def test_stream_without_length_is_chunked(serve: Serve) -> None:
    response = serve({"/": route(lambda h: (200, io.BytesIO(b"More test time!")))}).get("/")
    assert response.status_code == 200
    assert "Content-Length" not in response.headers
    assert response.content == b"More test time!"


def test_stream_with_a_handler_length_is_cut_there(serve: Serve) -> None:
    def stream(handler: web.HTTPHandler) -> Any:
        handler.response.headers.set("Content-Length", "2")
        return 200, io.BytesIO(b"More test time!")

    response = serve({"/": route(stream)}).get("/")
    assert response.headers["Content-Length"] == "2"
    assert response.content == b"Mo"


def test_long_stream_arrives_whole(serve: Serve) -> None:
    body = M + b"a" * 8192 + M
    response = serve({"/": route(lambda h: (200, io.BytesIO(body)))}).get("/")
    assert response.content == body


def test_stream_is_closed_after_sending(serve: Serve) -> None:
    stream = io.BytesIO(M)
    serve({"/": route(lambda h: (200, stream))}).get("/")
    assert stream.closed


def test_str_and_bytes_bodies_get_their_byte_length(serve: Serve) -> None:
    client = serve({"/str": route(lambda h: (200, "héllo")), "/bytes": route(lambda h: (200, M))})
    response = client.get("/str")
    assert response.headers["Content-Length"] == str(len("héllo".encode()))
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert response.text == "héllo"
    assert client.get("/bytes").content == M


def test_wrong_handler_length_is_corrected(serve: Serve) -> None:
    def wrong(handler: web.HTTPHandler) -> Any:
        handler.response.headers.set("Content-Length", "2")
        return 200, b"More test time!"

    response = serve({"/": route(wrong)}).get("/")
    assert response.headers["Content-Length"] == "15"
    assert response.content == b"More test time!"


def test_keepalive_false_sends_connection_close(serve: Serve) -> None:
    def close(handler: web.HTTPHandler) -> Any:
        handler.request.keepalive = False
        return 200, "bye"

    client = serve({"/": route(lambda h: (200, "hi")), "/close": route(close)})
    assert "Connection" not in client.get("/").headers
    assert client.get("/close").headers["Connection"] == "close"


def test_write_body_false_sends_headers_only(serve: Serve) -> None:
    def quiet(handler: web.HTTPHandler) -> Any:
        handler.response.write_body = False
        return 200, b"hidden"

    def quiet_stream(handler: web.HTTPHandler) -> Any:
        handler.response.write_body = False
        return 200, io.BytesIO(b"hidden")

    client = serve({"/": route(quiet), "/stream": route(quiet_stream)})
    assert (client.get("/").status_code, client.get("/").content) == (200, b"")
    assert client.get("/stream").content == b""


def test_three_tuples_keep_status_and_body(serve: Serve) -> None:
    response = serve({"/": route(lambda h: (201, "Made It", "made"))}).get("/")
    assert (response.status_code, response.text) == (201, "made")


def test_non_tuple_results_are_500(serve: Serve) -> None:
    client = serve(
        {
            "/dict": route(lambda h: {"a": 1}),
            "/none": route(lambda h: None),
            "/int": route(lambda h: 5),
            "/status": route(lambda h: (99, "x")),
        }
    )
    for path in ("/dict", "/none", "/int", "/status"):
        response = client.get(path)
        assert response.status_code == 500, path
        assert response.text == "500 - Internal Server Error\n"


def test_204_never_has_a_body(serve: Serve) -> None:
    response = serve({"/": route(lambda h: (204, "ignored"))}).get("/")
    assert response.status_code == 204
    assert response.content == b""


def test_multiple_set_cookie_headers(serve: Serve) -> None:
    def cookies(handler: web.HTTPHandler) -> Any:
        handler.response.headers.append("Set-Cookie", "a=1")
        handler.response.headers.append("Set-Cookie", "b=2")
        return 200, ""

    response = serve({"/": route(cookies)}).get("/")
    assert response.headers.get_list("set-cookie") == ["a=1", "b=2"]


def test_status_message_changes_the_default_body(serve: Serve) -> None:
    def custom(handler: web.HTTPHandler) -> Any:
        raise web.HTTPError(418, status_message="Short And Stout")

    response = serve({"/": route(custom)}).get("/")
    assert (response.status_code, response.text) == (418, "418 - Short And Stout\n")
