"""Request attributes, and the original's request-parsing cases (W-Q*) over a real socket.

Parsing the request line and headers is uvicorn's job under ASGI, so those cases check the
modern outcome the adapter documents: HTTP/1.0 is served, malformed lines are a 400, a
``Connection: close`` request closes, a 404 keeps the connection, pipelined requests are
answered in order, and an unread GET body never desynchronises the next request.
"""

from __future__ import annotations

import re
import socket
from collections.abc import Callable, Iterator
from typing import Any

import pytest

import microrest.adapters.webpy as web
from microrest.testing import Client

Serve = Callable[..., Client]


class Inspect(web.HTTPHandler):
    def do_get(self) -> Any:
        request = self.request
        return 200, "|".join(
            [
                request.method,
                request.resource,
                request.request_line,
                request.headers.get("X-Test") or "-",
                repr(request.body),
                str(sorted(request.query.items())),
                str(request.client_address is not None),
            ]
        )

    def do_post(self) -> Any:
        return 200, repr(self.request.body)


def test_request_attributes(serve: Serve) -> None:
    text = serve({"/r/(.*)": Inspect}).get("/r/a%20b?x=1&y=2", headers={"X-Test": "yes"}).text
    assert text.split("|") == [
        "GET",
        "/r/a%20b?x=1&y=2",
        "GET /r/a%20b?x=1&y=2 HTTP/1.1",
        "yes",
        "b''",
        "[('x', '1'), ('y', '2')]",
        "True",
    ]


def test_body_only_for_body_methods(serve: Serve) -> None:
    client = serve({"/": Inspect})
    assert client.post("/", content=b"data").text == "b'data'"
    assert "b''" in client.request("GET", "/", content=b"ignored").text


@pytest.fixture(scope="module")
def address() -> Iterator[tuple[str, int]]:
    httpd = web.HTTPServer(("127.0.0.1", 0), {"/": Inspect, "/r/(.*)": Inspect})
    httpd.start()
    try:
        yield httpd.server_address
    finally:
        httpd.close()


def exchange(address: tuple[str, int], data: bytes) -> bytes:
    """Send raw bytes (the last request asks to close) and read until the server closes."""
    with socket.create_connection(address, timeout=5) as sock:
        sock.sendall(data)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
        return received


def statuses(data: bytes) -> list[bytes]:
    return re.findall(rb"HTTP/1\.1 (\d{3}) [A-Z]", data)


def test_http_1_0_is_served(address: tuple[str, int]) -> None:
    assert statuses(exchange(address, b"GET / HTTP/1.0\r\n\r\n")) == [b"200"]


def test_malformed_request_line_is_400(address: tuple[str, int]) -> None:
    assert statuses(exchange(address, b"GET / HTTP/9000 x\r\n\r\n")) == [b"400"]


def test_connection_close_is_honoured(address: tuple[str, int]) -> None:
    data = exchange(address, b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert data.startswith(b"HTTP/1.1 200")
    assert b"connection: close" in data.lower()


def test_404_keeps_the_connection_and_pipelining_is_in_order(address: tuple[str, int]) -> None:
    data = exchange(
        address,
        b"GET /missing HTTP/1.1\r\nHost: x\r\n\r\n"
        b"GET /r/second HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    )
    assert statuses(data) == [b"404", b"200"]
    assert data.index(b"404 - Not Found\n") < data.index(b"GET|/r/second|")


def test_an_unread_get_body_does_not_leak_into_the_next_request(
    address: tuple[str, int],
) -> None:
    data = exchange(
        address,
        b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nXXXX"
        b"GET /r/next HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    )
    assert statuses(data) == [b"200", b"200"]
    assert b"GET|/r/next|" in data
