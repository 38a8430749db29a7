"""Nothing half-written: a PUT whose client vanishes stores nothing, and 1000 concurrent writes
through two workers sharing SQLite all read back exactly, in every style of the showcase."""

from __future__ import annotations

import asyncio
import json
import pathlib
import socket

import httpx
import pytest
from examples.items import STYLES

from .conftest import CLEAN_EXITS, start, terminate

pytestmark = pytest.mark.e2e

PREFIXES = {style: "" if style == "core" else f"/{style}" for style in STYLES}
RPC = "pyservice"  # its items are operations: POST {"key": ..., "value": ...} to put_item


def put_request(style: str, key: str, value: object) -> tuple[str, bytes]:
    """The request line's target and the JSON body that write ``key`` in ``style``."""
    if style == RPC:
        body = json.dumps({"key": key, "value": value}).encode()
        return f"{PREFIXES[style]}/api/0/put_item", body
    return f"{PREFIXES[style]}/items/{key}", json.dumps(value).encode()


def stored(client: httpx.Client, style: str, key: str) -> object | None:
    """What ``style`` reads back for ``key`` (None when it says there is no such item)."""
    if style == RPC:
        answer = client.post(f"{PREFIXES[style]}/api/0/get_item", json={"key": key}).json()
        return None if "__exception__" in answer else answer["value"]
    response = client.get(f"{PREFIXES[style]}/items/{key}")
    return None if response.status_code == 404 else response.json()["value"]


def test_a_put_whose_client_vanishes_halfway_stores_nothing(tmp_path: pathlib.Path) -> None:
    server = start(tmp_path, "examples.showcase:app")
    try:
        for style in PREFIXES:
            target, body = put_request(style, f"vanished-{style}", {"half": "x" * 1000})
            with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
                head = (
                    f"{'POST' if style == RPC else 'PUT'} {target} HTTP/1.1\r\nHost: t\r\n"
                    f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
                )
                sock.sendall(head.encode() + body[: len(body) // 2])
            # The answer to a later request on a new connection proves the server handled the
            # disconnect; the item must not exist, read through any style.
            with httpx.Client(base_url=f"http://127.0.0.1:{server.port}", timeout=10) as client:
                for reader in PREFIXES:
                    assert stored(client, reader, f"vanished-{style}") is None, (style, reader)
        assert server.process.poll() is None
        assert "Traceback" not in server.log_text()
    finally:
        assert terminate(server) in CLEAN_EXITS


def test_1000_concurrent_writes_with_two_workers_read_back_exactly(
    tmp_path: pathlib.Path,
) -> None:
    server = start(tmp_path, "examples.showcase:app", workers=2)
    base = f"http://127.0.0.1:{server.port}"
    styles = list(PREFIXES)

    async def write_all() -> list[int]:
        limits = httpx.Limits(max_connections=50)
        async with httpx.AsyncClient(base_url=base, timeout=30, limits=limits) as client:
            gate = asyncio.Semaphore(50)

            async def put(index: int) -> int:
                style = styles[index % len(styles)]
                target, body = put_request(style, f"k{index:04d}", {"n": index, "via": style})
                method = "POST" if style == RPC else "PUT"
                async with gate:
                    response = await client.request(
                        method, target, content=body, headers={"content-type": "application/json"}
                    )
                if style == RPC:  # 200 with {"created": true} for a new item
                    return 201 if response.json().get("created") is True else response.status_code
                return response.status_code

            return await asyncio.gather(*(put(index) for index in range(1000)))

    try:
        statuses = asyncio.run(write_all())
        assert statuses.count(201) == 1000, sorted(set(statuses))
        with httpx.Client(base_url=base, timeout=30) as client:
            keys = client.get("/items", params={"prefix": "k"}).json()
            assert keys == [f"k{index:04d}" for index in range(1000)]
            for index in range(0, 1000, 7):  # every style reads what any style wrote
                reader = styles[(index + 1) % len(styles)]
                value = stored(client, reader, f"k{index:04d}")
                assert value == {"n": index, "via": styles[index % len(styles)]}, reader
        assert "Traceback" not in server.log_text()
    finally:
        terminate(server)
