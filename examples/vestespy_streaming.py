"""Streaming both ways with VestesPy events, in constant memory.

``POST /upload`` hashes the body one ``data`` event (one received chunk) at a time and answers
``<bytes> <sha256>`` on ``end``; Content-Length or chunked, up to the server's body limit
(10 MiB by default; this server asks for 1 GiB). ``GET /download/<n>`` streams ``n`` bytes
with ``send_chunked`` from a generator, 64 KiB at a time; ``:size(int)`` takes 1 to 18
digits and passes an int, so a 5,000-digit size is a 404, not a 500 from ``int()``.

    uvicorn examples.vestespy_streaming:server --workers 2
    curl -T big.iso http://127.0.0.1:8000/upload
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

from microrest.adapters import vestespy
from microrest.adapters.vestespy.tools import Dispatcher, Event

Req = vestespy.Request
Res = vestespy.Response
BLOCK = 64 * 1024

server = vestespy.Server(("localhost", 8080), max_body_size=1024 * 1024 * 1024)
dispatcher = Dispatcher()


def upload(ev: Event, req: Req, res: Res) -> None:
    digest = hashlib.sha256()
    received = [0]

    def ondata(ev: Event, req: Req, res: Res, chunk: bytes) -> None:
        digest.update(chunk)
        received[0] += len(chunk)

    def onend(ev: Event, req: Req, res: Res) -> None:
        res.send_all(f"{received[0]} {digest.hexdigest()}")

    req.on("data", ondata)
    req.on("end", onend)


def block(index: int) -> bytes:
    """The ``index``-th 64 KiB block of every download (clients can recompute it)."""
    return b"%08d" % index * (BLOCK // 8)


def blocks(size: int) -> Iterator[bytes]:
    sent = 0
    index = 0
    while sent < size:
        data = block(index)[: size - sent]
        sent += len(data)
        index += 1
        yield data


def download(ev: Event, req: Req, res: Res, size: int) -> None:
    res.headers["Content-Type"] = "application/octet-stream"
    res.send_chunked(blocks(size))


dispatcher.register("/upload", upload)
dispatcher.register("/download/:size(int)", download)
server.on("request", dispatcher.as_handler())

if __name__ == "__main__":
    server.serve_forever()
