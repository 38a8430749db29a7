"""The original repository's demo (test.py: an upload form) in the final handler signatures."""

from __future__ import annotations

from collections.abc import Callable

from microrest.adapters import vestespy
from microrest.adapters.vestespy.tools import Event
from microrest.testing import Client

Req = vestespy.Request
Res = vestespy.Response

HTML = b"""<!DOCTYPE html>
<html><head></head>
<body>
<form method="POST" enctype="multipart/form-data" action="/upload">
\t<input type="file" name="data" multiple="multiple"><br/>
\t<input type="submit" value="Submit"/>
</form>
</body></html>"""


def demo() -> tuple[vestespy.Server, list[bytes]]:
    server = vestespy.Server(("localhost", 8080), debug=True)
    dispatcher = vestespy.tools.Dispatcher()
    chunks: list[bytes] = []

    def home(ev: Event, req: Req, res: Res) -> None:
        res.headers["Content-Type"] = "text/html; charset=utf-8"
        res.send_all(HTML, buffer=False)

    def ondata(ev: Event, req: Req, res: Res, chunk: bytes) -> None:
        chunks.append(chunk)

    def onend(ev: Event, req: Req, res: Res) -> None:
        res.send_all("OK", buffer=False)

    def upload(ev: Event, req: Req, res: Res) -> None:
        ev.source.console.info(repr(req.headers))
        req.on("data", ondata)
        req.on("end", onend)

    def post(ev: Event, req: Req, res: Res) -> None:
        parts: list[bytes] = []
        req.on("data", lambda ev, req, res, chunk: parts.append(chunk))
        req.on("end", lambda ev, req, res: res.send_all(b"GOT:" + b"".join(parts)))

    dispatcher.register("/", home)
    dispatcher.register("/upload", upload)
    dispatcher.register("/post", post)
    server.on("request", dispatcher.as_handler())
    return server, chunks


def test_the_form_page(connect: Callable[..., Client]) -> None:
    server, _ = demo()
    response = connect(server).get("/")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert response.content == HTML


def test_a_multipart_upload_arrives_raw_in_data_events(connect: Callable[..., Client]) -> None:
    server, chunks = demo()
    client = connect(server)
    request = client.build_request(
        "POST", "/upload", files={"data": ("a.txt", b"file contents\r\n" * 100, "text/plain")}
    )
    body = request.read()
    response = client.send(request)
    assert (response.status_code, response.text) == (200, "OK")
    assert b"".join(chunks) == body
    assert int(request.headers["content-length"]) == len(body)


def test_a_form_post_is_collected_and_echoed(connect: Callable[..., Client]) -> None:
    server, _ = demo()
    response = connect(server).post("/post", data={"hello": "world"})
    assert (response.status_code, response.text) == (200, "GOT:hello=world")
