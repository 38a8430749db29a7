"""The conformance suite's HTTP checks against the showcase served by hypercorn and by granian.

Nothing in microrest may depend on one server's quirks: the same tests as test_items.py run
over real sockets against each server as a real process on 127.0.0.1, every style mounted in
the showcase. The ``service`` fixture below replaces the in-process one from conftest.py for
this module; the store is the server's own SQLite file, emptied before each test.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from examples.items import STYLES
from examples.store import ItemStore
from tests.conformance import test_items
from tests.conformance.services import Service
from tests.helpers import free_port, run_process

SERVERS = {
    "hypercorn": lambda port: [
        sys.executable,
        "-m",
        "hypercorn",
        "examples.showcase:app",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        "1",
    ],
    "granian": lambda port: [
        sys.executable,
        "-m",
        "granian",
        "--interface",
        "asgi",
        "examples.showcase:app",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        "1",
    ],
}


def live_client(base_url: str) -> httpx.Client:
    """A client over a socket, with the methods the conformance tests use.

    One connection per request: a server may close a kept-alive connection after an answer
    that left the request body unread (hypercorn does, after a 405 to a POST), and a client
    reusing it races that close. That is HTTP, not what these checks are about.
    """
    return httpx.Client(
        base_url=base_url, timeout=30, limits=httpx.Limits(max_keepalive_connections=0)
    )


@pytest.fixture(scope="module", params=sorted(SERVERS))
def live(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, Path]]:
    pytest.importorskip(request.param)
    port = free_port()
    db = tmp_path_factory.mktemp(request.param) / "showcase.sqlite3"
    with run_process(SERVERS[request.param](port), port, env={"MICROREST_DB": str(db)}):
        yield f"http://127.0.0.1:{port}", db


@pytest.fixture(params=STYLES)
def service(request: pytest.FixtureRequest, live: tuple[str, Path]) -> Iterator[Service]:
    base_url, db = live
    store = ItemStore(str(db))
    stored = store.keys()
    for key in stored:
        store.delete(key)
    prefix = "" if request.param == "core" else f"/{request.param}"
    client = live_client(base_url)
    try:
        yield Service(f"live:{request.param}", client, prefix, store)  # type: ignore[arg-type]
    finally:
        client.close()


# Every test of the conformance suite, collected here again with the live ``service`` above.
for _name in dir(test_items):
    if _name.startswith("test_"):
        globals()[_name] = getattr(test_items, _name)
