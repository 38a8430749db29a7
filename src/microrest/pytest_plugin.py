"""The pytest plugin (registered through the ``pytest11`` entry point): test-client fixtures.

Kept apart from ``microrest.testing`` so the clients import without pytest installed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from .testing import AsyncClient, Client

__all__ = ["microrest_async_client", "microrest_client"]


@pytest.fixture
def microrest_client() -> Iterator[Callable[..., Client]]:
    """A factory: ``client = microrest_client(app)``, entered now and closed after the test."""
    clients: list[Client] = []

    def make(app: Any, **options: Any) -> Client:
        client = Client(app, **options)
        client.__enter__()
        clients.append(client)
        return client

    yield make
    for client in reversed(clients):
        client.__exit__()


@pytest.fixture
def microrest_async_client() -> Callable[..., AsyncClient]:
    """A factory of ``AsyncClient``s, to use as ``async with microrest_async_client(app) as c``."""
    return AsyncClient
