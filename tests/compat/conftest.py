"""Each compat test starts and ends with no hook and no legacy name imported."""

from __future__ import annotations

import sys
from collections.abc import Iterator

import pytest

from microrest import compat
from microrest.compat.aliases import top_level_names


def _forget_legacy() -> None:
    compat.uninstall()
    for name in list(sys.modules):
        if name.startswith("examples.legacy") or name.partition(".")[0] in top_level_names():
            del sys.modules[name]


@pytest.fixture(autouse=True)
def clean_imports(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("MICROREST_NO_SERVE", "1")  # an in-process start call returns at once
    _forget_legacy()
    yield
    _forget_legacy()
