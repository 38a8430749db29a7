"""``microrest routes|run`` and ``python -m microrest``."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from microrest.cli import load_app, main
from microrest.errors import ConfigurationError

ROOT = Path(__file__).resolve().parents[2]
MICROREST = Path(sys.executable).with_name("microrest")


def run_cli(args: list[str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MICROREST_DB": str(tmp_path / "cli.sqlite3")}
    return subprocess.run(
        args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=30, check=False
    )


def check_showcase_table(output: str) -> None:
    lines = output.splitlines()
    assert lines[0].split() == ["METHOD", "PATH", "STYLE", "HANDLER", "SOURCE"]
    rows = [line.split() for line in lines[1:]]
    assert rows[0][:4] == ["GET", "/", "core", "examples.showcase.index"]
    assert ["PUT", "/items/{key}", "core", "examples.items.core.make_app.<locals>.put_item"] in [
        r[:4] for r in rows
    ]
    for row in rows:
        assert len(row) == 5
        filename, _, line = row[4].rpartition(":")
        assert filename.endswith(".py") and line.isdigit()
    # columns line up: every row's second column starts where the header's does
    start = lines[0].index("PATH")
    assert all(line[start - 2 : start] == "  " and line[start] != " " for line in lines[1:])


def test_routes_command(tmp_path: Path) -> None:
    result = run_cli([str(MICROREST), "routes", "examples.showcase:app"], tmp_path)
    assert result.returncode == 0, result.stderr
    check_showcase_table(result.stdout)
    assert "examples/showcase.py:" in result.stdout


def test_python_dash_m_microrest(tmp_path: Path) -> None:
    result = run_cli(
        [sys.executable, "-m", "microrest", "routes", "examples.showcase:app"], tmp_path
    )
    assert result.returncode == 0, result.stderr
    check_showcase_table(result.stdout)
    helped = run_cli([sys.executable, "-m", "microrest", "--help"], tmp_path)
    assert helped.returncode == 0
    assert "routes" in helped.stdout and "run" in helped.stdout


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("examples.showcase", "expected 'module:attribute'"),
        ("no_such_module_xyz:app", "cannot import module 'no_such_module_xyz'"),
        ("examples.showcase:nope", "no attribute 'nope'"),
        ("examples.showcase:store", "is not a microrest app"),
    ],
)
def test_routes_errors_are_messages_not_tracebacks(
    target: str, message: str, tmp_path: Path
) -> None:
    result = run_cli([str(MICROREST), "routes", target], tmp_path)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_usage_error_exit_code(tmp_path: Path) -> None:
    result = run_cli([str(MICROREST)], tmp_path)
    assert result.returncode == 2
    assert "usage:" in result.stderr


def test_main_in_process(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("MICROREST_DB", str(tmp_path / "in-process.sqlite3"))
    monkeypatch.chdir(ROOT)
    assert main(["routes", "examples.showcase:app"]) == 0
    check_showcase_table(capsys.readouterr().out)


def test_load_app_keeps_the_callers_no_serve_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("MICROREST_DB", ":memory:")
    monkeypatch.setenv("MICROREST_NO_SERVE", "1")
    load_app("examples.showcase:app")
    assert os.environ.get("MICROREST_NO_SERVE") == "1"
    monkeypatch.delenv("MICROREST_NO_SERVE")
    load_app("examples.showcase:app")
    assert "MICROREST_NO_SERVE" not in os.environ
    with pytest.raises(ConfigurationError):
        load_app("examples.showcase:app.nothing")
