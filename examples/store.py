"""A tiny key-value item store shared by the examples: SQLite (WAL) or PostgreSQL.

Several uvicorn workers are several processes, and several instances are several machines:
state lives in the database, never in a module-level dict. ``MICROREST_DB`` chooses it: a file
path for SQLite (the embedded default, ``microrest-showcase.sqlite3``) or a
``postgresql://user@host:port/dbname`` URL for a PostgreSQL server shared by every instance
(the ``postgres`` extra installs the driver, psycopg 3, and its pool).

``ItemStore(location)`` opens whichever the location names, so every style's items service
works on both unchanged: the store is injected.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import weakref
from typing import Any

DEFAULT_PATH = "microrest-showcase.sqlite3"
POSTGRES_SCHEMES = ("postgresql://", "postgres://")


class ItemStore:
    """JSON documents by key. ``ItemStore()`` reads ``MICROREST_DB``; see the module docstring."""

    location: str

    def __new__(cls, location: str | None = None) -> ItemStore:
        if cls is ItemStore:
            where = location or os.environ.get("MICROREST_DB", DEFAULT_PATH)
            cls = PostgresItemStore if where.startswith(POSTGRES_SCHEMES) else SQLiteItemStore
        return super().__new__(cls)

    def __init__(self, location: str | None = None) -> None:
        self.location = location or os.environ.get("MICROREST_DB", DEFAULT_PATH)

    def get(self, key: str) -> Any | None:
        raise NotImplementedError

    def put(self, key: str, value: Any) -> bool:
        """Store ``value``; True when the key is new."""
        raise NotImplementedError

    def delete(self, key: str) -> bool:
        raise NotImplementedError

    def keys(self, prefix: str = "") -> list[str]:
        """The keys in byte order; only those starting with ``prefix`` when one is given."""
        raise NotImplementedError

    def ping(self) -> None:
        """Raise if the database cannot be reached (for health checks)."""
        raise NotImplementedError


class SQLiteItemStore(ItemStore):
    """Each call opens its own connection, so threads and worker processes share the file."""

    def __init__(self, location: str | None = None) -> None:
        super().__init__(location)
        self.path = self.location
        with self._connect() as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute(
                "CREATE TABLE IF NOT EXISTS items (key TEXT PRIMARY KEY, value TEXT NOT NULL)"
            )

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=10, isolation_level=None)

    def get(self, key: str) -> Any | None:
        with self._connect() as db:
            row = db.execute("SELECT value FROM items WHERE key = ?", (key,)).fetchone()
        return None if row is None else json.loads(row[0])

    def put(self, key: str, value: Any) -> bool:
        encoded = json.dumps(value)
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE")  # one writer at a time across workers
            existed = db.execute("SELECT 1 FROM items WHERE key = ?", (key,)).fetchone()
            db.execute("INSERT OR REPLACE INTO items (key, value) VALUES (?, ?)", (key, encoded))
            db.execute("COMMIT")
        return existed is None

    def delete(self, key: str) -> bool:
        with self._connect() as db:
            return db.execute("DELETE FROM items WHERE key = ?", (key,)).rowcount > 0

    def keys(self, prefix: str = "") -> list[str]:
        with self._connect() as db:
            rows = db.execute("SELECT key FROM items ORDER BY key").fetchall()
        return [row[0] for row in rows if row[0].startswith(prefix)]

    def ping(self) -> None:
        with self._connect() as db:
            db.execute("SELECT 1").fetchone()


# Byte order ("C" collation) so keys sort as they do in SQLite; values stay the JSON text the
# handler stored (jsonb would reorder object keys), so both stores answer byte for byte alike.
_SCHEMA = 'CREATE TABLE IF NOT EXISTS items (key TEXT COLLATE "C" PRIMARY KEY, value TEXT NOT NULL)'
_SCHEMA_LOCK = 0x6D6963726F  # any constant: serialises the CREATE across instances starting


class PostgresItemStore(ItemStore):
    """A connection pool per process (per worker), opened on first use, after any fork.

    ``MICROREST_DB_POOL`` sizes it (default 4): with W workers on I instances the server sees
    at most W * I * pool connections, which must stay under its ``max_connections``.
    """

    def __init__(self, location: str | None = None) -> None:
        super().__init__(location)
        try:
            from psycopg_pool import ConnectionPool
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise RuntimeError(
                "MICROREST_DB names a PostgreSQL server: install the driver with "
                "pip install 'microrest[postgres]'"
            ) from exc
        size = int(os.environ.get("MICROREST_DB_POOL", "4"))
        self.pool = ConnectionPool(
            self.location, min_size=1, max_size=size, open=False, kwargs={"autocommit": True}
        )
        # Closed with the store or at exit, never left to warn from the garbage collector.
        self._closer = weakref.finalize(self, self.pool.close)
        self._ready = False
        self._opening = threading.Lock()  # the first requests of a worker arrive together

    def _connection(self) -> Any:
        if not self._ready:
            with self._opening:
                if not self._ready:
                    self.pool.open(wait=True, timeout=30)
                    with self.pool.connection() as db, db.transaction():
                        db.execute("SELECT pg_advisory_xact_lock(%s)", (_SCHEMA_LOCK,))
                        db.execute(_SCHEMA)
                    self._ready = True
        return self.pool.connection()

    def close(self) -> None:
        self._closer()

    def get(self, key: str) -> Any | None:
        with self._connection() as db:
            row = db.execute("SELECT value FROM items WHERE key = %s", (key,)).fetchone()
        return None if row is None else json.loads(row[0])

    def put(self, key: str, value: Any) -> bool:
        encoded = json.dumps(value)
        with self._connection() as db:
            # xmax is 0 for a row this statement inserted, the updating transaction otherwise.
            row = db.execute(
                "INSERT INTO items (key, value) VALUES (%s, %s) "
                "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value "
                "RETURNING (xmax = 0)",
                (key, encoded),
            ).fetchone()
        return bool(row[0])

    def delete(self, key: str) -> bool:
        with self._connection() as db:
            return db.execute("DELETE FROM items WHERE key = %s", (key,)).rowcount > 0

    def keys(self, prefix: str = "") -> list[str]:
        with self._connection() as db:
            rows = db.execute(
                "SELECT key FROM items WHERE starts_with(key, %s) ORDER BY key", (prefix,)
            ).fetchall()
        return [row[0] for row in rows]

    def ping(self) -> None:
        with self._connection() as db:
            db.execute("SELECT 1").fetchone()

    def clear(self) -> None:
        """Remove every item (tests start each case from an empty table)."""
        with self._connection() as db:
            db.execute("TRUNCATE items")
