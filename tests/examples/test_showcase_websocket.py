"""The showcase's core websocket route, beside the styles' HTTP routes in one app."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from microrest.testing import Client


def test_the_websocket_reads_what_any_style_wrote(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MICROREST_DB", str(tmp_path / "showcase.sqlite3"))
    showcase = importlib.reload(importlib.import_module("examples.showcase"))
    rows = {(row.method, row.path, row.style) for row in showcase.app.routes()}
    assert ("WS", "/ws/items", "core") in rows
    assert {style for _, _, style in rows} >= {"core", "corepost", "vestespy", "webpy"}
    with Client(showcase.app) as client:
        assert client.put("/webpy/items/pear", json={"n": 3}).status_code in (200, 201)
        with client.websocket_connect("/ws/items") as ws:
            ws.send_text("pear")
            assert ws.receive_json() == {"key": "pear", "value": {"n": 3}}
            ws.send_text("missing")
            assert ws.receive_json() == {"key": "missing", "value": None}


def test_microrest_routes_lists_it_as_ws(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from microrest.cli import main

    monkeypatch.setenv("MICROREST_DB", str(tmp_path / "showcase.sqlite3"))
    assert main(["routes", "examples.showcase:app"]) == 0
    rows = [line.split() for line in capsys.readouterr().out.splitlines()]
    assert ["WS", "/ws/items", "core", "examples.showcase.items_socket"] in [r[:4] for r in rows]
