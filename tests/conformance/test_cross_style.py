"""Styles together: one store behind every prefix of the showcase, one route table, identical
answers from every style, and moving routes from one style to another."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import pytest
from examples.items import STYLES
from examples.store import ItemStore
from tests.conformance.rpc import (
    NOT_IN_CONTRACT,
    RPC_ALLOW,
    RPC_STYLES,
    NotInContract,
    operation_url,
    rest_view,
)
from tests.conformance.services import showcase

from microrest import App, Request, RouteConflict
from microrest.testing import Client

JSON_HEADERS = {"Content-Type": "application/json"}


def items_module(style: str) -> Any:
    return importlib.import_module(f"examples.items.{style}")


@pytest.fixture
def mixed(db: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The showcase module over a fresh store: every style under its prefix."""
    return showcase(db, monkeypatch)


@pytest.mark.parametrize("writer", STYLES)
def test_written_in_one_style_read_in_every_other(mixed: Any, writer: str) -> None:
    prefixes = mixed.PREFIXES
    others = [style for style in STYLES if style != writer]
    with Client(mixed.app) as client:
        views = {style: rest_view(client, style, prefixes[style]) for style in STYLES}
        put = views[writer].put("/items/shared", json={"by": writer})
        assert put.status_code == 201
        for style in others:
            response = views[style].get("/items/shared")
            assert response.status_code == 200, style
            assert response.json() == {"key": "shared", "value": {"by": writer}}, style
            assert views[style].get("/items").json() == ["shared"], style
        # replaced through another style: 200 there, and the new value everywhere
        replaced = views[others[0]].put("/items/shared", json=2)
        assert replaced.status_code == 200
        assert views[writer].get("/items/shared").json()["value"] == 2
        # deleted through the last style: gone everywhere
        assert views[others[-1]].delete("/items/shared").status_code == 204
        for style in STYLES:
            assert views[style].get("/items/shared").status_code == 404, style


def transcript(app: Any, prefix: str = "", style: str = "core") -> list[tuple[Any, ...]]:
    """A fixed conversation; what a client can see of each answer, error bodies aside."""
    steps: list[tuple[str, str, dict[str, Any]]] = [
        ("GET", "/items", {}),
        ("PUT", "/items/a", {"json": {"n": 1}}),
        ("PUT", "/items/b%2Bc", {"json": [True, None, 1.5, "ü"]}),
        ("PUT", "/items/a", {"json": "again"}),
        ("GET", "/items", {}),
        ("GET", "/items/a", {}),
        ("GET", "/items/b%2Bc", {}),
        ("HEAD", "/items/a", {}),
        ("OPTIONS", "/items/a", {}),
        ("OPTIONS", "/items", {}),
        ("POST", "/items/a", {"json": 1}),
        ("DELETE", "/items/a", {}),
        ("DELETE", "/items/a", {}),
        ("GET", "/items/a", {}),
        ("PUT", "/items/c", {"content": b"{", "headers": JSON_HEADERS}),
        ("GET", "/items", {}),
    ]
    seen = []
    with Client(app) as client:
        view = rest_view(client, style, prefix)
        for method, path, options in steps:
            try:
                response = view.request(method, path, **options)
            except NotInContract:
                seen.append((method, path, NOT_IN_CONTRACT, None, None, None))
                continue
            ok = response.status_code < 300 and response.content
            seen.append(
                (
                    method,
                    path,
                    response.status_code,
                    response.json() if ok else None,
                    response.headers.get("allow"),
                    response.content == b"" if method == "HEAD" else None,
                )
            )
    return seen


def as_rpc(expected: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """The REST transcript with what RPC answers instead where it has no counterpart
    (tests/conformance/rpc.py, RPC_DIFFERENCES): every other step is identical."""
    rpc = []
    for method, path, status, body, allow, empty in expected:
        if method == "HEAD":
            status, allow = 405, RPC_ALLOW
        elif method == "OPTIONS":
            allow = RPC_ALLOW
        elif method in ("POST", "PATCH"):
            status, body, allow, empty = NOT_IN_CONTRACT, None, None, None
        rpc.append((method, path, status, body, allow, empty))
    return rpc


def expected_for(style: str, expected: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    return as_rpc(expected) if style in RPC_STYLES else expected


def test_every_style_answers_the_same(tmp_path: Path) -> None:
    transcripts = {
        style: transcript(
            items_module(style).make_app(ItemStore(str(tmp_path / f"{style}.db"))), "", style
        )
        for style in STYLES
    }
    expected = transcripts["core"]
    assert [step[2] for step in expected] == [
        200, 201, 201, 200, 200, 200, 200, 200, 204, 204, 405, 204, 404, 404, 400, 200,
    ]  # fmt: skip
    assert expected[6][3] == {"key": "b+c", "value": [True, None, 1.5, "ü"]}
    for style, seen in transcripts.items():
        assert seen == expected_for(style, expected), style


def test_the_showcase_answers_the_same_under_every_prefix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = transcript(items_module("core").make_app(ItemStore(str(tmp_path / "alone.db"))))
    for style in STYLES:
        module = showcase(tmp_path / f"{style}-mixed.db", monkeypatch)  # a fresh store each
        seen = transcript(module.app, module.PREFIXES[style], style)
        assert seen == expected_for(style, expected), style


def test_one_route_table_shows_every_style(mixed: Any) -> None:
    rows = mixed.app.routes()
    assert {row.style for row in rows} >= set(STYLES)
    for style, prefix in mixed.PREFIXES.items():
        paths = {row.path for row in rows if row.style == style}
        if style in RPC_STYLES:  # each operation is a POST route of its own
            assert operation_url(prefix, "list_items") in paths, style
            assert {row.method for row in rows if row.style == style} == {"POST"}, style
        else:
            assert f"{prefix}/items" in paths, style
        assert all(path.startswith(prefix) for path in paths), style
        sources = {row.source.rpartition(":")[0] for row in rows if row.style == style}
        if style != "core":
            assert f"examples/items/{style}.py" in sources, style


def test_the_index_lists_every_style(mixed: Any) -> None:
    with Client(mixed.app) as client:
        index = client.get("/").json()
    assert index["styles"] == {
        style: operation_url(f"/{style}", "list_items")
        if style in RPC_STYLES
        else ("" if style == "core" else f"/{style}") + "/items"
        for style in STYLES
    }
    for style, link in index["styles"].items():
        with Client(mixed.app) as client:
            if style in RPC_STYLES:
                assert client.post(link, content=b"{}").json() == {"keys": []}
            else:
                assert client.get(link).json() == []


def new_get_item() -> App:
    """The route being migrated: ``GET /items/{key}``, now in the core style."""
    app = App()

    @app.get("/items/{key}")
    def get_item(request: Request) -> dict[str, Any]:
        return {"key": request.path_params["key"], "value": "served by the core"}

    return app


@pytest.mark.parametrize("old", ["vestespy", "webpy"])
def test_a_route_moves_to_the_core_while_the_rest_stays(old: str, tmp_path: Path) -> None:
    """Regex styles: the core's template route is tried first; the other methods fall through."""
    app = App()
    app.mount("", items_module(old).make_app(ItemStore(str(tmp_path / "db"))))
    app.mount("", new_get_item())
    with Client(app) as client:
        assert client.put("/items/x", json=1).status_code == 201  # still the old style
        assert client.get("/items/x").json() == {"key": "x", "value": "served by the core"}
        assert client.get("/items").json() == ["x"]  # still the old style
        allow = client.options("/items/x").headers["allow"]
        assert allow == "DELETE, GET, HEAD, OPTIONS, PUT"
        assert client.delete("/items/x").status_code == 204


def test_the_same_route_in_two_styles_is_a_conflict(tmp_path: Path) -> None:
    """Template styles: forgetting to remove the old route fails at once, naming both."""
    store = ItemStore(str(tmp_path / "db"))
    app = App()
    app.mount("", items_module("corepost").make_app(store))
    with pytest.raises(RouteConflict) as caught:
        app.mount("", new_get_item())
    message = str(caught.value)
    assert "GET /items/{key}" in message
    assert "examples/items/corepost.py:" in message and "test_cross_style.py:" in message
