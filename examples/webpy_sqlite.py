"""The web.py README example with its store in SQLite, so several workers share it.

``uvicorn examples.webpy_sqlite:httpd --workers 4`` (or ``python -m examples.webpy_sqlite``
for one process on http://localhost:8080). ``MICROREST_DB`` names the database file.
"""

from __future__ import annotations

import os
import sqlite3
from typing import Any

import microrest.adapters.webpy as web

DB_PATH = os.environ.get("MICROREST_DB", "webpy-saved.sqlite3")


def connect() -> sqlite3.Connection:
    """One connection per call: handlers run in worker threads and in several processes."""
    db = sqlite3.connect(DB_PATH, timeout=10, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("CREATE TABLE IF NOT EXISTS saved (key TEXT PRIMARY KEY, value BLOB NOT NULL)")
    return db


class Handler(web.HTTPHandler):
    def do_get(self) -> Any:
        with connect() as db:
            row = db.execute("SELECT value FROM saved WHERE key = ?", (self.groups[0],)).fetchone()
        if row is None:
            raise web.HTTPError(404)
        return 200, bytes(row[0])

    def do_put(self) -> Any:
        with connect() as db:
            db.execute(
                "INSERT OR REPLACE INTO saved (key, value) VALUES (?, ?)",
                (self.groups[0], self.request.body),
            )
        return 200, "Accepted"

    def do_delete(self) -> Any:
        with connect() as db:
            deleted = db.execute("DELETE FROM saved WHERE key = ?", (self.groups[0],)).rowcount
        if not deleted:
            raise web.HTTPError(404)
        return 200, "Deleted"


routes = {"/(.*)": Handler}

httpd = web.HTTPServer(("localhost", 8080), routes)

if __name__ == "__main__":
    httpd.start()
