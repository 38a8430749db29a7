"""The server object over real uvicorn: start/stop/close, the bound port, TLS, and the
original's integration suite (W-I*) over one keep-alive connection, plain and encrypted."""

from __future__ import annotations

import io
import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import trustme

import microrest.adapters.webpy as web
from microrest.adapters.webpy import fancyindex, file

M = b"This is a test sentence!"


class Root(web.HTTPHandler):
    def do_get(self) -> Any:
        return 200, M


class IO(web.HTTPHandler):
    def do_get(self) -> Any:
        self.response.headers.set("content-length", str(len(M)))
        return 200, io.BytesIO(M)


class Chunked(web.HTTPHandler):
    def do_get(self) -> Any:
        return 200, io.BytesIO(M + b"a" * 8192 + M)


class Error(web.HTTPHandler):
    def do_get(self) -> Any:
        raise Exception("boom")


class Echo(web.HTTPHandler):
    saved = b""

    def do_get(self) -> Any:
        return 200, Echo.saved

    def do_put(self) -> Any:
        Echo.saved = self.request.body
        return 204, ""


class Auth(web.HTTPHandler):
    saved: dict[str, bytes] = {}

    def do_get(self) -> Any:
        if not self.request.headers.get("Authorization"):
            raise web.HTTPError(401, headers={"WWW-Authenticate": "Any"})
        try:
            return 200, Auth.saved[self.groups[0]]
        except KeyError:
            raise web.HTTPError(404) from None

    def do_put(self) -> Any:
        Auth.saved[self.groups[0]] = self.request.body
        return 200, "Accepted"


class ErrorRoute(web.HTTPErrorHandler):
    def respond(self) -> Any:
        return 203, b"Oh noes, there was an error!"


def make_server(tmp: Path, **options: Any) -> web.HTTPServer:
    routes: dict[str, type[web.HTTPHandler]] = {
        "/": Root,
        "/io": IO,
        "/chunked": Chunked,
        "/error": Error,
        "/echo": Echo,
        "/auth/(.*)": Auth,
    }
    routes.update(file.new(str(tmp), "/tmpro"))
    routes.update(file.new(str(tmp), "/tmp", dir_index=True, modify=True))
    routes.update(fancyindex.new(str(tmp), "/tmpfancy"))
    return web.HTTPServer(("127.0.0.1", 0), routes, {"500": ErrorRoute}, **options)


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str, ssl.SSLContext]:
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    directory = tmp_path_factory.mktemp("tls")
    key, chain = directory / "key.pem", directory / "cert.pem"
    cert.private_key_pem.write_to_path(str(key))
    cert.cert_chain_pems[0].write_to_path(str(chain))
    context = ssl.create_default_context()
    ca.configure_trust(context)
    return str(key), str(chain), context


@pytest.fixture(params=["http", "https"])
def running(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    certificate: tuple[str, str, ssl.SSLContext],
) -> Iterator[tuple[web.HTTPServer, httpx.Client]]:
    key, chain, context = certificate
    tls = request.param == "https"
    options = {"keyfile": key, "certfile": chain} if tls else {}
    served = tmp_path / "tmp"
    served.mkdir()
    Echo.saved = b""
    Auth.saved = {}
    httpd = make_server(served, **options)
    assert httpd.using_tls is tls
    httpd.start()
    try:
        host, port = httpd.server_address
        base = f"{request.param}://{host}:{port}"
        with httpx.Client(base_url=base, verify=context if tls else True) as client:
            yield httpd, client
    finally:
        httpd.close()


def test_integration_suite(running: tuple[web.HTTPServer, httpx.Client]) -> None:
    httpd, client = running
    assert client.get("/").content == M
    assert client.get("/io").content == M
    response = client.get("/chunked")
    assert response.headers["Transfer-Encoding"] == "chunked"
    assert response.content.startswith(M + b"a") and response.content.endswith(M)
    response = client.get("/error")
    assert (response.status_code, response.content) == (203, b"Oh noes, there was an error!")
    assert (client.get("/echo").status_code, client.get("/echo").content) == (200, b"")
    assert client.put("/echo", content=M).status_code == 204
    assert client.get("/echo").content == M
    response = client.get("/auth/")
    assert (response.status_code, response.headers["WWW-Authenticate"]) == (401, "Any")
    assert client.get("/auth/", headers={"Authorization": "None"}).status_code == 404
    assert client.put("/auth/test", content=M).text == "Accepted"
    assert client.get("/auth/test", headers={"Authorization": "None"}).content == M
    assert client.get("/tmp/").status_code == 200
    assert client.get("/tmp/test").status_code == 404
    response = client.put("/tmp/test", content=M)
    assert (response.status_code, response.content) == (204, b"")
    assert client.get("/tmp/test").content == M
    assert client.get("/tmpro/").status_code == 403
    assert client.get("/tmpro/test").content == M
    assert client.put("/tmpro/test", content=M).status_code == 405
    assert client.delete("/tmp/test").status_code == 204
    fancy = client.get("/tmpfancy/")
    assert fancy.status_code == 200
    assert "<title>Index of /tmpfancy/</title>" in fancy.text
    assert client.get("/", headers={"Connection": "close"}).status_code == 200
    assert httpd.is_running() is True


def test_start_stop_close_and_the_bound_port(tmp_path: Path) -> None:
    httpd = make_server(tmp_path)
    assert httpd.is_running() is False
    assert httpd.server_address == ("127.0.0.1", 0)  # constructing bound nothing
    httpd.stop()  # no-op when not running
    for _ in range(2):  # start() may be called again after stop()
        httpd.start()
        try:
            httpd.start()  # no-op while running
            host, port = httpd.server_address
            assert port != 0
            assert httpx.get(f"http://{host}:{port}/").content == M
        finally:
            httpd.stop()
        assert httpd.is_running() is False
        with pytest.raises(httpx.ConnectError):
            httpx.get(f"http://{host}:{port}/")
    httpd.close()
    httpd.close()


def test_start_is_a_no_op_when_serving_is_disabled(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MICROREST_NO_SERVE", "1")
    httpd = make_server(tmp_path)
    httpd.start()
    assert httpd.is_running() is False
