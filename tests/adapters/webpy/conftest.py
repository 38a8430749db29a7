"""Shared fixtures for the web.py adapter tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack
from typing import Any

import pytest

import microrest.adapters.webpy as web
from microrest.testing import Client


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def serve() -> Iterator[Callable[..., Client]]:
    """``serve(routes, **server_options)`` -> an in-process client over a new HTTPServer."""
    with ExitStack() as stack:

        def make(routes: Mapping[str, Any], **options: Any) -> Client:
            httpd = web.HTTPServer(("localhost", 0), routes, **options)
            return stack.enter_context(Client(httpd))

        yield make
