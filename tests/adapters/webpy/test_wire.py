"""On real uvicorn with raw sockets: what only the wire shows.

compat's request-line/header checks (414, 431, 505) and which ones uvicorn makes first;
``keepalive=None``; header values a handler builds that cannot go on the wire (500, logged
once, nothing sent, streaming answers too); and every way of streaming stopping when the
client leaves (issue 9 items 8, 11; issue 10 item 12; issue 9 item 18).
"""

from __future__ import annotations

import asyncio
import io
import logging
import re
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

import microrest.adapters.webpy as web
from microrest.responses import StreamingResponse

WAIT = 10.0  # seconds: bounded waits for events from the server thread


class Hello(web.HTTPHandler):
    def do_get(self) -> Any:
        return 200, "hello"


def exchange(address: tuple[str, int], data: bytes) -> bytes:
    """Send raw bytes and read until the server closes the connection."""
    with socket.create_connection(address, timeout=WAIT) as sock:
        sock.sendall(data)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
        return received


def statuses(data: bytes) -> list[bytes]:
    return re.findall(rb"HTTP/1\.1 (\d{3}) ", data)


def running(httpd: web.HTTPServer) -> Iterator[tuple[str, int]]:
    httpd.start()
    try:
        yield httpd.server_address
    finally:
        httpd.close()


@pytest.fixture(scope="module")
def compat_address() -> Iterator[tuple[str, int]]:
    yield from running(web.HTTPServer(("127.0.0.1", 0), {"/(.*)": Hello}, compat=True))


@pytest.fixture(scope="module")
def default_address() -> Iterator[tuple[str, int]]:
    yield from running(web.HTTPServer(("127.0.0.1", 0), {"/(.*)": Hello}))


# request-line and header checks ---------------------------------------------------------------


def request(target: str = "/", version: str = "1.1", headers: str = "") -> bytes:
    return f"GET {target} HTTP/{version}\r\nHost: x\r\n{headers}Connection: close\r\n\r\n".encode()


def test_compat_answers_the_originals_checks(compat_address: tuple[str, int]) -> None:
    ok = exchange(compat_address, request())
    assert statuses(ok) == [b"200"]
    assert b"\r\nserver: web.py/0.1rc3\r\n" in ok.lower()
    assert ok.lower().count(b"\r\nserver:") == 1  # not uvicorn's as well
    old = exchange(compat_address, request(version="1.0"))
    assert statuses(old) == [b"505"]
    assert old.endswith(b"505 - HTTP Version Not Supported\n")
    long_line = "/" + "a" * (web.max_line_size - len("GET / HTTP/1.1\r\n") + 1)
    assert statuses(exchange(compat_address, request(long_line))) == [b"414"]
    fits = "/" + "a" * (web.max_line_size - len("GET / HTTP/1.1\r\n"))
    assert statuses(exchange(compat_address, request(fits))) == [b"200"]
    many = "".join(f"X-{i}: v\r\n" for i in range(web.max_headers))  # + Host + Connection
    assert statuses(exchange(compat_address, request(headers=many))) == [b"431"]
    value = "a" * (web.max_line_size - len("X-Long: \r\n") + 1)
    too_long = exchange(compat_address, request(headers=f"X-Long: {value}\r\n"))
    assert statuses(too_long) == [b"431"]
    assert too_long.endswith(b"431 - X-Long Header Too Large\n")
    assert b"connection: close" in too_long.lower()


def test_the_default_serves_what_compat_refuses(default_address: tuple[str, int]) -> None:
    assert statuses(exchange(default_address, request(version="1.0"))) == [b"200"]
    long_line = "/" + "a" * web.max_line_size
    assert statuses(exchange(default_address, request(long_line))) == [b"200"]
    assert b"web.py" not in exchange(default_address, request()).lower()


def test_uvicorn_refuses_malformed_lines_before_the_app(compat_address: tuple[str, int]) -> None:
    # Neither mode sees these: the server answers 400 itself (see docs/styles/webpy.md).
    for data in (b"GET / HTTP/9000 x\r\n\r\n", b"BAD\r\nHeader\r\n\r\n"):
        assert statuses(exchange(compat_address, data)) == [b"400"], data
    # A two-token line reaches the app as HTTP/0.9 (httptools): compat refuses the version.
    assert statuses(exchange(compat_address, b"GET /\r\n\r\n")) == [b"505"]


def test_keepalive_none_closes_after_each_answer() -> None:
    httpd = web.HTTPServer(("127.0.0.1", 0), {"/(.*)": Hello}, keepalive=None)
    for address in running(httpd):
        pipelined = b"GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n"
        data = exchange(address, pipelined)  # returns once the server closes
        assert statuses(data) == [b"200"]
        assert b"\r\nconnection: close\r\n" in data.lower()


def test_head_of_an_unsized_stream_on_the_wire() -> None:
    class Unsized(web.HTTPHandler):
        def do_get(self) -> Any:
            return 200, io.BytesIO(b"x" * 20000)

    for address in running(web.HTTPServer(("127.0.0.1", 0), {"/": Unsized})):
        get = exchange(address, b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        head = exchange(address, b"HEAD / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        assert b"transfer-encoding: chunked" in get.lower()
        assert b"content-length" not in head.lower()  # not "0": the length is unknown
        assert head.endswith(b"\r\n\r\n")


# header values a handler builds from input ----------------------------------------------------

BAD_VALUES = ["evil\r\nSet-Cookie: x=1", "line\nfeed", "snow ☃"]


class BadHeader(web.HTTPHandler):
    def do_get(self) -> Any:
        value = BAD_VALUES[int(self.groups[1])]
        self.response.headers.set("X-From-Input", value)
        kind = self.groups[0]
        if kind == "stream":
            return 200, io.BytesIO(b"streamed")
        if kind == "generator":
            return 200, (chunk for chunk in [b"a", b"b"])
        if kind == "response":
            return StreamingResponse(iter([b"a"]), headers={"X-From-Input": value})
        return 200, "plain"


@pytest.mark.parametrize("kind", ["plain", "stream", "generator", "response"])
def test_unsendable_header_values_are_a_logged_500(
    kind: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    log = web.HTTPLog(str(tmp_path / "httpd.log"), None)
    httpd = web.HTTPServer(("127.0.0.1", 0), {"/(\\w+)/([0-9])": BadHeader}, log=log)
    with caplog.at_level(logging.ERROR):
        for address in running(httpd):
            for index in range(len(BAD_VALUES)):
                line = f"GET /{kind}/{index} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                data = exchange(address, line.encode())
                assert statuses(data) == [b"500"], (kind, index, data)
                assert data.endswith(b"500 - Internal Server Error\n")
                assert b"set-cookie" not in data.lower() and b"x-from-input" not in data.lower()
    log.close()
    logged = (tmp_path / "httpd.log").read_text().count("Caught exception:")
    logged += len([r for r in caplog.records if r.levelno >= logging.ERROR and r.exc_info])
    assert logged == len(BAD_VALUES)  # once per request, wherever it was caught


# streams stop when the client leaves ----------------------------------------------------------


class Probe:
    """An endless source that records how far it was pulled and whether it was closed."""

    def __init__(self) -> None:
        self.pulled = 0
        self.closed = threading.Event()

    def read(self, size: int = -1) -> bytes:
        self.pulled += 1
        return b"x" * 8192

    def close(self) -> None:
        self.closed.set()


PROBES: dict[str, Probe] = {}


def endless_generator(probe: Probe) -> Iterator[bytes]:
    try:
        while True:
            probe.pulled += 1
            yield b"y" * 8192
    finally:
        probe.closed.set()


async def endless_async(probe: Probe) -> AsyncIterator[bytes]:
    try:
        while True:
            probe.pulled += 1
            await asyncio.sleep(0)
            yield b"z" * 8192
    finally:
        probe.closed.set()


class Endless(web.HTTPHandler):
    async def do_get(self) -> Any:
        kind = self.groups[0]
        probe = PROBES[kind] = Probe()
        if kind == "file":
            return 200, probe
        if kind == "sized":
            self.response.headers.set("Content-Length", str(1 << 40))
            return 200, probe
        if kind == "generator":
            return 200, endless_generator(probe)
        if kind == "async":
            return 200, endless_async(probe)
        return StreamingResponse(endless_generator(probe))  # a core response returned as is


@pytest.fixture(scope="module")
def endless_address() -> Iterator[tuple[str, int]]:
    yield from running(web.HTTPServer(("127.0.0.1", 0), {"/(\\w+)": Endless}))


@pytest.mark.parametrize("kind", ["file", "sized", "generator", "async", "response"])
def test_every_stream_stops_when_the_client_leaves(
    kind: str, endless_address: tuple[str, int]
) -> None:
    sock = socket.create_connection(endless_address, timeout=WAIT)
    sock.sendall(f"GET /{kind} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    received = 0
    while received < 200_000:
        chunk = sock.recv(65536)
        assert chunk
        received += len(chunk)
    sock.close()  # the client leaves mid-stream
    probe = PROBES[kind]
    assert probe.closed.wait(WAIT), f"{kind}: the source was never closed"
    pulled = probe.pulled
    time.sleep(0.2)  # nothing to await: the proof is that nothing more happens
    assert probe.pulled == pulled, f"{kind}: still pulled after the client left"
