"""``Server(max_body_size=...)``: a streamed body is bounded without buffering it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from microrest import Limits
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


def test_bounded_by_default_with_the_core_limit() -> None:
    """Issue 10 item 10: a VestesPy body is bounded unless unbounded is asked for."""
    server, seen = counting_server()
    assert server.max_body_size == Limits().max_body_size == 10 * 1024 * 1024
    with Client(server) as client:
        declared = client.post("/", content=b"x" * (10 * 1024 * 1024 + 1))
        assert declared.status_code == 413
        assert seen == []  # refused from its Content-Length, before any handler ran
        streamed = client.post("/", content=chunks(41, 256 * 1024))  # chunked: 10.25 MiB
        assert streamed.status_code == 413
        assert sum(seen) <= 10 * 1024 * 1024  # no data event carried a byte past the bound
        seen.clear()
        at_limit = client.post("/", content=chunks(40, 256 * 1024))  # exactly 10 MiB
        assert (at_limit.status_code, at_limit.text) == (200, str(10 * 1024 * 1024))


def test_unbounded_is_an_explicit_choice() -> None:
    server, _ = counting_server(max_body_size=None)
    assert server.max_body_size is None
    with Client(server) as client:
        response = client.post("/", content=chunks(64, 256 * 1024))  # 16 MiB, over the core's 10
    assert response.text == str(16 * 1024 * 1024)


def test_the_bound_is_checked_when_the_server_is_built() -> None:
    with pytest.raises(ValueError, match=">= 0"):
        vestespy.Server(("127.0.0.1", 8080), max_body_size=-1)
    with pytest.raises(TypeError, match="int"):
        vestespy.Server(("127.0.0.1", 8080), max_body_size="10M")  # type: ignore[arg-type]
