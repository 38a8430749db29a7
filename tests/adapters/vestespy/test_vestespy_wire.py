"""Real uvicorn, raw sockets: streams stop when their client leaves; bad headers never go out.

Issue 9 item 18: a stream started before the body was read kept being pulled after the client
left (about 70% CPU, for ever) and uvicorn then ignored SIGTERM. Every way of streaming is
tried here: ``send_chunked`` and ``send_stream``, from the ``request``, ``data`` and ``end``
handlers, from sync and async generators. Issue 10 item 12: a header value with CR/LF or
outside latin-1 is a 500, logged once, and never reaches the wire, streaming paths included.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.helpers import ROOT, free_port, stop, wait_for_port

pytestmark = pytest.mark.e2e

APP = "tests.adapters.vestespy.wire_app:server"
WAIT = 10.0


class Live:
    """One uvicorn process serving ``wire_app``."""

    def __init__(
        self, process: subprocess.Popen[bytes], port: int, log: Path, output: Path
    ) -> None:
        self.process = process
        self.port = port
        self.log = log
        self.output = output

    def connect(self) -> socket.socket:
        return socket.create_connection(("127.0.0.1", self.port), timeout=WAIT)

    def wait_closed(self, name: str) -> None:
        """Until the generator ``name`` reported that it was closed (bounded)."""
        deadline = time.monotonic() + WAIT
        while f"{name} closed" not in self.log.read_text():
            assert self.process.poll() is None, "the server died"
            assert time.monotonic() < deadline, f"{name} is still being pulled"
            time.sleep(0.02)  # another process writes the file: no event to await here

    def terminate(self) -> tuple[int, str]:
        """SIGTERM, then the exit status within a bounded wait, and everything it printed.

        uvicorn shuts down gracefully, then raises the signal it caught again: a clean exit
        is -SIGTERM (and 0 for older uvicorn).
        """
        self.process.send_signal(signal.SIGTERM)
        try:
            status = self.process.wait(WAIT)
        except subprocess.TimeoutExpired:
            pytest.fail("uvicorn ignored SIGTERM")
        assert status in (0, -signal.SIGTERM)
        return status, self.output.read_text(errors="replace")


@pytest.fixture
def live(tmp_path: Path) -> Iterator[Live]:
    """The server's output goes to a file: a pipe nobody reads would fill up and block it."""
    port = free_port()
    log = tmp_path / "closed.log"
    log.write_text("")
    output = tmp_path / "server.out"
    command = [sys.executable, "-m", "uvicorn", APP, "--host", "127.0.0.1"]
    command += ["--port", str(port), "--log-level", "warning"]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "VESTESPY_WIRE_LOG": str(log)}
    with output.open("wb") as sink:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=sink, stderr=sink)
        try:
            wait_for_port(port, process)
            yield Live(process, port, log, output)
        finally:
            stop(process)


def read_until(sock: socket.socket, marker: bytes, limit: int = 1 << 20) -> bytes:
    data = b""
    while marker not in data:
        chunk = sock.recv(65536)
        assert chunk, f"connection closed before {marker!r}: {data[:200]!r}"
        data += chunk
        assert len(data) < limit
    return data


def read_flowing(sock: socket.socket) -> bytes:
    """The head and 64 KiB of an endless stream: it is flowing."""
    data = b""
    while len(data) < 65536:
        chunk = sock.recv(65536)
        assert chunk, f"connection closed early: {data[:200]!r}"
        data += chunk
    return data


def request_for(path: str, event: str) -> bytes:
    """Bytes that leave the body unfinished when the stream must start before it is read."""
    head = f"POST {path} HTTP/1.1\r\nHost: t\r\n".encode()
    if event == "request":
        return head + b"Content-Length: 100\r\n\r\n"  # no body byte sent
    if event == "data":
        return head + b"Content-Length: 100\r\n\r\nhalf"  # 4 of 100 bytes
    return head + b"Content-Length: 4\r\n\r\nfull"


WAYS = [
    (way, event, kind)
    for way in ("chunked", "stream")
    for event in ("request", "data", "end")
    for kind in ("sync", "async")
]


@pytest.mark.parametrize(("way", "event", "kind"), WAYS)
def test_a_stream_stops_when_its_client_leaves(live: Live, way: str, event: str, kind: str) -> None:
    name = f"{way}/{event}/{kind}"
    with live.connect() as sock:
        sock.sendall(request_for(f"/stream/{name}", event))
        assert read_flowing(sock).startswith(b"HTTP/1.1 200")
    live.wait_closed(name)
    live.terminate()


def test_after_every_kind_of_disconnect_the_server_stops_on_sigterm(live: Live) -> None:
    for way, event, kind in WAYS:
        name = f"{way}/{event}/{kind}"
        with live.connect() as sock:
            sock.sendall(request_for(f"/stream/{name}", event))
            assert read_flowing(sock).startswith(b"HTTP/1.1 200")
    for way, event, kind in WAYS:
        live.wait_closed(f"{way}/{event}/{kind}")
    started = time.monotonic()
    live.terminate()
    assert time.monotonic() - started < WAIT


BAD_VALUES = {
    "crlf": ("a%0D%0AInjected:%20yes", b"Injected"),
    "lf": ("a%0AInjected:%20yes", b"Injected"),
    "not-latin-1": ("%E2%82%AC", "€".encode()),
}
HEADER_WAYS = ("all", "buffered", "error", "chunked", "stream", "early", "end")


def test_a_bad_header_value_is_a_500_logged_once_and_never_on_the_wire(live: Live) -> None:
    answers = 0
    for way in HEADER_WAYS:
        for value, telltale in BAD_VALUES.values():
            with live.connect() as sock:
                body = b"abcd" if way == "early" else b""
                sock.sendall(
                    f"POST /header/{way}?v={value} HTTP/1.1\r\nHost: t\r\n"
                    f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
                    + body
                )
                data = b""
                while chunk := sock.recv(65536):
                    data += chunk
            head = data.split(b"\r\n\r\n", 1)[0]
            assert head.startswith(b"HTTP/1.1 500 "), (way, value, data)
            assert telltale not in data and b"x-echo" not in head.lower(), (way, value, data)
            answers += 1
    with live.connect() as sock:  # the server is still up and answering
        sock.sendall(b"POST /header/all?v=fine HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n")
        assert b"x-echo: fine" in read_until(sock, b"all").lower()
    _, output = live.terminate()
    assert output.count("InvalidHeader: header 'X-Echo'") == answers, output
