"""WebSockets over real uvicorn with the ``websockets`` client library, hostile cases included."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import httpx
import pytest
from tests.helpers import serve
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect

pytestmark = pytest.mark.e2e

APP = "tests.e2e.websocket_app:app"


@pytest.fixture(scope="module", params=["websockets", "websockets-sansio"])
def base(request: pytest.FixtureRequest) -> Iterator[str]:
    """The app under each of uvicorn's websocket implementations (``--ws``)."""
    args = ["--ws", request.param, "--ws-max-size", str(1024 * 1024)]
    with serve(APP, workers=1, args=args) as base_url:
        yield base_url.replace("http://", "ws://")


def events(base: str) -> list[str]:
    response = httpx.get(base.replace("ws://", "http://") + "/events", timeout=10)
    return response.json()  # type: ignore[no-any-return]


def wait_for_event(base: str, prefix: str) -> str:
    """The first recorded event starting with ``prefix`` (the server records it when done)."""
    for _ in range(500):
        for event in events(base):
            if event.startswith(prefix):
                return event
        with connect(f"{base}/echo/0", open_timeout=10) as ws:  # a round trip, not a sleep
            ws.recv(timeout=10)
    raise AssertionError(f"no event {prefix!r} in {events(base)}")


def test_echo_typed_params_and_subprotocol(base: str) -> None:
    with connect(f"{base}/echo/42", subprotocols=["chat.v1", "chat.v2"], open_timeout=10) as ws:
        assert ws.subprotocol == "chat.v2"
        assert ws.recv(timeout=10) == '{"n":42,"proto":"chat.v2"}'
        ws.send("hello")
        assert ws.recv(timeout=10) == "hello"


def test_no_websocket_route_and_a_bad_param_are_403(base: str) -> None:
    for path in ("/nowhere", "/echo/not-a-number", "/events"):
        with pytest.raises(InvalidStatus) as refused:
            connect(f"{base}{path}", open_timeout=10).close()
        assert refused.value.response.status_code == 403


def test_cross_site_origin_is_403_and_same_origin_is_accepted(base: str) -> None:
    host = base.removeprefix("ws://")
    with pytest.raises(InvalidStatus) as refused:
        connect(f"{base}/echo/1", origin="https://evil.example", open_timeout=10).close()
    assert refused.value.response.status_code == 403
    with connect(f"{base}/echo/1", origin=f"http://{host}", open_timeout=10) as ws:
        assert ws.recv(timeout=10).startswith('{"n":1')


def test_an_oversized_message_is_closed_with_1009(base: str) -> None:
    with connect(f"{base}/small", open_timeout=10) as ws:
        ws.send("x" * 1000)
        assert ws.recv(timeout=10) == "1000"
        ws.send("x" * 1001)
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=10)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 1009
    assert wait_for_event(base, "small ended") == "small ended 1009"


def test_a_frame_over_the_servers_bound_is_refused_before_it_is_buffered(base: str) -> None:
    """Past ``--ws-max-size`` the server itself closes with 1009: the app never sees it."""
    with connect(f"{base}/small", open_timeout=10, max_size=None) as ws:
        ws.send("x" * (2 * 1024 * 1024))
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=10)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 1009


def test_a_flood_of_messages_is_all_received(base: str) -> None:
    with connect(f"{base}/count", open_timeout=10) as ws:
        for _ in range(5000):
            ws.send("m")
        ws.send("end")
        assert ws.recv(timeout=30) == "5001"


def test_a_handler_exception_closes_with_1011_and_logs_once(base: str) -> None:
    with connect(f"{base}/boom", open_timeout=10) as ws:
        ws.send("go")
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=10)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 1011
    logged = wait_for_event(base, "log ERROR microrest.error: Unhandled exception in websocket")
    assert logged.endswith("/boom with traceback")
    assert [e for e in events(base) if "handler bug" in e or "/boom" in e] == [logged]
    assert not [e for e in events(base) if "uvicorn" in e]


def never_reading_client(base: str, path: str) -> socket.socket:
    """A websocket handshake on a raw socket that then never reads (a small receive buffer),
    the way a stuck client holds a connection open."""
    host, port = base.removeprefix("ws://").split(":")
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.settimeout(10)
    sock.connect((host, int(port)))
    request = (
        f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
        "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
        "Sec-WebSocket-Version: 13\r\n\r\n"
    )
    sock.sendall(request.encode())
    head = b""
    while b"\r\n\r\n" not in head:
        head += sock.recv(1)  # byte by byte: leave every frame after the head unread
    assert head.startswith(b"HTTP/1.1 101"), head
    return sock


def test_a_client_that_never_reads_is_closed_after_the_send_timeout(base: str) -> None:
    sock = never_reading_client(base, "/firehose")
    try:
        ended = wait_for_event(base, "firehose ended")
    finally:
        sock.close()
    code, _, sent = ended.removeprefix("firehose ended ").partition(" after ")
    assert code == "1008"
    assert int(sent) < 2000  # 16 KiB each: what the socket buffers took, then the core gave up


def test_a_disconnect_in_the_middle_of_a_send_ends_the_handler_cleanly(base: str) -> None:
    with connect(f"{base}/stream", open_timeout=10) as ws:
        assert ws.recv(timeout=10) == b"y" * 4096
        ws.socket.shutdown(socket.SHUT_RDWR)  # gone without a close frame, mid-stream
    assert wait_for_event(base, "stream ended") == "stream ended 1006"
    assert not [e for e in events(base) if "stream" in e and e.startswith("log")]
