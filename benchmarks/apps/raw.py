"""The baseline: a hand-written ASGI callable with no framework at all.

It does the least any correct server-side code must do (dispatch on the path, parse the id,
serialize JSON, read the body), so every framework's number reads as "overhead over this".
"""

from __future__ import annotations

import json
from typing import Any

_TEXT = [(b"content-type", b"text/plain; charset=utf-8")]
_JSON = [(b"content-type", b"application/json")]


async def _respond(send: Any, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [*headers, (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})


def build(extra_routes: int) -> Any:
    """Return the raw ASGI app with ``extra_routes`` extra routes."""
    plain = b"Hello, World!"
    hello = json.dumps({"message": "Hello, World!"}).encode()
    static: dict[str, tuple[list[tuple[bytes, bytes]], bytes]] = {}
    templated: set[str] = set()
    for i in range(extra_routes):
        if i % 2 == 0:
            static[f"/extra{i}/static"] = (_TEXT, b"extra")
        else:
            templated.add(f"extra{i}")
    static["/plaintext"] = (_TEXT, plain)
    static["/json"] = (_JSON, hello)

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            if scope["type"] == "lifespan":
                while True:
                    message = await receive()
                    if message["type"] == "lifespan.startup":
                        await send({"type": "lifespan.startup.complete"})
                    elif message["type"] == "lifespan.shutdown":
                        await send({"type": "lifespan.shutdown.complete"})
                        return
            return
        path: str = scope["path"]
        method: str = scope["method"]
        hit = static.get(path)
        if hit is not None and method == "GET":
            await _respond(send, 200, hit[0], hit[1])
            return
        if path == "/echo" and method == "POST":
            chunks = []
            more = True
            while more:
                message = await receive()
                chunks.append(message.get("body", b""))
                more = message.get("more_body", False)
            data = json.loads(b"".join(chunks))
            await _respond(send, 200, _JSON, json.dumps(data).encode())
            return
        parts = path.split("/")
        if method == "GET":
            if (
                len(parts) == 5
                and parts[1] == "users"
                and parts[3] == "posts"
                and parts[2].isascii()
                and parts[2].isdigit()
                and parts[4]
            ):
                body = json.dumps({"id": int(parts[2]), "slug": parts[4]}).encode()
                await _respond(send, 200, _JSON, body)
                return
            if (
                len(parts) == 4
                and parts[1] in templated
                and parts[2] == "items"
                and parts[3].isascii()
                and parts[3].isdigit()
            ):
                await _respond(send, 200, _TEXT, b"extra")
                return
        await _respond(send, 404, _TEXT, b"Not Found")

    return app
