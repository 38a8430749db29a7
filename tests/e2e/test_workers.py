"""Real uvicorn, two worker processes: both answer, and they share data through SQLite."""

from __future__ import annotations

import os
import sys
import textwrap
from pathlib import Path

import httpx
import pytest
from tests.helpers import free_port, run_process, serve

pytestmark = pytest.mark.e2e

MAX_ATTEMPTS = 300


def worker_of(client: httpx.Client) -> int:
    response = client.get("/")
    assert response.status_code == 200
    return int(response.json()["worker"])


def fresh_client(base_url: str) -> httpx.Client:
    """One keep-alive connection: every request on it reaches the same worker process."""
    return httpx.Client(
        base_url=base_url,
        timeout=10,
        limits=httpx.Limits(max_connections=1, max_keepalive_connections=1),
    )


def two_workers(base_url: str) -> tuple[httpx.Client, httpx.Client]:
    """Two clients whose connections landed on two different workers."""
    first = fresh_client(base_url)
    first_pid = worker_of(first)
    for _ in range(MAX_ATTEMPTS):
        second = fresh_client(base_url)
        if worker_of(second) != first_pid:
            return first, second
        second.close()
    first.close()
    raise AssertionError(f"only worker {first_pid} answered {MAX_ATTEMPTS} fresh connections")


def distinct_pids(base_url: str) -> set[int]:
    pids: set[int] = set()
    for _ in range(MAX_ATTEMPTS):
        with fresh_client(base_url) as client:
            pids.add(worker_of(client))
        if len(pids) == 2:
            break
    return pids


def test_uvicorn_two_workers_both_answer_and_share_sqlite(tmp_path: Path) -> None:
    env = {"MICROREST_DB": str(tmp_path / "items.sqlite3")}
    with serve("examples.showcase:app", workers=2, env=env) as base_url:
        assert len(distinct_pids(base_url)) == 2
        first, second = two_workers(base_url)
        try:
            assert worker_of(first) != worker_of(second)
            key = f"shared-{os.getpid()}"
            created = first.put(f"/items/{key}", json={"n": 1, "who": "first"})
            assert created.status_code == 201
            read = second.get(f"/items/{key}")
            assert read.status_code == 200
            assert read.json() == {"key": key, "value": {"n": 1, "who": "first"}}
            updated = second.put(f"/items/{key}", json={"n": 2})
            assert updated.status_code == 200
            assert first.get(f"/items/{key}").json()["value"] == {"n": 2}
            assert key in first.get("/items").json()
            assert second.delete(f"/items/{key}").status_code == 204
            assert first.get(f"/items/{key}").status_code == 404
            assert first.get("/nowhere").status_code == 404
        finally:
            first.close()
            second.close()


def test_microrest_run_with_two_workers(tmp_path: Path) -> None:
    """What ``make run`` does: ``microrest run examples.showcase:app --workers 2``."""
    port = free_port()
    command = [str(Path(sys.executable).with_name("microrest")), "run", "examples.showcase:app"]
    command += ["--host", "127.0.0.1", "--port", str(port), "--workers", "2"]
    command += ["--log-level", "warning"]
    env = {"MICROREST_DB": str(tmp_path / "run.sqlite3")}
    with run_process(command, port, env):
        base_url = f"http://127.0.0.1:{port}"
        with fresh_client(base_url) as client:
            assert client.get("/").json()["name"] == "microrest showcase"
            assert client.get("/routes").status_code == 200
        assert len(distinct_pids(base_url)) == 2


def test_a_script_run_as_main_serves_two_workers(tmp_path: Path) -> None:
    """``run(app, workers=2)`` in a script finds the import string of ``__main__`` itself."""
    script = tmp_path / "legacy_script.py"
    script.write_text(
        textwrap.dedent(
            """
            import os
            import sys

            from microrest import App
            from microrest.server import run

            app = App()


            @app.get("/")
            async def index(request):
                return {"worker": os.getpid(), "module": __name__}


            run(app, "127.0.0.1", int(sys.argv[1]), workers=2, log_level="warning")
            """
        )
    )
    port = free_port()
    with run_process([sys.executable, str(script), str(port)], port):
        base_url = f"http://127.0.0.1:{port}"
        with fresh_client(base_url) as client:
            assert client.get("/").json()["module"] == "legacy_script"
        assert len(distinct_pids(base_url)) == 2
