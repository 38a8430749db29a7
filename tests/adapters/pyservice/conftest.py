"""The README's api and service (its typos fixed), shared by the pyservice tests."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest

from microrest.adapters import pyservice
from microrest.testing import Client

README_API: dict[str, Any] = {
    "debug": False,
    "endpoint": {
        "scheme": "http",
        "host": "localhost",
        "port": 8080,
        "path": "/api/{version}/{operation}",
    },
    "operations": ["get_item", "put_item", "boom", "unimplemented"],
    "exceptions": ["IDRequired", "DoesNotExist", "ItemRequired"],
}


def readme_service(**options: Any) -> pyservice.Service:
    """The README's two operations over a dict (ids are strings), plus ``boom``, which raises
    an undeclared ``RuntimeError("secret", 1)``. ``unimplemented`` is declared, never bound."""
    api = copy.deepcopy(README_API)
    api.update(options)
    service = pyservice.Service(**api)
    items: dict[str, Any] = {}

    @service.operation(name="put_item")
    def put_item(request: Any, response: Any, context: Any) -> None:
        if "item" not in request:
            raise service.exceptions.ItemRequired("Need an item to put")
        id = str(len(items) + 1)
        items[id] = request.item
        response.id = id

    @service.operation(name="get_item")
    async def get_item(request: Any, response: Any, context: Any) -> None:
        if "id" not in request:
            raise service.exceptions.IDRequired("Can't get an item without an ID")
        try:
            item = items[request.id]
        except KeyError:
            raise service.exceptions.DoesNotExist("No item with id " + str(request.id)) from None
        response.item = item

    @service.operation(name="boom")
    def boom(request: Any, response: Any, context: Any) -> None:
        response.partial = "must not leak"
        raise RuntimeError("secret", 1)

    service.items = items  # type: ignore[attr-defined]
    return service


@pytest.fixture
def api() -> dict[str, Any]:
    return copy.deepcopy(README_API)


@pytest.fixture
def service() -> pyservice.Service:
    return readme_service()


@pytest.fixture
def http(service: pyservice.Service) -> Iterator[Client]:
    """Raw HTTP, in-process, against the README service; 500s are answers to check here."""
    with Client(service, raise_server_exceptions=False) as client:
        yield client
