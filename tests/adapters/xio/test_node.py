"""Nodes: the peer registry, forwarding, linking; in-process and across uvicorn processes."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.helpers import serve

from microrest.adapters import xio
from microrest.testing import Client


@pytest.fixture
def node(tmp_path: Path) -> xio.Node:
    return xio.node(db=str(tmp_path / "node.sqlite3"))


def debug_app() -> xio.App:
    app = xio.app()
    app.bind("www", lambda req: {"app": app.id, "path": req.path, "method": req.method})
    return app


def test_register_select_unregister(node: xio.Node) -> None:
    app, user = xio.app(), xio.node()
    first = node.register(app)
    assert node.register(app).uid == first.uid  # registered once
    node.register(user)
    assert len(node.peers) == 2
    assert [peer.id for peer in node.peers.select(type="app")] == [app.id]
    assert [peer.id for peer in node.peers.select(type="node")] == [user.id]
    assert node.peers.get(first.uid).id == app.id
    assert node.peers.get(app.id).uid == first.uid
    assert len(node.peers.export()) == 2
    assert node.peers.export()[0]["endpoint"] == f"~/{first.uid}"
    assert node.peers.unregister(app.id) is True
    assert node.peers.unregister(app.id) is False
    assert len(node.peers) == 1
    with pytest.raises(ValueError, match="itself"):
        node.register(node)
    with pytest.raises(ValueError, match="cannot register"):
        node.register("ftp://example")
    with pytest.raises(ValueError, match="selected by"):
        node.peers.select(color="red")


def test_peer_clients(node: xio.Node) -> None:
    app = debug_app()
    peer = node.register(app)
    assert peer.check() == {"id": app.id, "status": 200}
    assert peer.about().content["id"] == app.id
    assert peer.get("x/y").content == {"app": app.id, "path": "x/y", "method": "GET"}


def test_node_lists_and_forwards(node: xio.Node) -> None:
    app1, app2 = debug_app(), debug_app()
    peer1 = node.register(app1)
    node.register(app2)
    client = xio.client(node)
    records = client.get().content
    assert [record["id"] for record in records] == [app1.id, app2.id]
    assert set(records[0]) >= {"id", "uid", "name", "type", "endpoint"}
    assert client.about(app1.id).content["id"] == app1.id
    assert client.get(app1.id).about().content["id"] == app1.id
    assert node.request("ABOUT", f"www/{app1.id}").content["id"] == app1.id
    assert node.request("ABOUT", f"www/{peer1.uid}").content["id"] == app1.id
    assert client.get(f"{app1.id}/sub/x").content == {
        "app": app1.id,
        "path": "sub/x",
        "method": "GET",
    }
    assert client.post(app2.id).content["method"] == "POST"
    assert client.get("0xunknown/x").status == 404


def test_node_over_asgi(node: xio.Node) -> None:
    app = debug_app()
    node.register(app)
    with Client(node) as client:
        assert client.get("/").json()[0]["id"] == app.id
        assert client.get(f"/{app.id}/a?q=1").json() == {
            "app": app.id,
            "path": "a",
            "method": "GET",
        }
        assert client.post("/", headers={"XIO-method": "EXPORT"}).json()[0]["id"] == app.id
        assert client.get("/nobody").status_code == 404
        refused = client.post("/", headers={"XIO-method": "REGISTER"}, json={"endpoint": "x"})
        assert refused.status_code == 400
        assert client.delete("/").status_code == 405
        assert client.request("ABOUT", "/").json()["type"] == "node"


def test_linked_nodes_in_process(tmp_path: Path) -> None:
    node1 = xio.node(db=str(tmp_path / "one.sqlite3"))
    node2 = xio.node(db=str(tmp_path / "two.sqlite3"))
    app = debug_app()
    node1.register(app)
    node2.register(node1)
    assert node2.sync() == 1
    assert len(node2.peers) == 2
    assert node2.sync() == 0  # nothing new
    through = xio.client(node2).get(f"{app.id}/deep")
    assert through.content == {"app": app.id, "path": "deep", "method": "GET"}


def test_identity_survives_in_the_store(tmp_path: Path) -> None:
    db = str(tmp_path / "shared.sqlite3")
    first = xio.node("mynode", db=db)
    second = xio.node("mynode", db=db)  # what another worker builds
    assert (first.id, first.uid) == (second.id, second.uid)
    first.register(debug_app())
    assert len(second.peers) == 1
    other = xio.node("othernode", db=db)
    assert other.id != first.id and len(other.peers) == 0
    assert xio.node(seed="s", db=str(tmp_path / "a.db")).id == xio.node(seed="s").id
    with sqlite3.connect(db) as connection:
        assert connection.execute("SELECT COUNT(*) FROM xio_peers").fetchone() == (1,)


def test_a_dead_url_peer_is_502(node: xio.Node) -> None:
    peer = node.register("http://127.0.0.1:9", id="0xdead", name="gone", type="app")
    assert peer.get("x").status == 502
    assert xio.client(node).get("0xdead/x").status == 502


@pytest.mark.e2e
def test_three_processes_app_node_and_linked_node(tmp_path: Path) -> None:
    db1, db2 = str(tmp_path / "node1.sqlite3"), str(tmp_path / "node2.sqlite3")
    register = {"XIO-method": "REGISTER"}
    with (
        serve("examples.xio_nodes:app", workers=1) as app_url,
        serve("examples.xio_nodes:node", workers=2, env={"XIO_NODE_DB": db1}) as node1_url,
        serve("examples.xio_nodes:node", workers=1, env={"XIO_NODE_DB": db2}) as node2_url,
        httpx.Client(timeout=20) as http,
    ):
        app_id = http.post(app_url + "/", headers={"XIO-method": "ABOUT"}).json()["id"]
        answer = http.post(node1_url + "/", headers=register, json={"endpoint": app_url})
        assert answer.status_code == 201
        assert answer.json()["id"] == app_id
        # the registry is one for both workers of node1: every request finds the app
        seen: set[Any] = set()
        for _ in range(12):
            response = http.get(f"{node1_url}/{app_id}/hello?x=1")
            assert response.status_code == 200
            assert response.json()["path"] == "hello"
            seen.add(http.get(node1_url + "/").json()[0]["id"])
        assert seen == {app_id}
        custom = http.post(f"{node1_url}/{app_id}/thing", headers={"XIO-method": "PING"})
        assert custom.json()["method"] == "PING"
        # node2 linked to node1 reaches the app through it
        linked = http.post(node2_url + "/", headers=register, json={"endpoint": node1_url})
        assert linked.json()["type"] == "node"
        synced = http.post(node2_url + "/", headers={"XIO-method": "SYNC"}).json()
        assert synced == {"added": 1, "peers": 2}
        through = http.get(f"{node2_url}/{app_id}/via/node1")
        assert through.status_code == 200
        assert through.json()["path"] == "via/node1"
        assert through.json()["app"] == app_id
        assert http.get(f"{node2_url}/0xnobody/x").status_code == 404
        # the Python client over HTTP sees the same
        client = xio.client(node2_url)
        assert client.get(f"{app_id}/py").content["path"] == "py"
        assert client.about(app_id).content["id"] == app_id
        client.close()


def test_the_callers_token_crosses_the_node(node: xio.Node) -> None:
    tokens = xio.SignedTokens("shared secret")
    app = xio.app(identity=tokens)
    app.bind("www", lambda req: {"client": req.client.id})
    node.register(app)
    with Client(node) as client:
        token = tokens.token_for("0xuser")
        answer = client.get(f"/{app.id}/", headers={"Authorization": f"Bearer {token}"})
        assert answer.json() == {"client": "0xuser"}
        assert client.get(f"/{app.id}/").json() == {"client": None}
