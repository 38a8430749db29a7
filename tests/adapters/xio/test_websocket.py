"""The websocket service: xio's JSON message protocol on ``/_xio/ws``, in-process with the
test client, and over real uvicorn (``run -w PORT``) with the ``websockets`` library."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.helpers import free_port, run_process, wait_for_port

from microrest.adapters import xio
from microrest.testing import Client

HERE = Path(__file__).parent


def build_app(timeout: float | None = 5.0) -> tuple[xio.App, threading.Event]:
    app = xio.app(websocket_timeout=timeout)
    release = threading.Event()
    app.put("etc/secret", "private")
    app.put("www/static", "a static text")

    @app.bind("www/echo")
    def echo(req: Any) -> Any:
        return {
            "method": req.xmethod or req.method,
            "path": req.path,
            "query": req.query,
            "data": req.data,
            "token": req.headers.get("x_token"),
            "websocket": "websocket" in req.context,
        }

    @app.bind("www/items/:id")
    def item(req: Any) -> Any:
        if req.context[":id"] == "0":
            raise Exception(404, "no item 0")
        req.response.headers["X-Item"] = req.context[":id"]
        return {"id": req.context[":id"]}

    @app.bind("www/count")
    def count(req: Any) -> Any:
        return (number for number in range(int(req.query.get("n", 3))))

    @app.bind("www/slow")
    def slow(req: Any) -> str:
        release.wait(10)
        return "late"

    @app.bind("www/boom")
    def boom(req: Any) -> None:
        raise RuntimeError("secret detail")

    @app.bind("www/binary")
    def binary(req: Any) -> bytes:
        return b"\xff\x00\x01"

    return app, release


def request(ws: Any, ident: Any, method: str = "GET", path: str = "", **fields: Any) -> None:
    ws.send_json({"type": "request", "id": ident, "method": method, "path": path, **fields})


def test_request_response_and_streamed_fragments() -> None:
    app, _ = build_app()
    with Client(app) as client, client.websocket_connect("/_xio/ws", subprotocols=["xio"]) as ws:
        request(
            ws,
            "a",
            "POST",
            "echo/deeper",
            query={"q": "1"},
            data={"x": 1},
            headers={"X-Token": "t"},
        )
        answer = ws.receive_json()
        assert answer == {
            "type": "response",
            "id": "a",
            "status": 200,
            "headers": {"content-type": "application/json"},
            "content": {
                "method": "POST",
                "path": "deeper",
                "query": {"q": "1"},
                "data": {"x": 1},
                "token": "t",
                "websocket": True,
            },
        }
        request(ws, 2, "GET", "items/7")
        answer = ws.receive_json()
        assert (answer["id"], answer["status"], answer["content"]) == (2, 200, {"id": "7"})
        assert answer["headers"]["X-Item"] == "7"
        request(ws, 3, "GET", "count", query={"n": "3"})
        messages = [ws.receive_json() for _ in range(4)]
        assert [m["type"] for m in messages] == ["fragment"] * 3 + ["response"]
        assert [m["content"] for m in messages[:3]] == [0, 1, 2]
        assert all(m["id"] == 3 for m in messages)
        assert messages[3]["status"] == 200 and messages[3]["content"] == ""
        request(ws, 4, "ABOUT", "echo")
        assert ws.receive_json()["status"] == 200
        request(ws, 5, "PING", "echo")  # a custom method reaches the handler as req.xmethod
        assert ws.receive_json()["content"]["method"] == "PING"


def test_errors_and_the_public_tree_only() -> None:
    app, _ = build_app()
    with Client(app) as client, client.websocket_connect("/_xio/ws") as ws:
        for ident, path in enumerate(
            ["../etc/secret", "etc/secret", "www/../etc/secret", "nothing"]
        ):
            request(ws, ident, "GET", path)
            answer = ws.receive_json()
            assert answer["status"] == 404, path
            assert "private" not in json.dumps(answer)
        request(ws, "zero", "GET", "items/0")
        answer = ws.receive_json()
        assert (answer["status"], answer["content"]) == (404, "404 no item 0")
        request(ws, "boom", "GET", "boom")
        answer = ws.receive_json()
        assert answer["status"] == 500 and "secret detail" not in json.dumps(answer)
        request(ws, "static", "GET", "static")
        assert ws.receive_json()["content"] == "a static text"
        request(ws, "bin", "GET", "binary")
        answer = ws.receive_json()
        assert answer["encoding"] == "base64" and answer["content"] == "/wAB"
        request(ws, "head", "HEAD", "static")
        assert ws.receive_json()["content"] is None


@pytest.mark.parametrize(
    ("message", "status", "text", "ident"),
    [
        ("not json", 400, "not JSON", None),
        ("[1, 2]", 400, "JSON object", None),
        ('{"type": "publish", "id": 1, "topic": "x"}', 400, "publish/subscribe", 1),
        ('{"type": "what", "id": "w"}', 400, "unsupported message type", "w"),
        ('{"type": "request", "method": "GET", "path": ""}', 400, "needs an 'id'", None),
        ('{"type": "request", "id": {"a": 1}}', 400, "'id' must be", None),
    ],
)
def test_bad_messages_get_an_error_and_the_socket_lives_on(
    message: str, status: int, text: str, ident: Any
) -> None:
    app, _ = build_app()
    with Client(app) as client, client.websocket_connect("/_xio/ws") as ws:
        ws.send_text(message)
        answer = ws.receive_json()
        assert answer["type"] == "error" and answer["status"] == status
        assert text in answer["content"]
        assert answer.get("id") == ident
        request(ws, "after", "GET", "static")
        assert ws.receive_json()["content"] == "a static text"


@pytest.mark.parametrize(
    ("fields", "text"),
    [
        ({"method": 5}, "'method' must be"),
        ({"method": "GE T"}, "'method' must be"),
        ({"path": ["a"]}, "'path' must be"),
        ({"query": "a=1"}, "'query' must be an object"),
        ({"headers": {"a": 1}}, "'headers' must be"),
    ],
)
def test_a_bad_request_is_answered_400_by_its_id(fields: dict[str, Any], text: str) -> None:
    app, _ = build_app()
    with Client(app) as client, client.websocket_connect("/_xio/ws") as ws:
        ws.send_json({"type": "request", "id": "bad", "method": "GET", "path": "", **fields})
        answer = ws.receive_json()
        assert (answer["type"], answer["id"], answer["status"]) == ("response", "bad", 400)
        assert text in answer["content"]


def test_binary_json_messages_are_read_too() -> None:
    app, _ = build_app()
    with Client(app) as client, client.websocket_connect("/_xio/ws") as ws:
        ws.send_bytes(json.dumps({"type": "request", "id": 1, "path": "static"}).encode())
        assert ws.receive_json()["content"] == "a static text"
        ws.send_bytes(b"\xff\xfe")
        assert "UTF-8" in ws.receive_json()["content"]


def test_requests_in_flight_are_answered_by_id_and_a_slow_one_gets_408() -> None:
    app, release = build_app(timeout=0.5)
    try:
        with Client(app) as client, client.websocket_connect("/_xio/ws") as ws:
            request(ws, "slow", "GET", "slow")
            request(ws, "dup", "GET", "slow")
            request(ws, "dup", "GET", "static")  # the same id while the first runs: 409
            request(ws, "fast", "GET", "echo")
            answers = {}
            for _ in range(4):
                answer = ws.receive_json()
                answers[(answer["id"], answer["status"])] = answer
            assert set(answers) == {("dup", 409), ("fast", 200), ("slow", 408), ("dup", 408)}
            assert "0.5s" in answers[("slow", 408)]["content"]
            release.set()  # the overrun handlers finish; their late results are dropped
            request(ws, "next", "GET", "static")
            answer = ws.receive_json()
            assert (answer["id"], answer["content"]) == ("next", "a static text")
    finally:
        release.set()


def test_too_many_in_flight_get_429() -> None:
    app, release = build_app(timeout=None)
    app.websocket_service.max_in_flight = 2
    try:
        with Client(app) as client, client.websocket_connect("/_xio/ws") as ws:
            for ident in range(3):
                request(ws, ident, "GET", "slow")
            answer = ws.receive_json()
            assert (answer["id"], answer["status"]) == (2, 429)
            release.set()
            assert {ws.receive_json()["id"] for _ in range(2)} == {0, 1}
    finally:
        release.set()


def test_a_node_answers_over_its_websocket_too(tmp_path: Path) -> None:
    node = xio.node(db=str(tmp_path / "node.sqlite3"))
    app, _ = build_app()
    node.register(app)
    with Client(node) as client, client.websocket_connect("/_xio/ws") as ws:
        request(ws, 1, "GET", f"{app.id}/echo/x")
        answer = ws.receive_json()
        assert answer["status"] == 200 and answer["content"]["path"] == "x"


def test_the_service_can_be_left_out_and_options_are_checked() -> None:
    app = xio.app(websocket_service=False)
    assert all(row.method != "WS" for row in app.asgi.routes())
    with pytest.raises(ValueError, match="positive"):
        xio.app(websocket_timeout=0)
    with pytest.raises(ValueError, match="port of its own"):
        xio.app().run(port=8080, websocket=8080)


# over real uvicorn: ``python app.py run -p PORT -w WSPORT``, the websockets library ------------

APP_SCRIPT = """
import sys
from microrest.adapters import xio

app = xio.app(__name__)

@app.bind("www/hello")
def hello(req):
    return {"hello": req.query.get("name", "world"), "path": req.path}

@app.bind("www/count")
def count(req):
    return (n * n for n in range(4))

if __name__ == "__main__":
    app.main()
"""


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    script = tmp_path_factory.mktemp("xio-ws") / "app.py"
    script.write_text(APP_SCRIPT)
    http_port, ws_port = free_port(), free_port()
    command = [sys.executable, str(script), "run", "-p", str(http_port), "-w", str(ws_port)]
    command += ["--host", "127.0.0.1"]
    with run_process(command, http_port) as process:
        wait_for_port(ws_port, process)  # started first, listening before the HTTP port
        yield f"http://127.0.0.1:{http_port}", f"ws://127.0.0.1:{ws_port}"


def test_run_w_serves_the_protocol_on_its_port(live: tuple[str, str]) -> None:
    from websockets.sync.client import connect

    http_url, ws_url = live
    for url in (ws_url, ws_url + "/_xio/ws", http_url.replace("http", "ws") + "/_xio/ws"):
        with connect(url, subprotocols=["xio"], open_timeout=10) as ws:  # type: ignore[list-item]
            assert ws.subprotocol == "xio"
            ws.send(
                json.dumps(
                    {"type": "request", "id": "1", "path": "hello/x", "query": {"name": "ws"}}
                )
            )
            ws.send(json.dumps({"type": "request", "id": "2", "path": "count"}))
            messages = [json.loads(ws.recv(timeout=10)) for _ in range(6)]
            hello = next(m for m in messages if m["id"] == "1")
            assert hello["content"] == {"hello": "ws", "path": "x"}
            fragments = [
                m["content"] for m in messages if m["id"] == "2" and m["type"] == "fragment"
            ]
            assert fragments == [0, 1, 4, 9]


def test_python_client_over_the_websocket(live: tuple[str, str]) -> None:
    _, ws_url = live
    with xio.client(ws_url) as client:
        result = client.get("hello/there", {"name": "py"})
        assert result.status == 200
        assert result.content == {"hello": "py", "path": "there"}
        assert result.content_type == "application/json"
        assert client.get("count").content == [0, 1, 4, 9]
        assert client.get("nothing").status == 404
        assert client.about("hello").status == 200
        # several threads share the one socket, each answered by its id
        results: list[Any] = [None] * 8

        def call(index: int) -> None:
            results[index] = client.get("hello", {"name": str(index)}).content["hello"]

        threads = [threading.Thread(target=call, args=(index,)) for index in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(20)
        assert results == [str(index) for index in range(8)]
    refused = xio.client(f"ws://127.0.0.1:{free_port()}")
    assert refused.get("hello").status == 502


def test_javascript_client_over_the_websocket(live: tuple[str, str], tmp_path: Path) -> None:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    http_url, ws_url = live
    module = tmp_path / "xio.js"
    module.write_bytes(httpx.get(f"{http_url}{xio.CLIENTS_PATH}/xio.js").content)
    probe = subprocess.run([node, "-e", "process.exit(typeof WebSocket === 'function' ? 0 : 1)"])
    flags = [] if probe.returncode == 0 else ["--experimental-websocket"]  # node 20
    result = subprocess.run(
        [node, *flags, "--test", str(HERE / "clients" / "xio_ws_client.test.mjs")],
        env={"XIO_WS_URL": ws_url, "XIO_CLIENT_MODULE": str(module), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "# pass 4" in result.stdout
