"""The Server: an ASGI app that binds nothing until served; serve_forever and shutdown."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from tests.helpers import free_port

from microrest import App
from microrest.adapters import vestespy
from microrest.adapters.vestespy.tools import Event
from microrest.errors import RouteConflict
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
