"""The public face: ``microrest.__all__`` is sorted, complete, and every name imports."""

from __future__ import annotations

import importlib
import pkgutil
import re

import pytest

import microrest

EXPECTED = [
    "App",
    "BadRequest",
    "ClientDisconnect",
    "Concurrency",
    "ConfigurationError",
    "Conflict",
    "Converter",
    "FileResponse",
    "Forbidden",
    "HTMLResponse",
    "HTTPError",
    "InternalServerError",
    "JSONResponse",
    "Limits",
    "MethodNotAllowed",
    "MicrorestError",
    "Middleware",
    "NotAcceptable",
    "NotFound",
    "PayloadTooLarge",
    "PlainTextResponse",
    "RedirectResponse",
    "Request",
    "Response",
    "Route",
    "RouteConflict",
    "RouteInfo",
    "StaticFiles",
    "StreamingResponse",
    "Unauthorized",
    "UnsupportedMediaType",
    "WebSocket",
    "WebSocketDisconnect",
    "WebSocketRoute",
    "__version__",
    "register_converter",
    "render",
]

# What the core contract promises under ``microrest.errors``.
ERRORS = [
    "MicrorestError",
    "HTTPError",
    "BadRequest",
    "Unauthorized",
    "Forbidden",
    "NotFound",
    "MethodNotAllowed",
    "NotAcceptable",
    "Conflict",
    "PayloadTooLarge",
    "UnsupportedMediaType",
    "InternalServerError",
    "ClientDisconnect",
    "ConfigurationError",
    "RouteConflict",
]


def test_all_is_sorted() -> None:
    assert list(microrest.__all__) == sorted(microrest.__all__)


def test_all_is_exactly_the_expected_public_surface() -> None:
    assert sorted(microrest.__all__) == sorted(EXPECTED)


def test_every_name_imports() -> None:
    namespace: dict[str, object] = {}
    exec(f"from microrest import {', '.join(EXPECTED)}", namespace)
    for name in EXPECTED:
        assert namespace[name] is getattr(microrest, name)
    assert re.fullmatch(r"\d+\.\d+\.\d+", microrest.__version__)


def test_nothing_public_is_left_out() -> None:
    """No public name sits in the package namespace without being listed in ``__all__``."""
    stray = {
        name
        for name in vars(microrest)
        if not name.startswith("_")
        and name not in microrest.__all__
        and name != "annotations"  # from __future__ import annotations
        and not isinstance(getattr(microrest, name), type(microrest))  # submodules
    }
    assert stray == set()


def test_contract_errors_import_from_both_places() -> None:
    from microrest import errors

    for name in ERRORS:
        assert name in errors.__all__, name
        cls = getattr(errors, name)
        assert issubclass(cls, Exception)
        if name in EXPECTED:
            assert getattr(microrest, name) is cls


def core_modules() -> list[str]:
    names = ["microrest", "microrest.routing"]
    for info in pkgutil.iter_modules(microrest.__path__):
        if info.name not in ("adapters", "__main__", "routing"):
            names.append(f"microrest.{info.name}")
    routing = importlib.import_module("microrest.routing")
    names += [f"microrest.routing.{info.name}" for info in pkgutil.iter_modules(routing.__path__)]
    return names


def isort_key(name: str) -> tuple[int, str]:
    """ruff's RUF022 order: CONSTANTS, then Classes, then functions."""
    if name.isupper() or (name.upper() == name and "_" in name):
        return (0, name)
    return (1 if name[:1].isupper() else 2, name.lower())


@pytest.mark.parametrize("module_name", core_modules())
def test_core_modules_declare_sorted_importable_all(module_name: str) -> None:
    module = importlib.import_module(module_name)
    names = list(getattr(module, "__all__", []))
    assert names, f"{module_name} has no __all__"
    assert names in (sorted(names), sorted(names, key=isort_key)), names
    for name in names:
        assert hasattr(module, name), f"{module_name}.{name}"
