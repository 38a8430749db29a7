"""Where a node's peer registry lives: an SQLite file (the default) or a PostgreSQL server.

``XIO_NODE_DB`` (or ``xio.node(db=...)``) names it, with the convention of the showcase's
``MICROREST_DB``: a file path for SQLite, which every worker and every instance on the same
machine can share; a ``postgresql://`` URL for a server that node instances on several machines
share (the ``postgres`` extra installs the driver, psycopg 3, and its pool). The registry's
statements are written once, in SQLite's dialect; ``_postgres_sql`` rewrites the few
differences.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import sqlite3
import threading
from collections.abc import Iterator
from typing import Any

__all__ = ["PostgresRegistry", "SQLiteRegistry", "is_postgres_url", "open_registry"]

_TABLES = (
    "CREATE TABLE IF NOT EXISTS xio_peers ({seq}owner TEXT NOT NULL, uid TEXT NOT NULL, "
    "nodeid TEXT, id TEXT NOT NULL, name TEXT, type TEXT, endpoint TEXT NOT NULL, "
    "PRIMARY KEY (owner, uid))",
    "CREATE TABLE IF NOT EXISTS xio_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
)
_SCHEMA_LOCK = 0x78696F  # "xio": instances starting together create the tables once


def is_postgres_url(location: str) -> bool:
    return location.startswith(("postgresql://", "postgres://"))


class SQLiteRegistry:
    """One SQLite file (WAL): a connection per use, so any thread of any worker may ask."""

    order = "rowid"

    def __init__(self, path: str) -> None:
        self.location = path
        with self.connection() as db:
            db.execute("PRAGMA journal_mode=WAL")
            for statement in _TABLES:
                db.execute(statement.format(seq=""))

    @contextlib.contextmanager
    def connection(self) -> Iterator[Any]:
        connection = sqlite3.connect(self.location, timeout=10, isolation_level=None)
        try:
            yield connection
        finally:
            connection.close()


def _postgres_sql(statement: str) -> str:
    """SQLite's dialect to PostgreSQL's, for the registry's own statements only."""
    if statement.startswith("INSERT OR IGNORE INTO"):
        statement = "INSERT INTO" + statement[len("INSERT OR IGNORE INTO") :]
        statement += " ON CONFLICT DO NOTHING"
    statement = statement.replace(" IS ?", " IS NOT DISTINCT FROM ?")
    return statement.replace("?", "%s")


class _PostgresConnection:
    __slots__ = ("connection",)

    def __init__(self, connection: Any) -> None:
        self.connection = connection

    def execute(self, statement: str, args: tuple[Any, ...] = ()) -> Any:
        return self.connection.execute(_postgres_sql(statement), args)


class PostgresRegistry:
    """A PostgreSQL server: a small connection pool per process, opened on first use (after
    any fork). ``XIO_NODE_DB_POOL`` sizes it (default 2)."""

    order = "seq"

    def __init__(self, url: str) -> None:
        try:
            from psycopg_pool import ConnectionPool
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise RuntimeError(
                "XIO_NODE_DB names a PostgreSQL server: install the driver with "
                "pip install 'microrest[postgres]'"
            ) from exc
        self.location = url
        size = int(os.environ.get("XIO_NODE_DB_POOL", "2"))
        self._pool = ConnectionPool(
            url, min_size=1, max_size=size, open=False, kwargs={"autocommit": True}
        )
        self._pid = 0
        self._opening = threading.Lock()
        atexit.register(self.close)

    def close(self) -> None:
        if self._pid == os.getpid():
            self._pool.close()
            self._pid = 0

    def _ready_pool(self) -> Any:
        if self._pid != os.getpid():
            with self._opening:
                if self._pid != os.getpid():
                    self._pool.open(wait=True, timeout=30)
                    with self._pool.connection() as db, db.transaction():
                        db.execute("SELECT pg_advisory_xact_lock(%s)", (_SCHEMA_LOCK,))
                        for statement in _TABLES:
                            db.execute(statement.format(seq="seq BIGSERIAL, "))
                    self._pid = os.getpid()
        return self._pool

    @contextlib.contextmanager
    def connection(self) -> Iterator[Any]:
        with self._ready_pool().connection() as db:
            yield _PostgresConnection(db)


_SERVERS: dict[str, PostgresRegistry] = {}
_SERVERS_LOCK = threading.Lock()


def open_registry(location: str) -> SQLiteRegistry | PostgresRegistry:
    """The registry at ``location``; one pool per PostgreSQL URL for the process."""
    if not is_postgres_url(location):
        return SQLiteRegistry(location)
    with _SERVERS_LOCK:
        registry = _SERVERS.get(location)
        if registry is None:
            registry = _SERVERS[location] = PostgresRegistry(location)
        return registry
