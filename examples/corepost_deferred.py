"""The CorePost README's ``@defer.inlineCallbacks`` handler, unchanged, plus what it needs:
an app and a ``db`` whose ``query`` returns an awaitable (SQLite in a worker thread).

The handler yields the query, then writes the value and finishes the request itself. The
``async def`` route below is the modern spelling of the same thing.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile

import anyio.to_thread

from microrest.adapters.corepost import defer
from microrest.adapters.corepost.enums import Http
from microrest.adapters.corepost.web import CorePost

DATABASE = os.environ.get(
    "COREPOST_EXAMPLE_DB", os.path.join(tempfile.gettempdir(), "microrest_corepost_example.db")
)


class Database:
    """``query(sql)`` runs in a worker thread and resolves to the first column, as text."""

    def __init__(self, path: str) -> None:
        self.path = path
        # Every worker process runs this at import: the write lock taken first (BEGIN
        # IMMEDIATE) makes the check and the insert one step, so two workers starting
        # together cannot both find the table empty and insert the row twice.
        connection = sqlite3.connect(path, isolation_level=None, timeout=30)
        try:
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("BEGIN IMMEDIATE")
            connection.execute("CREATE TABLE IF NOT EXISTS greeting (text TEXT)")
            if connection.execute("SELECT COUNT(*) FROM greeting").fetchone()[0] == 0:
                connection.execute("INSERT INTO greeting VALUES ('hello from sqlite')")
            connection.execute("COMMIT")
        finally:
            connection.close()

    def _run(self, sql: str) -> str:
        with sqlite3.connect(self.path) as connection:
            rows = connection.execute(sql).fetchall()
        return "\n".join(str(row[0]) for row in rows)

    async def query(self, sql: str) -> str:
        return await anyio.to_thread.run_sync(self._run, sql)


db = Database(DATABASE)
app = CorePost()


# The README's handler, verbatim (its elided query filled in).
@app.route("/", Http.GET)
@defer.inlineCallbacks
def root(request, **kwargs):
    val = yield db.query("SELECT text FROM greeting")
    request.write(val)
    request.finish()


@app.route("/modern", Http.GET)
async def modern(request, **kwargs):
    """The same handler as a coroutine, returning its value instead of writing it."""
    return await db.query("SELECT text FROM greeting")


@app.route("/stream", Http.GET)
async def stream(request, count="3", **kwargs):
    """Chunks leave as they are written, while the handler is still running."""
    for number in range(int(count)):
        request.write(f"chunk {number}\n")
        await anyio.sleep(0)
    request.finish()


if __name__ == "__main__":
    app.run()
