"""The seam: adapters reach the core through public names only, and never each other.

A public core name is a module whose dotted path has no ``_`` part and a name in that module's
``__all__``. The core itself imports no adapter, so a style can be removed without touching it.
"""

from __future__ import annotations

import ast
import importlib
import pathlib

import pytest

SRC = pathlib.Path(__file__).resolve().parents[2] / "src" / "microrest"
ADAPTERS = SRC / "adapters"


def _imports(path: pathlib.Path) -> list[tuple[int, str, list[str]]]:
    """(line, absolute module, names) for every import in ``path``."""
    package = ".".join(path.relative_to(SRC.parent).with_suffix("").parts[:-1])
    if path.name == "__init__.py":
        package = ".".join(path.relative_to(SRC.parent).parts[:-1])
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            found.append((node.lineno, module, [alias.name for alias in node.names]))
        elif isinstance(node, ast.Import):
            for alias in node.names:
                found.append((node.lineno, alias.name, []))
    return found


def _style_of(module: str) -> str | None:
    parts = module.split(".")
    if parts[:2] == ["microrest", "adapters"] and len(parts) > 2:
        return parts[2]
    return None


def _adapter_files() -> list[pathlib.Path]:
    return sorted(ADAPTERS.rglob("*.py"))


def _is_submodule(module: str, name: str) -> bool:
    try:
        importlib.import_module(f"{module}.{name}")
    except ImportError:
        return False
    return True


@pytest.mark.parametrize("path", _adapter_files(), ids=lambda p: str(p.relative_to(ADAPTERS)))
def test_adapters_import_only_public_core_names(path: pathlib.Path) -> None:
    own = _style_of(".".join(path.relative_to(SRC.parent).parts))
    problems = []
    for line, module, names in _imports(path):
        if not module.startswith("microrest"):
            continue
        style = _style_of(module)
        if style is not None:
            if style != own:
                problems.append(f"line {line}: imports another adapter, {module}")
            continue
        if module == "microrest.adapters":
            problems.append(f"line {line}: imports the adapters package")
            continue
        if any(part.startswith("_") for part in module.split(".")):
            problems.append(f"line {line}: imports private module {module}")
            continue
        public = set(getattr(importlib.import_module(module), "__all__", ()))
        for name in names:
            if name not in public and not _is_submodule(module, name):
                problems.append(f"line {line}: {module}.{name} is not in {module}.__all__")
    assert not problems, f"{path.relative_to(SRC)}:\n" + "\n".join(problems)


def test_the_core_imports_no_adapter() -> None:
    problems = []
    for path in sorted(SRC.rglob("*.py")):
        if ADAPTERS in path.parents:
            continue
        for line, module, names in _imports(path):
            if module.startswith("microrest.adapters") or (
                module == "microrest" and "adapters" in names
            ):
                problems.append(f"{path.relative_to(SRC)}:{line} imports {module}")
    assert not problems, "\n".join(problems)


def _adapter_packages() -> list[str]:
    return sorted(p.name for p in ADAPTERS.iterdir() if p.is_dir() and (p / "__init__.py").exists())


@pytest.mark.parametrize("style", _adapter_packages())
def test_each_adapter_package_has_an_exact_sorted_all(style: str) -> None:
    package = importlib.import_module(f"microrest.adapters.{style}")
    exported = package.__all__
    assert list(exported) == sorted(exported), "keep __all__ sorted"
    assert len(set(exported)) == len(exported)
    for name in exported:
        assert hasattr(package, name), f"{style}.__all__ names {name!r}, which is missing"
    defined = {
        name
        for name, value in vars(package).items()
        if not name.startswith("_")
        and getattr(value, "__module__", "").startswith(f"microrest.adapters.{style}")
        and not isinstance(value, type(package))
    }
    assert defined <= set(exported), f"public but not in __all__: {sorted(defined - set(exported))}"


def test_toolkit_all_is_sorted_and_importable() -> None:
    from microrest import toolkit

    assert toolkit.__all__ == sorted(toolkit.__all__, key=str)
    for name in toolkit.__all__:
        assert hasattr(toolkit, name)
