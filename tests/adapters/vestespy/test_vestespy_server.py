"""The Server: an ASGI app that binds nothing until served; serve_forever and shutdown."""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.helpers import ROOT, STOP_TIMEOUT, free_port, stop, wait_for_port

from microrest import App, StaticFiles
from microrest.adapters import vestespy
from microrest.adapters.vestespy.tools import Event
from microrest.errors import ConfigurationError, RouteConflict
from microrest.testing import Client


def test_constructing_binds_nothing() -> None:
    port = free_port()
    vestespy.Server(("127.0.0.1", port))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", port))  # still free


def test_address_must_be_a_tuple_or_a_socket() -> None:
    with pytest.raises(TypeError, match="address tuple"):
        vestespy.Server("localhost:8080")  # type: ignore[arg-type]
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        server = vestespy.Server(sock)
        assert server.address == sock.getsockname()


def test_compatibility_options_are_accepted_and_kept() -> None:
    server = vestespy.Server(
        ("localhost", 8080), select="epoll", max_workers=7, HEADERS_LENGTH=1, CHUNK_LENGTH=2
    )
    assert (server.method, server.max_workers, server.HEADERS_LENGTH, server.CHUNK_LENGTH) == (
        "epoll",
        7,
        1,
        2,
    )
    assert server.address == ("localhost", 8080)
    with pytest.raises(ValueError, match="select"):
        vestespy.Server(("localhost", 8080), select="iocp")


def test_it_is_an_asgi_app_with_a_core_app_inside(connect: Callable[..., Client]) -> None:
    server = vestespy.Server(("localhost", 8080))
    server.on("request", lambda ev, req, res: res.send_all("asgi"))
    assert isinstance(server.__microrest_app__, App)
    assert server.__microrest_app__.style == "vestespy"
    assert connect(server).get("/").text == "asgi"


def test_conflicts_with_other_apps_are_caught_naming_both_handlers() -> None:
    app = App()

    async def taken(request: object) -> str:
        return "core"

    app.add_route("/x", taken, ["*"])
    server = vestespy.Server(("localhost", 8080))
    dispatcher = vestespy.tools.Dispatcher()

    def mine(ev: Event, req: vestespy.Request, res: vestespy.Response) -> None:
        res.send_all("mine")

    dispatcher.register("/x", mine)
    server.on("request", dispatcher.as_handler())
    with pytest.raises(RouteConflict, match="registered twice") as caught:
        app.mount("", server)
    assert "taken" in str(caught.value) and "mine" in str(caught.value)


def test_serve_forever_serves_the_address_and_shutdown_stops_it_from_another_thread() -> None:
    port = free_port()
    server = vestespy.Server(("127.0.0.1", port))

    def handler(ev: Event, req: vestespy.Request, res: vestespy.Response) -> None:
        res.send_all("live " + req.method)

    server.on("request", handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"log_level": "warning"})
    thread.start()
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/", timeout=2)
                break
            except httpx.TransportError:
                assert thread.is_alive() and time.monotonic() < deadline, "server never came up"
                time.sleep(0.02)  # polling a socket: no event to await across threads
        assert response.text == "live GET"
        assert response.headers["content-length"] == "8"
    finally:
        server.shutdown()
        thread.join(15)
    assert not thread.is_alive()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", port))  # released


def test_serve_forever_on_a_socket_the_caller_bound() -> None:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = vestespy.Server(sock)
    server.on("request", lambda ev, req, res: res.send_all("from the socket"))
    thread = threading.Thread(target=server.serve_forever, kwargs={"log_level": "warning"})
    thread.start()
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/", timeout=2)
                break
            except httpx.TransportError:
                assert thread.is_alive() and time.monotonic() < deadline, "server never came up"
                time.sleep(0.02)  # polling a socket: no event to await across threads
        assert response.text == "from the socket"
    finally:
        server.shutdown()
        thread.join(15)
        sock.close()
    assert not thread.is_alive()


def test_shutdown_without_serving_is_harmless() -> None:
    vestespy.Server(("localhost", 8080)).shutdown()


def test_serve_forever_is_a_no_op_when_serving_is_disabled(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MICROREST_NO_SERVE", "1")
    server = vestespy.Server(("127.0.0.1", free_port()))
    server.serve_forever()  # returns at once
    assert server._runner is None


def test_migrating_route_by_route_in_one_table(connect: Callable[..., Client]) -> None:
    """A core app over a VestesPy server at the root, and a core app inside a VestesPy one."""
    server = vestespy.Server(("localhost", 8080))
    dispatcher = vestespy.tools.Dispatcher()
    dispatcher.register("/old/:id", lambda ev, req, res, id: res.send_all("old " + id))  # noqa: A006
    server.on("request", dispatcher.as_handler())
    app = App()

    @app.get("/new/{id:int}")
    async def new(request: Any) -> dict[str, int]:
        return {"id": request.path_params["id"]}

    app.mount("", server)
    client = connect(app)
    assert client.get("/new/3").json() == {"id": 3}
    assert client.get("/old/3").text == "old 3"
    assert client.get("/neither").status_code == 404  # the dispatcher's 404
    styles = {row.path: row.style for row in app.routes()}
    assert styles["/new/{id:int}"] == "core" and styles["/old/:id"] == "vestespy"

    inner = App()

    @inner.get("/ping")
    async def ping(request: Any) -> str:
        return "pong"

    other = vestespy.Server(("localhost", 8080))
    other.on("request", lambda ev, req, res: res.send_all("events"))
    other.app.mount("/api", inner)
    client = connect(other)
    assert client.get("/api/ping").text == "pong"
    assert client.get("/anything").text == "events"


@contextlib.contextmanager
def run_script(port: int, workers: int, mode: str) -> Iterator[subprocess.Popen[bytes]]:
    """``serving_script`` in a process of its own, stopped by PID and its pipes closed."""
    command = [sys.executable, "-m", "tests.adapters.vestespy.serving_script"]
    command += [str(workers), mode]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "VESTESPY_PORT": str(port)}
    with subprocess.Popen(
        command, cwd=ROOT, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE
    ) as process:
        try:
            yield process
        finally:
            stop(process)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return (
        Path(f"/proc/{pid}/status").exists()
        and "State:\tZ" not in Path(f"/proc/{pid}/status").read_text()
    )


@pytest.mark.e2e
@pytest.mark.parametrize("workers", [1, 2])
def test_shutdown_from_another_thread_stops_serve_forever_with_any_number_of_workers(
    workers: int,
) -> None:
    """Issue 9 item 17: with two workers, shutdown() used to change nothing."""
    port = free_port()
    with run_script(port, workers, "stdin") as process:
        wait_for_port(port, process)
        pids = {httpx.get(f"http://127.0.0.1:{port}/", timeout=10).text for _ in range(4)}
        assert (str(process.pid) in pids) == (workers == 1)  # served by worker processes
        assert process.stdin is not None and process.stdout is not None
        process.stdin.write(b"stop\n")
        process.stdin.flush()
        assert process.wait(STOP_TIMEOUT) == 0  # bounded: a lost shutdown fails here
        assert process.stdout.read() == b"returned\n"
    for pid in pids:
        assert not alive(int(pid)), f"worker {pid} outlived serve_forever()"
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", port))  # released


@pytest.mark.e2e
@pytest.mark.parametrize("workers", [1, 2])
def test_a_shutdown_before_serve_forever_makes_it_return_at_once(workers: int) -> None:
    port = free_port()
    with run_script(port, workers, "early") as process:
        assert process.wait(STOP_TIMEOUT) == 0
        assert process.stdout is not None and process.stdout.read() == b"returned\n"
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", port))  # nothing ever listened there


def test_shutdown_before_serving_is_kept_for_the_next_serve_forever_only() -> None:
    server = vestespy.Server(("127.0.0.1", free_port()))
    server.shutdown()
    server.serve_forever(log_level="warning")  # returns at once: it consumed the shutdown
    assert server._runner is None
    thread = threading.Thread(target=server.serve_forever, kwargs={"log_level": "warning"})
    thread.start()
    try:
        deadline = time.monotonic() + 15
        while server._runner is None or not server._runner.is_running():
            assert thread.is_alive() and time.monotonic() < deadline, "never served"
            time.sleep(0.01)  # the serving thread starts uvicorn: no event to await
    finally:
        server.shutdown(timeout=15)
        thread.join(15)
    assert not thread.is_alive()


def test_serve_forever_refuses_a_socket_with_several_workers() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        server = vestespy.Server(sock)
        with pytest.raises(ConfigurationError, match="one worker"):
            server.serve_forever(workers=2)


def static_site(tmp_path: Path) -> Path:
    site = tmp_path / "site"
    site.mkdir()
    (site / "hello.txt").write_text("static hello")
    (tmp_path / "secret.txt").write_text("secret")
    return site


def test_static_files_mounted_on_the_servers_app_are_served(
    tmp_path: Path, connect: Callable[..., Client]
) -> None:
    """Issue 9 item 19: the catch-all used to answer 404 for the mounted directory."""
    server = vestespy.Server(("localhost", 8080))
    server.on("request", lambda ev, req, res: res.send_all("events " + req.url))
    server.app.mount("/static", StaticFiles(directory=static_site(tmp_path)))
    client = connect(server)
    response = client.get("/static/hello.txt")
    assert (response.status_code, response.text) == (200, "static hello")
    assert client.head("/static/hello.txt").headers["content-length"] == "12"
    assert client.get("/static/missing.txt").status_code == 404  # StaticFiles' own 404
    for escape in ("/static/../secret.txt", "/static/%2e%2e/secret.txt", "/static/..%2fsecret.txt"):
        assert client.get(escape).text != "secret"  # confined as always
    assert client.get("/staticky").text == "events /staticky"  # whole segments only
    assert client.get("/other").text == "events /other"
    rows = [(row.path, row.source) for row in server.app.routes()]
    assert ("/static/...", "<mounted app>") in rows


def test_static_files_beside_a_server_mounted_in_a_core_app(
    tmp_path: Path, connect: Callable[..., Client]
) -> None:
    site = static_site(tmp_path)
    inner = vestespy.Server(("localhost", 8080))
    inner.on("request", lambda ev, req, res: res.send_all("inner " + req.url))
    inner.app.mount("/files", StaticFiles(directory=site))
    outer = vestespy.Server(("localhost", 8080))
    outer.on("request", lambda ev, req, res: res.send_all("outer " + req.url))
    app = App()
    app.mount("/v", inner)
    app.mount("", outer)  # the migration set-up: a VestesPy server at the root
    app.mount("/assets", StaticFiles(directory=site))
    client = connect(app)
    assert client.get("/v/files/hello.txt").text == "static hello"
    assert client.get("/assets/hello.txt").text == "static hello"
    assert client.get("/v/x").text == "inner /x"
    assert client.get("/x").text == "outer /x"


def test_a_dispatcher_pattern_still_wins_over_a_mount(
    tmp_path: Path, connect: Callable[..., Client]
) -> None:
    server = vestespy.Server(("localhost", 8080))
    dispatcher = vestespy.tools.Dispatcher()
    dispatcher.register("/static/live", lambda ev, req, res: res.send_all("pattern"))
    server.on("request", dispatcher.as_handler())
    server.app.mount("/static", StaticFiles(directory=static_site(tmp_path)))
    client = connect(server)
    assert client.get("/static/live").text == "pattern"  # a route beats a mount, as in core
    assert client.get("/static/hello.txt").text == "static hello"


def test_console_methods_pass_their_arguments_to_logging(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Issue 9 item 20: console.info("x %s", y) used to log the raw format string."""
    console = vestespy.Server(("localhost", 8080)).console
    with caplog.at_level(logging.INFO, "microrest.vestespy"):
        console.info("got %s of %d", "x", 3)
        console.log("log %s", "a")
        console.success("ok %s", "b")
        console.warn("careful %r", "c")
        console.error("bad %s", "d")
        try:
            raise ValueError("boom")
        except ValueError:
            console.error("failed: %s", "e", exc_info=True)
    assert [record.getMessage() for record in caplog.records] == [
        "got x of 3",
        "log a",
        "ok b",
        "careful 'c'",
        "bad d",
        "failed: e",
    ]
    assert [record.levelname for record in caplog.records] == [
        "INFO",
        "INFO",
        "INFO",
        "WARNING",
        "ERROR",
        "ERROR",
    ]
    assert caplog.records[-1].exc_info is not None
    assert {record.filename for record in caplog.records} == {Path(__file__).name}
