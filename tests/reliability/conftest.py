"""A real uvicorn serving the reliability target, with its log kept for inspection.

One server per module (starting uvicorn costs about a second); every test checks that the log
has no traceback and that the server still answers.
"""

from __future__ import annotations

import contextlib
import os
import pathlib
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from tests.helpers import ROOT, free_port, stop, wait_for_port

SECRET = "the-secret-outside-the-root-7f3a"


@dataclass
class Server:
    """A running uvicorn: its process, port, log file and the directories the target uses."""

    process: subprocess.Popen[bytes]
    port: int
    log: pathlib.Path
    markers: pathlib.Path
    root: pathlib.Path
    since: int = 0  # where the current test's part of the log starts

    def mark(self) -> None:
        self.since = self.log.stat().st_size

    @property
    def pid(self) -> int:
        return self.process.pid

    def log_text(self) -> str:
        """The log written since the current test began."""
        with self.log.open("rb") as log:
            log.seek(self.since)
            return log.read().decode(errors="replace")

    def rss(self) -> int:
        """Resident set size of the serving process, in bytes (from /proc)."""
        for line in pathlib.Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
        raise AssertionError("no VmRSS line")

    def raw(self, data: bytes, timeout: float = 10.0) -> bytes:
        """Send raw bytes on a new connection; everything the server sends until it closes.

        The write side stays open: a half-closed connection reads as a client that left.
        """
        with socket.create_connection(("127.0.0.1", self.port), timeout=timeout) as sock:
            # The server may answer and close before taking everything: read that answer.
            with contextlib.suppress(OSError):
                sock.sendall(data)
            return read_all(sock)

    def status_of(self, data: bytes) -> int:
        answer = self.raw(data)
        assert answer.startswith(b"HTTP/1.1 "), f"no HTTP answer to {data[:80]!r}: {answer!r}"
        return int(answer[9:12])

    def assert_healthy(self) -> None:
        assert self.process.poll() is None, "the server died"
        answer = self.raw(b"GET /core/stream/0 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        assert answer.startswith(b"HTTP/1.1 200"), answer[:200]
        assert "Traceback" not in self.log_text(), self.log_text()[-4000:]


def read_all(sock: socket.socket) -> bytes:
    chunks = []
    while True:
        try:
            chunk = sock.recv(65536)
        except (ConnectionResetError, TimeoutError):
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks)


def make_root(base: pathlib.Path) -> pathlib.Path:
    """A served root with a secret beside it and symlinks that try to reach the secret."""
    (base / "secret.txt").write_text(SECRET)
    root = base / "root"
    (root / "sub").mkdir(parents=True)
    (root / "public.txt").write_text("public")
    (root / "link.txt").symlink_to(base / "secret.txt")
    (root / "linkdir").symlink_to(base)
    (root / "sub" / "index.html").symlink_to(base / "secret.txt")
    return root


def start(
    tmp: pathlib.Path, target: str = "tests.reliability.target:app", workers: int = 1
) -> Server:
    port = free_port()
    log = tmp / "server.log"
    markers = tmp / "markers"
    root = make_root(tmp)
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "RELIABILITY_MARKERS": str(markers),
        "RELIABILITY_ROOT": str(root),
        "MICROREST_DB": str(tmp / "items.sqlite3"),
    }
    command = [sys.executable, "-m", "uvicorn", target, "--host", "127.0.0.1"]
    command += ["--port", str(port), "--workers", str(workers), "--log-level", "info"]
    with log.open("wb") as output:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=output)
    wait_for_port(port, process)
    return Server(process, port, log, markers, root)


@pytest.fixture(scope="module")
def shared_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = start(tmp_path_factory.mktemp("reliability"))
    try:
        yield running
    finally:
        stop(running.process)


@pytest.fixture
def server(shared_server: Server) -> Server:
    """The module's server, its log read from this test on."""
    if shared_server.process.poll() is not None:
        pytest.fail(f"the server died earlier:\n{shared_server.log.read_text()[-4000:]}")
    shared_server.mark()
    return shared_server


def wait_until(condition: object, timeout: float = 10.0, what: str = "condition") -> None:
    """Poll a cross-process condition (a file, a count) until true, within ``timeout``."""
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not met within {timeout}s")
        time.sleep(0.02)  # across processes there is no event to await


# uvicorn re-raises SIGTERM after a graceful shutdown, so a clean exit reads as -SIGTERM.
CLEAN_EXITS = (0, -signal.SIGTERM)


def terminate(server: Server) -> int:
    server.process.send_signal(signal.SIGTERM)
    return server.process.wait(15)
