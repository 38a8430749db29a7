"""Memory stays bounded: a 200 MiB upload to a JSON route, and slow readers of large streams.

The serving process's RSS (``/proc/<pid>/status``) is sampled while the attack runs; it may grow
by less than 64 MiB in every style.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator

import pytest

from .conftest import Server
from .target import ECHO, STREAMING, STYLES

pytestmark = pytest.mark.e2e
BOUND = 64 * 1024 * 1024
MIB = 1024 * 1024


class Peak:
    """Samples the server's RSS in a thread until stopped; ``growth`` over the start."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.start = server.rss()
        self.peak = self.start
        self.done = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self) -> None:
        while not self.done.wait(0.01):
            self.peak = max(self.peak, self.server.rss())

    def stop(self) -> int:
        self.done.set()
        self.thread.join()
        self.peak = max(self.peak, self.server.rss())
        return self.peak - self.start


def chunks(total: int, size: int = MIB) -> Iterator[bytes]:
    block = b"[" + b"0," * (size // 2 - 1) + b"0"
    sent = 0
    while sent < total:
        piece = block[: min(size, total - sent)]
        sent += len(piece)
        yield b"%x\r\n%s\r\n" % (len(piece), piece)


@pytest.mark.parametrize("style", STYLES)
def test_a_200_mib_upload_to_a_json_route_keeps_memory_bounded(server: Server, style: str) -> None:
    peak = Peak(server)
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        method, path = ECHO[style]
        head = (
            f"{method} {path} HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
            "Transfer-Encoding: chunked\r\n\r\n"
        )
        sock.sendall(head.encode())
        try:
            for chunk in chunks(200 * MIB):
                sock.sendall(chunk)
            sock.sendall(b"0\r\n\r\n")
        except OSError:
            pass  # the server refused the body (413) and closed: what a bound looks like
        answer = b""
        with contextlib.suppress(OSError):
            answer = sock.recv(65536)
    growth = peak.stop()
    assert growth < BOUND, f"{style}: RSS grew by {growth / MIB:.1f} MiB"
    if answer:
        assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    server.assert_healthy()


@pytest.mark.parametrize("style", STREAMING)
def test_slow_readers_of_large_streams_keep_memory_bounded(server: Server, style: str) -> None:
    peak = Peak(server)
    readers = []
    for index in range(8):
        sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
        # A small receive window, never read: the server's writes must wait for us.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.sendall(
            f"GET /{style}/stream/64?token=slow{index} HTTP/1.1\r\nHost: t\r\n\r\n".encode()
        )
        readers.append(sock)
    try:
        # Give the producers time to run ahead if nothing held them back (bounded wait:
        # we are measuring what does NOT happen, so there is no event to await).
        threading.Event().wait(2.0)
    finally:
        growth = peak.stop()
        for sock in readers:
            sock.close()
    assert growth < BOUND, f"{style}: RSS grew by {growth / MIB:.1f} MiB"
    server.assert_healthy()
