"""Unmodified legacy code on microrest: ``import corepost``, ``import web``... resolve to the
adapters, through an import hook (aliases of the adapter modules, not copies).

``install()`` puts the hook first on ``sys.meta_path``; ``python -m microrest.compat script.py``
runs a legacy script with it, and ``microrest run --compat module:app`` serves a legacy module.
The names: ``corepost`` (and ``corepost.web``, ``corepost.enums``, every ``corepost.X``),
``vestespy`` (``vestespy.tools``), ``xio``, ``web`` (``web.file``, ``web.json``...),
``pyservice``, and the Twisted modules the CorePost README imports: ``twisted.web.resource``,
``twisted.web.server``, ``twisted.internet.reactor``, ``twisted.internet.defer``.

A really installed package of one of these names wins, with a ``CompatWarning`` saying so,
unless ``install(override=True)``. ``docs/migration.md`` shows it at work.
"""

from __future__ import annotations

import sys
import warnings

from .aliases import PACKAGES, SHIM_PACKAGES, SHIMS, target_of, top_level_names
from .finder import AliasFinder, CompatWarning

__all__ = [
    "OVERRIDE_ENV",
    "PACKAGES",
    "SHIMS",
    "SHIM_PACKAGES",
    "TARGET_ENV",
    "AliasFinder",
    "CompatWarning",
    "install",
    "installed",
    "target_of",
    "uninstall",
]

# ``microrest run --compat --workers N``: what each worker (``microrest.compat.workers``) loads.
TARGET_ENV = "MICROREST_COMPAT_TARGET"
OVERRIDE_ENV = "MICROREST_COMPAT_OVERRIDE"


def installed() -> AliasFinder | None:
    """The installed hook, or None."""
    for finder in sys.meta_path:
        if isinstance(finder, AliasFinder):
            return finder
    return None


def install(*, override: bool = False) -> AliasFinder:
    """Make the legacy names importable; calling it again only updates ``override``."""
    finder = installed()
    if finder is not None:
        if finder.override != override:
            uninstall()
        else:
            return finder
    finder = AliasFinder(override=override)
    sys.meta_path.insert(0, finder)
    for name in top_level_names():
        module = sys.modules.get(name)
        if module is not None and not _ours(module):
            warnings.warn(
                f"microrest.compat: {name!r} was imported before install() from "
                f"{getattr(module, '__file__', None) or module!r}; that module stays what "
                f"`import {name}` gives. Call install() before importing the legacy code",
                CompatWarning,
                stacklevel=2,
            )
    return finder


def _ours(module: object) -> bool:
    return str(getattr(module, "__name__", "")).startswith("microrest.") or bool(
        getattr(module, "__microrest_compat__", False)
    )


def uninstall() -> None:
    """Remove the hook and forget the legacy names it gave (the adapters stay imported)."""
    sys.meta_path[:] = [f for f in sys.meta_path if not isinstance(f, AliasFinder)]
    tops = set(top_level_names())
    for name in list(sys.modules):
        if name.partition(".")[0] not in tops:
            continue
        if _ours(sys.modules[name]):
            del sys.modules[name]
