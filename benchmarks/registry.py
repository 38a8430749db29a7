"""Find the benchmark app modules (``benchmarks/apps/*.py``) and import the ones that can be.

A framework that is not installed is skipped with the reason, never an error: CI installs only
the test extra, the full comparison needs the ``bench`` extra.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent
APPS_DIR = Path(__file__).resolve().parent / "apps"

#: Display order: the baseline, microrest and its styles, then the others fastest first.
PREFERRED = ["raw", "microrest", "falcon", "blacksheep", "litestar", "starlette", "fastapi"]


def ensure_importable() -> None:
    """Make ``import benchmarks`` work when a script is run as ``python benchmarks/x.py``."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))


def _order(name: str) -> tuple[int, str]:
    if name in PREFERRED:
        return (PREFERRED.index(name) * 2, name)
    if name.startswith("microrest_"):
        return (PREFERRED.index("microrest") * 2 + 1, name)
    return (len(PREFERRED) * 2, name)


def app_names() -> list[str]:
    """Every app module's name, in display order."""
    names = [p.stem for p in APPS_DIR.glob("*.py") if not p.stem.startswith("_")]
    return sorted(names, key=_order)


def load(name: str) -> ModuleType:
    """Import ``benchmarks.apps.<name>`` (ImportError if its framework is missing)."""
    ensure_importable()
    return importlib.import_module(f"benchmarks.apps.{name}")


def load_available(names: list[str] | None = None) -> tuple[dict[str, ModuleType], dict[str, str]]:
    """(importable modules by name, skipped names with the reason)."""
    modules: dict[str, ModuleType] = {}
    skipped: dict[str, str] = {}
    for name in names or app_names():
        try:
            modules[name] = load(name)
        except ImportError as exc:
            skipped[name] = f"{type(exc).__name__}: {exc}"
    return modules, skipped
