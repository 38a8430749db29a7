from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from tests.adapters.corepost import corepost_apps

from microrest.testing import Client


def _client(factory: Callable[..., Any], compat: bool) -> Iterator[Client]:
    with Client(factory(compat=compat)) as client:
        yield client


@pytest.fixture(params=["service", "corepost"])
def dialect(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(params=[False, True], ids=["modern", "compat"])
def compat(request: pytest.FixtureRequest) -> bool:
    return bool(request.param)


@pytest.fixture
def created(dialect: str, compat: bool) -> int:
    """The status of a POST whose handler sets none: 201, but 200 in the seed dialect under
    compat=True (CorePost 0.0.3, the seed README's release; 201 arrived in 0.0.4)."""
    return 200 if dialect == "corepost" and compat else 201


@pytest.fixture
def home(dialect: str, compat: bool) -> Iterator[Client]:
    factory = corepost_apps.home_service if dialect == "service" else corepost_apps.home_corepost
    yield from _client(factory, compat)


@pytest.fixture
def home_compat(dialect: str) -> Iterator[Client]:
    factory = corepost_apps.home_service if dialect == "service" else corepost_apps.home_corepost
    yield from _client(factory, True)


@pytest.fixture
def home_modern(dialect: str) -> Iterator[Client]:
    factory = corepost_apps.home_service if dialect == "service" else corepost_apps.home_corepost
    yield from _client(factory, False)


@pytest.fixture
def arguments(dialect: str, compat: bool) -> Iterator[Client]:
    factory = (
        corepost_apps.arguments_service
        if dialect == "service"
        else corepost_apps.arguments_corepost
    )
    yield from _client(factory, compat)


@pytest.fixture
def filtered(compat: bool) -> Iterator[Client]:
    yield from _client(corepost_apps.filter_resource, compat)


@pytest.fixture
def rest(compat: bool) -> Iterator[Client]:
    yield from _client(corepost_apps.rest_resource, compat)
