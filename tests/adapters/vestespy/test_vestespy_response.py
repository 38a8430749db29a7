"""Responses: send_all (buffered and not), send_stream, send_chunked, send_error, errors."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest

from microrest.adapters import vestespy
from microrest.adapters.vestespy.tools import Event
from microrest.errors import Forbidden
from microrest.testing import Client

Req = vestespy.Request
Res = vestespy.Response


def serve_with(
    handler: Callable[..., Any], connect: Callable[..., Client], **options: Any
) -> Client:
    server = vestespy.Server(("localhost", 8080), **options)
    server.on("request", handler)
    return connect(server)


def test_send_all_sets_content_length_and_no_content_type(connect: Callable[..., Client]) -> None:
    client = serve_with(lambda ev, req, res: res.send_all("héllo", buffer=False), connect)
    response = client.get("/")
    assert response.status_code == 200
    assert response.content == "héllo".encode()
    assert response.headers["content-length"] == "6"
    assert "content-type" not in response.headers


def test_send_all_bytes_and_none(connect: Callable[..., Client]) -> None:
    def handler(ev: Event, req: Req, res: Res) -> None:
        res.send_all(None if req.url == "/none" else b"\x00\x01")

    client = serve_with(handler, connect)
    assert client.get("/").content == b"\x00\x01"
    empty = client.get("/none")
    assert empty.status_code == 200
    assert empty.content == b""
    assert empty.headers["content-length"] == "0"


def test_send_all_rejects_other_types(connect: Callable[..., Client]) -> None:
    def handler(ev: Event, req: Req, res: Res) -> None:
        res.send_all(123)  # type: ignore[arg-type]

    assert serve_with(handler, connect).get("/").status_code == 500


def test_buffered_send_all_is_sent_when_the_chain_ends_and_can_be_replaced(
    connect: Callable[..., Client],
) -> None:
    def onrequest(ev: Event, req: Req, res: Res) -> None:
        res.send_all("first")
        req.on("end", onend)

    def onend(ev: Event, req: Req, res: Res) -> None:
        assert res.alive  # buffered: the response is still open
        res.send_all("second")
        res.status = 201
        res.headers["X-Late"] = "set after buffering"

    response = serve_with(onrequest, connect).get("/")
    assert response.status_code == 201
    assert response.text == "second"
    assert response.headers["x-late"] == "set after buffering"
    assert response.headers["content-length"] == "6"


def test_an_unbuffered_send_discards_the_buffer(connect: Callable[..., Client]) -> None:
    def handler(ev: Event, req: Req, res: Res) -> None:
        res.send_all("buffered")
        res.send_error(409, "conflict")

    response = serve_with(handler, connect).get("/")
    assert (response.status_code, response.text) == (409, "conflict")


def test_status_and_headers_are_settable_and_keep_their_spelling(
    connect: Callable[..., Client],
) -> None:
    def handler(ev: Event, req: Req, res: Res) -> None:
        res.status = 202
        res.headers["Content-Type"] = "text/html; charset=utf-8"
        res.headers["X-Custom"] = "  padded  "
        res.send_all("<p>hi</p>", buffer=False)

    response = serve_with(handler, connect).get("/")
    assert response.status_code == 202
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert response.headers["x-custom"] == "padded"


def test_unknown_status_codes_are_sent_as_is(connect: Callable[..., Client]) -> None:
    def handler(ev: Event, req: Req, res: Res) -> None:
        res.status = 299
        res.send_all("odd", buffer=False)

    response = serve_with(handler, connect).get("/")
    assert (response.status_code, response.text) == (299, "odd")


def test_send_stream_sets_length_and_truncates(connect: Callable[..., Client]) -> None:
    client = serve_with(lambda ev, req, res: res.send_stream(["abc", "defgh"], 5), connect)
    response = client.get("/")
    assert response.headers["content-length"] == "5"
    assert response.content == b"abcde"


def test_send_stream_stops_pulling_once_length_is_reached(connect: Callable[..., Client]) -> None:
    pulled: list[int] = []

    def endless() -> Iterator[bytes]:
        n = 0
        while True:
            pulled.append(n)
            n += 1
            yield b"xy"

    client = serve_with(lambda ev, req, res: res.send_stream(endless(), 5), connect)
    assert client.get("/").content == b"xyxyx"
    assert pulled == [0, 1, 2]


def test_send_stream_accepts_async_iterables(connect: Callable[..., Client]) -> None:
    async def parts() -> AsyncIterator[str]:
        yield "ab"
        yield "cd"

    client = serve_with(lambda ev, req, res: res.send_stream(parts(), 3), connect)
    assert client.get("/").content == b"abc"


def test_send_stream_rejects_items_that_are_not_str_or_bytes(
    connect: Callable[..., Client], caplog: pytest.LogCaptureFixture
) -> None:
    client = serve_with(lambda ev, req, res: res.send_stream([b"ok", 3], 10), connect)
    with caplog.at_level(logging.ERROR, "microrest.error"), pytest.raises(Exception):  # noqa: B017
        client.get("/")  # headers went out, then the stream broke: the connection is cut
    assert "str or bytes" in caplog.text


def test_send_chunked_uses_chunked_encoding_and_skips_empty_items(
    connect: Callable[..., Client],
) -> None:
    def handler(ev: Event, req: Req, res: Res) -> None:
        res.send_chunked(["a", "", "bb", b"ccc", b""])

    response = serve_with(handler, connect).get("/")
    assert response.headers["transfer-encoding"] == "chunked"
    assert "content-length" not in response.headers
    assert response.content == b"abbccc"


def test_send_error_with_pairs_or_a_dict_replaces_headers(connect: Callable[..., Client]) -> None:
    def handler(ev: Event, req: Req, res: Res) -> None:
        res.headers["X-Dropped"] = "1"
        if req.url == "/pairs":
            res.send_error(418, "teapot", [("X-A", "1")])
        else:
            res.send_error(503, b"later", {"Retry-After": "5"})

    client = serve_with(handler, connect)
    pairs = client.get("/pairs")
    assert (pairs.status_code, pairs.text, pairs.headers["x-a"]) == (418, "teapot", "1")
    assert pairs.headers["content-length"] == "6"
    assert "x-dropped" not in pairs.headers
    mapping = client.get("/dict")
    assert (mapping.status_code, mapping.text, mapping.headers["retry-after"]) == (
        503,
        "later",
        "5",
    )


def test_a_second_send_fails_and_the_first_response_wins(
    connect: Callable[..., Client], caplog: pytest.LogCaptureFixture
) -> None:
    def first(ev: Event, req: Req, res: Res) -> None:
        res.send_all("first", buffer=False)

    def second(ev: Event, req: Req, res: Res) -> None:
        res.send_all("second", buffer=False)

    server = vestespy.Server(("localhost", 8080))
    server.on("request", first)
    server.on("request", second)
    with caplog.at_level(logging.ERROR, "microrest.error"):
        assert connect(server).get("/").text == "first"
    assert "Already used that response instance!" in caplog.text


def test_head_keeps_headers_and_drops_the_body(connect: Callable[..., Client]) -> None:
    def handler(ev: Event, req: Req, res: Res) -> None:
        if req.url == "/stream":
            res.send_chunked(["abc"])
        else:
            res.send_all("four", buffer=False)

    client = serve_with(handler, connect)
    head = client.head("/")
    assert head.status_code == 200
    assert head.headers["content-length"] == "4"
    assert head.content == b""
    assert client.head("/stream").content == b""


def test_the_response_may_come_from_a_data_handler(connect: Callable[..., Client]) -> None:
    later: list[str] = []

    def onrequest(ev: Event, req: Req, res: Res) -> None:
        req.on("data", lambda ev, req, res, chunk: res.send_all(b"got " + chunk, buffer=False))
        req.on("end", lambda ev, req, res: later.append("end"))

    response = serve_with(onrequest, connect).post("/", content=b"abc")
    assert response.text == "got abc"
    assert later == ["end"]


def test_a_response_sent_before_the_body_still_sees_data_and_end(
    connect: Callable[..., Client],
) -> None:
    seen: list[Any] = []

    def onrequest(ev: Event, req: Req, res: Res) -> None:
        res.send_all("early", buffer=False)
        req.on("data", lambda ev, req, res, chunk: seen.append(chunk))
        req.on("end", lambda ev, req, res: seen.append("end"))

    assert serve_with(onrequest, connect).post("/", content=b"body").text == "early"
    assert seen == [b"body", "end"]


def test_http_error_from_any_handler_becomes_the_response(connect: Callable[..., Client]) -> None:
    def onrequest(ev: Event, req: Req, res: Res) -> None:
        if req.url == "/request":
            raise vestespy.HTTPError(403, "no")
        req.on("data", ondata)
        req.on("end", onend)

    def ondata(ev: Event, req: Req, res: Res, chunk: bytes) -> None:
        if chunk == b"bad":
            raise vestespy.HTTPError(400, b"bad chunk")

    def onend(ev: Event, req: Req, res: Res) -> None:
        res.send_all("buffered, then replaced by the error")
        raise vestespy.HTTPError(410)

    client = serve_with(onrequest, connect)
    denied = client.get("/request")
    assert (denied.status_code, denied.text) == (403, "no")
    assert "content-type" not in denied.headers
    assert client.post("/data", content=b"bad").text == "bad chunk"
    gone = client.get("/end")
    assert (gone.status_code, gone.content) == (410, b"")


def test_http_error_attributes_and_any_status() -> None:
    error = vestespy.HTTPError(301, "moved")
    assert (error.code, error.msg) == (301, "moved")
    assert vestespy.HTTPError(404).msg == b""
    assert str(error) == "301: moved"


def test_core_http_errors_work_too(connect: Callable[..., Client]) -> None:
    def handler(ev: Event, req: Req, res: Res) -> None:
        raise Forbidden("core says no", headers={"X-Why": "core"})

    response = serve_with(handler, connect).get("/")
    assert (response.status_code, response.text, response.headers["x-why"]) == (
        403,
        "core says no",
        "core",
    )


def test_other_exceptions_are_500_without_traceback_and_logged(
    connect: Callable[..., Client], caplog: pytest.LogCaptureFixture
) -> None:
    hooked: list[str] = []

    def handler(ev: Event, req: Req, res: Res) -> None:
        res.send_all("buffered and discarded")
        raise ValueError("secret detail")

    server = vestespy.Server(("localhost", 8080))
    server.set_exception_handler(lambda: hooked.append("hook"))
    server.on("request", handler)
    with caplog.at_level(logging.ERROR, "microrest.error"):
        response = connect(server).get("/")
    assert response.status_code == 500
    assert "secret detail" not in response.text
    assert "ValueError: secret detail" in caplog.text
    assert hooked == ["hook"]


def test_debug_puts_the_traceback_in_the_500(connect: Callable[..., Client]) -> None:
    def handler(ev: Event, req: Req, res: Res) -> None:
        raise ValueError("visible in debug")

    response = serve_with(handler, connect, debug=True).get("/")
    assert response.status_code == 500
    assert "ValueError: visible in debug" in response.text


def test_an_exception_after_an_unbuffered_send_keeps_the_response(
    connect: Callable[..., Client], caplog: pytest.LogCaptureFixture
) -> None:
    def handler(ev: Event, req: Req, res: Res) -> None:
        res.send_all("sent", buffer=False)
        raise ValueError("after sending")

    with caplog.at_level(logging.ERROR, "microrest.error"):
        response = serve_with(handler, connect).get("/")
    assert (response.status_code, response.text) == (200, "sent")
    assert "after sending" in caplog.text


def test_a_chain_that_never_responds_gets_500_and_a_log_line(
    connect: Callable[..., Client], caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, "microrest.error"):
        response = serve_with(lambda ev, req, res: None, connect).get("/silent?x=1")
    assert response.status_code == 500
    assert response.content == b""
    assert "sent no response for GET /silent" in caplog.text


def test_a_server_without_handlers_answers_500(connect: Callable[..., Client]) -> None:
    server = vestespy.Server(("localhost", 8080))
    assert connect(server).get("/").status_code == 500


def test_invalid_header_values_become_a_500(connect: Callable[..., Client]) -> None:
    def handler(ev: Event, req: Req, res: Res) -> None:
        res.headers["X-Bad"] = "a\rb"
        res.send_all("x", buffer=False)

    assert serve_with(handler, connect).get("/").status_code == 500


@pytest.mark.parametrize(("compat", "status"), [(False, 501), (True, 400)])
def test_unknown_methods_never_reach_the_handlers(
    connect: Callable[..., Client], compat: bool, status: int
) -> None:
    calls: list[str] = []

    def handler(ev: Event, req: Req, res: Res) -> None:
        calls.append(req.method)
        res.send_all("handled")

    client = serve_with(handler, connect, compat=compat)
    unknown = client.request("FOO", "/")
    assert (unknown.status_code, unknown.content) == (status, b"")
    assert client.request("TRACE", "/").text == "handled"
    assert calls == ["TRACE"]
