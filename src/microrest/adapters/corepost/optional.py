"""Lazy imports of the optional extras (PyYAML, FormEncode) with an actionable error.

Importing them only when a YAML body or ``@validate`` needs them keeps the adapter usable,
and its import cheap, without the extras installed.
"""

from __future__ import annotations

import importlib
import warnings
from types import ModuleType

from ...errors import ConfigurationError

__all__ = ["load_formencode", "load_yaml_module"]

_HINT = "install it with: pip install 'microrest[formats]'"


def _load(module: str, package: str, purpose: str) -> ModuleType:
    try:
        with warnings.catch_warnings():
            # FormEncode 2.1 imports the deprecated ``cgi`` module; that is not our users' fault.
            warnings.simplefilter("ignore", DeprecationWarning)
            return importlib.import_module(module)
    except ImportError:
        raise ConfigurationError(
            f"{purpose} need {package}, which is not installed; {_HINT}"
        ) from None


def load_yaml_module(purpose: str) -> ModuleType:
    """PyYAML, or a ConfigurationError naming what needed it."""
    return _load("yaml", "PyYAML", purpose)


def load_formencode(purpose: str) -> ModuleType:
    """FormEncode, or a ConfigurationError naming what needed it."""
    return _load("formencode", "FormEncode", purpose)
