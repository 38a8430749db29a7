"""The showcase: one app, one route table, every style built so far, on SQLite.

The core style's items service is served at the root; the same service written in each other
style (``examples/items/``) is mounted under ``/<style>`` over the same store, so an item put
through ``/webpy/items/x`` is read back through ``/corepost/items/x``. ``make run`` serves it
with two workers on http://127.0.0.1:8000. Try::

    curl http://127.0.0.1:8000/
    curl -X PUT http://127.0.0.1:8000/items/apple -H 'content-type: application/json' -d '{"n": 1}'
    curl http://127.0.0.1:8000/corepost/items/apple
    curl http://127.0.0.1:8000/routes
    python -m websockets ws://127.0.0.1:8000/ws/items    # then type a key: its value comes back
    open http://127.0.0.1:8000/docs            # the API page: every style's operations

``python -m examples.showcase [BASE_URL]`` prints the URLs to try (``make run`` does).
"""

from __future__ import annotations

import dataclasses
import importlib
import os
from typing import Any

import anyio.to_thread

from microrest import App, Limits, Request, WebSocket
from microrest.health import add_health_check

from .items import MAX_BODY, STYLES
from .store import ItemStore

store = ItemStore()
app = App(limits=Limits(max_body_size=MAX_BODY))

# Where each style's items service lives in this app: the core at the root, the others under
# their name (one entry in examples.items.STYLES adds a style here and to the tests).
PREFIXES = {style: "" if style == "core" else f"/{style}" for style in STYLES}
# Each style's list of items, relative to its prefix (an RPC style names its operation URL).
LIST_PATHS: dict[str, str] = {}


@app.get("/")
async def index(request: Request) -> dict[str, Any]:
    return {
        "name": "microrest showcase",
        "worker": os.getpid(),
        "try": ["/items", "/items/{key}", "/routes", "/docs", "/openapi.json"],
        "styles": {style: prefix + LIST_PATHS[style] for style, prefix in PREFIXES.items()},
    }


@app.get("/routes")
async def route_table(request: Request) -> list[dict[str, Any]]:
    return [dataclasses.asdict(row) for row in app.routes()]


# For load balancers: 503 when the store cannot be reached (deploy/nginx/microrest.conf).
add_health_check(app, "/healthz", [store.ping])


@app.websocket("/ws/items")
async def items_socket(websocket: WebSocket) -> None:
    """A core websocket route beside every style's HTTP routes: send a key, get its item."""
    await websocket.accept()
    async for key in websocket.iter_text():
        value = await anyio.to_thread.run_sync(store.get, key)
        await websocket.send_json({"key": key, "value": value})


for _style, _prefix in PREFIXES.items():
    # The same service in each style, over one store, merged into this app's one route table.
    _module = importlib.import_module(f"{__package__}.items.{_style}")
    app.mount(_prefix, _module.make_app(store))
    LIST_PATHS[_style] = getattr(_module, "LIST_PATH", "/items")

app.enable_docs(
    title="microrest showcase",
    description="One items service written in every style, served from one route table.",
)


def urls(base: str = "http://127.0.0.1:8000") -> list[str]:
    """What to try: each style's list of items, the API page and the document."""
    lines = [
        f"{style:>10}  {base}{prefix}{LIST_PATHS[style]}" for style, prefix in PREFIXES.items()
    ]
    lines.append(f"{'docs':>10}  {base}/docs")
    lines.append(f"{'openapi':>10}  {base}/openapi.json")
    return lines


if __name__ == "__main__":
    import sys

    base = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000"
    print("microrest showcase: try")
    print("\n".join(urls(base)))
    if "pyservice" in PREFIXES:
        rpc = base + PREFIXES["pyservice"] + LIST_PATHS["pyservice"]
        print("pyservice operations are POSTs of a JSON object:")
        print(f"  curl -X POST -H 'content-type: application/json' -d '{{}}' {rpc}")
