"""``Server(max_body_size=...)``: a streamed body is bounded without buffering it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from microrest.adapters import vestespy
from microrest.adapters.vestespy.tools import Event
from microrest.testing import Client


def counting_server(**options: Any) -> tuple[vestespy.Server, list[int]]:
    """A server whose handler records each data chunk's size and answers the total on end."""
    seen: list[int] = []
    server = vestespy.Server(("127.0.0.1", 8080), **options)

    async def onrequest(ev: Event, req: vestespy.Request, res: vestespy.Response) -> None:
        async def ondata(ev: Event, req: Any, res: Any, chunk: bytes) -> None:
            seen.append(len(chunk))

        async def onend(ev: Event, req: Any, res: vestespy.Response) -> None:
            res.send_all(str(sum(seen)))

        req.on("data", ondata)
        req.on("end", onend)

    server.on("request", onrequest)
    return server, seen


def chunks(count: int, size: int) -> Iterator[bytes]:
    for _ in range(count):
        yield b"x" * size


def test_declared_length_over_the_limit_is_413_before_any_handler_runs() -> None:
    server, seen = counting_server(max_body_size=100)
    with Client(server) as client:
        response = client.post("/", content=b"x" * 101)
    assert response.status_code == 413
    assert "101 bytes exceeds the limit of 100 bytes" in response.text
    assert seen == []


def test_chunked_body_is_cut_off_at_the_limit_without_a_content_length() -> None:
    server, seen = counting_server(max_body_size=100)
    with Client(server) as client:
        response = client.post("/", content=chunks(5, 40))  # chunked: no Content-Length
    assert response.status_code == 413
    assert sum(seen) <= 100  # no data event ever carried bytes past the bound


def test_a_body_at_the_limit_is_accepted() -> None:
    server, seen = counting_server(max_body_size=100)
    with Client(server) as client:
        response = client.post("/", content=chunks(2, 50))
    assert response.status_code == 200
    assert response.text == "100"


def test_unbounded_by_default_as_the_original() -> None:
    server, _ = counting_server()
    assert server.max_body_size is None
    with Client(server) as client:
        response = client.post("/", content=chunks(64, 256 * 1024))  # 16 MiB, over the core's 10
    assert response.text == str(16 * 1024 * 1024)
