"""A chat over websockets that works with several workers: broadcast through SQLite.

Each uvicorn worker is a process of its own, so a message posted to one worker must reach the
clients of the others. Every message is written to the embedded store (SQLite, WAL) and every
connection polls the store for newer messages every ``POLL_INTERVAL`` seconds (0.1 s by
default, ``MICROREST_CHAT_POLL``): a message reaches every client of its room, on any worker,
within about that interval. Polling keeps the example to the standard library; a deployment
with much traffic would put a pub/sub (PostgreSQL ``LISTEN``/``NOTIFY``, Redis) in its place.

    uvicorn examples.websocket_chat:app --workers 2
    # then open http://127.0.0.1:8000/ in two browser tabs, or:
    python -m websockets 'ws://127.0.0.1:8000/chat/lobby?nick=ann'
"""

from __future__ import annotations

import os
import sqlite3
from typing import Any

import anyio
import anyio.to_thread

from microrest import App, HTMLResponse, Limits, Request, WebSocket, WebSocketDisconnect

DEFAULT_PATH = "microrest-chat.sqlite3"
POLL_INTERVAL = float(os.environ.get("MICROREST_CHAT_POLL", "0.1"))
MAX_MESSAGE = 4096


class ChatStore:
    """Messages by room, in one SQLite file every worker opens (one connection per call)."""

    def __init__(self, path: str | None = None) -> None:
        self.path = path or os.environ.get("MICROREST_CHAT_DB", DEFAULT_PATH)
        with self._connect() as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute(
                "CREATE TABLE IF NOT EXISTS messages (id INTEGER PRIMARY KEY AUTOINCREMENT,"
                " room TEXT NOT NULL, nick TEXT NOT NULL, text TEXT NOT NULL,"
                " worker INTEGER NOT NULL)"
            )
            db.execute("CREATE INDEX IF NOT EXISTS by_room ON messages (room, id)")

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=10, isolation_level=None)

    def post(self, room: str, nick: str, text: str) -> int:
        with self._connect() as db:
            cursor = db.execute(
                "INSERT INTO messages (room, nick, text, worker) VALUES (?, ?, ?, ?)",
                (room, nick, text, os.getpid()),
            )
            return int(cursor.lastrowid or 0)

    def last_id(self, room: str) -> int:
        with self._connect() as db:
            row = db.execute("SELECT MAX(id) FROM messages WHERE room = ?", (room,)).fetchone()
        return int(row[0] or 0)

    def since(self, room: str, after: int) -> list[dict[str, Any]]:
        with self._connect() as db:
            rows = db.execute(
                "SELECT id, nick, text, worker FROM messages WHERE room = ? AND id > ?"
                " ORDER BY id LIMIT 100",
                (room, after),
            ).fetchall()
        return [{"id": i, "nick": n, "text": t, "worker": w} for i, n, t, w in rows]


store = ChatStore()
app = App(limits=Limits(websocket_max_message_size=MAX_MESSAGE))


@app.websocket("/chat/{room}")
async def chat(websocket: WebSocket) -> None:
    """Join ``room`` as ``?nick=``; every text message sent is shown to the whole room."""
    room = websocket.path_params["room"]
    nick = websocket.query_params.get("nick", "anonymous")[:32]
    await websocket.accept()
    last = await anyio.to_thread.run_sync(store.last_id, room)
    await websocket.send_json({"type": "welcome", "room": room, "worker": os.getpid()})
    async with anyio.create_task_group() as group:
        group.start_soon(relay, websocket, room, last, group.cancel_scope)
        async for text in websocket.iter_text():
            await anyio.to_thread.run_sync(store.post, room, nick, text)
        group.cancel_scope.cancel()  # the client left: stop polling for it


async def relay(websocket: WebSocket, room: str, last: int, scope: anyio.CancelScope) -> None:
    """Send the room's new messages to this client, polling the store."""
    try:
        while True:
            for message in await anyio.to_thread.run_sync(store.since, room, last):
                last = message["id"]
                await websocket.send_json({"type": "message", **message})
            await anyio.sleep(POLL_INTERVAL)
    except WebSocketDisconnect:
        scope.cancel()  # the client is gone (or too slow): the reading side ends too


@app.get("/")
async def page(request: Request) -> HTMLResponse:
    return HTMLResponse(PAGE)


PAGE = """<!doctype html>
<meta charset="utf-8"><title>microrest chat</title>
<ul id="log"></ul>
<form id="say"><input id="text" autocomplete="off" autofocus><button>send</button></form>
<script>
const nick = prompt("nick?") || "anonymous";
const socket = new WebSocket(
  `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/chat/lobby?nick=` +
  encodeURIComponent(nick));
socket.onmessage = (event) => {
  const message = JSON.parse(event.data);
  const item = document.createElement("li");
  item.textContent = message.type === "welcome"
    ? `joined ${message.room} (worker ${message.worker})`
    : `${message.nick}: ${message.text}`;
  document.getElementById("log").append(item);
};
document.getElementById("say").onsubmit = (event) => {
  event.preventDefault();
  const input = document.getElementById("text");
  socket.send(input.value);
  input.value = "";
};
</script>
"""
