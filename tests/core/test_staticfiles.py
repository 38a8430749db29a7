"""StaticFiles: serving a directory, and never anything outside it, whatever the encoding."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from microrest import App, StaticFiles
from microrest.errors import BadRequest, ConfigurationError
from microrest.server import Server
from microrest.staticfiles import safe_join
from microrest.testing import Client

from .asgi import call

SECRET = b"TOP SECRET"


def build_site(tmp_path: Path) -> Path:
    public = tmp_path / "public"
    (public / "sub").mkdir(parents=True)
    (public / "hello.txt").write_bytes(b"hello")
    (public / "sub" / "page.html").write_bytes(b"<p>page</p>")
    (public / "sub" / "index.html").write_bytes(b"<p>index</p>")
    (public / "%2e%2e").mkdir()  # a real directory named like an encoded dot-dot
    (public / "%2e%2e" / "inside.txt").write_bytes(b"literal name")
    (tmp_path / "secret.txt").write_bytes(SECRET)
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "secret.txt").write_bytes(SECRET)
    (public / "escape.txt").symlink_to(tmp_path / "secret.txt")
    (public / "escape_dir").symlink_to(tmp_path / "outside", target_is_directory=True)
    (public / "alias.txt").symlink_to(public / "hello.txt")
    return public


@pytest.fixture
def site(tmp_path: Path) -> Path:
    return build_site(tmp_path)


def static_app(directory: Path, html: bool = False) -> App:
    app = App()
    app.mount("/static", StaticFiles(directory=directory, html=html))
    return app


def test_serves_files_with_file_response_headers(site: Path) -> None:
    with Client(static_app(site)) as client:
        response = client.get("/static/hello.txt")
        assert response.status_code == 200
        assert response.content == b"hello"
        assert response.headers["content-type"] == "text/plain; charset=utf-8"
        assert "etag" in response.headers
        ranged = client.get("/static/hello.txt", headers={"Range": "bytes=1-2"})
        assert ranged.status_code == 206 and ranged.content == b"el"
        head = client.head("/static/hello.txt")
        assert head.status_code == 200 and head.content == b""
        assert client.get("/static/sub/page.html").content == b"<p>page</p>"
        assert client.get("/static/alias.txt").content == b"hello"  # symlink inside: fine
        assert client.get("/static/missing.txt").status_code == 404
        assert client.get("/static/sub").status_code == 404  # directories need html=True


def test_only_get_and_head(site: Path) -> None:
    with Client(static_app(site)) as client:
        response = client.post("/static/hello.txt")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, HEAD"


def test_html_mode_index_redirect_and_404_page(site: Path) -> None:
    with Client(static_app(site, html=True)) as client:
        assert client.get("/static/sub/").content == b"<p>index</p>"
        response = client.get("/static/sub?x=1")
        assert response.status_code == 307
        assert response.headers["location"] == "/static/sub/?x=1"
        assert client.get("/static/nope").status_code == 404
        (site / "404.html").write_bytes(b"custom missing")
        response = client.get("/static/nope")
        assert response.status_code == 404 and response.content == b"custom missing"
        (site / "empty").mkdir()
        assert client.get("/static/empty/").status_code == 404


def test_missing_directory_is_a_configuration_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="does not exist"):
        StaticFiles(directory=tmp_path / "nope")


# traversal ----------------------------------------------------------------------------------

# ASGI paths are percent-decoded once by the server; these are what a server hands over for
# each request line shown in the comment.
DECODED_ATTACKS = [
    "/static/../secret.txt",  # GET /static/../secret.txt
    "/static/../../secret.txt",
    "/static/sub/../../secret.txt",
    "/static/./../secret.txt",
    "/static/..",
    "/static/../",
    "/static/../outside/secret.txt",
    "/static/%2e%2e/secret.txt",  # GET /static/%252e%252e/secret.txt (decoded once only)
    "/static/%2e%2e/%2e%2e/secret.txt",
    "/static/%252e%252e/secret.txt",
    "/static/..%2fsecret.txt",
    "/static/..\\secret.txt",  # GET /static/..%5csecret.txt
    "/static/..\\..\\secret.txt",
    "/static/sub\\..\\..\\secret.txt",
    "/static//etc/passwd",  # GET /static//etc/passwd
    "/static/" + str(Path("/etc/passwd")),
    "/static/escape.txt",  # symlink pointing outside the root
    "/static/escape_dir/secret.txt",  # symlinked directory outside the root
    "/static/escape_dir",
    "/static/..;/secret.txt",
    "/static/.../secret.txt",
    "/static/\u2025/secret.txt",  # one-dot leader, not a dot
    "/static/\uff0e\uff0e/secret.txt",  # full-width dots
]


@pytest.mark.anyio
@pytest.mark.parametrize("path", DECODED_ATTACKS)
async def test_traversal_never_leaves_the_root(site: Path, path: str) -> None:
    for html in (False, True):
        answer = await call(static_app(site, html=html), "GET", path)
        assert SECRET not in answer.body, (path, html)
        assert b"root:" not in answer.body
        assert answer.status in (404, 400), (path, html, answer.status)


@pytest.mark.anyio
@pytest.mark.parametrize(
    "path", ["/static/hello.txt\x00.png", "/static/\x00", "/static/../\x00secret.txt"]
)
async def test_nul_byte_is_400(site: Path, path: str) -> None:
    answer = await call(static_app(site), "GET", path)
    assert answer.status == 400
    assert b"NUL" in answer.body


@pytest.mark.anyio
async def test_a_literal_percent_name_is_a_file_name_not_an_encoding(site: Path) -> None:
    answer = await call(static_app(site), "GET", "/static/%2e%2e/inside.txt")
    assert answer.status == 200 and answer.body == b"literal name"


def test_safe_join_directly(site: Path) -> None:
    root = str(site)
    assert safe_join(root, "hello.txt") == os.path.join(os.path.realpath(root), "hello.txt")
    assert safe_join(root, "/hello.txt") == os.path.join(os.path.realpath(root), "hello.txt")
    assert safe_join(root, "") == os.path.realpath(root)
    assert safe_join(root, "../secret.txt") is None
    assert safe_join(root, "escape.txt") is None
    assert safe_join(root, "sub/../../public/hello.txt") is not None
    with pytest.raises(BadRequest):
        safe_join(root, "a\x00b")


def test_sibling_directory_with_common_prefix_is_outside(tmp_path: Path) -> None:
    root = tmp_path / "pub"
    root.mkdir()
    sibling = tmp_path / "public2"
    sibling.mkdir()
    (sibling / "x.txt").write_bytes(SECRET)
    assert safe_join(str(root), "../public2/x.txt") is None
    assert safe_join(str(tmp_path / "pub"), "../pub2") is None


# the same attacks through a real server, as raw request lines -------------------------------


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    site = build_site(tmp_path_factory.mktemp("wire"))
    server = Server(static_app(site), "127.0.0.1", 0, log_level="critical")
    server.start()
    try:
        yield server.server_address
    finally:
        server.stop()


def raw_get(address: tuple[str, int], target: bytes) -> tuple[int, bytes]:
    with socket.create_connection(address, timeout=5) as sock:
        sock.sendall(b"GET " + target + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    return status, body


@pytest.mark.parametrize(
    "target",
    [
        b"/static/../secret.txt",
        b"/static/%2e%2e/secret.txt",
        b"/static/%2E%2E/%2e%2e/secret.txt",
        b"/static/.%2e/secret.txt",
        b"/static/%252e%252e/secret.txt",
        b"/static/..%2fsecret.txt",
        b"/static/%2e%2e%2fsecret.txt",
        b"/static/..%5csecret.txt",
        b"/static/%2e%2e%5c%2e%2e%5csecret.txt",
        b"/static/%c0%ae%c0%ae/secret.txt",  # overlong UTF-8 dots
        b"/static/%2fetc%2fpasswd",
        b"/static//etc/passwd",
        b"/static/escape.txt",
        b"/static/escape_dir/secret.txt",
        b"/static/hello.txt%00.png",
        b"/static/%00",
    ],
)
def test_traversal_over_the_wire(served: tuple[str, int], target: bytes) -> None:
    status, body = raw_get(served, target)
    assert SECRET not in body and b"root:" not in body
    assert status in (400, 404), (target, status)


def test_wire_sanity_a_real_file_is_served(served: tuple[str, int]) -> None:
    assert raw_get(served, b"/static/hello.txt") == (200, b"hello")
    assert raw_get(served, b"/static/sub/%70age.html") == (200, b"<p>page</p>")


def test_an_index_or_404_page_symlinked_out_of_the_root_is_never_served(tmp_path: Path) -> None:
    (tmp_path / "secret.txt").write_text("secret")
    root = tmp_path / "root"
    (root / "sub").mkdir(parents=True)
    (root / "sub" / "index.html").symlink_to(tmp_path / "secret.txt")
    (root / "404.html").symlink_to(tmp_path / "secret.txt")
    app = App()
    app.mount("/static", StaticFiles(root, html=True))
    with Client(app) as client:
        for path in ("/static/sub/", "/static/missing"):
            response = client.get(path)
            assert response.status_code == 404 and "secret" not in response.text


def test_directory_redirects_stay_on_the_same_origin(tmp_path: Path) -> None:
    (tmp_path / "evil.example").mkdir()
    app = App()
    app.mount("/", StaticFiles(tmp_path, html=True))
    with Client(app) as client:
        response = client.get("http://testserver//evil.example", follow_redirects=False)
    assert response.status_code == 307
    assert response.headers["location"] == "/evil.example/"
