"""URL length, header count and header bytes (``Limits``): 414/431 before routing, every style.

In process through ``microrest.testing.Client`` for every items app, and on the wire with raw
sockets against real ``microrest run`` processes on both of uvicorn's HTTP parsers (httptools
has no header bound of its own: the app's answer is the only one there).
"""

from __future__ import annotations

import contextlib
import importlib
import socket
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from examples.items import STYLES
from examples.store import ItemStore
from tests.helpers import free_port, run_process

from microrest import App, Limits
from microrest.limits import oversized_request
from microrest.testing import Client

LONG_QUERY = "?q=" + "a" * (8 * 1024)


@pytest.fixture(params=STYLES)
def client(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Client]:
    module = importlib.import_module(f"examples.items.{request.param}")
    with Client(module.make_app(ItemStore(str(tmp_path / "items.sqlite3")))) as client:
        yield client


def test_requests_within_the_bounds_are_served(
    client: Client, request: pytest.FixtureRequest
) -> None:
    headers = {f"x-h{i}": "v" * 100 for i in range(90)}
    style = request.node.callspec.params["client"]
    module = importlib.import_module(f"examples.items.{style}")
    if style == "pyservice":  # RPC: the list is an operation, called with POST
        response = client.post(module.LIST_PATH + "?q=" + "a" * 4000, json={}, headers=headers)
    else:
        response = client.get("/items?q=" + "a" * 4000, headers=headers)
    assert response.status_code == 200


def test_a_long_url_is_414(client: Client) -> None:
    response = client.get("/items" + LONG_QUERY)
    assert response.status_code == 414
    assert client.head("/items" + LONG_QUERY).content == b""


def test_too_many_headers_is_431(client: Client) -> None:
    headers = [(f"x-h{i}", "v") for i in range(101)]
    assert client.get("/items", headers=headers).status_code == 431


def test_too_many_header_bytes_is_431(client: Client) -> None:
    assert client.get("/items", headers={"x-big": "v" * (32 * 1024)}).status_code == 431


def test_refusal_comes_before_routing_and_middleware() -> None:
    seen: list[str] = []

    class Spy:
        def __init__(self, app: object) -> None:
            self.app = app

        async def __call__(self, scope: dict[str, object], receive: object, send: object) -> None:
            if scope["type"] == "http":
                seen.append(str(scope["path"]))
            await self.app(scope, receive, send)  # type: ignore[operator]

    app = App()
    app.add_middleware(Spy)

    @app.get("/{anything:path}")
    async def anything(request: object) -> str:
        return "ok"

    with Client(app) as client:
        assert client.get("/x" + LONG_QUERY).status_code == 414
        assert seen == []
        assert client.get("/x").text == "ok"
        assert seen == ["/x"]


def test_json_clients_get_a_json_refusal() -> None:
    with Client(App()) as client:
        response = client.get("/" + LONG_QUERY, headers={"accept": "application/json"})
    assert response.status_code == 414
    assert response.json() == {"error": "URI Too Long", "status": 414}


def test_bounds_are_configurable_and_can_be_lifted() -> None:
    strict = App(limits=Limits(max_url_length=20, max_header_count=5, max_header_bytes=200))
    lifted = App(limits=Limits(max_url_length=None, max_header_count=None, max_header_bytes=None))
    for app in (strict, lifted):

        @app.get("/")
        async def index(request: object) -> str:
            return "ok"

    with Client(strict) as client:
        assert client.get("/?" + "a" * 30).status_code == 414
        assert client.get("/", headers={f"x{i}": "1" for i in range(5)}).status_code == 431
        assert client.get("/", headers={"x": "v" * 200}).status_code == 431
        assert client.get("/").status_code == 200
    with Client(lifted) as client:
        big = {f"x-h{i}": "v" * 1000 for i in range(200)}
        assert client.get("/" + LONG_QUERY, headers=big).status_code == 200


def test_the_check_counts_bytes_of_the_raw_target() -> None:
    limits = Limits(max_url_length=10, max_header_count=2, max_header_bytes=10)
    scope = {"path": "/é", "query_string": b"", "headers": [(b"a", b"b")]}
    assert oversized_request(scope, limits) == 0  # "/é" is 3 bytes in UTF-8
    assert oversized_request({**scope, "raw_path": b"/%C3%A9/long"}, limits) == 414
    assert oversized_request({**scope, "query_string": b"q=1234567"}, limits) == 414
    assert oversized_request({**scope, "headers": [(b"a", b"b")] * 3}, limits) == 431
    assert oversized_request({**scope, "headers": [(b"name", b"1234567")]}, limits) == 431


# -- on the wire ------------------------------------------------------------------------------


def raw_exchange(port: int, request: bytes) -> bytes:
    """Send ``request`` as is and read the answer until the server closes or a response ends."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        # the server may answer and close before the whole request is written
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            sock.sendall(request)
        chunks = []
        while True:
            try:
                chunk = sock.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            chunks.append(chunk)
    return b"".join(chunks)


def status_of(answer: bytes) -> int:
    return int(answer.split(b" ", 2)[1])


@pytest.fixture(scope="module", params=["httptools", "h11"])
def wire(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    port = free_port()
    db = tmp_path_factory.mktemp("bounds") / "items.sqlite3"
    command = [sys.executable, "-m", "microrest", "run", "examples.items.core:app"]
    command += ["--port", str(port), "--http", request.param, "--log-level", "warning"]
    with run_process(command, port, env={"MICROREST_DB": str(db)}):
        yield port


def test_wire_a_one_mib_header_is_refused_and_the_server_stays_up(wire: int) -> None:
    huge = b"GET /items HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * (1024 * 1024) + b"\r\n\r\n"
    answer = raw_exchange(wire, huge)
    # httptools reaches the app (431); h11 stops buffering at 64 KiB, uvicorn answers 400
    assert status_of(answer) in (400, 431)
    assert b"Traceback" not in answer
    ok = raw_exchange(wire, b"GET /items HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert status_of(ok) == 200


def test_wire_headers_over_the_app_bound_are_431(wire: int) -> None:
    request = b"GET /items HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
    request += b"".join(b"X-H%d: v\r\n" % i for i in range(150)) + b"\r\n"
    assert status_of(raw_exchange(wire, request)) == 431
    request = b"GET /items HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
    request += b"X-Big: " + b"a" * (40 * 1024) + b"\r\n\r\n"
    assert status_of(raw_exchange(wire, request)) == 431


def test_wire_a_long_url_is_414(wire: int) -> None:
    request = (
        b"GET /items?q=" + b"a" * (16 * 1024) + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    answer = raw_exchange(wire, request)
    assert status_of(answer) == 414
