"""The CorePost README examples: in-process, run as scripts (start call a no-op), and under
``uvicorn --workers 2``."""

from __future__ import annotations

import os
import runpy

import httpx
import pytest
from tests.helpers import ROOT, serve

from microrest.testing import Client

EXAMPLES = ROOT / "examples"
MULTI_URLS = {
    "": "HOME {}",
    "/": "HOME {}",
    "/module1": "/module1",
    "/module1/": "/module1/",
    "/module1/sub": "/module1/sub",
    "/module2": "/module2",
    "/module2/": "/module2/",
    "/module2/sub": "/module2/sub",
}


@pytest.fixture(autouse=True)
def no_serve(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MICROREST_NO_SERVE", "1")


def test_single_module_in_process() -> None:
    from examples.corepost_single import app

    with Client(app) as client:
        assert client.get("/").text == "/"
        assert client.get("/test").text == "/test"
        assert client.get("/test/23/test2/abc").text == "23 - abc"
        assert client.get("/test/x/test2/abc").status_code == 404


def test_single_module_script_start_call_returns() -> None:
    namespace = runpy.run_path(str(EXAMPLES / "corepost_single.py"), run_name="__main__")
    with Client(namespace["app"]) as client:
        assert client.get("/test").text == "/test"


def test_multi_module_main_block_builds_the_readme_site() -> None:
    namespace = runpy.run_path(str(EXAMPLES / "corepost_multi_module.py"), run_name="__main__")
    with Client(namespace["factory"]) as client:
        for url, body in MULTI_URLS.items():
            response = client.get(url)
            assert (url, response.status_code, response.text) == (url, 200, body)


def test_deferred_example_in_process() -> None:
    from examples.corepost_deferred import app

    with Client(app) as client:
        assert client.get("/").text == "hello from sqlite"
        assert client.get("/modern").text == "hello from sqlite"
        assert client.get("/stream?count=2").text == "chunk 0\nchunk 1\n"


@pytest.mark.e2e
def test_examples_under_uvicorn_workers(tmp_path: os.PathLike[str]) -> None:
    env = {"COREPOST_EXAMPLE_DB": os.path.join(tmp_path, "example.db")}
    with serve("examples.corepost_single:app", workers=2) as base:
        assert httpx.get(base + "/test/7/test2/x").text == "7 - x"
        assert httpx.get(base + "/test/").text == "/test/"
    with serve("examples.corepost_multi_module:site", workers=2) as base:
        for url, body in MULTI_URLS.items():
            assert httpx.get(base + url).text == body
    with serve("examples.corepost_deferred:app", workers=2, env=env) as base:
        for _ in range(4):
            assert httpx.get(base + "/").text == "hello from sqlite"
        assert httpx.get(base + "/stream?count=3").text == "chunk 0\nchunk 1\nchunk 2\n"
