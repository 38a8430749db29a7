"""A VestesPy server for the real-uvicorn tests: every way of streaming, and bad headers.

``/stream/<way>/<event>/<kind>`` starts an endless stream with ``send_chunked`` or
``send_stream`` (``way``) from the ``request``, first ``data`` or ``end`` handler (``event``),
from a sync or an async generator (``kind``). When a generator is closed it appends
``<way>/<event>/<kind> closed`` to the file named by ``VESTESPY_WIRE_LOG``: the proof that it
stopped being pulled.

``/header/<way>?v=<value>`` sets ``X-Echo: <value>`` and answers in one of the ways a handler
can (``all``, ``buffered``, ``error``, ``chunked``, ``stream``, ``early``: a chunked answer
from the ``request`` handler of a POST, before its body is read).
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from typing import Any

from microrest.adapters import vestespy
from microrest.adapters.vestespy.tools import Dispatcher, Event

Req = vestespy.Request
Res = vestespy.Response
CHUNK = b"x" * 4096
ENDLESS = 1 << 40  # a send_stream length no test ever reaches

server = vestespy.Server(("127.0.0.1", 8080))
dispatcher = Dispatcher()


def closed(name: str) -> None:
    with open(os.environ["VESTESPY_WIRE_LOG"], "a") as log:
        log.write(f"{name} closed\n")


def endless(name: str) -> Iterator[bytes]:
    try:
        while True:
            yield CHUNK
    finally:
        closed(name)


async def endless_async(name: str) -> AsyncIterator[bytes]:
    try:
        while True:
            yield CHUNK
    finally:
        closed(name)


def start(res: Res, way: str, kind: str, name: str) -> None:
    source: Any = endless(name) if kind == "sync" else endless_async(name)
    if way == "chunked":
        res.send_chunked(source)
    else:
        res.send_stream(source, ENDLESS)


def streaming(ev: Event, req: Req, res: Res, way: str, event: str, kind: str) -> None:
    name = f"{way}/{event}/{kind}"
    if event == "request":
        start(res, way, kind, name)
    elif event == "data":

        def ondata(ev: Event, req: Req, res: Res, chunk: bytes) -> None:
            if res.alive:
                start(res, way, kind, name)

        req.on("data", ondata)
    else:
        req.on("end", lambda ev, req, res: start(res, way, kind, name))


def header(ev: Event, req: Req, res: Res, way: str) -> None:
    value = req.query["v"][0]
    if way == "error":
        res.send_error(200, "error", {"X-Echo": value})
        return
    res.headers["X-Echo"] = value
    if way == "all":
        res.send_all("all", buffer=False)
    elif way == "buffered":
        res.send_all("buffered")
    elif way == "chunked":
        res.send_chunked(["chunked"])
    elif way == "stream":
        res.send_stream(["stream"], 6)
    elif way == "early":
        res.send_chunked(["early"])
    else:
        req.on("end", lambda ev, req, res: res.send_chunked(["end"]))


dispatcher.register("/stream/:way/:event/:kind", streaming)
dispatcher.register("/header/:way", header)
server.on("request", dispatcher.as_handler())
