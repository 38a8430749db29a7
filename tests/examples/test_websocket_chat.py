"""The websocket chat example: in-process, and under uvicorn with two workers sharing SQLite."""

from __future__ import annotations

import contextlib
import importlib
import json
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from tests.helpers import serve
from websockets.sync.client import ClientConnection, connect

from microrest import WebSocketDisconnect
from microrest.testing import Client

MAX_ATTEMPTS = 200


@pytest.fixture
def chat(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> ModuleType:
    monkeypatch.setenv("MICROREST_CHAT_DB", str(tmp_path / "chat.sqlite3"))
    return importlib.reload(importlib.import_module("examples.websocket_chat"))


def test_two_clients_in_a_room_see_each_others_messages(chat: ModuleType) -> None:
    with (
        Client(chat.app) as client,
        client.websocket_connect("/chat/lobby?nick=ann") as ann,
        client.websocket_connect("/chat/lobby?nick=bob") as bob,
        client.websocket_connect("/chat/other?nick=eve") as eve,
    ):
        assert ann.receive_json()["type"] == "welcome"
        assert bob.receive_json()["type"] == "welcome"
        assert eve.receive_json()["room"] == "other"
        ann.send_text("hello")
        for reader in (ann, bob):  # the sender sees it too: the store is the one truth
            message = reader.receive_json()
            assert (message["nick"], message["text"]) == ("ann", "hello")
        bob.send_text("hi ann")
        assert ann.receive_json()["text"] == "hi ann"
        eve.send_text("elsewhere")
        assert eve.receive_json()["text"] == "elsewhere"
        assert bob.receive_json()["text"] == "hi ann"  # and nothing from the other room
        ann.send_text("x" * 5000)  # over the example's 4 KiB bound
        with pytest.raises(WebSocketDisconnect) as closed:
            ann.receive_json()
        assert closed.value.code == 1009


def test_the_page_is_served(chat: ModuleType) -> None:
    with Client(chat.app) as client:
        page = client.get("/")
        assert page.status_code == 200
        assert "new WebSocket(" in page.text


def welcome(connection: ClientConnection) -> dict[str, Any]:
    message = json.loads(connection.recv(timeout=10))
    assert message["type"] == "welcome"
    return message  # type: ignore[no-any-return]


@contextlib.contextmanager
def on_two_workers(base: str) -> Iterator[tuple[ClientConnection, int, ClientConnection, int]]:
    """Two chat connections that landed on two different worker processes, with their pids."""
    with connect(f"{base}/chat/lobby?nick=ann", open_timeout=10) as first:
        first_pid = welcome(first)["worker"]
        for _ in range(MAX_ATTEMPTS):
            with connect(f"{base}/chat/lobby?nick=bob", open_timeout=10) as second:
                second_pid = welcome(second)["worker"]
                if second_pid != first_pid:
                    yield first, first_pid, second, second_pid
                    return
        raise AssertionError(f"every connection landed on worker {first_pid}")


def next_message(connection: ClientConnection) -> dict[str, Any]:
    return json.loads(connection.recv(timeout=10))  # type: ignore[no-any-return]


@pytest.mark.e2e
def test_two_workers_broadcast_through_sqlite(tmp_path: Path) -> None:
    env = {"MICROREST_CHAT_DB": str(tmp_path / "chat.sqlite3")}
    with serve("examples.websocket_chat:app", workers=2, env=env) as base_url:
        base = base_url.replace("http://", "ws://")
        with on_two_workers(base) as (ann, ann_pid, bob, bob_pid):
            ann.send("from ann")
            got = next_message(bob)  # on bob's worker, written by ann's
            assert (got["nick"], got["text"], got["worker"]) == ("ann", "from ann", ann_pid)
            bob.send("from bob")
            assert next_message(ann)["text"] == "from ann"  # her own first, then bob's
            got = next_message(ann)
            assert (got["nick"], got["text"], got["worker"]) == ("bob", "from bob", bob_pid)
