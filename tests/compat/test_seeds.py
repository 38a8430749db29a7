"""Every seed README example (``examples/legacy/``, original imports) runs unmodified through
``microrest.compat``: in-process, and as a script under ``python -m microrest.compat`` serving
on a free port of 127.0.0.1 (``--host``/``--port`` move the README's localhost:8080), stopped by
PID."""

from __future__ import annotations

import runpy
import sys
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from tests.helpers import ROOT, free_port, run_process

from microrest import compat
from microrest.testing import Client

LEGACY = ROOT / "examples" / "legacy"
CORE_MULTI_URLS = {
    "/": "HOME {}",
    "/module1": "/module1",
    "/module1/sub": "/module1/sub",
    "/module2/": "/module2/",
    "/module2/sub": "/module2/sub",
}


def run_legacy(name: str, run_name: str = "__main__", **init: Any) -> dict[str, Any]:
    """Run ``examples/legacy/<name>`` in this process, as ``python script.py`` would."""
    compat.install()
    return runpy.run_path(str(LEGACY / name), init_globals=init or None, run_name=run_name)


@pytest.fixture
def as_script() -> Iterator[Any]:
    """Start ``python -m microrest.compat --port P <script> [args]``; yields its base URL."""
    stack: list[Any] = []

    def start(name: str, *args: str) -> str:
        port = free_port()
        command = [sys.executable, "-m", "microrest.compat", "--host", "127.0.0.1"]
        command += ["--port", str(port), str(LEGACY / name), *args]
        context = run_process(command, port, env={"MICROREST_NO_SERVE": "0"})
        context.__enter__()
        stack.append(context)
        return f"http://127.0.0.1:{port}"

    yield start
    for context in reversed(stack):
        context.__exit__(None, None, None)


# CorePost ---------------------------------------------------------------------------------


def test_corepost_single_module_in_process() -> None:
    app = run_legacy("corepost_single.py")["app"]  # app.run() returns: MICROREST_NO_SERVE
    with Client(app) as client:
        assert client.get("/").text == "/"
        assert client.get("/test").text == "/test"
        assert client.get("/test/23/test2/abc").text == "23 - abc"
        assert client.get("/test/x/test2/abc").status_code == 404


def test_corepost_multi_module_in_process() -> None:
    factory = run_legacy("corepost_multi_module.py")["factory"]
    with Client(factory) as client:
        for url, body in CORE_MULTI_URLS.items():
            assert (url, client.get(url).text) == (url, body)


def test_corepost_deferred_in_process() -> None:
    app = run_legacy("corepost_deferred.py", run_name="legacy_deferred")["app"]
    with Client(app) as client:
        assert client.get("/").text == "rows for SELECT ...."


@pytest.mark.e2e
def test_corepost_scripts_serve(as_script: Any) -> None:
    base = as_script("corepost_single.py")
    assert httpx.get(base + "/test/7/test2/x").text == "7 - x"
    base = as_script("corepost_multi_module.py")  # reactor.listenTCP(8080) + reactor.run()
    for url, body in CORE_MULTI_URLS.items():
        assert httpx.get(base + url).text == body
    base = as_script("corepost_deferred.py")
    assert httpx.get(base + "/").text == "rows for SELECT ...."


# VestesPy ---------------------------------------------------------------------------------


def test_vestespy_server_in_process() -> None:
    server = run_legacy("vestespy_server.py")["server"]  # serve_forever() returns
    with Client(server) as client:
        assert client.get("/anything").text == "TEST"
        assert client.post("/x", content=b"body").text == "TEST"


def test_vestespy_dispatcher_in_process() -> None:
    server = run_legacy("vestespy_dispatcher.py")["server"]
    with Client(server) as client:
        assert client.get("/").text == "test"
        assert client.get("/test/42").text == "ID: 42"
        assert client.get("/nowhere").status_code == 404


@pytest.mark.e2e
def test_vestespy_scripts_serve(as_script: Any) -> None:
    assert httpx.get(as_script("vestespy_server.py") + "/x").text == "TEST"
    assert httpx.get(as_script("vestespy_dispatcher.py") + "/test/7").text == "ID: 7"


# web.py -----------------------------------------------------------------------------------


def test_webpy_readme_in_process() -> None:
    httpd = run_legacy("webpy_readme.py")["httpd"]  # httpd.start() returns
    with Client(httpd) as client:
        assert client.get("/apple").status_code == 404
        assert client.put("/apple", content=b"red").text == "Accepted"
        assert client.get("/apple").text == "red"
        assert client.delete("/apple").text == "Deleted"
        assert client.get("/apple").status_code == 404


@pytest.mark.e2e
def test_webpy_script_serves(as_script: Any) -> None:
    base = as_script("webpy_readme.py")  # start() returns; the process serves on
    assert httpx.put(base + "/k", content=b"v").text == "Accepted"
    assert httpx.get(base + "/k").text == "v"


# pyservice --------------------------------------------------------------------------------


def test_pyservice_readme_in_process() -> None:
    """The README's client against its service, both as written: the README's own bugs come
    through as they would have. ``if item not in request`` names an undefined ``item``: the
    client gets that NameError back through the debug-mode envelope; ``if id not in request``
    tests the builtin ``id``, so get_item always raises the declared IDRequired."""
    namespace = run_legacy("pyservice_service.py", run_name="legacy_service")
    api = {**namespace["api"], "app": namespace["service"]}
    with pytest.raises(NameError, match="name 'item' is not defined"):
        run_legacy("pyservice_client.py", api=api)
    with Client(namespace["service"]) as client:  # the declared operations, on the wire
        answer = client.post("/api/0/get_item", json={"id": "x"})
        assert answer.status_code == 200
        assert answer.json() == {
            "__exception__": {"cls": "IDRequired", "args": ["Can't get an item without an ID"]}
        }


@pytest.mark.e2e
def test_pyservice_script_serves_over_wsgiref(as_script: Any) -> None:
    base = as_script("pyservice_service.py")  # run_server(): wsgiref's make_server
    port = int(base.rsplit(":", 1)[1])
    namespace = run_legacy("pyservice_service.py", run_name="legacy_service")
    api = dict(namespace["api"], endpoint={**namespace["api"]["endpoint"], "port": port})
    api["endpoint"]["host"] = "127.0.0.1"
    with pytest.raises(NameError, match="name 'item' is not defined"):
        run_legacy("pyservice_client.py", api=api)


# xio (its adapter is merged later) ----------------------------------------------------------


def test_xio_readme_in_process() -> None:
    pytest.importorskip("microrest.adapters.xio")
    app = run_legacy("xio_app.py", run_name="legacy_xio")["app"]
    with Client(app) as client:
        assert client.get("/").text == "Hello World"
        assert client.get("/any/path").text == "Hello World"
    app = run_legacy("xio_request.py", run_name="legacy_xio_request")["app"]
    with Client(app) as client:
        assert client.get("/").text == "it is a GET request"
        assert client.post("/").text == "it is a POST request"


@pytest.mark.e2e
def test_xio_script_serves(as_script: Any) -> None:
    pytest.importorskip("microrest.adapters.xio")
    base = as_script("xio_app.py", "run")  # the README's `python app.py run`
    assert httpx.get(base + "/").text == "Hello World"
