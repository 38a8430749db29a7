"""The import hook: a ``MetaPathFinder`` that makes legacy names aliases of microrest modules.

An alias is the very module object (``import web`` gives ``microrest.adapters.webpy`` itself),
never a copy: ``web.HTTPError is microrest.adapters.webpy.HTTPError``, and state kept in a
module is kept once. A really installed package of a legacy name wins unless ``override``.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import sys
import types
import warnings
from collections.abc import Sequence

from .aliases import SHIM_PACKAGES, target_of

__all__ = ["AliasFinder", "AliasLoader", "CompatWarning", "ShimPackageLoader"]


class CompatWarning(UserWarning):
    """A legacy name that resolves differently from what ``microrest.compat`` would give."""


class AliasLoader(importlib.abc.Loader):
    """Hands the import system an existing module instead of executing one."""

    def __init__(self, target: str) -> None:
        self.target = target
        self._original_spec: importlib.machinery.ModuleSpec | None = None

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        module = importlib.import_module(self.target)
        self._original_spec = module.__spec__
        return module

    def exec_module(self, module: types.ModuleType) -> None:
        # The import system stamped the alias's spec on the real module; it keeps its own, so
        # reload() and pickling still see microrest's name.
        if self._original_spec is not None:
            module.__spec__ = self._original_spec


class ShimPackageLoader(importlib.abc.Loader):
    """``twisted``, ``twisted.web``, ``twisted.internet``: empty packages holding the shims."""

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        module = types.ModuleType(spec.name, f"microrest.compat's stand-in for {spec.name}.")
        module.__path__ = []
        return module

    def exec_module(self, module: types.ModuleType) -> None:
        module.__microrest_compat__ = True  # type: ignore[attr-defined]


class AliasFinder(importlib.abc.MetaPathFinder):
    """Finds legacy names (``microrest.compat.aliases``) and answers them with microrest's."""

    def __init__(self, *, override: bool = False) -> None:
        self.override = override
        self._checked: dict[str, bool] = {}  # top-level name -> aliased (no real package)

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None = None,
        target: types.ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        wanted = target_of(fullname)
        shim_package = fullname in SHIM_PACKAGES
        if wanted is None and not shim_package:
            return None
        top = fullname.partition(".")[0]
        if not self._aliased(top):
            return None
        if shim_package:
            return importlib.machinery.ModuleSpec(fullname, ShimPackageLoader(), is_package=True)
        assert wanted is not None
        try:
            found = importlib.util.find_spec(wanted)
        except ModuleNotFoundError:
            found = None
        if found is None:
            return None  # no such adapter module (yet): the import fails as it would anyway
        return importlib.machinery.ModuleSpec(
            fullname,
            AliasLoader(wanted),
            is_package=found.submodule_search_locations is not None,
        )

    def _aliased(self, top: str) -> bool:
        """Whether ``top`` is ours: it is unless a real package of that name is installed."""
        known = self._checked.get(top)
        if known is not None:
            return known
        real = _real_spec(top, self)
        if real is None:
            self._checked[top] = True
        elif self.override:
            warnings.warn(
                f"microrest.compat: an installed package {top!r} ({real.origin}) is shadowed "
                "by microrest's adapter because install(override=True) was asked",
                CompatWarning,
                stacklevel=2,
            )
            self._checked[top] = True
        else:
            warnings.warn(
                f"microrest.compat: an installed package {top!r} ({real.origin}) wins over "
                f"microrest's adapter; `import {top}` gives that package. Uninstall it, or "
                "call microrest.compat.install(override=True) (microrest run --compat "
                "--compat-override) to use the adapter",
                CompatWarning,
                stacklevel=2,
            )
            self._checked[top] = False
        return self._checked[top]


def _real_spec(name: str, skip: object) -> importlib.machinery.ModuleSpec | None:
    """The spec another finder on ``sys.meta_path`` gives ``name``, if any."""
    for finder in sys.meta_path:
        if finder is skip or isinstance(finder, AliasFinder):
            continue
        find = getattr(finder, "find_spec", None)
        if find is None:
            continue
        spec = find(name, None)
        if spec is not None:
            return spec  # type: ignore[no-any-return]
    return None
