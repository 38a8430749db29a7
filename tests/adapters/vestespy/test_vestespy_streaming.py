"""Proof of streaming over a real uvicorn: 50 MiB up and down while server memory stays flat.

The server's peak resident size (VmHWM in /proc/<pid>/status) must stay well under the size
of the body: a buffered 50 MiB body alone would push it up by 50 MiB.
"""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from examples.vestespy_streaming import BLOCK, block
from tests.helpers import free_port, run_process

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs /proc"),
]

SIZE = 50 * 1024 * 1024
HEADROOM = 20 * 1024 * 1024  # allowed growth of the peak: far below the 50 MiB body


def memory(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM (peak) of ``pid`` in bytes."""
    values: dict[str, int] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0]) * 1024
    return values


@pytest.fixture(scope="module")
def live() -> Iterator[tuple[str, int]]:
    """One uvicorn process serving the streaming example: (base URL, server PID)."""
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", "examples.vestespy_streaming:server"]
    command += ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
    with run_process(command, port) as process:
        base = f"http://127.0.0.1:{port}"
        httpx.post(base + "/upload", content=b"warm-up", timeout=10).raise_for_status()
        yield base, process.pid


def test_a_50_mib_chunked_upload_is_hashed_chunk_by_chunk(live: tuple[str, int]) -> None:
    base, pid = live
    before = memory(pid)
    expected = hashlib.sha256()

    def body() -> Iterator[bytes]:
        for index in range(SIZE // BLOCK):
            data = block(index)
            expected.update(data)
            yield data

    response = httpx.post(base + "/upload", content=body(), timeout=60)
    assert response.request.headers["transfer-encoding"] == "chunked"
    assert response.status_code == 200
    assert response.text == f"{SIZE} {expected.hexdigest()}"
    after = memory(pid)
    assert after["VmHWM"] - before["VmRSS"] < HEADROOM, (before, after)


def test_a_50_mib_send_chunked_download_is_read_progressively(live: tuple[str, int]) -> None:
    base, pid = live
    before = memory(pid)
    received = hashlib.sha256()
    expected = hashlib.sha256()
    reads = 0
    total = 0
    with httpx.stream("GET", f"{base}/download/{SIZE}", timeout=60) as response:
        assert response.status_code == 200
        assert response.headers["transfer-encoding"] == "chunked"
        assert "content-length" not in response.headers
        for index, chunk in enumerate(response.iter_raw()):
            if index == 0:
                # The first bytes arrive while the server is still producing the rest.
                assert memory(pid)["VmRSS"] - before["VmRSS"] < HEADROOM
            received.update(chunk)
            total += len(chunk)
            reads += 1
    for index in range(SIZE // BLOCK):
        expected.update(block(index))
    assert total == SIZE
    assert received.hexdigest() == expected.hexdigest()
    assert reads > 100  # many reads, not one buffered body
    after = memory(pid)
    assert after["VmHWM"] - before["VmRSS"] < HEADROOM, (before, after)
