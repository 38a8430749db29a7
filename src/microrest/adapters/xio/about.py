"""A handler's docstring as xio's "about" document, and the checks it declares.

xio read each handler's docstring as YAML: ``options`` (the methods the resource accepts),
``input: params:`` (required, typed or patterned parameters), ``methods`` (per-method specs),
``description``. A request for the resource itself (empty ``req.path``) is checked against it:
405 for a method not in ``options``, 400 for a missing, wrongly typed or wrongly formatted
parameter. Query strings are text, so typed parameters are converted before the check (the
original compared ``isinstance`` on the raw string, which made every typed parameter fail over
HTTP). PyYAML is optional (``pip install microrest[formats]``): without it a docstring that
declares any of these keys is refused at registration with a message saying so.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Mapping
from typing import Any

from ...errors import ConfigurationError

__all__ = ["STANDARD_METHODS", "XioError", "about_of", "allowed_methods", "check_request"]

STANDARD_METHODS = frozenset(
    {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "CONNECT"}
)
# Methods every resource answers whatever its options say: they describe, they never act.
_DESCRIBING = frozenset({"ABOUT", "API"})
_YAML_KEYS = re.compile(r"^\s*(options|input|methods|tests|version)\s*:", re.MULTILINE)


class XioError(Exception):
    """An answer decided before or instead of a handler: ``XioError(status, *message)``.

    It is what ``raise Exception(404, "msg")`` becomes; ``str()`` is the wire body,
    ``"404 msg"``, the status and the arguments joined by spaces as the original did.
    """

    def __init__(self, status: int, *message: Any) -> None:
        super().__init__(status, *message)
        self.status = status
        self.body = " ".join(str(part) for part in (status, *message))


def about_of(handler: Callable[..., Any]) -> dict[str, Any]:
    """The about document of ``handler``: its docstring's YAML mapping, or a description."""
    doc = inspect.getdoc(handler)
    if not doc:
        return {}
    declares = _YAML_KEYS.search(doc) is not None
    try:
        import yaml
    except ImportError:
        if declares:
            raise ConfigurationError(
                f"{getattr(handler, '__qualname__', handler)!r} declares xio options or "
                "parameters in its docstring, which is YAML: install PyYAML "
                "(pip install 'microrest[formats]') or remove them from the docstring"
            ) from None
        return {"description": doc}
    try:
        parsed = yaml.safe_load(doc)
    except yaml.YAMLError as exc:
        if declares:
            raise ConfigurationError(
                f"the docstring of {getattr(handler, '__qualname__', handler)!r} declares xio "
                f"options or parameters but is not valid YAML: {exc}"
            ) from None
        return {"description": doc}
    if not isinstance(parsed, dict):
        return {"description": doc}
    about = {str(key): value for key, value in parsed.items()}
    if "options" in about:
        about["options"] = sorted(_method_set(about["options"]))
    return about


def _method_set(value: Any) -> set[str]:
    if isinstance(value, str):
        return {part.strip().upper() for part in value.split(",") if part.strip()}
    if isinstance(value, (list, tuple, set)):
        return {str(part).strip().upper() for part in value if str(part).strip()}
    raise ConfigurationError(f"xio 'options' must be a comma-separated string or a list: {value!r}")


def allowed_methods(about: Mapping[str, Any]) -> frozenset[str] | None:
    """The methods ``options`` declares, or None when the resource takes any method."""
    options = about.get("options")
    return None if options is None else frozenset(options)


def allow_header(options: frozenset[str]) -> str:
    """The ``Allow`` value for declared options: the standard methods, HEAD with GET."""
    methods = {method for method in options if method in STANDARD_METHODS}
    if "GET" in methods:
        methods.add("HEAD")
    methods.add("OPTIONS")
    return ", ".join(sorted(methods))


def _params(about: Mapping[str, Any], method: str) -> list[Mapping[str, Any]]:
    found: list[Mapping[str, Any]] = []
    for spec in (about, (about.get("methods") or {}).get(method) or {}):
        if not isinstance(spec, Mapping):
            continue
        params = (spec.get("input") or {}).get("params") if isinstance(spec, Mapping) else None
        if isinstance(params, list):
            found.extend(param for param in params if isinstance(param, Mapping))
    return found


_CONVERTERS: dict[str, tuple[type | tuple[type, ...], Callable[[str], Any]]] = {
    "integer": (int, int),
    "int": (int, int),
    "float": ((int, float), float),
    "number": ((int, float), float),
}


def check_request(about: Mapping[str, Any], method: str, inputs: Any) -> None:
    """Raise ``XioError`` (405 or 400) when the request breaks what ``about`` declares.

    ``method`` is the effective method (the custom method when there is one). Converted
    values and defaults are written back into ``inputs`` (``req.input``) so the handler sees
    the checked values.
    """
    options = allowed_methods(about)
    if options is not None and method not in options and method not in _DESCRIBING:
        raise XioError(405)
    params = _params(about, method)
    if not params:
        return
    values = inputs if isinstance(inputs, dict) else {}
    for param in params:
        name = str(param.get("name", ""))
        value = values.get(name)
        if value in (None, "") and "default" in param:
            value = param["default"]
            if isinstance(inputs, dict):
                inputs[name] = value
        if value in (None, ""):
            if param.get("required"):
                raise XioError(400, "Missing required parameter :", name)
            continue
        kind = param.get("type")
        if kind in _CONVERTERS:
            accepted, convert = _CONVERTERS[kind]
            if isinstance(value, str):
                try:
                    value = convert(value.strip())
                except ValueError:
                    raise XioError(400, "Wrong datatype parameter :", name) from None
                if isinstance(inputs, dict):
                    inputs[name] = value
            elif isinstance(value, bool) or not isinstance(value, accepted):
                raise XioError(400, "Wrong datatype parameter :", name)
        pattern = param.get("pattern")
        if pattern and re.fullmatch(str(pattern), str(value)) is None:
            raise XioError(400, "Wrong format parameter :", name)
