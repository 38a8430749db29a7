"""``xio.node()``: an app that is a gateway to its registered peers.

The registry lives in SQLite (WAL), so every worker of ``uvicorn --workers N`` sees one
registry: a peer registered through one worker answers on the next request, whatever worker
takes it (xio kept it in process memory). Name the node (``xio.node(__name__)``) or give
``db=``/``XIO_NODE_DB`` so workers agree on the file and on the node's id; an unnamed node gets
a private temporary file. A ``postgresql://`` URL there keeps it in PostgreSQL instead, for
instances of one node on several machines (``registry.py``). A peer is an in-process app
(reachable from the process that registered it) or a URL (reachable from anywhere, over httpx).

Over HTTP the node's root answers GET with the peer records and the custom methods
``REGISTER`` (``{"endpoint": URL}``), ``EXPORT`` and ``SYNC``; ``/<peer id or uid>/<rest>``
is forwarded to that peer's ``<rest>``, 404 for an unknown peer.
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import os
import secrets
import tempfile
import threading
from typing import Any

from .about import XioError
from .app import App
from .client import Client, HttpTarget
from .registry import open_registry
from .request import Request
from .resource import Resource, Result

__all__ = ["Node", "Peer", "Peers"]

DEFAULT_DB = "xio-nodes.sqlite3"
_FIELDS = ("uid", "nodeid", "id", "name", "type", "endpoint")
# In-process peers by id: objects cannot live in SQLite. Another worker cannot reach them.
_LOCAL: dict[str, Resource] = {}
_HTTP_TARGETS: dict[str, HttpTarget] = {}
_TARGETS_LOCK = threading.Lock()


class Peer:
    """One registry record (``uid``, ``nodeid``, ``id``, ``name``, ``type``, ``endpoint``) and
    a client of it: ``peer.request(...)``, ``peer.get(...)``, ``peer.about()``."""

    def __init__(self, record: dict[str, Any]) -> None:
        self.record = record
        self.uid: str = record["uid"]
        self.nodeid: str | None = record["nodeid"]
        self.id: str = record["id"]
        self.name: str = record["name"]
        self.type: str = record["type"]
        self.endpoint: str = record["endpoint"]
        self._client: Client | None = None

    @property
    def client(self) -> Client:
        if self._client is None:
            self._client = _client_for(self.endpoint)
        return self._client

    def request(self, method: str, *args: Any, **kwargs: Any) -> Result:
        return self.client.request(method, *args, **kwargs)

    def get(self, *args: Any, **kwargs: Any) -> Result:
        return self.request("GET", *args, **kwargs)

    def about(self, *args: Any, **kwargs: Any) -> Result:
        return self.request("ABOUT", *args, **kwargs)

    def check(self) -> dict[str, Any]:
        return {"id": self.id, "status": self.request("HEAD").status}

    def __repr__(self) -> str:
        return f"<xio peer {self.type} {self.id} via {self.endpoint}>"


def _http_target(endpoint: str) -> HttpTarget:
    """One pooled httpx client per peer URL for the process: forwarding reuses connections."""
    with _TARGETS_LOCK:
        target = _HTTP_TARGETS.get(endpoint)
        if target is None:
            target = _HTTP_TARGETS[endpoint] = HttpTarget(endpoint)
        return target


def _close_targets() -> None:
    with _TARGETS_LOCK:
        for target in _HTTP_TARGETS.values():
            target.close()
        _HTTP_TARGETS.clear()


atexit.register(_close_targets)


def _client_for(endpoint: str) -> Client:
    if endpoint.startswith("local:"):
        peer_id, _, prefix = endpoint[len("local:") :].partition("/")
        target = _LOCAL.get(peer_id)
        if target is None:
            return Client(_Unreachable(peer_id), prefix)
        return Client(target, prefix)
    return Client(_http_target(endpoint))


class _Unreachable(Resource):
    """A peer registered as an object in another process: 502, saying why."""

    def __init__(self, peer_id: str) -> None:
        super().__init__()
        self.peer_id = peer_id

    def request(self, method: str, *args: Any, **kwargs: Any) -> Result:
        return Result(
            502,
            f"502 peer {self.peer_id} was registered in-process by another worker; "
            "register it by URL to reach it from every worker",
        )


class Peers:
    """The registry of one node, in SQLite: ``register``, ``get``, ``select``,
    ``unregister``, ``export``, ``sync``; ``len(peers)``."""

    def __init__(self, node: Node, path: str) -> None:
        self.node = node
        self.path = path
        self.registry = open_registry(path)

    def _db(self) -> contextlib.AbstractContextManager[Any]:
        return self.registry.connection()

    def meta(self, key: str, default: str) -> str:
        """The value stored under ``key``, storing ``default`` first if none: the first worker
        to ask decides, every other one reads the same."""
        with self._db() as db:
            db.execute("INSERT OR IGNORE INTO xio_meta (key, value) VALUES (?, ?)", (key, default))
            row = db.execute("SELECT value FROM xio_meta WHERE key = ?", (key,)).fetchone()
        return str(row[0])

    def _rows(self, where: str = "", args: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
        order = self.registry.order
        query = (
            f"SELECT {', '.join(_FIELDS)} FROM xio_peers WHERE owner = ? {where} ORDER BY {order}"
        )
        with self._db() as db:
            rows = db.execute(query, (self.node.uid, *args)).fetchall()
        return [dict(zip(_FIELDS, row, strict=True)) for row in rows]

    def __len__(self) -> int:
        return len(self._rows())

    def all(self) -> list[Peer]:
        return [Peer(row) for row in self._rows()]

    def get(self, index: str) -> Peer | None:
        """The peer with this uid, or else this id (the first registered)."""
        rows = self._rows("AND (uid = ? OR id = ?)", (index, index))
        rows.sort(key=lambda row: row["uid"] != index)
        return Peer(rows[0]) if rows else None

    def select(self, **filters: Any) -> list[Peer]:
        unknown = set(filters) - set(_FIELDS)
        if unknown:
            raise ValueError(
                f"peers can be selected by {', '.join(_FIELDS)}, not {sorted(unknown)}"
            )
        where = "".join(f" AND {name} = ?" for name in filters)
        return [Peer(row) for row in self._rows(where, tuple(filters.values()))]

    def register(
        self,
        endpoint: Any,
        nodeid: str | None = None,
        type: str | None = None,
        uid: str | None = None,
        id: str | None = None,
        name: str | None = None,
    ) -> Peer:
        """Register an in-process app/node or a URL (its ABOUT gives id, name and type).

        A peer already registered (same id, through the same node) is returned as it is.
        Raises ``ValueError`` for the node itself or a URL that does not answer ABOUT.
        """
        if isinstance(endpoint, Resource):
            if endpoint is self.node:
                raise ValueError("a node cannot register itself")
            peer_id = id or str(getattr(endpoint, "id", "") or "")
            if not peer_id:
                raise ValueError(f"{endpoint!r} has no id: register an app, a node or a URL")
            _LOCAL[peer_id] = endpoint
            name = name or str(getattr(endpoint, "app_name", "") or peer_id)
            type = type or str(getattr(endpoint, "type_name", "app"))
            address = f"local:{peer_id}"
        elif isinstance(endpoint, str) and endpoint.startswith(("http://", "https://")):
            address = endpoint.rstrip("/")
            if id is None:
                with Client(HttpTarget(address, timeout=10.0)) as probe:
                    about = probe.about()
                if about.status != 200 or not isinstance(about.content, dict):
                    raise ValueError(f"{address} did not answer ABOUT (status {about.status})")
                id = str(about.content.get("id") or "")
                name = name or about.content.get("name")
                type = type or about.content.get("type")
            if not id:
                raise ValueError(f"{address} has no id in its ABOUT answer")
            peer_id = id
        elif isinstance(endpoint, str) and endpoint.startswith("local:") and id:
            peer_id, address = id, endpoint
        else:
            raise ValueError(f"cannot register {endpoint!r}: give an app, a node or an http(s) URL")
        if peer_id == self.node.id:
            raise ValueError("a node cannot register itself")
        existing = self._rows("AND id = ? AND nodeid IS ?", (peer_id, nodeid))
        if existing:
            return Peer(existing[0])
        record = {
            "uid": uid or hashlib.md5(f"{nodeid or self.node.id}/{peer_id}".encode()).hexdigest(),
            "nodeid": nodeid,
            "id": peer_id,
            "name": name or peer_id,
            "type": (type or "app").lower(),
            "endpoint": address,
        }
        with self._db() as db:
            db.execute(
                f"INSERT OR IGNORE INTO xio_peers (owner, {', '.join(_FIELDS)}) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (self.node.uid, *(record[field] for field in _FIELDS)),
            )
        return Peer(record)

    def unregister(self, index: str) -> bool:
        with self._db() as db:
            cursor = db.execute(
                "DELETE FROM xio_peers WHERE owner = ? AND (uid = ? OR id = ?)",
                (self.node.uid, index, index),
            )
        return bool(cursor.rowcount > 0)

    def clear(self) -> None:
        with self._db() as db:
            db.execute("DELETE FROM xio_peers WHERE owner = ?", (self.node.uid,))

    def export(self) -> list[dict[str, Any]]:
        """The records other nodes import: apps and in-process peers as ``~/<uid>`` (reach
        them through this node: an app may sit on a network only this node reaches), URL
        nodes and users with their own URL, as xio exported them."""
        out = []
        for row in self._rows():
            endpoint = row["endpoint"]
            if endpoint.startswith("local:") or row["type"] == "app":
                endpoint = f"~/{row['uid']}"
            out.append(
                {key: row[key] for key in ("type", "uid", "name", "id")} | {"endpoint": endpoint}
            )
        return out

    def sync(self) -> int:
        """Import the registry of every registered node; returns how many peers were added.

        ``~/<uid>`` records become that node's address plus ``/<uid>``, so requests go through
        the node that knows the peer. One hop per sync: syncing again reaches further."""
        added = 0
        for linked in self.select(type="node"):
            answer = linked.request("EXPORT")
            if answer.status != 200 or not isinstance(answer.content, list):
                continue
            for row in answer.content:
                if not isinstance(row, dict) or not row.get("id") or row["id"] == self.node.id:
                    continue
                if self._rows("AND id = ?", (row["id"],)):
                    continue
                endpoint = str(row.get("endpoint") or "")
                if endpoint.startswith("~/"):
                    endpoint = f"{linked.endpoint}/{endpoint[2:]}"
                if not endpoint.startswith(("http://", "https://", "local:")):
                    continue
                self.register(
                    endpoint,
                    nodeid=linked.id,
                    type=row.get("type"),
                    id=row["id"],
                    name=row.get("name"),
                )
                added += 1
        return added


def _temporary_db() -> str:
    handle, path = tempfile.mkstemp(prefix="xio-node-", suffix=".sqlite3")
    os.close(handle)

    def remove() -> None:
        for suffix in ("", "-wal", "-shm"):
            with contextlib.suppress(OSError):
                os.remove(path + suffix)

    atexit.register(remove)
    return path


class Node(App):
    """``xio.node(__name__, db=None, ...)``: an app plus ``peers`` and a gateway at ``www``."""

    type_name = "node"

    def __init__(self, name: str | None = None, *, db: str | None = None, **options: Any) -> None:
        if db is None:
            db = os.environ.get("XIO_NODE_DB") or (DEFAULT_DB if name else _temporary_db())
        self._db_path = db
        self._name_key = name or "anonymous"
        self.uid = ""
        super().__init__(name, **options)
        self.peers = Peers(self, db)
        self.uid = self.peers.meta(f"node:{self._name_key}:uid", secrets.token_hex(16))
        self.bind("www", self._gateway)

    def _initial_id(self, seed: str | None) -> str:
        # Every worker builds the node: the first one's id is stored and the others read it.
        fresh = self.identity.new_id(seed)
        if seed is not None:
            return fresh
        return Peers(self, self._db_path).meta(f"node:{self._name_key}:id", fresh)

    def register(self, endpoint: Any, **fields: Any) -> Peer:
        return self.peers.register(endpoint, **fields)

    def sync(self) -> int:
        return self.peers.sync()

    def identity_about(self) -> dict[str, Any]:
        return {**super().identity_about(), "uid": self.uid}

    def _gateway(self, req: Request) -> Any:
        if not req.path:
            return self._root(req)
        index, _, rest = req.path.partition("/")
        peer = self.peers.get(index)
        if peer is None:
            raise XioError(404, "no such peer:", index)
        return peer.client.request(
            req.xmethod or req.method,
            rest,
            query=req.query,
            data=req.data,
            headers=req.headers,
        )

    def _root(self, req: Request) -> Any:
        method = req.xmethod or req.method
        if method == "GET":
            return [peer.record for peer in self.peers.all()]
        if method == "EXPORT":
            return self.peers.export()
        if method == "SYNC":
            added = self.peers.sync()
            return {"added": added, "peers": len(self.peers)}
        if method == "REGISTER":
            data = req.data if isinstance(req.data, dict) else {}
            endpoint = data.get("endpoint")
            if not isinstance(endpoint, str) or not endpoint.startswith(("http://", "https://")):
                raise XioError(400, "REGISTER needs {'endpoint': 'http(s)://...'} in its data")
            try:
                peer = self.peers.register(endpoint)
            except ValueError as exc:
                raise XioError(400, str(exc)) from None
            req.response.status = 201
            return peer.record
        req.response.headers["Allow"] = "GET, HEAD, OPTIONS"
        raise XioError(405)
