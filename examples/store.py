"""A tiny key-value item store on SQLite (WAL), shared by the examples.

Several uvicorn workers are several processes: state lives in the database file, never in a
module-level dict. ``MICROREST_DB`` chooses the file (default ``microrest-showcase.sqlite3``).
"""

from __future__ import annotations

import json
import os
import sqlite3
from typing import Any

DEFAULT_PATH = "microrest-showcase.sqlite3"


class ItemStore:
    """JSON documents by key; each call opens its own connection, so threads and workers share."""

    def __init__(self, path: str | None = None) -> None:
        self.path = path or os.environ.get("MICROREST_DB", DEFAULT_PATH)
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
        """Store ``value``; True when the key is new."""
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
        """The keys in order; only those starting with ``prefix`` when one is given."""
        with self._connect() as db:
            rows = db.execute("SELECT key FROM items ORDER BY key").fetchall()
        return [row[0] for row in rows if row[0].startswith(prefix)]
