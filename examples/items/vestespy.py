"""The items service in VestesPy's style: a ``Dispatcher`` of URL patterns, event handlers.

``dispatcher.register(pattern, handler)`` routes by URL only; named regex groups arrive as
keyword arguments (the ``:key`` shorthand allows only letters and digits, so the pattern is a
regex taking any segment, like the other styles). A VestesPy handler sees every method and
switches on ``req.method`` itself: HEAD is answered like GET (the core drops the body), and
``refuse`` does what the other styles get from their routers: OPTIONS 204 with ``Allow``,
anything else 405 with ``Allow``.
The body arrives as ``data`` events, one per chunk, then ``end``; answers go out with
``res.send_all`` (buffered until the events end) or ``res.send_error``.

Differences VestesPy forces (success answers are the same as every style's):

- error bodies are plain text with no Content-Type (``vestespy.HTTPError(code, msg)``), and
  the 404 of an unknown URL is the Dispatcher's HTML page;
- ``req.url`` keeps percent-escapes, so the handler decodes the key itself;
- the body limit is the server's ``max_body_size`` (the core's 10 MiB unless set; here
  ``MAX_BODY``), checked as the ``data`` events stream in;
- JSON is read with the core's reader (``microrest.toolkit.json_loads``): the same depth
  limit and 400 as every style, with or without orjson;
- ``/items/`` is a 404 (no trailing-slash redirect).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

from microrest.adapters import vestespy
from microrest.errors import BadRequest
from microrest.limits import Limits
from microrest.openapi import describe
from microrest.toolkit import json_dumps, json_loads

from ..store import ItemStore
from . import MAX_BODY

__all__ = ["app", "make_app"]


def send_json(res: Any, status: int, data: Any) -> None:
    res.status = status
    res.headers["Content-Type"] = "application/json"
    res.send_all(json_dumps(data))


def refuse(req: Any, res: Any, allow: str) -> None:
    """A method the URL has no handler for: OPTIONS lists the others, anything else is 405."""
    if req.method == "OPTIONS":
        res.send_error(204, None, {"Allow": allow})
    else:
        res.send_error(405, "Method Not Allowed", {"Allow": allow})


def make_app(store: ItemStore) -> vestespy.Server:
    server = vestespy.Server(("localhost", 8080), max_body_size=MAX_BODY)
    dispatcher = vestespy.tools.Dispatcher()

    @describe(methods=["GET"], query={"prefix": str}, responses={200: list[str]})
    def items(ev: Any, req: Any, res: Any) -> None:
        if req.method in ("GET", "HEAD"):  # HEAD: the core sends the headers only
            prefix = req.query.get("prefix", [""])[0]
            send_json(res, 200, store.keys(prefix))
        else:
            refuse(req, res, "GET, HEAD, OPTIONS")

    @describe(methods=["GET", "PUT", "DELETE"])
    def item(ev: Any, req: Any, res: Any, key: str) -> None:
        key = unquote(key)  # req.url keeps percent-escapes
        if req.method in ("GET", "HEAD"):
            value = store.get(key)
            if value is None:
                raise vestespy.HTTPError(404, f"no item {key!r}")
            send_json(res, 200, {"key": key, "value": value})
        elif req.method == "PUT":
            receive_item(req, key)
        elif req.method == "DELETE":
            if not store.delete(key):
                raise vestespy.HTTPError(404, f"no item {key!r}")
            res.status = 204
            res.send_all()
        else:
            refuse(req, res, "DELETE, GET, HEAD, OPTIONS, PUT")

    def receive_item(req: Any, key: str) -> None:
        """The body comes as ``data`` events; ``end`` parses and stores it."""
        content_type = req.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if content_type != "application/json":
            raise vestespy.HTTPError(415, "expected Content-Type: application/json")
        body = bytearray()  # bounded: the server refuses more than MAX_BODY with a 413

        def ondata(ev: Any, req: Any, res: Any, chunk: bytes) -> None:
            body.extend(chunk)

        def onend(ev: Any, req: Any, res: Any) -> None:
            try:
                value = json_loads(bytes(body), Limits().max_json_depth)
            except BadRequest as exc:
                raise vestespy.HTTPError(400, exc.detail) from None
            created = store.put(key, value)
            send_json(res, 201 if created else 200, {"key": key, "value": value})

        req.on("data", ondata)
        req.on("end", onend)

    dispatcher.register("/items", items)
    dispatcher.register("/items/(?P<key>[^/]+)", item)
    server.on("request", dispatcher.as_handler())
    return server


app = make_app(ItemStore())

if __name__ == "__main__":
    app.serve_forever()
