"""A CorePost app on real uvicorn, driven with raw sockets: slow readers, clients that leave,
keys and headers that cannot go on the wire (issue 10 items 8, 9, 12; issue 9 item 18)."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.helpers import ROOT, free_port, stop, wait_for_port

pytestmark = pytest.mark.e2e

TARGET = "tests.adapters.corepost.serving_app:app"
DEADLINE = 10.0  # seconds any wait below may take
MiB = 1024 * 1024


class Served:
    """A uvicorn process (no worker pool: its PID is the server's) and what it logged."""

    def __init__(self, base_url: str, process: subprocess.Popen[bytes], log: Path) -> None:
        self.base_url = base_url
        self.process = process
        self.log = log

    def output(self) -> str:
        return self.log.read_text(errors="replace")


@contextlib.contextmanager
def server(tmp_path: Path) -> Iterator[Served]:
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", TARGET, "--host", "127.0.0.1", "--port", str(port)]
    log = tmp_path / "server.log"
    paths = [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [*command, "--log-level", "warning"], cwd=ROOT, env=env, stdout=sink, stderr=sink
        )
        try:
            wait_for_port(port, process)
            yield Served(f"http://127.0.0.1:{port}", process, log)
        finally:
            stop(process)


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS line")


def raw_request(port: int, target: str, *, receive_buffer: int | None = None) -> socket.socket:
    sock = socket.socket()
    if receive_buffer is not None:  # a small window: the client really takes nothing more
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
    sock.settimeout(DEADLINE)
    sock.connect(("127.0.0.1", port))
    sock.sendall(f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
    return sock


def read_head(sock: socket.socket) -> tuple[bytes, bytes]:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, f"connection closed after {data!r}"
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    return head, rest


def read_chunked_body(sock: socket.socket, data: bytes) -> int:
    """The payload length of a chunked body, reading up to its last chunk."""
    payload = 0
    while True:
        while b"\r\n" not in data:
            data += sock.recv(1 << 20)
        size_line, _, data = data.partition(b"\r\n")
        size = int(size_line, 16)
        while len(data) < size + 2:
            chunk = sock.recv(1 << 20)
            assert chunk, f"connection closed after {payload} bytes"
            data += chunk
        data = data[size + 2 :]
        if size == 0:
            return payload
        payload += size


def port_of(base_url: str) -> int:
    return int(base_url.rsplit(":", 1)[1])


def state(base_url: str) -> dict[str, Any]:
    answer = httpx.get(base_url + "/state", timeout=DEADLINE)
    result: dict[str, Any] = answer.json()
    return result


def wait_until(condition: Any, what: str) -> None:
    deadline = time.monotonic() + DEADLINE
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {DEADLINE}s: {what}")
        time.sleep(0.05)  # polling another process: there is no event to await


# --- 9: backpressure ---------------------------------------------------------------------


@pytest.mark.parametrize("route", ["big", "big-unawaited"])
def test_clients_that_never_read_do_not_grow_the_server(route: str, tmp_path: Path) -> None:
    """Five clients ask for 32 MiB each and read nothing: the server holds a bounded amount."""
    clients, size = 5, 32
    with server(tmp_path) as served:
        base_url, process = served.base_url, served.process
        port = port_of(base_url)
        httpx.get(f"{base_url}/{route}/1", timeout=DEADLINE)  # warm up: imports, first stream
        before = rss_kib(process.pid)
        sockets = [
            raw_request(port, f"/{route}/{size}", receive_buffer=4096) for _ in range(clients)
        ]
        try:
            rests = [read_head(sock)[1] for sock in sockets]
            wait_until(
                lambda: state(base_url)["running"].get(route, 0) in (0, clients), "streams started"
            )
            peak = before
            settle = (
                time.monotonic() + 2.0
            )  # long enough to buffer all 160 MiB without backpressure
            while time.monotonic() < settle:
                peak = max(peak, rss_kib(process.pid))
                time.sleep(0.05)
            grown_mib = (peak - before) / 1024
            assert grown_mib < 64, f"server grew by {grown_mib:.0f} MiB for {clients} idle readers"
            if route == "big":  # a client that reads at last gets the whole body
                assert read_chunked_body(sockets[0], rests[0]) == size * MiB
        finally:
            for sock in sockets:
                sock.close()
        if route == "big-unawaited":  # unawaited writes past the cap stop the handler
            wait_until(lambda: state(base_url)["ended"].get(route) == "StreamStalled", "stalled")


# --- 18: every way of streaming stops when the client leaves ------------------------------


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("/forever/awaited", "awaited"),
        ("/forever/unawaited", "unawaited"),
        ("/forever/inline-yield", "inline-yield"),
        ("/forever/inline-plain", "inline-plain"),
    ],
)
def test_stream_stops_when_the_client_leaves(path: str, kind: str, tmp_path: Path) -> None:
    with server(tmp_path) as served:
        base_url, process = served.base_url, served.process
        sock = raw_request(port_of(base_url), path)
        head, _ = read_head(sock)
        assert head.startswith(b"HTTP/1.1 200")
        sock.recv(65536)
        wait_until(lambda: state(base_url)["running"].get(kind) == 1, "the stream runs")
        sock.close()
        wait_until(lambda: state(base_url)["running"].get(kind) == 0, "the stream stopped")
        assert state(base_url)["ended"][kind] == "ClientDisconnect"
        assert process.poll() is None
    output = served.output()
    assert "Traceback" not in output, output


# --- 8 and 12: values that cannot go on the wire --------------------------------------------


@pytest.mark.parametrize(
    ("raw_key", "header"),
    [
        ("a%00b", b"a%00b"),
        ("a%0D%0ASet-Cookie:%20x=1", b"a%0D%0ASet-Cookie: x=1"),
        ("%E2%98%83", b"%E2%98%83"),
    ],
)
def test_not_found_key_keeps_its_404_on_the_wire(
    raw_key: str, header: bytes, tmp_path: Path
) -> None:
    with server(tmp_path) as served:
        base_url = served.base_url
        sock = raw_request(port_of(base_url), "/thing/" + raw_key)
        head, _ = read_head(sock)
        sock.close()
        lines = head.split(b"\r\n")
        assert lines[0] == b"HTTP/1.1 404 Not Found"
        assert b"x-corepost-value: " + header in lines
        assert not any(line.lower().startswith(b"set-cookie") for line in lines)
    output = served.output()
    assert "Traceback" not in output, output


@pytest.mark.parametrize("path", ["/bad-header", "/bad-stream-header"])
def test_bad_handler_header_is_a_500_logged_once(path: str, tmp_path: Path) -> None:
    with server(tmp_path) as served:
        base_url = served.base_url
        for value in ("a%0D%0ASet-Cookie:%20x=1", "a%00b", "%E2%98%83"):
            sock = raw_request(port_of(base_url), f"{path}?v={value}")
            head, _ = read_head(sock)
            sock.close()
            assert head.startswith(b"HTTP/1.1 500")
            assert b"set-cookie" not in head.lower() and b"x-echo" not in head.lower()
        assert httpx.get(base_url + "/state", timeout=DEADLINE).status_code == 200
    output = served.output()
    assert output.count("Unhandled exception") == 3, output
    assert output.count("Traceback") == 3, output
