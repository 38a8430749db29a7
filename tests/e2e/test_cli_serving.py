"""Real ``microrest run`` processes and legacy start calls: Ctrl-C, a port in use, logging,
and the uvicorn options ``run`` passes on (``--factory``, ``--app-dir``, ``--root-path``...).

Ctrl-C is simulated as the terminal sends it: SIGINT to the whole process group, once every
worker has said its startup is complete.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from tests.helpers import ROOT, free_port

MICROREST = str(Path(sys.executable).with_name("microrest"))
READY = "Application startup complete."
WAIT = 60.0


class Running:
    """A process in its own session whose merged output is collected line by line."""

    def __init__(self, command: list[str], cwd: Path, env: dict[str, str]) -> None:
        self.process = subprocess.Popen(
            command,
            cwd=cwd,
            env={**os.environ, "PYTHONPATH": str(ROOT), "PYTHONFAULTHANDLER": "1", **env},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        self.lines: list[str] = []
        self._changed = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            with self._changed:
                self.lines.append(line)
                self._changed.notify_all()
        with self._changed:
            self.lines.append("")  # end of output
            self._changed.notify_all()

    @property
    def output(self) -> str:
        return "".join(self.lines)

    def wait_for(self, text: str, count: int = 1) -> None:
        """Block until ``text`` appeared ``count`` times in the output (the process's own word
        that it is ready, not a guess by time)."""

        def seen() -> bool:
            return self.output.count(text) >= count or (bool(self.lines) and self.lines[-1] == "")

        with self._changed:
            if not self._changed.wait_for(seen, WAIT):
                raise TimeoutError(f"{text!r} x{count} not seen in:\n{self.output}")
        assert self.output.count(text) >= count, self.output

    def interrupt(self) -> int:
        os.killpg(self.process.pid, signal.SIGINT)
        return self.finish()

    def finish(self) -> int:
        try:
            code = self.process.wait(WAIT)
        except subprocess.TimeoutExpired:
            # Where it hangs: SIGABRT makes faulthandler (PYTHONFAULTHANDLER, set below) print
            # every thread's stack into the output, then the process dies.
            os.killpg(self.process.pid, signal.SIGABRT)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
            self._reader.join(WAIT)
            raise AssertionError(
                f"still running {WAIT:.0f} s after the signal; its output, with its stacks:\n"
                + self.output
            ) from None
        self._reader.join(WAIT)
        return code

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        self._reader.join(WAIT)
        if self.process.stdout is not None:
            self.process.stdout.close()


@contextmanager
def running(command: list[str], cwd: Path = ROOT, **env: str) -> Iterator[Running]:
    process = Running(command, cwd, env)
    try:
        yield process
    finally:
        process.stop()


@pytest.fixture
def db_env(tmp_path: Path) -> dict[str, str]:
    return {"MICROREST_DB": str(tmp_path / "serving.sqlite3")}


# -- Ctrl-C -----------------------------------------------------------------------------------


@pytest.mark.parametrize("workers", [1, 2])
def test_ctrl_c_on_microrest_run_is_quiet(workers: int, db_env: dict[str, str]) -> None:
    port = free_port()
    command = [MICROREST, "run", "examples.showcase:app", "--port", str(port)]
    with running([*command, "--workers", str(workers)], **db_env) as server:
        server.wait_for(READY, workers)
        assert httpx.get(f"http://127.0.0.1:{port}/routes").status_code == 200
        assert server.interrupt() == 0
    assert "Traceback" not in server.output
    assert "KeyboardInterrupt" not in server.output
    assert "Application shutdown complete." in server.output


LEGACY = {
    "corepost_app_run": """
        from microrest.adapters.corepost.web import CorePost, route

        class Hello(CorePost):
            @route("/")
            def root(self, request, **kwargs):
                return "hello"

        app = Hello()
        app.run(port=PORT, host="127.0.0.1", workers=WORKERS)
    """,
    "corepost_reactor_run": """
        from microrest.adapters.corepost import reactor
        from microrest.adapters.corepost.web import CorePost, route

        class Hello(CorePost):
            @route("/")
            def root(self, request, **kwargs):
                return "hello"

        resource = Hello()
        reactor.listenTCP(PORT, resource, interface="127.0.0.1")
        reactor.run(workers=WORKERS)
    """,
    "vestespy_serve_forever": """
        from microrest.adapters import vestespy

        def onend(event, request, response):
            response.send_all("hello")

        def onrequest(event, request, response):
            request.on("end", onend)

        server = vestespy.Server(("127.0.0.1", PORT))
        server.on("request", onrequest)
        server.serve_forever(workers=WORKERS)
    """,
    "webpy_httpd_start": """
        import microrest.adapters.webpy as web

        class Hello(web.HTTPHandler):
            def do_get(self):
                return 200, "hello"

        httpd = web.HTTPServer(("127.0.0.1", PORT), {"/(.*)": Hello}, workers=WORKERS)
        httpd.start()
    """,
}


# How a shell starts a script: in the foreground (SIGINT as Python sets it, KeyboardInterrupt),
# or as a background job without job control (``&`` in a script, CI), where the process
# inherits SIGINT ignored. Set through an exec, which keeps an ignored signal ignored.
_WITH_SIGINT = (
    "import os, signal, sys; signal.signal(signal.SIGINT, signal.{}); "
    "os.execv(sys.executable, [sys.executable, *sys.argv[1:]])"
)


@pytest.mark.parametrize("sigint", ["SIG_DFL", "SIG_IGN"])
@pytest.mark.parametrize("workers", [1, 2])
@pytest.mark.parametrize("call", sorted(LEGACY))
def test_ctrl_c_on_every_legacy_start_call_is_quiet(
    call: str, workers: int, sigint: str, tmp_path: Path
) -> None:
    port = free_port()
    source = textwrap.dedent(LEGACY[call])
    source = "import os\nPORT = int(os.environ['PORT'])\nWORKERS = int(os.environ['WORKERS'])\n" + (
        source
    )
    (tmp_path / "legacy_app.py").write_text(source, encoding="utf-8")
    command = [sys.executable, "-c", _WITH_SIGINT.format(sigint), "legacy_app.py"]
    with running(command, tmp_path, PORT=str(port), WORKERS=str(workers)) as server:
        server.wait_for(READY, workers)
        assert httpx.get(f"http://127.0.0.1:{port}/").text == "hello"
        code = server.interrupt()
    assert "Traceback" not in server.output, server.output
    assert "KeyboardInterrupt" not in server.output
    assert code == 0, server.output


@pytest.mark.parametrize("call", sorted(LEGACY))
def test_sigterm_stops_every_legacy_start_call_gracefully(call: str, tmp_path: Path) -> None:
    port = free_port()
    source = textwrap.dedent(LEGACY[call])
    source = "import os\nPORT = int(os.environ['PORT'])\nWORKERS = int(os.environ['WORKERS'])\n" + (
        source
    )
    (tmp_path / "legacy_app.py").write_text(source, encoding="utf-8")
    with running(
        [sys.executable, "legacy_app.py"], tmp_path, PORT=str(port), WORKERS="1"
    ) as server:
        server.wait_for(READY)
        assert httpx.get(f"http://127.0.0.1:{port}/").text == "hello"
        os.killpg(server.process.pid, signal.SIGTERM)
        code = server.finish()
    # uvicorn serving from the main thread re-raises SIGTERM once it has shut down
    assert code in (0, -signal.SIGTERM), server.output
    assert "Application shutdown complete." in server.output, server.output
    assert "Traceback" not in server.output, server.output


# -- a port in use ----------------------------------------------------------------------------


@pytest.mark.parametrize("workers", [1, 2])
def test_a_port_in_use_is_one_line_and_exit_1(workers: int, db_env: dict[str, str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        command = [MICROREST, "run", "examples.showcase:app", "--port", str(port)]
        with running([*command, "--workers", str(workers)], **db_env) as server:
            code = server.finish()
    assert code == 1
    lines = server.output.strip().splitlines()
    assert len(lines) == 1, server.output
    assert lines[0].endswith(
        f"ERROR microrest.server: cannot listen on 127.0.0.1:{port}: the address is already in use"
    )


# -- logging ----------------------------------------------------------------------------------

FAILING = """
from microrest import App

async def connect():
    raise RuntimeError("the database is down")

app = App(on_startup=[connect])
ok = App()

@ok.get("/boom")
async def boom(request):
    raise ValueError("kaput")

@ok.get("/info")
async def info(request):
    import logging
    logging.getLogger("microrest.app").info("an app's own INFO line")
    return "ok"
"""


def test_a_startup_failure_is_logged_once(tmp_path: Path) -> None:
    (tmp_path / "failing.py").write_text(FAILING, encoding="utf-8")
    command = [MICROREST, "run", "failing:app", "--port", str(free_port())]
    with running(command, tmp_path) as server:
        code = server.finish()
    assert code != 0
    assert server.output.count("RuntimeError: the database is down") == 1, server.output
    assert server.output.count("Traceback") == 1


def test_a_500_logs_its_request_line_and_traceback_once(tmp_path: Path) -> None:
    (tmp_path / "failing.py").write_text(FAILING, encoding="utf-8")
    port = free_port()
    with running([MICROREST, "run", "failing:ok", "--port", str(port)], tmp_path) as server:
        server.wait_for(READY)
        assert httpx.get(f"http://127.0.0.1:{port}/boom?x=1").status_code == 500
        assert httpx.get(f"http://127.0.0.1:{port}/info").text == "ok"
        server.wait_for('"GET /info HTTP/1.1" 200')
        server.interrupt()
    output = server.output
    assert output.count("Traceback") == 1, output
    assert output.count("ValueError: kaput") == 1
    line = next(line for line in output.splitlines() if "Unhandled exception" in line)
    # time, level, logger, then the request line as sent
    date, clock, level, logger, *message = line.split(" ")
    assert len(date) == 10 and date[4] == "-" and ":" in clock
    assert (level, logger) == ("ERROR", "microrest.error:")
    assert " ".join(message) == "Unhandled exception in GET /boom?x=1 HTTP/1.1"
    assert "INFO microrest.app: an app's own INFO line" in output
    assert "INFO uvicorn.access: " in output


def test_json_log_lines(tmp_path: Path) -> None:
    (tmp_path / "failing.py").write_text(FAILING, encoding="utf-8")
    port = free_port()
    command = [MICROREST, "run", "failing:ok", "--port", str(port), "--log-format", "json"]
    with running(command, tmp_path) as server:
        server.wait_for(READY)
        assert httpx.get(f"http://127.0.0.1:{port}/boom").status_code == 500
        server.wait_for('"status": 500')
        server.interrupt()
    records = [json.loads(line) for line in server.output.splitlines() if line.strip()]
    assert all({"time", "level", "logger", "message"} <= set(record) for record in records)
    error = next(record for record in records if record["logger"] == "microrest.error")
    assert error["level"] == "ERROR" and "ValueError: kaput" in error["exception"]
    access = next(record for record in records if record["logger"] == "uvicorn.access")
    assert (access["method"], access["path"], access["status"]) == ("GET", "/boom", 500)


@pytest.mark.parametrize("suffix", [".json", ".yaml"])
def test_log_config_file(suffix: str, tmp_path: Path) -> None:
    (tmp_path / "failing.py").write_text(FAILING, encoding="utf-8")
    config = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"mine": {"format": "MINE %(levelname)s [%(name)s] %(message)s"}},
        "handlers": {"out": {"class": "logging.StreamHandler", "formatter": "mine"}},
        "loggers": {
            "uvicorn": {"handlers": ["out"], "level": "INFO", "propagate": False},
            "microrest": {"handlers": ["out"], "level": "INFO", "propagate": False},
        },
    }
    path = tmp_path / f"logging{suffix}"
    if suffix == ".json":
        path.write_text(json.dumps(config), encoding="utf-8")
    else:
        import yaml

        path.write_text(yaml.safe_dump(config), encoding="utf-8")
    port = free_port()
    command = [MICROREST, "run", "failing:ok", "--port", str(port), "--log-config", str(path)]
    with running(command, tmp_path) as server:
        server.wait_for(READY)
        httpx.get(f"http://127.0.0.1:{port}/boom")
        server.wait_for("MINE ERROR [microrest.error] Unhandled exception in GET /boom")
        server.interrupt()
    assert "MINE INFO [uvicorn.error] Application startup complete." in server.output


def test_a_bad_log_config_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "broken.json").write_text("{not json", encoding="utf-8")
    command = [MICROREST, "run", "examples.showcase:app", "--log-config"]
    result = subprocess.run(
        [*command, str(tmp_path / "broken.json")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.startswith("microrest: log config ")
    assert "is not valid JSON" in result.stderr and "Traceback" not in result.stderr


# -- uvicorn's options through microrest run -------------------------------------------------

FACTORY = """
from microrest import App, Request

def create() -> App:
    app = App()

    @app.get("/where")
    async def where(request: Request) -> dict:
        return {
            "url": str(request.url),
            "root_path": request.scope.get("root_path", ""),
            "client": request.client.host if request.client else None,
            "scheme": request.url.scheme,
        }

    return app
"""


def test_factory_app_dir_root_path_and_proxy_headers_from_the_environment(
    tmp_path: Path,
) -> None:
    code = tmp_path / "code"
    code.mkdir()
    (code / "made.py").write_text(FACTORY, encoding="utf-8")
    port = free_port()
    env = {
        "MICROREST_APP": "made:create",
        "MICROREST_FACTORY": "1",
        "MICROREST_APP_DIR": str(code),
        "MICROREST_PORT": str(port),
        "MICROREST_ROOT_PATH": "/api",
        "MICROREST_FORWARDED_ALLOW_IPS": "127.0.0.1",
        "MICROREST_HTTP": "h11",
        "MICROREST_LOOP": "asyncio",
        "MICROREST_LOG_LEVEL": "warning",
    }
    with running([MICROREST, "run"], tmp_path, **env) as server:
        forwarded = {"x-forwarded-for": "203.0.113.7", "x-forwarded-proto": "https"}
        answer = None
        for _ in range(600):  # no startup line at level warning: poll the port itself
            try:
                answer = httpx.get(f"http://127.0.0.1:{port}/where", headers=forwarded)
                break
            except httpx.TransportError:
                if server.process.poll() is not None:
                    raise AssertionError(server.output) from None
                threading.Event().wait(0.05)
        assert answer is not None and answer.status_code == 200, server.output
        assert answer.json() == {
            "url": f"https://127.0.0.1:{port}/api/where",
            "root_path": "/api",
            "client": "203.0.113.7",
            "scheme": "https",
        }
        assert server.interrupt() == 0
    assert "Traceback" not in server.output


def test_reload_serves_and_stops_quietly(tmp_path: Path) -> None:
    (tmp_path / "reloaded.py").write_text(FACTORY + "\napp = create()\n", encoding="utf-8")
    port = free_port()
    command = [MICROREST, "run", "reloaded:app", "--reload", "--port", str(port)]
    with running([*command, "--reload-dir", str(tmp_path)], tmp_path) as server:
        server.wait_for(READY)
        assert httpx.get(f"http://127.0.0.1:{port}/where").status_code == 200
        assert server.interrupt() == 0
    assert "Traceback" not in server.output
    assert "Started reloader process" in server.output
