"""xio linked nodes behind the cluster's load balancer (deploy/nginx/microrest.conf).

Four uvicorn processes and nginx on 127.0.0.1: an app; two instances of node1 that share one
peer registry (``XIO_NODE_DB``: one SQLite file, as instances on one machine can, or one
PostgreSQL server, as instances on several machines must: one registry, one node id); nginx in
front of them; node2 linked to node1 through nginx. A request through nginx reaches the app
through either instance, and node2 keeps reaching the app while one instance is down.
"""

from __future__ import annotations

import contextlib
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from tests.helpers import free_port, serve
from tests.services import ensure_packages, postgres_server

from microrest.adapters import xio

from .conftest import nginx

pytestmark = pytest.mark.e2e

REGISTER = {"XIO-method": "REGISTER"}


@dataclass
class Network:
    app: str
    node1: list[str]  # the two instances, directly
    balancer: str  # nginx in front of them
    node2: str
    node1_stacks: list[contextlib.ExitStack]  # closing one stops that instance

    def stop_node1(self, index: int) -> None:
        self.node1_stacks[index].close()


def port_of(url: str) -> int:
    return int(url.rsplit(":", 1)[1])


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def network(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Network]:
    missing = ensure_packages({"/usr/sbin/nginx": "nginx-light"})
    if missing:
        pytest.skip(f"nginx cannot be installed here: {missing}")
    base: Path = tmp_path_factory.mktemp("xio-nodes")
    with contextlib.ExitStack() as stack:
        if request.param == "sqlite":
            registry = str(base / "node1.sqlite3")
        else:
            try:
                registry = stack.enter_context(postgres_server())
            except (RuntimeError, OSError, subprocess.SubprocessError) as exc:
                pytest.skip(f"PostgreSQL cannot be run here: {exc}")
        shared = {"XIO_NODE_DB": registry}  # both node1 instances: one registry
        app = stack.enter_context(serve("examples.xio_nodes:app", workers=1))
        node1_stacks = [contextlib.ExitStack() for _ in range(2)]
        node1 = []
        for instance in node1_stacks:
            stack.callback(instance.close)
            node1.append(
                instance.enter_context(serve("examples.xio_nodes:node", workers=1, env=shared))
            )
        balancer = stack.enter_context(nginx(free_port(), [port_of(url) for url in node1]))
        node2 = stack.enter_context(
            serve(
                "examples.xio_nodes:node",
                workers=1,
                env={"XIO_NODE_DB": str(base / "node2.sqlite3")},
            )
        )
        yield Network(app, node1, balancer, node2, node1_stacks)


def test_a_request_through_nginx_reaches_the_app_through_either_node_instance(
    network: Network,
) -> None:
    with httpx.Client(timeout=20) as http:
        app_id = http.post(network.app + "/", headers={"XIO-method": "ABOUT"}).json()["id"]
        registered = http.post(
            network.balancer + "/", headers=REGISTER, json={"endpoint": network.app}
        )
        assert registered.status_code == 201, registered.text
        # one node: the same id and the same peers on both instances
        ids = {
            http.post(url + "/", headers={"XIO-method": "ABOUT"}).json()["id"]
            for url in network.node1
        }
        assert len(ids) == 1
        for url in network.node1:
            assert [peer["id"] for peer in http.get(url + "/").json()] == [app_id]
        # through nginx, both instances forward to the app
        upstreams: set[int] = set()
        for index in range(12):
            response = http.get(f"{network.balancer}/{app_id}/hello/{index}")
            assert response.status_code == 200, response.text
            assert response.json()["app"] == app_id
            assert response.json()["path"] == f"hello/{index}"
            upstreams.add(port_of(response.headers["x-upstream"]))
        assert upstreams == {port_of(url) for url in network.node1}

        # node2, on "another host", links to node1 by the balancer's address
        linked = http.post(
            network.node2 + "/", headers=REGISTER, json={"endpoint": network.balancer}
        )
        assert linked.status_code == 201, linked.text
        assert linked.json()["type"] == "node"
        synced = http.post(network.node2 + "/", headers={"XIO-method": "SYNC"}).json()
        assert synced == {"added": 1, "peers": 2}
        peers = http.get(network.node2 + "/").json()
        app_record = next(peer for peer in peers if peer["id"] == app_id)
        assert app_record["endpoint"].startswith(network.balancer)  # reached through nginx
        for index in range(6):
            through = http.get(f"{network.node2}/{app_id}/via/{index}")
            assert through.status_code == 200, through.text
            assert through.json()["path"] == f"via/{index}"

        # the node's websocket service through nginx (deploy's Upgrade location) reaches it too
        ws_url = network.balancer.replace("http://", "ws://") + "/_xio/ws"
        with xio.client(ws_url) as over_ws:
            answer = over_ws.get(f"{app_id}/ws/path")
            assert answer.status == 200, answer.content
            assert answer.content["path"] == "ws/path"

        # one node1 instance stops: nginx sends everything to the other, nothing fails
        network.stop_node1(0)
        for index in range(6):
            through = http.get(f"{network.node2}/{app_id}/after/{index}")
            assert through.status_code == 200, through.text
            direct = http.get(f"{network.balancer}/{app_id}/after/{index}")
            assert direct.status_code == 200
            assert port_of(direct.headers["x-upstream"].split(",")[-1].strip()) == port_of(
                network.node1[1]
            )
