"""The services under test: every style's items app alone, and each mounted in the showcase.

``TARGETS`` is derived from ``examples.items.STYLES``: a new style is one entry there (and its
module), and every conformance test runs against it, alone and under its showcase prefix.
Every test gets a fresh SQLite file; ``MICROREST_DB`` is set before any example is imported,
so no module-level store lands in the working directory.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from examples.items import STYLES
from examples.store import ItemStore
from tests.conformance.rpc import RestOverRpc, RestView, rest_view

from microrest.testing import Client

__all__ = ["TARGETS", "Service", "build", "showcase"]

TARGETS = [*STYLES, *(f"showcase:{style}" for style in STYLES)]


@dataclass
class Service:
    """One items service as the tests see it: a client, its URL prefix and the store behind it."""

    name: str
    client: Client
    prefix: str
    store: ItemStore

    @property
    def style(self) -> str:
        return self.name.rpartition(":")[2]

    @property
    def view(self) -> RestView | RestOverRpc:
        """The items contract as this style speaks it (RPC styles: one call per request)."""
        return rest_view(self.client, self.style, self.prefix)

    @property
    def rpc(self) -> bool:
        return isinstance(self.view, RestOverRpc)

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        return self.view.request(method, path, **kwargs)

    def put(self, key: str, value: Any) -> Any:
        return self.request("PUT", f"/items/{key}", json=value)


def showcase(db: str | Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The showcase module rebuilt over ``db`` (its store is made at import, from the env)."""
    monkeypatch.setenv("MICROREST_DB", str(db))
    return importlib.reload(importlib.import_module("examples.showcase"))


def build(target: str, db: str, monkeypatch: pytest.MonkeyPatch) -> tuple[Any, str, ItemStore]:
    monkeypatch.setenv("MICROREST_DB", str(db))
    if target.startswith("showcase:"):
        module = showcase(db, monkeypatch)
        return module.app, module.PREFIXES[target.partition(":")[2]], module.store
    store = ItemStore(str(db))
    return importlib.import_module(f"examples.items.{target}").make_app(store), "", store
