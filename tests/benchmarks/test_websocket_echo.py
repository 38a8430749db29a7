"""The websocket echo benchmark runs and checks its answers (a few messages, no server)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import anyio
import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import websocket_echo  # noqa: E402


def test_both_echo_apps_are_measured() -> None:
    rates = anyio.run(websocket_echo.inprocess, 50, 1)
    assert set(rates) == {"microrest", "starlette"}
    assert all(rate > 0 for rate in rates.values())


def test_a_wrong_echo_gets_no_number() -> None:
    async def wrong(scope: dict[str, Any], receive: Any, send: Any) -> None:
        await receive()
        await send({"type": "websocket.accept"})
        while (await receive())["type"] == "websocket.receive":
            await send({"type": "websocket.send", "text": "nope"})

    with pytest.raises(AssertionError, match="wrong echo"):
        anyio.run(websocket_echo.one_connection, wrong, 5)
