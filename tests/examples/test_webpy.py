"""The web.py README example in-process (W-R1..W-R7) and under ``uvicorn --workers 2``."""

from __future__ import annotations

import importlib
from pathlib import Path
from types import ModuleType

import httpx
import pytest
from tests.helpers import serve

from microrest.testing import Client


@pytest.fixture
def readme(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    monkeypatch.setenv("MICROREST_NO_SERVE", "1")  # the README calls httpd.start() at import
    module = importlib.reload(importlib.import_module("examples.webpy_readme"))
    module.saved.clear()
    return module


def test_readme_in_process(readme: ModuleType) -> None:
    assert readme.httpd.is_running() is False  # start() was a no-op, nothing bound
    with Client(readme.httpd) as client:
        response = client.get("/foo")
        assert (response.status_code, response.text) == (404, "404 - Not Found\n")
        assert response.headers["Content-Length"] == "16"
        response = client.put("/foo", content=b"hello")
        assert (response.status_code, response.text) == (200, "Accepted")
        assert response.headers["Content-Length"] == "8"
        assert client.get("/foo").content == b"hello"
        head = client.head("/foo")
        assert (head.status_code, head.headers["Content-Length"], head.content) == (200, "5", b"")
        options = client.options("/foo")
        assert options.status_code == 204
        assert options.headers["Allow"] == "DELETE, GET, HEAD, OPTIONS, PUT"
        post = client.post("/foo")
        assert post.status_code == 405
        assert post.headers["Allow"] == "DELETE, GET, HEAD, OPTIONS, PUT"
        assert post.text == "405 - Method Not Allowed\n"
        assert client.delete("/foo").text == "Deleted"
        assert client.delete("/foo").status_code == 404
        assert client.get("/a/b%20c").status_code == 404
        client.put("/a/b%20c", content=b"spaced")
        assert readme.saved == {"a/b c": b"spaced"}


def test_readme_compat_formatting(readme: ModuleType) -> None:
    from microrest.adapters import webpy as web

    compat = web.HTTPServer(("localhost", 8080), readme.routes, compat=True)
    with Client(compat) as client:
        assert client.options("/foo").headers["Allow"] == "DELETE,GET,HEAD,OPTIONS,PUT"


def test_readme_start_serves_in_the_background(
    readme: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    from microrest.adapters import webpy as web

    monkeypatch.delenv("MICROREST_NO_SERVE")

    httpd = web.HTTPServer(("127.0.0.1", 0), readme.routes)
    httpd.start()
    try:
        host, port = httpd.server_address
        with httpx.Client(base_url=f"http://{host}:{port}") as client:
            assert client.put("/k", content=b"v").text == "Accepted"
            assert client.get("/k").content == b"v"
    finally:
        httpd.stop()
    assert not httpd.is_running()


@pytest.mark.e2e
def test_readme_under_uvicorn_workers() -> None:
    with (
        serve("examples.webpy_readme:httpd", workers=2) as base,
        httpx.Client(base_url=base) as client,
    ):
        assert client.get("/missing").status_code == 404
        assert client.put("/k", content=b"v").text == "Accepted"
        assert client.options("/k").headers["Allow"] == "DELETE, GET, HEAD, OPTIONS, PUT"
        client.close()


@pytest.mark.e2e
def test_sqlite_variant_shares_state_across_workers(tmp_path: Path) -> None:
    env = {"MICROREST_DB": str(tmp_path / "saved.sqlite3")}
    with serve("examples.webpy_sqlite:httpd", workers=2, env=env) as base:
        with httpx.Client(base_url=base) as client:
            assert client.get("/foo").status_code == 404
            assert client.put("/foo", content=b"hello").text == "Accepted"
        # fresh connections spread over both workers: every one must see the same data
        for _ in range(20):
            with httpx.Client(base_url=base) as client:
                assert client.get("/foo").content == b"hello"
        with httpx.Client(base_url=base) as client:
            assert client.delete("/foo").text == "Deleted"
        for _ in range(10):
            with httpx.Client(base_url=base) as client:
                assert client.get("/foo").status_code == 404


def test_typed_routes_bound_their_values() -> None:
    from examples import webpy_typed

    with Client(webpy_typed.httpd) as client:
        assert client.get("/orders/7").json() == {"id": 7, "item": "tea", "quantity": 2}
        assert client.get("/orders/8").status_code == 404
        assert client.get("/orders/" + "9" * 18).status_code == 404  # fits, no such order
        for path in ("/orders/" + "9" * 5000, "/orders/" + "1" * 19, "/orders/x"):
            response = client.get(path)
            assert response.status_code == 404, path[:30]
            assert response.json() == {"error": 404, "status": "Not Found"}
        assert client.get("/orders/7/lines/12").json() == {"order": 7, "line": 12}
        assert client.get("/orders/7/lines/" + "1" * 5000).status_code == 404


def test_an_unbounded_group_would_be_a_500() -> None:
    # What the bounded route avoids: int() refuses 5,000 digits inside the handler.
    import microrest.adapters.webpy as web

    class Unbounded(web.HTTPHandler):
        def do_get(self) -> object:
            return 200, str(int(self.groups[0]))

    httpd = web.HTTPServer(("localhost", 0), {"/n/([0-9]+)": Unbounded})
    with Client(httpd) as client:
        assert client.get("/n/12").text == "12"
        assert client.get("/n/" + "9" * 5000).status_code == 500
