"""The pyservice README flow (examples/pyservice_readme.py) in-process, over wsgiref, and
under ``uvicorn --workers 2`` with its items in SQLite."""

from __future__ import annotations

import importlib
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler

import httpx
import pytest
from tests.helpers import ROOT, serve

from microrest.adapters import pyservice
from microrest.testing import Client


@pytest.fixture
def readme(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ModuleType]:
    monkeypatch.setenv("MICROREST_DB", str(tmp_path / "items.sqlite3"))
    yield importlib.reload(importlib.import_module("examples.pyservice_readme"))


def test_readme_in_process(readme: ModuleType) -> None:
    with pyservice.Client(**readme.api, app=readme.service) as client:
        readme.call_service(client)
        with pytest.raises(client.exceptions.IDRequired):
            client.get_item()
        with pytest.raises(client.exceptions.ItemRequired, match="Need an item to put"):
            client.put_item()
        with pytest.raises(client.exceptions.DoesNotExist, match="No item with id nope"):
            client.get_item(id="nope")
    rows = {row.path: row for row in readme.service.app.routes()}
    assert set(rows) == {"/api/0/get_item", "/api/0/put_item"}
    assert rows["/api/0/put_item"].source.startswith("examples/pyservice_readme.py:")


def test_readme_raw_http(readme: ModuleType) -> None:
    with Client(readme.service) as http:
        put = http.post("/api/0/put_item", content=b'{"item": [1, 2]}')
        id = put.json()["id"]
        assert http.post("/api/0/get_item", content=b'{"id": "%s"}' % id.encode()).json() == {
            "item": [1, 2]
        }
    assert readme.items.get(id) == [1, 2]  # in the SQLite file


def test_readme_wsgiref_server(readme: ModuleType, monkeypatch: pytest.MonkeyPatch) -> None:
    """``run_server()`` as written, on 127.0.0.1 and a free port, stopped after one client."""
    from wsgiref import simple_server

    servers: list[Any] = []
    real_make_server = simple_server.make_server

    def make_server(host: str, port: int, app: Any) -> Any:
        assert (host, port) == ("localhost", 8080) and app == readme.service.wsgi_application
        httpd = real_make_server("127.0.0.1", 0, app, handler_class=Quiet)
        servers.append(httpd)
        return httpd

    monkeypatch.setattr(simple_server, "make_server", make_server)
    thread = threading.Thread(target=readme.run_server, daemon=True)
    thread.start()
    try:
        while not servers:  # make_server runs first thing in the thread
            thread.join(0.01)
        api = dict(readme.api, endpoint=dict(readme.api["endpoint"], host="127.0.0.1",
                                             port=servers[0].server_port))  # fmt: skip
        with pyservice.Client(**api) as client:
            readme.call_service(client)
    finally:
        if servers:
            servers[0].shutdown()
            servers[0].server_close()
        thread.join(5)


class Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.mark.e2e
def test_readme_under_uvicorn_workers(tmp_path: Path) -> None:
    env = {"MICROREST_DB": str(tmp_path / "items.sqlite3")}
    with serve("examples.pyservice_readme:service", workers=2, env=env) as base:
        done = subprocess.run(
            [sys.executable, "-m", "examples.pyservice_client", base],
            cwd=ROOT, capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        assert done.stdout.splitlines() == ["DoesNotExist: No item with id no such id", "ok"]
        from examples.pyservice_readme import api

        port = int(base.rpartition(":")[2])
        target = dict(api, endpoint=dict(api["endpoint"], host="127.0.0.1", port=port))
        ids = []
        with pyservice.Client(**target) as client:
            for n in range(6):
                ids.append(client.put_item(item={"n": n}).id)
        for n, id in enumerate(ids):  # fresh connections spread over both workers
            with pyservice.Client(**target) as client:
                assert client.get_item(id=id).item == {"n": n}
        with httpx.Client(base_url=base) as http:
            response = http.get("/api/0/get_item")
            assert (response.status_code, response.headers["allow"]) == (405, "OPTIONS, POST")
