"""``add_health_check``: 200 while every check passes, 503 naming the ones that fail."""

from __future__ import annotations

import anyio
import pytest

import microrest.adapters.webpy as web
from microrest import App
from microrest.errors import ConfigurationError
from microrest.health import add_health_check
from microrest.testing import Client


def test_ok_and_head_without_checks() -> None:
    app = App()
    add_health_check(app)
    with Client(app) as client:
        response = client.get("/healthz")
        assert (response.status_code, response.json()) == (200, {"status": "ok"})
        head = client.head("/healthz")
        assert (head.status_code, head.content) == (200, b"")


def test_failing_sync_and_async_checks_are_named_and_never_leak() -> None:
    def database() -> None:
        raise OSError("secret connection string")

    async def cache() -> None:
        raise RuntimeError("down")

    def fine() -> None:
        return None

    app = App()
    add_health_check(app, "/health", [fine, database, cache])
    with Client(app) as client:
        response = client.get("/health")
    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "failed": [
            "test_failing_sync_and_async_checks_are_named_and_never_leak.<locals>.database",
            "test_failing_sync_and_async_checks_are_named_and_never_leak.<locals>.cache",
        ],
    }
    assert "secret" not in response.text


def test_a_check_slower_than_the_timeout_fails() -> None:
    async def stuck() -> None:
        await anyio.sleep(30)

    app = App()
    add_health_check(app, checks=[stuck], timeout=0.05)
    with Client(app) as client:
        assert client.get("/healthz").status_code == 503


def test_any_style_main_object_takes_one() -> None:
    server = web.HTTPServer(("127.0.0.1", 0), {"/x": web.HTTPHandler})
    add_health_check(server)
    with Client(server) as client:
        assert client.get("/healthz").json() == {"status": "ok"}


def test_mistakes_are_configuration_errors() -> None:
    with pytest.raises(ConfigurationError, match="not callable"):
        add_health_check(App(), checks=["nope"])  # type: ignore[list-item]
    with pytest.raises(ConfigurationError, match="style's main object"):
        add_health_check(object())
