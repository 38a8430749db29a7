"""``microrest --version | routes | check`` and the options of ``run`` that need no server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from microrest import __version__
from microrest.cli import main

ROOT = Path(__file__).resolve().parents[2]
MICROREST = Path(sys.executable).with_name("microrest")


def cli(
    args: list[str], tmp_path: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "MICROREST_DB": str(tmp_path / "cli.sqlite3"), **(env or {})}
    return subprocess.run(
        [str(MICROREST), *args],
        cwd=ROOT,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--version"])
    assert exited.value.code == 0
    assert capsys.readouterr().out.strip() == f"microrest {__version__}"


@pytest.mark.parametrize("args", [["--help"], ["run", "--help"], ["routes", "--help"]])
def test_help_is_plain_text(args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(args)
    text = capsys.readouterr().out
    assert "``" not in text and "usage: microrest" in text


def test_run_help_lists_uvicorns_options(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["run", "--help"])
    text = capsys.readouterr().out
    for flag in (
        "--reload",
        "--factory",
        "--app-dir",
        "--root-path",
        "--proxy-headers",
        "--no-proxy-headers",
        "--forwarded-allow-ips",
        "--log-level",
        "--log-config",
        "--ssl-keyfile",
        "--ssl-certfile",
        "--http",
        "--loop",
        "--workers",
        "--timeout-keep-alive",
        "--limit-concurrency",
        "--h11-max-incomplete-event-size",
    ):
        assert flag in text
    assert "MICROREST_PORT" in text


def routes_json(tmp_path: Path, *extra: str) -> list[dict[str, str]]:
    result = cli(["routes", "examples.showcase:app", "--json", *extra], tmp_path)
    assert result.returncode == 0, result.stderr
    rows: list[dict[str, str]] = json.loads(result.stdout)
    return rows


def test_routes_json_filtered_by_style_and_method(tmp_path: Path) -> None:
    every = routes_json(tmp_path)
    assert {"method", "path", "style", "handler", "source", "name"} <= set(every[0])
    styles = {row["style"] for row in every}
    assert {"core", "CorePost"} <= styles or {"core", "corepost"} <= {s.lower() for s in styles}
    corepost = routes_json(tmp_path, "--style", "corepost")
    assert corepost and all(row["style"].lower() == "corepost" for row in corepost)
    puts = routes_json(tmp_path, "--method", "put")
    assert puts and all(row["method"] in ("PUT", "*") for row in puts)
    both = routes_json(tmp_path, "--style", "core", "--style", "corepost", "--method", "GET")
    assert both and all(
        row["style"].lower() in ("core", "corepost") and row["method"] in ("GET", "*")
        for row in both
    )
    assert len(both) < len(every)


def test_routes_table_filtered(tmp_path: Path) -> None:
    result = cli(["routes", "examples.showcase:app", "--method", "DELETE"], tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split()[:3] == ["METHOD", "PATH", "STYLE"]
    assert len(lines) > 1 and all(line.split()[0] in ("DELETE", "*") for line in lines[1:])


def test_the_app_comes_from_microrest_app(tmp_path: Path) -> None:
    result = cli(["routes"], tmp_path, {"MICROREST_APP": "examples.showcase:app"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("METHOD")
    missing = cli(["routes"], tmp_path, {"MICROREST_APP": ""})
    assert missing.returncode == 2
    assert "MICROREST_APP" in missing.stderr and "Traceback" not in missing.stderr


def test_a_bad_environment_value_is_one_line(tmp_path: Path) -> None:
    result = cli(["run", "examples.showcase:app"], tmp_path, {"MICROREST_PORT": "eighty"})
    assert result.returncode == 2
    assert result.stderr.strip() == "microrest: MICROREST_PORT='eighty': " + (
        "invalid literal for int() with base 10: 'eighty'"
    )
    result = cli(["run", "examples.showcase:app"], tmp_path, {"MICROREST_RELOAD": "maybe"})
    assert result.returncode == 2 and "MICROREST_RELOAD" in result.stderr
    result = cli(["run", "examples.showcase:app"], tmp_path, {"MICROREST_HTTP": "h3"})
    assert result.returncode == 2 and "expected one of auto, h11, httptools" in result.stderr


# -- check ----------------------------------------------------------------------------------


def write_module(directory: Path, name: str, source: str) -> None:
    (directory / f"{name}.py").write_text(source, encoding="utf-8")


def test_check_a_sound_app(tmp_path: Path) -> None:
    result = cli(["check", "examples.showcase:app"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("examples.showcase:app: ok, ")
    assert "routes (" in result.stdout


def test_check_reports_a_route_conflict(tmp_path: Path) -> None:
    write_module(
        tmp_path,
        "conflicting",
        "from microrest import App\n"
        "app = App()\n"
        "@app.get('/users/{id}')\n"
        "async def one(request): return 'one'\n"
        "@app.get('/users/{name}')\n"
        "async def two(request): return 'two'\n",
    )
    result = cli(["check", "conflicting:app", "--app-dir", str(tmp_path)], tmp_path)
    assert result.returncode == 1
    assert result.stderr.startswith("microrest check: conflicting:app: ")
    assert "one" in result.stderr and "two" in result.stderr
    assert "Traceback" not in result.stderr


def test_check_reports_duplicate_names_and_bad_registrations(tmp_path: Path) -> None:
    write_module(
        tmp_path,
        "named",
        "from microrest import App\n"
        "app = App()\n"
        "@app.get('/a', name='same')\n"
        "async def a(request): return 'a'\n"
        "@app.get('/b', name='same')\n"
        "async def b(request): return 'b'\n",
    )
    result = cli(["check", "named:app", "--app-dir", str(tmp_path)], tmp_path)
    assert result.returncode == 1
    assert "route name 'same' is given to 2 routes" in result.stderr
    write_module(
        tmp_path,
        "badmount",
        "from microrest import App\napp = App()\napp.mount('api', App())\n",
    )
    result = cli(["check", "badmount:app", "--app-dir", str(tmp_path)], tmp_path)
    assert result.returncode == 1
    assert "must start with '/'" in result.stderr
    result = cli(["check", "nowhere_to_be_found:app"], tmp_path)
    assert result.returncode == 1 and "cannot import module" in result.stderr


def test_check_and_routes_take_a_factory(tmp_path: Path) -> None:
    write_module(
        tmp_path,
        "factory_app",
        "from microrest import App\n"
        "def create():\n"
        "    app = App()\n"
        "    app.get('/made')(lambda request: 'made')\n"
        "    return app\n",
    )
    args = ["--app-dir", str(tmp_path), "--factory"]
    result = cli(["check", "factory_app:create", *args], tmp_path)
    assert result.returncode == 0, result.stderr
    result = cli(["routes", "factory_app:create", "--json", *args], tmp_path)
    assert [row["path"] for row in json.loads(result.stdout)] == ["/made"]
