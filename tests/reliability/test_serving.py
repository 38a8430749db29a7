"""Serving under duress: slow clients and a small thread pool, graceful shutdown, and streams
that stop pulling when their client leaves, in every style."""

from __future__ import annotations

import pathlib
import socket
import time

import httpx
import pytest

from .conftest import CLEAN_EXITS, Server, read_all, start, wait_until
from .target import ECHO, STREAMING

pytestmark = pytest.mark.e2e


def test_slow_clients_do_not_exhaust_the_thread_pool(server: Server) -> None:
    """The core app has 2 limiter threads; 20 clients that trickle bodies or never read hold
    none of them, so a sync handler still answers at once."""
    slow = []
    for style, (method, path) in ECHO.items():
        for _ in range(3):  # trickling uploads: headers sent, half a body, then silence
            sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
            sock.sendall(
                f"{method} {path} HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
                "Content-Length: 100\r\n\r\n[1,".encode()
            )
            slow.append(sock)
        if style not in STREAMING:
            continue
        for index in range(2):  # readers that never read a large stream
            sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            sock.sendall(
                f"GET /{style}/stream/64?token=pool{index} HTTP/1.1\r\nHost: t\r\n\r\n".encode()
            )
            slow.append(sock)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{server.port}", timeout=5) as client:
            started = time.monotonic()
            for _ in range(5):
                assert client.get("/slow-sync").text == "done"
            assert time.monotonic() - started < 5
    finally:
        for sock in slow:
            sock.close()
    server.assert_healthy()


def test_graceful_shutdown_finishes_in_flight_responses(tmp_path: pathlib.Path) -> None:
    server = start(tmp_path)
    release = tmp_path / "release"
    with socket.create_connection(("127.0.0.1", server.port), timeout=15) as sock:
        head = f"GET /pause?release={release} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"
        sock.sendall(head.encode())
        first = b""
        while b"first\n" not in first:
            first += sock.recv(65536)
        server.process.send_signal(15)  # SIGTERM while the response is in flight
        wait_until(lambda: "Shutting down" in server.log_text(), what="shutdown started")
        release.touch()
        rest = read_all(sock)
    assert b"second\n" in first + rest
    assert server.process.wait(15) in CLEAN_EXITS
    assert "Finished server process" in server.log_text()
    assert "Traceback" not in server.log_text()


@pytest.mark.parametrize("style", STREAMING)
def test_a_stream_stops_when_its_client_leaves(server: Server, style: str) -> None:
    token = f"leave-{style}"
    marker = server.markers / f"{style}-{token}"
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(f"GET /{style}/stream/4000?token={token} HTTP/1.1\r\nHost: t\r\n\r\n".encode())
        received = 0
        while received < 1024 * 1024:
            received += len(sock.recv(65536))
    wait_until(marker.exists, what=f"{style} stream stopped")
    sent = int(marker.read_text())
    assert sent < 4000 * 1024 * 1024, f"{style} produced the whole stream for a client that left"
    server.assert_healthy()
