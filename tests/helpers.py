"""Real servers for tests: uvicorn subprocesses on 127.0.0.1, bounded in time, stopped by PID."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
START_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(
    port: int, process: subprocess.Popen[bytes], timeout: float = START_TIMEOUT
) -> None:
    """Return once something accepts on ``port``; fail fast if the process died."""
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            output = process.stdout.read().decode(errors="replace") if process.stdout else ""
            raise RuntimeError(f"server exited with {process.returncode}:\n{output}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise TimeoutError(f"nothing listened on port {port} within {timeout}s") from None
            time.sleep(0.02)  # polling a socket: there is no event to await across processes


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextlib.contextmanager
def run_process(
    command: Sequence[str], port: int, env: dict[str, str] | None = None
) -> Iterator[subprocess.Popen[bytes]]:
    """Start ``command`` (which must listen on ``port``) and stop it by PID afterwards."""
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    process = subprocess.Popen(
        list(command), cwd=ROOT, env=full_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        wait_for_port(port, process)
        yield process
    finally:
        stop(process)
        if process.stdout:
            process.stdout.close()


@contextlib.contextmanager
def serve(
    target: str,
    *,
    workers: int = 2,
    env: dict[str, str] | None = None,
    args: Sequence[str] = (),
    scheme: str = "http",
) -> Iterator[str]:
    """``uvicorn target --workers N`` on a free port; yields the base URL."""
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", target, "--host", "127.0.0.1"]
    command += ["--port", str(port), "--workers", str(workers), "--log-level", "warning", *args]
    with run_process(command, port, env):
        yield f"{scheme}://127.0.0.1:{port}"
