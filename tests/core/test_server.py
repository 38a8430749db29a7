"""Serving on uvicorn: background start/stop, no-op runs, finding the import string."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import httpx
import pytest

from microrest import App, Request
from microrest.errors import ConfigurationError
from microrest.server import Server, find_import_string, on_stop_signals, run, serving_disabled

ROOT = Path(__file__).resolve().parents[2]

# a module-level app, so find_import_string can name it
module_app = App()


@module_app.get("/")
async def index(request: Request) -> dict[str, object]:
    return {"pid": os.getpid(), "thread": threading.current_thread().name}


def test_start_stop_on_port_zero() -> None:
    server = Server(module_app, "127.0.0.1", 0, log_level="critical")
    assert not server.is_running()
    server.start()
    try:
        assert server.is_running()
        host, port = server.server_address
        assert host == "127.0.0.1" and port != 0
        response = httpx.get(f"http://{host}:{port}/", timeout=5)
        # served in this process, on the background thread start() created
        assert response.json() == {"pid": os.getpid(), "thread": "microrest-server"}
        server.start()  # already running: a no-op
        assert server.server_address == (host, port)
    finally:
        server.stop()
    assert not server.is_running()
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"http://{host}:{port}/", timeout=2)
    server.stop()  # stopping twice is harmless


def test_stop_from_another_thread() -> None:
    server = Server(module_app, "127.0.0.1", 0, log_level="critical")
    server.start()
    stopper = threading.Thread(target=server.stop, kwargs={"timeout": 10})
    stopper.start()
    stopper.join(15)
    assert not stopper.is_alive()
    assert not server.is_running()


def test_server_address_before_start_and_bad_workers() -> None:
    assert Server(module_app, "127.0.0.1", 8123).server_address == ("127.0.0.1", 8123)
    with pytest.raises(ConfigurationError, match="at least 1"):
        Server(module_app, workers=0)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize("variable", ["MICROREST_NO_SERVE", "MICROREST_WORKER"])
def test_run_is_a_no_op_when_told(variable: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MICROREST_NO_SERVE", raising=False)
    monkeypatch.delenv("MICROREST_WORKER", raising=False)
    assert not serving_disabled()
    monkeypatch.setenv(variable, "1")
    assert serving_disabled()
    port = free_port()
    run(module_app, "127.0.0.1", port)  # returns at once instead of serving
    run(module_app, "127.0.0.1", port, workers=2)
    Server(module_app, "127.0.0.1", port).serve()
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", port)) != 0


def test_find_import_string_for_a_module_attribute() -> None:
    target, app_dir = find_import_string(module_app)
    assert app_dir is None
    module_name, _, attribute = target.partition(":")
    assert attribute == "module_app"
    assert sys.modules[module_name].module_app is module_app
    assert find_import_string("pkg.mod:app") == ("pkg.mod:app", None)


def test_find_import_string_of_an_unnamed_app() -> None:
    with pytest.raises(ConfigurationError, match="module-level name"):
        find_import_string(App())


def test_find_import_string_for_a_main_script(tmp_path: Path) -> None:
    script = tmp_path / "my_script.py"
    script.write_text(
        textwrap.dedent(
            """
            from microrest import App
            from microrest.server import find_import_string

            application = App()
            print(find_import_string(application))
            """
        )
    )
    result = subprocess.run(
        [sys.executable, str(script)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    assert result.stdout.strip() == repr(("my_script:application", str(tmp_path)))


def test_find_import_string_for_python_dash_m(tmp_path: Path) -> None:
    package = tmp_path / "some_pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "serve_me.py").write_text(
        "from microrest import App\n"
        "from microrest.server import find_import_string\n"
        "app = App()\n"
        "print(find_import_string(app))\n"
    )
    result = subprocess.run(
        [sys.executable, "-m", "some_pkg.serve_me"],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    assert result.stdout.strip() == repr(("some_pkg.serve_me:app", str(tmp_path)))


def test_lifespan_state_reaches_requests_on_a_real_server() -> None:
    import contextlib
    from collections.abc import AsyncIterator

    events: list[str] = []

    @contextlib.asynccontextmanager
    async def span(app: App) -> AsyncIterator[dict[str, str]]:
        events.append("startup")
        yield {"resource": "pool-1"}
        events.append("shutdown")

    app = App(lifespan=span)
    app.add_route("/state", lambda request: {"resource": request.state.resource})
    server = Server(app, "127.0.0.1", 0, log_level="critical")
    server.start()
    try:
        host, port = server.server_address
        assert events == ["startup"]
        response = httpx.get(f"http://{host}:{port}/state", timeout=5)
        assert response.json() == {"resource": "pool-1"}
    finally:
        server.stop()
    assert events == ["startup", "shutdown"]


def test_a_module_level_start_call_is_a_no_op_while_the_module_is_imported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # What a worker does with a legacy script: import it for its app, which must not serve.
    (tmp_path / "legacy_script.py").write_text(
        textwrap.dedent(
            """
            from microrest import App
            from microrest.server import Server, run

            app = App()
            run(app, "127.0.0.1", 0)
            server = Server(app, "127.0.0.1", 0)
            server.start()
            reached_the_end = True
            """
        )
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delenv("MICROREST_NO_SERVE", raising=False)
    monkeypatch.delenv("MICROREST_WORKER", raising=False)
    import legacy_script  # type: ignore[import-not-found]

    assert legacy_script.reached_the_end
    assert not legacy_script.server.is_running()
    assert not serving_disabled()  # outside an import, a start call serves


@pytest.mark.anyio
async def test_start_serves_from_inside_a_running_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MICROREST_NO_SERVE", raising=False)
    assert not serving_disabled()
    app = App()

    @app.get("/")
    async def home(request: Request) -> str:
        return "up"

    server = Server(app, "127.0.0.1", 0, log_level="critical")
    server.start()
    try:
        host, port = server.server_address
        async with httpx.AsyncClient() as client:
            assert (await client.get(f"http://{host}:{port}/")).text == "up"
    finally:
        server.stop()
    assert not server.is_running()


def test_run_at_module_level_is_a_no_op_while_the_module_is_imported(tmp_path: Path) -> None:
    """A legacy module ending in ``run(app)`` can be imported (by uvicorn, a worker, a test)."""
    (tmp_path / "legacy_module.py").write_text(
        "from microrest import App\n"
        "from microrest.server import run\n"
        "app = App()\n"
        "run(app, '127.0.0.1', 0)\n"
        "print('import finished')\n"
    )
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("MICROREST_NO_SERVE", "MICROREST_WORKER")
    }
    result = subprocess.run(
        [sys.executable, "-c", "import legacy_module"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    assert result.stdout.strip() == "import finished"


def test_stop_signals_call_stop_and_a_second_ctrl_c_interrupts() -> None:
    before = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
    stops: list[str] = []
    restore = on_stop_signals(lambda: stops.append("stop"))
    try:
        signal.raise_signal(signal.SIGTERM)
        assert stops == ["stop"]
        signal.raise_signal(signal.SIGINT)
        assert stops == ["stop", "stop"]
        # the graceful stop is under way: the next Ctrl-C interrupts, as uvicorn's forces
        with pytest.raises(KeyboardInterrupt):
            signal.raise_signal(signal.SIGINT)
        assert stops == ["stop", "stop"]
    finally:
        restore()
    assert (signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)) == before


def test_stop_signals_set_nothing_outside_the_main_thread() -> None:
    before = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
    restored: list[object] = []

    def off_main() -> None:
        restore = on_stop_signals(lambda: None)
        restored.append((signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)))
        restore()

    thread = threading.Thread(target=off_main)
    thread.start()
    thread.join(10)
    assert restored == [before]
