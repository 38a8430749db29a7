"""The showcase built fresh over a store in tmp (its module builds the app at import)."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from typing import Any

import pytest


@pytest.fixture(scope="module")
def showcase(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    path = tmp_path_factory.mktemp("showcase") / "items.sqlite3"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MICROREST_DB", str(path))
        sys.modules.pop("examples.showcase", None)
        module = importlib.import_module("examples.showcase")
        try:
            yield module.app
        finally:
            sys.modules.pop("examples.showcase", None)
