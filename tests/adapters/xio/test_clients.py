"""The three clients: Python (in-process and HTTP), JavaScript (node's test runner) and PHP,
each against a live server on 127.0.0.1."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from microrest.adapters import xio
from microrest.server import Server

HERE = Path(__file__).parent / "clients"
STATIC = Path(xio.__file__).parent / "static"


def build_app() -> xio.App:
    app = xio.app()

    @app.bind("www/echo")
    def echo(req: Any) -> Any:
        return {
            "method": req.method,
            "xmethod": req.xmethod,
            "path": req.path,
            "query": req.query,
            "data": req.data,
            "profile": req.profile,
        }

    @app.bind("www/hello")
    def hello(req: Any) -> str:
        return "Hello World"

    @app.bind("www/missing")
    def missing(req: Any) -> None:
        raise Exception(404, "not here")

    return app


@pytest.fixture(scope="module")
def live() -> Iterator[tuple[xio.App, str]]:
    app = build_app()
    server = Server(app, "127.0.0.1", 0, log_level="warning")
    server.start()
    host, port = server.server_address
    try:
        yield app, f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture(scope="session")
def php() -> str:
    """php-cli from Debian's packages, installed when missing; skipped only if that fails."""
    found = shutil.which("php")
    if found is None and shutil.which("apt-get") is not None:
        env = {"DEBIAN_FRONTEND": "noninteractive", "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"}
        for command in (
            ["apt-get", "update", "-qq"],
            ["apt-get", "install", "-y", "-qq", "php-cli"],
        ):
            try:
                subprocess.run(command, env=env, check=True, capture_output=True, timeout=600)
            except (OSError, subprocess.SubprocessError) as exc:
                pytest.skip(f"php-cli is missing and could not be installed: {exc}")
        found = shutil.which("php")
    if found is None:
        pytest.skip("php-cli is missing and apt-get could not provide it")
    return found


def test_python_client_in_process_and_over_http(live: tuple[xio.App, str]) -> None:
    app, base = live
    for client in (xio.client(app), xio.client(base)):
        got = client.get("echo/a/b", {"q": "1"})
        assert (got.status, got.content["path"], got.content["query"]) == (200, "a/b", {"q": "1"})
        assert client.get("echo").get("x/y").content["path"] == "x/y"
        for verb in ("post", "put", "patch", "delete"):
            answer = getattr(client, verb)("echo", {"n": 1}).content
            assert (answer["method"], answer["data"]) == (verb.upper(), {"n": 1})
        custom = client.request("PING", "echo", {"a": 1}).content
        assert (custom["method"], custom["xmethod"], custom["data"]) == ("POST", "PING", {"a": 1})
        assert client.get("echo", headers={"XIO-profile": '{"p": 1}'}).content["profile"] == {
            "p": 1
        }
        assert client.about().content["id"] == app.id
        hello = client.get("hello")
        assert (hello.content, hello.content_type) == ("Hello World", "text/plain; charset=utf-8")
        missing = client.get("missing")
        assert (missing.status, missing.content) == (404, "404 not here")
        assert client.head("hello").content is None
        client.close()


def test_the_clients_are_served_by_the_app(live: tuple[xio.App, str]) -> None:
    _, base = live
    for name, media_type in (("xio.js", "text/javascript"), ("xio.php", "text/plain")):
        response = httpx.get(f"{base}{xio.CLIENTS_PATH}/{name}")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith(media_type)
        assert response.content == (STATIC / name).read_bytes()


def download(base: str, name: str, into: Path) -> Path:
    target = into / name
    target.write_bytes(httpx.get(f"{base}{xio.CLIENTS_PATH}/{name}").content)
    return target


def test_javascript_client_with_node(live: tuple[xio.App, str], tmp_path: Path) -> None:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    _, base = live
    module = download(base, "xio.js", tmp_path)
    result = subprocess.run(
        [node, "--test", str(HERE / "xio_client.test.mjs")],
        env={"XIO_BASE_URL": base, "XIO_CLIENT_MODULE": str(module), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "# pass 4" in result.stdout


def test_php_client(live: tuple[xio.App, str], php: str, tmp_path: Path) -> None:
    _, base = live
    script = download(base, "xio.php", tmp_path)
    result = subprocess.run(
        [php, str(HERE / "xio_client_test.php"), str(script), base],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    out = json.loads(result.stdout)
    assert out["get"]["status"] == 200
    assert out["get"]["content"]["path"] == "a/b"
    assert out["get"]["content"]["query"] == {"q": "1"}
    assert out["post"]["content"]["data"] == {"n": 1}
    assert out["put"]["content"]["method"] == "PUT"
    assert out["patch"]["content"]["data"] == "words"
    assert out["delete"]["content"]["method"] == "DELETE"
    assert out["custom"]["content"]["xmethod"] == "PING"
    assert out["custom"]["content"]["data"] == {"a": 1}
    assert out["about"]["content"]["type"] == "app"
    assert out["hello"]["content"] == "Hello World"
    assert (out["missing"]["status"], out["missing"]["content"]) == (404, "404 not here")
    assert (out["head"]["status"], out["head"]["content"]) == (200, None)
