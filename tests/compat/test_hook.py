"""The import hook: legacy names are the adapter modules themselves, installed packages win."""

from __future__ import annotations

import importlib
import pickle
import sys
import textwrap
from pathlib import Path

import pytest

from microrest import compat
from microrest.compat import CompatWarning


def test_legacy_names_are_the_adapter_modules_not_copies() -> None:
    compat.install()
    import corepost
    import corepost.enums
    import corepost.web
    import pyservice
    import vestespy
    import vestespy.tools
    import web
    import web.file
    import web.json

    import microrest.adapters.corepost as real_corepost
    import microrest.adapters.webpy as real_web

    assert corepost is real_corepost
    assert corepost.web is sys.modules["microrest.adapters.corepost.web"]
    assert corepost.enums.Http is real_corepost.enums.Http
    assert web is real_web and web.json is sys.modules["microrest.adapters.webpy.json"]
    assert web.file is sys.modules["microrest.adapters.webpy.file"]
    assert vestespy.tools is sys.modules["microrest.adapters.vestespy.tools"]
    assert pyservice.Service is sys.modules["microrest.adapters.pyservice"].Service
    # the adapter keeps its own identity: its spec, and pickling by its real name
    assert web.__spec__.name == "microrest.adapters.webpy"
    assert pickle.loads(pickle.dumps(web.HTTPError)) is real_web.HTTPError
    assert importlib.reload(web) is real_web


def test_twisted_names_are_the_corepost_shims() -> None:
    compat.install()
    import twisted.internet.reactor
    from twisted.internet import defer, reactor
    from twisted.web.resource import Resource
    from twisted.web.server import Site

    import microrest.adapters.corepost as cp

    assert reactor is cp.reactor is twisted.internet.reactor
    assert defer is cp.defer
    assert (Resource, Site) == (cp.Resource, cp.Site)
    with pytest.raises(ModuleNotFoundError):
        import twisted.python  # noqa: F401 - not a shim: no stand-in pretends to be Twisted


def test_an_unknown_submodule_is_not_found() -> None:
    compat.install()
    with pytest.raises(ModuleNotFoundError):
        import web.no_such_module  # noqa: F401


def test_without_the_hook_legacy_names_do_not_import() -> None:
    with pytest.raises(ModuleNotFoundError):
        import corepost  # noqa: F401


def test_uninstall_forgets_the_legacy_names() -> None:
    compat.install()
    import web  # noqa: F401

    compat.uninstall()
    assert "web" not in sys.modules and compat.installed() is None
    assert "microrest.adapters.webpy" in sys.modules  # the adapter itself stays


def test_install_is_idempotent() -> None:
    first = compat.install()
    assert compat.install() is first
    assert sum(isinstance(f, compat.AliasFinder) for f in sys.meta_path) == 1


@pytest.fixture
def installed_web(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A really installed package named ``web`` (web.py's PyPI name) on sys.path."""
    package = tmp_path / "web"
    package.mkdir()
    (package / "__init__.py").write_text(textwrap.dedent('REAL = "the installed web"\n'))
    monkeypatch.syspath_prepend(str(tmp_path))
    return package


def test_an_installed_package_wins_with_a_warning(installed_web: Path) -> None:
    compat.install()
    with pytest.warns(CompatWarning, match=r"installed package 'web' .* wins.*override=True"):
        import web
    assert web.REAL == "the installed web"
    import corepost  # other names are still aliased

    assert corepost.__name__ == "microrest.adapters.corepost"


def test_override_aliases_over_an_installed_package(installed_web: Path) -> None:
    compat.install(override=True)
    with pytest.warns(CompatWarning, match=r"installed package 'web' .* is shadowed"):
        import web
    assert web.__name__ == "microrest.adapters.webpy"


def test_a_legacy_name_imported_before_install_is_named(installed_web: Path) -> None:
    import web  # the installed one, before the hook

    with pytest.warns(CompatWarning, match=r"'web' was imported before install\(\)"):
        compat.install()
    assert sys.modules["web"] is web
