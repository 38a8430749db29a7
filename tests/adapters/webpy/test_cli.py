"""The original's command lines, as real processes on a free port (issue 9 items 9 and 10):
``python -m microrest.adapters.webpy.file`` and ``python -m microrest.adapters.webpy.fancyindex``.
"""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from tests.helpers import STOP_TIMEOUT, free_port, run_process


@pytest.fixture
def directory(tmp_path: Path) -> Path:
    served = tmp_path / "served"
    served.mkdir()
    (served / "hello.txt").write_text("hello from disk")
    (served / "sub").mkdir()
    return served


def command(module: str, port: int, *args: str) -> list[str]:
    return [sys.executable, "-m", f"microrest.adapters.webpy.{module}", "-a", "127.0.0.1"] + [
        "-p",
        str(port),
        *args,
    ]


def test_file_serves_a_directory_and_stops_on_sigterm(directory: Path) -> None:
    port = free_port()
    with run_process(command("file", port, str(directory)), port) as process:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}") as client:
            assert client.get("/hello.txt").text == "hello from disk"
            assert client.get("/").text == "hello.txt\nsub/\n"  # listings on by default
            assert client.get("/sub").status_code == 307
            assert client.put("/new", content=b"x").status_code == 405
        process.send_signal(signal.SIGTERM)
        assert process.wait(STOP_TIMEOUT) == 0
        assert process.stdout is not None
        assert f"Serving {directory} on http://127.0.0.1:{port}/" in process.stdout.read().decode()


def test_file_options(directory: Path) -> None:
    port = free_port()
    args = ("--no-index", "--allow-modify", str(directory))
    with (
        run_process(command("file", port, *args), port),
        httpx.Client(base_url=f"http://127.0.0.1:{port}") as client,
    ):
        assert client.get("/").status_code == 403
        assert client.put("/new.txt", content=b"written").status_code == 204
        assert (directory / "new.txt").read_bytes() == b"written"
        assert client.delete("/new.txt").status_code == 204


def test_fancyindex_serves_a_listing(directory: Path) -> None:
    port = free_port()
    with (
        run_process(command("fancyindex", port, str(directory)), port),
        httpx.Client(base_url=f"http://127.0.0.1:{port}") as client,
    ):
        page = client.get("/")
        assert page.headers["Content-Type"] == "text/html; charset=utf-8"
        assert '<a href="sub/">sub/</a>' in page.text
        assert '<a href="hello.txt">hello.txt</a>' in page.text
        assert client.get("/hello.txt").text == "hello from disk"


def test_a_missing_directory_is_a_usage_error(tmp_path: Path) -> None:
    done = subprocess.run(
        command("file", free_port(), str(tmp_path / "nothing")),
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert b"is not a directory" in done.stderr
