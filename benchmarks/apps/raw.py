"""The baseline: a hand-written ASGI callable with no framework at all.

It does the least any correct server-side code must do (dispatch on the path, parse the id,
serialize JSON with orjson when installed, read the body), so every framework's number reads
as "overhead over this".
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

try:  # the fastest serializer available, as a hand-tuned app would use
    import orjson

    _dumps: Callable[[Any], bytes] = orjson.dumps
    _loads: Callable[[bytes], Any] = orjson.loads
except ImportError:  # pragma: no cover - orjson comes with the bench extra
    _dumps = lambda obj: json.dumps(obj, separators=(",", ":")).encode()  # noqa: E731
    _loads = json.loads

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
    hello = _dumps({"message": "Hello, World!"})
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
            data = _loads(b"".join(chunks))
            await _respond(send, 200, _JSON, _dumps(data))
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
                body = _dumps({"id": int(parts[2]), "slug": parts[4]})
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
