"""Which legacy import names stand for which microrest modules.

A legacy package name maps to an adapter package, and every submodule of it to the adapter's
submodule of the same name (``web.json`` is ``microrest.adapters.webpy.json``). The Twisted
names the CorePost README imports map to the CorePost adapter's shims; ``twisted``,
``twisted.web`` and ``twisted.internet`` themselves are empty shim packages holding them.
"""

from __future__ import annotations

__all__ = ["PACKAGES", "SHIM_PACKAGES", "SHIMS", "target_of", "top_level_names"]

# Legacy package -> adapter package; submodules follow by name.
PACKAGES = {
    "corepost": "microrest.adapters.corepost",
    "vestespy": "microrest.adapters.vestespy",
    "xio": "microrest.adapters.xio",
    "web": "microrest.adapters.webpy",
    "pyservice": "microrest.adapters.pyservice",
}
# Exact legacy module -> adapter module (no submodules follow).
SHIMS = {
    "twisted.web.resource": "microrest.adapters.corepost.resource",
    "twisted.web.server": "microrest.adapters.corepost.site",
    "twisted.internet.reactor": "microrest.adapters.corepost.reactor",
    "twisted.internet.defer": "microrest.adapters.corepost.defer",
}
# Parents of the shims: empty packages, so ``from twisted.internet import reactor`` works.
SHIM_PACKAGES = ("twisted", "twisted.web", "twisted.internet")


def target_of(fullname: str) -> str | None:
    """The microrest module ``fullname`` stands for, or None when it is no legacy name."""
    if fullname in SHIMS:
        return SHIMS[fullname]
    top, dot, rest = fullname.partition(".")
    package = PACKAGES.get(top)
    if package is None:
        return None
    return f"{package}.{rest}" if dot else package


def top_level_names() -> list[str]:
    return sorted({*PACKAGES, *(name.partition(".")[0] for name in SHIM_PACKAGES)})
