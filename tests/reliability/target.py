"""The app the reliability tests attack: the same few routes written in every style, one table.

Served by real uvicorn processes (``uvicorn tests.reliability.target:app``). Every style
mounted under its name has:

- ``PUT /<style>/echo``: a JSON body echoed back (the style's default body limit applies);
- ``GET /<style>/stream/<n>``: ``n`` MiB streamed in 64 KiB chunks by the style's own way of
  streaming; when the stream's producer stops (finished or abandoned), it writes a marker file
  ``<MARKERS>/<style>-<token>`` so a test can see it stopped pulling after the client left;

plus the core's ``/slow-sync`` (a sync handler run in the thread limiter, which is kept small
here so a test can try to exhaust it), ``/pause`` (streams one chunk, waits for a release file,
then the rest, for graceful shutdown), ``/static`` (``StaticFiles`` over ``RELIABILITY_ROOT``)
and ``/files`` (web.py's ``file`` extension over the same root).
"""

from __future__ import annotations

import inspect
import io
import json
import os
import pathlib
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import anyio

import microrest.adapters.webpy as web
import microrest.adapters.webpy.file  # noqa: F401 - the web.file extension, as web.file
import microrest.adapters.webpy.json  # noqa: F401 - the web.json extension, as web.json
from microrest import App, Request, StaticFiles, StreamingResponse
from microrest.adapters import pyservice, vestespy, xio
from microrest.adapters.corepost.enums import Http
from microrest.adapters.corepost.web import CorePost
from microrest.adapters.vestespy.tools import Dispatcher

CHUNK = 64 * 1024
MIB = 1024 * 1024
MARKERS = pathlib.Path(os.environ.get("RELIABILITY_MARKERS", "/tmp/microrest-reliability"))
ROOT = os.environ.get("RELIABILITY_ROOT", "/tmp/microrest-reliability-root")
THREADS = 2  # the core app's thread limiter: small, so that exhausting it would show


def _mark(style: str, token: str, sent: int) -> None:
    MARKERS.mkdir(parents=True, exist_ok=True)
    (MARKERS / f"{style}-{token}").write_text(str(sent))


def _blocks(style: str, token: str, mebibytes: int) -> Iterator[bytes]:
    """A sync producer; its ``finally`` runs when the stream is closed, whoever closes it."""
    sent = 0
    try:
        while sent < mebibytes * MIB:
            sent += CHUNK
            yield b"x" * CHUNK
    finally:
        _mark(style, token, sent)


# the core style ------------------------------------------------------------------------------

app = App(thread_limit=THREADS)


@app.put("/core/echo")
async def core_echo(request: Request) -> Any:
    return await request.json()


@app.get("/core/stream/{n:int}")
async def core_stream(request: Request) -> StreamingResponse:
    token = request.query_params.get("token", "none")

    async def produce() -> AsyncIterator[bytes]:
        sent = 0
        try:
            while sent < request.path_params["n"] * MIB:
                sent += CHUNK
                yield b"x" * CHUNK
        finally:
            _mark("core", token, sent)

    return StreamingResponse(produce(), media_type="application/octet-stream")


@app.get("/slow-sync")
def slow_sync(request: Request) -> str:
    time.sleep(float(request.query_params.get("seconds", "0")))  # holds a limiter thread
    return "done"


@app.get("/pause")
async def pause(request: Request) -> StreamingResponse:
    release = pathlib.Path(request.query_params["release"])

    async def produce() -> AsyncIterator[bytes]:
        yield b"first\n"
        while not release.exists():  # the test creates the file after it sent SIGTERM
            await anyio.sleep(0.01)
        yield b"second\n"

    return StreamingResponse(produce(), media_type="text/plain")


app.mount("/static", StaticFiles(ROOT, html=True))


# CorePost --------------------------------------------------------------------------------------

corepost = CorePost()


@corepost.route("/echo", Http.PUT)
async def corepost_echo(request: Any, **kwargs: Any) -> Any:
    return request.json


@corepost.route("/stream/<int:n>", Http.GET)
async def corepost_stream(request: Any, n: int, token: str = "none", **kwargs: Any) -> None:
    sent = 0
    try:
        while sent < n * MIB:
            sent += CHUNK
            written = request.write(b"x" * CHUNK)
            if inspect.isawaitable(written):  # a write that waits for the client (back-pressure)
                await written
            await anyio.sleep(0)
        request.finish()
    finally:
        _mark("corepost", token, sent)


app.mount("/corepost", corepost)


# VestesPy --------------------------------------------------------------------------------------

server = vestespy.Server(("127.0.0.1", 0))
dispatcher = Dispatcher()


def vestespy_echo(ev: Any, req: Any, res: Any) -> None:
    chunks: list[bytes] = []
    req.on("data", lambda ev, req, res, chunk: chunks.append(chunk))

    def onend(ev: Any, req: Any, res: Any) -> None:
        try:
            value = json.loads(b"".join(chunks))
        except (ValueError, RecursionError):
            raise vestespy.HTTPError(400, "malformed JSON") from None
        res.headers["Content-Type"] = "application/json"
        res.send_all(json.dumps(value))

    req.on("end", onend)


def vestespy_stream(ev: Any, req: Any, res: Any, n: str) -> None:
    token = req.query.get("token", ["none"])[0]
    res.headers["Content-Type"] = "application/octet-stream"
    res.send_chunked(_blocks("vestespy", token, int(n)))


dispatcher.register("/echo", vestespy_echo)
dispatcher.register(r"/stream/(?P<n>[0-9]{1,4})", vestespy_stream)
server.on("request", dispatcher.as_handler())
app.mount("/vestespy", server)


# web.py ----------------------------------------------------------------------------------------


class _Blocks(io.RawIOBase):
    """A readable stream of ``n`` MiB whose ``close()`` leaves the marker."""

    def __init__(self, token: str, mebibytes: int) -> None:
        self.token = token
        self.left = mebibytes * MIB
        self.sent = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        size = min(len(buffer), self.left)
        buffer[:size] = b"x" * size
        self.left -= size
        self.sent += size
        return size

    def close(self) -> None:
        if not self.closed:
            _mark("webpy", self.token, self.sent)
        super().close()


class WebpyEcho(web.json.JSONHandler):
    def do_put(self) -> Any:
        return 200, self.request.body


class WebpyStream(web.HTTPHandler):
    def do_get(self) -> Any:
        self.response.headers["Content-Type"] = "application/octet-stream"
        token = self.request.query.get("token", "none")
        return 200, _Blocks(token, int(self.groups["n"]))


webpy_routes: dict[str, Any] = {
    "/echo": WebpyEcho,
    "/stream/(?P<n>[0-9]{1,4})": WebpyStream,
}
webpy = web.HTTPServer(("127.0.0.1", 0), webpy_routes)
app.mount("/webpy", webpy)
app.mount("/files", web.HTTPServer(("127.0.0.1", 0), web.file.new(ROOT)))

# xio ---------------------------------------------------------------------------------------------

xio_app = xio.app("reliability")


@xio_app.bind("www/echo")
def xio_echo(req: Any) -> Any:
    """
    options: PUT
    """
    return req.data


app.mount("/xio", xio_app)


# pyservice: an RPC style, so its echo is the operation POST /pyservice/api/0/echo -------------

service = pyservice.Service(operations=["echo"])


@service.operation("echo")
def pyservice_echo(request: Any, response: Any, context: Any) -> None:
    response.update(request)


app.mount("/pyservice", service)

# The styles with a streaming form of their own (xio and pyservice answer whole documents).
STREAMING = ("core", "corepost", "vestespy", "webpy")
# Each style's echo: the request line's method and path.
ECHO = {style: ("PUT", f"/{style}/echo") for style in ("core", "corepost", "vestespy", "webpy")}
ECHO["xio"] = ("PUT", "/xio/echo")
ECHO["pyservice"] = ("POST", "/pyservice/api/0/echo")
STYLES = tuple(ECHO)
