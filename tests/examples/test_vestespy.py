"""The VestesPy examples: in-process, and under ``uvicorn --workers 2``."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from types import ModuleType

import httpx
import pytest
from tests.helpers import serve

from microrest.testing import Client

NOT_FOUND = "<!DOCTYPE html><html><head></head><body>404 Page Not Found</body></html>"


def load(name: str, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """Import an example afresh; its module-level ``serve_forever()`` must return at once."""
    monkeypatch.setenv("MICROREST_NO_SERVE", "1")
    sys.modules.pop(name, None)
    return importlib.import_module(name)


@pytest.fixture
def readme_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[Client]:
    with Client(load("examples.vestespy_server", monkeypatch).server) as client:
        yield client


@pytest.fixture
def readme_dispatcher(monkeypatch: pytest.MonkeyPatch) -> Iterator[Client]:
    with Client(load("examples.vestespy_dispatcher", monkeypatch).server) as client:
        yield client


def test_readme_server_answers_test_to_everything(readme_server: Client) -> None:
    for response in (
        readme_server.get("/"),
        readme_server.get("/anything?x=1"),
        readme_server.post("/", content=b"abc"),
    ):
        assert response.status_code == 200
        assert response.text == "TEST"
        assert response.headers["content-length"] == "4"


def test_readme_server_keeps_the_readme_address(monkeypatch: pytest.MonkeyPatch) -> None:
    module = load("examples.vestespy_server", monkeypatch)
    assert module.server.address == ("localhost", 8080)


def test_readme_dispatcher(readme_dispatcher: Client) -> None:
    assert readme_dispatcher.get("/").text == "test"
    response = readme_dispatcher.get("/test/5")
    assert (response.text, response.headers["content-length"]) == ("ID: 5", "5")
    assert readme_dispatcher.get("/test/abc123?x=1").text == "ID: abc123"
    missing = readme_dispatcher.get("/nothere")
    assert (missing.status_code, missing.text) == (404, NOT_FOUND)


def test_readme_dispatcher_routes_are_in_the_table(monkeypatch: pytest.MonkeyPatch) -> None:
    server = load("examples.vestespy_dispatcher", monkeypatch).server
    rows = {(row.path, row.handler.rsplit(".", 1)[-1]) for row in server.app.routes()}
    assert {("/", "home"), ("/test/:id", "test")} <= rows


def test_streaming_example_in_process(monkeypatch: pytest.MonkeyPatch) -> None:
    module = load("examples.vestespy_streaming", monkeypatch)
    with Client(module.server) as client:
        assert client.get("/download/10").content == module.block(0)[:10]
        assert client.post("/upload", content=b"abc").text.startswith("3 ba7816bf")


@pytest.mark.e2e
def test_readme_examples_under_uvicorn_with_two_workers() -> None:
    with serve("examples.vestespy_server:server", workers=2) as base:
        for _ in range(4):
            response = httpx.post(base + "/", content=b"abc", timeout=10)
            assert (response.status_code, response.text) == (200, "TEST")
    with serve("examples.vestespy_dispatcher:server", workers=2) as base:
        assert httpx.get(base + "/test/42", timeout=10).text == "ID: 42"
        assert httpx.get(base + "/", timeout=10).text == "test"
        assert httpx.get(base + "/test/4/2", timeout=10).status_code == 404


def test_streaming_example_declares_a_bounded_typed_size(monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 10 item 11: ``:size(int)``, so a huge size is a 404, never a 500 from int()."""
    module = load("examples.vestespy_streaming", monkeypatch)
    with Client(module.server) as client:
        assert client.get("/download/" + "9" * 5000).status_code == 404
        assert client.get("/download/" + "9" * 19).status_code == 404
        assert client.get("/download/3").content == module.block(0)[:3]


def test_items_example_reads_json_with_the_core_depth_limit() -> None:
    from examples.items.vestespy import make_app
    from examples.store import ItemStore

    with Client(make_app(ItemStore())) as client:
        deep = b"[" * 600 + b"]" * 600
        response = client.put(
            "/items/a", content=deep, headers={"Content-Type": "application/json"}
        )
        assert response.status_code == 400
        assert "nested deeper than 512 levels" in response.text
        assert client.get("/items/a").status_code == 404  # nothing stored
