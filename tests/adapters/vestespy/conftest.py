"""Fixtures for the VestesPy adapter tests: servers and in-process clients."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import Any

import pytest

from microrest.adapters import vestespy
from microrest.testing import Client


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def connect() -> Iterator[Callable[..., Client]]:
    """``connect(server)`` -> an in-process client, closed at the end of the test."""
    with ExitStack() as stack:

        def make(server: Any, raise_server_exceptions: bool = False) -> Client:
            # False: these tests look at the 500s the core answers for failing handlers.
            client = Client(server, raise_server_exceptions=raise_server_exceptions)
            return stack.enter_context(client)

        yield make


@pytest.fixture
def server() -> vestespy.Server:
    return vestespy.Server(("localhost", 8080))
