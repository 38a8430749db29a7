"""microrest in VestesPy style: a ``Server`` whose ``request`` event goes to a ``Dispatcher``.

Handlers are ``(ev, req, res, **params)`` and answer with ``res.send_all`` (buffered: sent when
the request's events are done); ``/echo`` collects ``data`` events and answers on ``end``. The
param route is the Dispatcher's ``:id`` syntax plus a named group for the slug (``:params`` are
alphanumeric only, and the slug has a dash). Patterns are regexes tried in registration order,
so the extra routes come after the measured ones. The main handlers are ``async def``;
``/sync-inline`` and ``/sync-thread`` serve the param route through a sync handler, from
servers built with ``sync_handlers="inline"`` and with the default thread offload, each
mounted (merged) into the main server's app.

VestesPy leaves JSON to the handler's own code: like the raw ASGI app, this one encodes and
decodes with orjson when it is installed (the stdlib otherwise), so the style's figures compare
the framework's work with the core's, not two JSON libraries.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from benchmarks.scenarios import EVERY
from microrest.adapters import vestespy
from microrest.adapters.vestespy.tools import Dispatcher, Event

SCENARIOS = EVERY

try:  # what a hand-tuned handler uses, as in the raw ASGI app
    import orjson

    _dumps: Callable[[Any], bytes | str] = orjson.dumps
    _loads: Callable[[bytes], Any] = orjson.loads
except ImportError:  # pragma: no cover - orjson comes with the bench extra
    _dumps = json.dumps
    _loads = json.loads

PARAM = "/users/:id/posts/(?P<slug>[^/]+)"
Req = vestespy.Request
Res = vestespy.Response


async def _extra(ev: Event, req: Req, res: Res, **params: str) -> None:
    res.send_all("extra")


async def _plaintext(ev: Event, req: Req, res: Res) -> None:
    res.headers["Content-Type"] = "text/plain; charset=utf-8"
    res.send_all("Hello, World!")


async def _json(ev: Event, req: Req, res: Res) -> None:
    res.headers["Content-Type"] = "application/json"
    res.send_all(_dumps({"message": "Hello, World!"}))


async def _param(ev: Event, req: Req, res: Res, id: str, slug: str) -> None:  # noqa: A002
    res.headers["Content-Type"] = "application/json"
    res.send_all(_dumps({"id": int(id), "slug": slug}))


def _param_sync(ev: Event, req: Req, res: Res, id: str, slug: str) -> None:  # noqa: A002
    res.headers["Content-Type"] = "application/json"
    res.send_all(_dumps({"id": int(id), "slug": slug}))


async def _echo(ev: Event, req: Req, res: Res) -> None:
    parts: list[bytes] = []

    async def ondata(ev: Event, req: Req, res: Res, chunk: bytes) -> None:
        parts.append(chunk)

    async def onend(ev: Event, req: Req, res: Res) -> None:
        res.headers["Content-Type"] = "application/json"
        res.send_all(_dumps(_loads(b"".join(parts))))

    req.on("data", ondata)
    req.on("end", onend)


def _server(routes: dict[str, Any], **options: Any) -> vestespy.Server:
    server = vestespy.Server(("127.0.0.1", 8080), **options)
    dispatcher = Dispatcher()
    for pattern, handler in routes.items():
        dispatcher.register(pattern, handler)
    server.on("request", dispatcher.as_handler())
    return server


def build(extra_routes: int) -> Any:
    """Return the VestesPy-style server with ``extra_routes`` extra routes."""
    routes: dict[str, Any] = {
        "/plaintext": _plaintext,
        "/json": _json,
        PARAM: _param,
        "/echo": _echo,
    }
    for i in range(extra_routes):
        routes[f"/extra{i}/static" if i % 2 == 0 else f"/extra{i}/items/:item_id"] = _extra
    server = _server(routes)
    server.app.mount("/sync-inline", _server({PARAM: _param_sync}, sync_handlers="inline"))
    server.app.mount("/sync-thread", _server({PARAM: _param_sync}))
    return server
