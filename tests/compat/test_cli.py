"""``microrest run --compat`` and ``python -m microrest.compat``'s own command line."""

from __future__ import annotations

import subprocess
import sys

import httpx
import pytest
from tests.helpers import ROOT, free_port, run_process


@pytest.mark.e2e
@pytest.mark.parametrize("workers", [1, 2])
def test_run_compat_serves_a_legacy_module(workers: int) -> None:
    """Each worker installs the hook itself (``microrest.compat.workers``) before the import."""
    port = free_port()
    command = [sys.executable, "-m", "microrest", "run", "--compat"]
    command += ["examples.legacy.webpy_readme:httpd", "--port", str(port)]
    command += ["--workers", str(workers), "--log-level", "warning"]
    with run_process(command, port, env={"MICROREST_NO_SERVE": "0"}):
        assert httpx.get(f"http://127.0.0.1:{port}/nothing").status_code == 404
        if workers == 1:  # the README keeps its items in a dict: one process shares them
            assert httpx.put(f"http://127.0.0.1:{port}/k", content=b"v").text == "Accepted"
            assert httpx.get(f"http://127.0.0.1:{port}/k").text == "v"


def test_run_without_compat_cannot_import_a_legacy_module() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "microrest", "routes", "examples.legacy.webpy_readme:httpd"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0 and "No module named 'web'" in done.stderr


def test_runner_refuses_a_missing_script() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "microrest.compat", "no_such_script.py"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and "no such script: no_such_script.py" in done.stderr


def test_runner_runs_a_module_with_its_arguments(tmp_path: pytest.TempPathFactory) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "microrest.compat", "-m", "examples.legacy.corepost_single"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={"MICROREST_NO_SERVE": "1", "PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)},
    )
    assert done.returncode == 0, done.stderr
