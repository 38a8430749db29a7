"""The ``api`` dict both ``Service(**api)`` and ``Client(**api)`` take: defaults and URLs.

pyservice 0.8.0's README dialect: ``endpoint.path`` is a template with ``{version}`` (any
top-level api key, in fact) and ``{operation}``; ``endpoint.pattern`` (the 2015 spelling) is
accepted as an alias. Missing top-level keys get 0.8.0's defaults; a user's ``endpoint`` dict
is not merged with the default one, as in the original, but a missing ``path`` is a clear
error here instead of a ``KeyError``.
"""

from __future__ import annotations

import copy
import string
from collections.abc import Mapping
from typing import Any

from ...errors import ConfigurationError

__all__ = [
    "DEFAULT_API",
    "OPERATION",
    "load_api",
    "operation_path",
    "path_template",
    "uri_template",
]

DEFAULT_API: dict[str, Any] = {
    "version": "0",
    "timeout": 60,
    "debug": False,
    "endpoint": {
        "scheme": "https",
        "host": "localhost",
        "port": 8080,
        "path": "/api/{version}/{operation}",
    },
    "operations": [],
    "exceptions": [],
}

OPERATION = "{operation}"
_FORMATTER = string.Formatter()


def load_api(api: Mapping[str, Any]) -> dict[str, Any]:
    """A deep copy of ``api`` with 0.8.0's defaults for missing top-level keys; checked."""
    loaded = copy.deepcopy(dict(api))
    for key, default in DEFAULT_API.items():
        loaded.setdefault(key, copy.deepcopy(default))
    endpoint = loaded["endpoint"]
    if not isinstance(endpoint, Mapping):
        raise ConfigurationError(f"api['endpoint'] must be a dict, got {endpoint!r}")
    if "path" not in endpoint and "pattern" not in endpoint:
        raise ConfigurationError(
            "api['endpoint'] needs a 'path' (or 'pattern'), e.g. '/api/{version}/{operation}'"
        )
    for key in ("operations", "exceptions"):
        names = loaded[key]
        if isinstance(names, str) or not all(isinstance(name, str) for name in names):
            raise ConfigurationError(
                f"api[{key!r}] must be a list of names (strings), got {names!r}"
            )
    for name in loaded["operations"]:
        if not name or "/" in name or "{" in name or "}" in name:
            raise ConfigurationError(
                f"operation name {name!r} cannot be part of a URL path: use letters, digits, "
                "'_' or '-'"
            )
    return loaded


class _Keys(dict[str, Any]):
    """Top-level api values for ``str.format_map``; ``{operation}`` stays a placeholder."""

    def __missing__(self, key: str) -> Any:
        if key == "operation":
            return OPERATION
        raise ConfigurationError(
            f"the endpoint template names {{{key}}}, which is not a key of the api dict; "
            "use {operation} or a top-level key such as {version}"
        )


def _fill(template: str, api: Mapping[str, Any]) -> str:
    keys = _Keys({k: v for k, v in api.items() if isinstance(k, str) and k != "operation"})
    for _, field, spec, conversion in _FORMATTER.parse(template):
        if field is not None and field != "operation" and (spec or conversion):
            raise ConfigurationError(f"endpoint placeholder {{{field}}} takes no format spec")
    try:
        return template.format_map(keys)
    except (ValueError, IndexError) as exc:
        raise ConfigurationError(f"endpoint template {template!r}: {exc}") from None


def path_template(api: Mapping[str, Any]) -> str:
    """The endpoint path with every key but ``{operation}`` filled: ``/api/0/{operation}``."""
    endpoint = api["endpoint"]
    raw = endpoint.get("path", endpoint.get("pattern"))
    if not isinstance(raw, str) or not raw.startswith("/"):
        raise ConfigurationError(f"endpoint path must be a string starting with '/', got {raw!r}")
    path = _fill(raw, api)
    if path.count(OPERATION) != 1:
        raise ConfigurationError(
            f"endpoint path {raw!r} must contain {OPERATION} exactly once, e.g. "
            "'/api/{version}/{operation}'"
        )
    return path


def operation_path(api: Mapping[str, Any], operation: str) -> str:
    """The path one operation is served at: ``/api/0/get_item``."""
    path = path_template(api).replace(OPERATION, operation)
    if "{" in path or "}" in path:
        raise ConfigurationError(
            f"endpoint path {path!r} has a brace left after filling it; the core cannot route it"
        )
    return path


def uri_template(api: Mapping[str, Any]) -> str:
    """The client's URL with ``{operation}`` left: ``http://localhost:8080/api/0/{operation}``."""
    endpoint = api["endpoint"]
    missing = [key for key in ("scheme", "host", "port") if key not in endpoint]
    if missing:
        raise ConfigurationError(f"api['endpoint'] must specify {missing[0]!r} for a client")
    base = f"{endpoint['scheme']}://{endpoint['host']}:{endpoint['port']}"
    return _fill(base, api) + path_template(api)
