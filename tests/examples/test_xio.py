"""The xio README examples in-process, under ``uvicorn --workers 2`` and through ``app.main()``."""

from __future__ import annotations

import importlib
import sys

import httpx
import pytest
from tests.helpers import free_port, run_process, serve

from microrest.testing import Client

METHODS = ("POST", "PUT", "DELETE", "PATCH")


def test_hello_in_process() -> None:
    module = importlib.import_module("examples.xio_hello")
    with Client(module.app) as client:
        for path in ("/", "/whatever", "/a/b/c?x=1"):
            response = client.get(path)
            assert (response.status_code, response.text) == (200, "Hello World"), path
            assert response.headers["content-length"] == "11"
            assert response.headers["access-control-allow-origin"] == "*"
    assert module.app.get("www").content == "Hello World"


def test_request_example_in_process() -> None:
    module = importlib.import_module("examples.xio_request")
    with Client(module.app) as client:
        assert client.get("/").text == "it is a GET request"
        for method in METHODS:
            assert client.request(method, "/").text == f"it is a {method} request"
            assert client.request(method, "/", content=b"x").text == f"it is a {method} request"
    assert module.app.post("www").content == "it is a POST request"


def test_main_without_command_prints_the_app(capsys: pytest.CaptureFixture[str]) -> None:
    module = importlib.import_module("examples.xio_hello")
    module.app.main([])
    out = capsys.readouterr().out
    assert module.app.id in out
    assert "examples/xio_hello.py" in out


def test_main_run_defaults_to_port_8080_on_all_interfaces(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Serving on 0.0.0.0 is not allowed here: record what app.run() hands the core's server.
    import microrest.server

    module = importlib.import_module("examples.xio_hello")
    calls: list[tuple[object, ...]] = []
    monkeypatch.setattr(microrest.server, "run", lambda *args, **kw: calls.append((*args, kw)))
    module.app.main(["run"])
    module.app.main(["run", "-p", "9090", "--workers", "3"])
    assert calls == [
        (module.app, "0.0.0.0", 8080, {"workers": 1}),
        (module.app, "0.0.0.0", 9090, {"workers": 3}),
    ]


@pytest.mark.e2e
def test_examples_under_uvicorn_workers() -> None:
    with serve("examples.xio_hello:app", workers=2) as base:
        for path in ("/", "/deep/path"):
            response = httpx.get(base + path, timeout=10)
            assert (response.status_code, response.text) == (200, "Hello World")
    with serve("examples.xio_request:app", workers=2) as base:
        assert httpx.get(base + "/", timeout=10).text == "it is a GET request"
        for method in METHODS:
            response = httpx.request(method, base + "/x", timeout=10)
            assert response.text == f"it is a {method} request"


@pytest.mark.e2e
def test_main_run_serves_with_workers() -> None:
    port = free_port()
    command = [sys.executable, "examples/xio_hello.py", "run", "-p", str(port), "--workers", "2"]
    command += ["--host", "127.0.0.1"]  # the default is all interfaces; tests stay on loopback
    with run_process(command, port):
        response = httpx.get(f"http://127.0.0.1:{port}/", timeout=10)
        assert (response.status_code, response.text) == (200, "Hello World")
