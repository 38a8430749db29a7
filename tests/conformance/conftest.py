"""The ``service`` fixture: every test of this directory runs against every target."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from examples.store import ItemStore
from tests.conformance.services import TARGETS, Service, build

from microrest.testing import Client


@pytest.fixture(scope="session")
def empty_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An initialised, empty store file: copying it is much cheaper than creating one."""
    path = tmp_path_factory.mktemp("template") / "items.sqlite3"
    ItemStore(str(path))
    return path


@pytest.fixture
def db(empty_db: Path, tmp_path: Path) -> Path:
    """A fresh store file for one test."""
    path = tmp_path / "items.sqlite3"
    shutil.copyfile(empty_db, path)
    return path


@pytest.fixture(params=TARGETS)
def service(
    request: pytest.FixtureRequest, db: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Service]:
    app, prefix, store = build(request.param, db, monkeypatch)
    with Client(app) as client:
        yield Service(request.param, client, prefix, store)


@pytest.fixture(autouse=True)
def module_level_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Importing an items module builds its ``app`` over ``MICROREST_DB``: keep that in tmp."""
    monkeypatch.setenv("MICROREST_DB", str(tmp_path / "module-level.sqlite3"))
