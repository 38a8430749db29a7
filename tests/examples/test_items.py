"""``examples/items/``: each style's module imports and serves under ``uvicorn --workers 2``.

The in-process behaviour is the conformance suite's (tests/conformance); here the module-level
``app`` objects meet a real server, with state shared by the workers through SQLite.
"""

from __future__ import annotations

import contextlib
import importlib
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from examples.items import STYLES
from tests.conformance.rpc import RPC_ALLOW, RPC_STYLES, rest_view
from tests.helpers import serve

from microrest.testing import Client

MAIN_OBJECTS = {
    "core": "microrest.app.App",
    "corepost": "microrest.adapters.corepost.web.CorePost",
    "vestespy": "microrest.adapters.vestespy.server.Server",
    "webpy": "microrest.adapters.webpy.server.HTTPServer",
    "xio": "microrest.adapters.xio.app.App",
    "pyservice": "microrest.adapters.pyservice.service.Service",
}


@pytest.mark.parametrize("style", STYLES)
def test_module_app_is_the_styles_main_object(
    style: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MICROREST_DB", str(tmp_path / "items.sqlite3"))
    module = importlib.reload(importlib.import_module(f"examples.items.{style}"))
    kind = type(module.app)
    assert f"{kind.__module__}.{kind.__qualname__}" == MAIN_OBJECTS.get(style, "(add it here)")
    with Client(module.app) as client:
        assert rest_view(client, style).put("/items/k", json={"style": style}).status_code == 201
    assert (tmp_path / "items.sqlite3").exists()  # the store MICROREST_DB names


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """One ``uvicorn --workers 2`` per style and one for the showcase, started side by side.

    Each has its own SQLite file; yields ``{name: base URL}``.
    """
    targets = {style: f"examples.items.{style}:app" for style in STYLES}
    targets["showcase"] = "examples.showcase:app"
    root = tmp_path_factory.mktemp("items-e2e")
    managers = {
        name: serve(target, workers=2, env={"MICROREST_DB": str(root / f"{name}.sqlite3")})
        for name, target in targets.items()
    }
    with ThreadPoolExecutor(len(managers)) as pool:
        futures = {name: pool.submit(manager.__enter__) for name, manager in managers.items()}
        started: dict[str, str] = {}
        failures = []
        for name, future in futures.items():
            try:
                started[name] = future.result()
            except Exception as exc:  # stop the others before reporting it
                failures.append(exc)
        try:
            if failures:
                raise failures[0]
            yield started
        finally:
            stops = [pool.submit(managers[name].__exit__, None, None, None) for name in started]
            for stop in stops:
                with contextlib.suppress(Exception):
                    stop.result()


@pytest.mark.e2e
@pytest.mark.parametrize("style", STYLES)
def test_serves_under_uvicorn_workers(style: str, servers: dict[str, str]) -> None:
    base = servers[style]
    with httpx.Client(base_url=base) as http:
        client = rest_view(http, style)  # RPC styles: one operation call per request
        assert client.get("/items").json() == []
        assert client.put("/items/apple", json={"n": 1}).status_code == 201
        assert client.put("/items/apple", json={"n": 2}).status_code == 200
        head = client.head("/items/apple")
        if style in RPC_STYLES:  # see tests/conformance/rpc.py, RPC_DIFFERENCES
            assert (head.status_code, head.headers["allow"]) == (405, RPC_ALLOW)
        else:
            assert (head.status_code, head.content) == (200, b"")
            allow = client.post("/items/apple").headers["allow"]
            assert allow == "DELETE, GET, HEAD, OPTIONS, PUT"
    for _ in range(10):  # fresh connections spread over both workers: one store
        with httpx.Client(base_url=base) as http:
            got = rest_view(http, style).get("/items/apple").json()
            assert got == {"key": "apple", "value": {"n": 2}}
    with httpx.Client(base_url=base) as http:
        client = rest_view(http, style)
        assert client.delete("/items/apple").status_code == 204
        assert client.get("/items/apple").status_code == 404


@pytest.mark.e2e
def test_showcase_mixes_styles_across_workers(servers: dict[str, str]) -> None:
    base = servers["showcase"]
    with httpx.Client(base_url=base) as client:
        styles = client.get("/").json()["styles"]
        assert set(styles) == set(STYLES)
        assert client.put("/webpy/items/x", json=[1]).status_code == 201
    for style, link in styles.items():
        with httpx.Client(base_url=base) as http:
            prefix = "" if style == "core" else f"/{style}"
            got = rest_view(http, style, prefix).get("/items/x").json()
            assert got == {"key": "x", "value": [1]}, link
