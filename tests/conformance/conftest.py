"""The ``service`` fixture: every test of this directory runs against every target."""

from __future__ import annotations

import contextlib
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from examples.store import ItemStore, PostgresItemStore
from tests.conformance.services import TARGETS, Service, build
from tests.services import postgres_server

from microrest.testing import Client

# Every conformance test runs on the embedded default and on a PostgreSQL server.
STORES = ["sqlite", "postgresql"]


@pytest.fixture(scope="session")
def empty_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An initialised, empty store file: copying it is much cheaper than creating one."""
    path = tmp_path_factory.mktemp("template") / "items.sqlite3"
    ItemStore(str(path))
    return path


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """One throwaway PostgreSQL server for the session (installed by the set-up if missing)."""
    with contextlib.ExitStack() as stack:
        try:
            url = stack.enter_context(postgres_server())
        except (RuntimeError, OSError, subprocess.SubprocessError) as exc:
            pytest.skip(f"PostgreSQL cannot be run here: {exc}")
        yield url


@pytest.fixture(params=STORES)
def db(request: pytest.FixtureRequest, empty_db: Path, tmp_path: Path) -> str:
    """A fresh, empty store for one test: a copied SQLite file, or an emptied PostgreSQL table."""
    if request.param == "sqlite":
        path = tmp_path / "items.sqlite3"
        shutil.copyfile(empty_db, path)
        return str(path)
    url: str = request.getfixturevalue("postgres_url")
    store = ItemStore(url)
    assert isinstance(store, PostgresItemStore)
    store.clear()
    store.close()
    return url


@pytest.fixture(params=TARGETS)
def service(
    request: pytest.FixtureRequest, db: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Service]:
    app, prefix, store = build(request.param, db, monkeypatch)
    with Client(app) as client:
        yield Service(request.param, client, prefix, store)


@pytest.fixture(autouse=True)
def module_level_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Importing an items module builds its ``app`` over ``MICROREST_DB``: keep that in tmp."""
    monkeypatch.setenv("MICROREST_DB", str(tmp_path / "module-level.sqlite3"))
