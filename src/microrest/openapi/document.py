"""The OpenAPI 3.1 document of an app: one walk over its one route table, every style included.

Each route gives its path and typed path parameters (``paths.py``), its methods, a tag named
after its style, a summary and description from its handler's docstring, and whatever its
handler (``describe``) or its adapter (``route.openapi``) adds: bodies, answers, exceptions.
"""

from __future__ import annotations

import inspect
import json
import re
import typing
from collections.abc import Callable, Mapping
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from ..errors import ConfigurationError
from ..responses import Response
from ..routing import Route
from .metadata import ATTRIBUTE
from .paths import PathShape, path_shape
from .schemas import SchemaRegistry

if TYPE_CHECKING:
    from ..app import App

__all__ = ["OPENAPI_VERSION", "STYLE_NOTES", "openapi_document", "render"]

OPENAPI_VERSION = "3.1.0"
# Every method an OpenAPI path item can hold, for routes that take any method ("*").
ANY_METHOD = ("get", "put", "post", "delete", "patch", "head", "options")
BODY_METHODS = frozenset({"post", "put", "patch"})
STYLE_NOTES = {
    "core": "microrest's own style: `App` decorators, handlers take a `Request`.",
    "corepost": "CorePost: `@route(url, methods)` handlers; path and query values are keyword "
    "arguments.",
    "vestespy": "VestesPy: a `Dispatcher` of URL regexes; a handler takes every method and "
    "switches on it itself.",
    "webpy": "web.py (fkmclane): `HTTPHandler` classes, one `do_<method>` per method, on "
    "regex routes.",
    "pyservice": "pyservice: RPC. Each operation is a POST of a JSON object of keyword "
    "arguments; a declared exception comes back as a 200 `__exception__` envelope.",
    "xio": "xio: resources bound to `:name` paths.",
}


def openapi_document(
    app: App | Any,
    *,
    title: str = "microrest API",
    version: str = "0.1.0",
    description: str | None = None,
) -> dict[str, Any]:
    """The document as a JSON-ready dict; the same one ``microrest openapi`` prints.

    ``app`` is an ``App`` or a style's main object (anything with ``__microrest_app__``).
    """
    from ..app import app_of

    core = app_of(app, "openapi_document()")
    builder = _Builder()
    for route in core.router.all_routes:
        builder.add(route)
    info: dict[str, Any] = {"title": title, "version": version}
    if description:
        info["description"] = description
    document: dict[str, Any] = {
        "openapi": OPENAPI_VERSION,
        "info": info,
        "tags": [
            {"name": style, "description": STYLE_NOTES.get(style, f"The {style} style's routes.")}
            for style in builder.styles
        ],
        "paths": builder.paths,
    }
    if builder.registry.components:
        document["components"] = {"schemas": builder.registry.components}
    return document


class _Builder:
    def __init__(self) -> None:
        self.paths: dict[str, dict[str, Any]] = {}
        self.styles: list[str] = []
        self.registry = SchemaRegistry()
        self._operation_ids: set[str] = set()

    def add(self, route: Route) -> None:
        meta = metadata_of(route)
        if not meta.get("include", True):
            return
        shape = path_shape(route)
        any_method = "*" in route.methods
        methods: tuple[str, ...] | list[str] = (
            ANY_METHOD if any_method else sorted((m.lower() for m in route.methods), key=_order)
        )
        if any_method and meta.get("methods"):
            methods = [str(method).lower() for method in meta["methods"]]
            any_method = False  # the handler said which methods it answers
        item = self.paths.setdefault(shape.path, {})
        for method in methods:
            if method not in ANY_METHOD or method in item:
                continue  # TRACE/CONNECT, or shadowed by an earlier route on the same path
            own = _method_metadata(route.source, method)  # a class's do_get has its own word
            if not own.get("include", True):
                continue
            merged = {**meta, **own}
            item[method] = self._operation(route, merged, shape, method, any_method)
        if not item:
            del self.paths[shape.path]

    def _operation(
        self, route: Route, meta: dict[str, Any], shape: PathShape, method: str, any_method: bool
    ) -> dict[str, Any]:
        style = route.style or "core"
        if style not in self.styles:
            self.styles.append(style)
        summary, description = _docstring(route.source, method)
        notes = [meta.get("description") or description]
        if shape.catch_all is not None:
            notes.append(
                f"A catch-all: this route answers every path it reaches that matches the regular "
                f"expression `{shape.catch_all}`, including paths no other route takes."
            )
        if any_method:
            notes.append(
                "This route takes any HTTP method; its handler decides what each one does, so "
                "the methods listed for this path are all the ones OpenAPI can name."
            )
        operation: dict[str, Any] = {"tags": list(meta.get("tags") or [style])}
        title = meta.get("summary") or summary or _default_summary(route, method)
        if title:
            operation["summary"] = title
        text = "\n\n".join(note for note in notes if note)
        if text:
            operation["description"] = text
        operation["operationId"] = self._operation_id(route, meta, method, any_method)
        parameters = [dict(parameter) for parameter in shape.parameters]
        for name, source in (meta.get("query") or {}).items():
            parameters.append({"name": name, "in": "query", "schema": self._schema(source)})
        parameters.extend(dict(parameter) for parameter in meta.get("parameters") or ())
        if parameters:
            operation["parameters"] = parameters
        body = self._request_body(meta, method)
        if body is not None:
            operation["requestBody"] = body
        operation["responses"] = self._responses(route, meta, method, bool(shape.parameters))
        if meta.get("deprecated"):
            operation["deprecated"] = True
        for key, value in meta.items():
            if key.startswith("x-"):  # specification extensions pass through
                operation[key] = value
        if shape.catch_all is not None:
            operation["x-microrest-regex"] = shape.catch_all
        if any_method:
            operation["x-microrest-any-method"] = True
        return operation

    def _schema(self, source: object) -> dict[str, Any]:
        return self.registry.schema(source)

    def _operation_id(
        self, route: Route, meta: dict[str, Any], method: str, any_method: bool
    ) -> str:
        wanted = meta.get("operationId")
        if wanted is None:
            name = route.name or _name_of(route.source)
            wanted = f"{route.style or 'core'}_{name}"
            if any_method or isinstance(route.source, type) or len(route.methods) > 1:
                wanted += f"_{method}"
        wanted = re.sub(r"[^A-Za-z0-9_.-]+", "_", str(wanted))
        candidate, number = wanted, 1
        while candidate in self._operation_ids:
            number += 1
            candidate = f"{wanted}_{number}"
        self._operation_ids.add(candidate)
        return candidate

    def _request_body(self, meta: dict[str, Any], method: str) -> dict[str, Any] | None:
        if "body" in meta:  # the handler's own word first
            media = meta.get("media_type", "application/json")
            return {
                "required": bool(meta.get("body_required", True)),
                "content": {media: {"schema": self._schema(meta["body"])}},
            }
        if "requestBody" in meta:
            return dict(meta["requestBody"])
        if method in BODY_METHODS:
            return {
                "description": "The handler does not describe its body; JSON is assumed.",
                "required": False,
                "content": {"application/json": {"schema": {}}},
            }
        return None

    def _responses(
        self, route: Route, meta: dict[str, Any], method: str, has_path_params: bool
    ) -> dict[str, Any]:
        responses: dict[str, Any] = {}
        declared: Mapping[Any, Any] | None = meta.get("responses")
        if declared is not None:
            for status, source in declared.items():
                responses[str(status)] = self._response(status, source)
        else:
            responses.update(self._from_annotation(route, method))
        if has_path_params:
            responses.setdefault(
                "404", {"description": "No such resource, or a path parameter does not convert."}
            )
        if "requestBody" in meta or "body" in meta:
            for status in (400, 413, 415):
                responses.setdefault(str(status), {"description": _phrase(status)})
        responses["default"] = {
            "description": f"Any other answer, such as an error in the {route.style} style's "
            "format (see the style's documentation)."
        }
        return responses

    def _response(self, status: int | str, source: object) -> dict[str, Any]:
        if isinstance(source, Mapping) and "description" in source:
            return dict(source)
        response: dict[str, Any] = {"description": _phrase(status)}
        if source is not None:
            response["content"] = {"application/json": {"schema": self._schema(source)}}
        return response

    def _from_annotation(self, route: Route, method: str) -> dict[str, Any]:
        """The success answer the handler's return annotation promises, if it says one."""
        target = route.source
        if isinstance(target, type) or not callable(target):
            target = _method_of(target, method)
        unknown = {"200": {"description": "Success."}}
        if target is None:
            return unknown
        try:
            hints = typing.get_type_hints(inspect.unwrap(target))
        except Exception:  # an unresolvable forward reference: describe nothing rather than fail
            return unknown
        if "return" not in hints:
            return unknown
        answer = hints["return"]
        if answer is None or answer is type(None):
            return {"204": {"description": "No Content."}}
        if answer is typing.Any or (isinstance(answer, type) and issubclass(answer, Response)):
            return unknown
        try:
            schema = self._schema(answer)
        except ConfigurationError:
            return unknown  # a response class or another type that is not a JSON shape
        return {"200": {"description": "OK.", "content": {"application/json": {"schema": schema}}}}


def metadata_of(route: Route) -> dict[str, Any]:
    """The adapter's ``route.openapi``, overridden by ``describe()`` data on the handler."""
    meta: dict[str, Any] = {}
    adapter = getattr(route, "openapi", None)
    if isinstance(adapter, Mapping):
        meta.update(adapter)
    for target in (route.endpoint, route.source):
        found = getattr(inspect.unwrap(target) if callable(target) else target, ATTRIBUTE, None)
        if isinstance(found, dict):
            meta.update(found)
    return meta


def _method_metadata(source: object, method: str) -> dict[str, Any]:
    """``describe()`` data on a handler class's method for ``method`` (web.py's ``do_put``)."""
    if not isinstance(source, type):
        return {}
    handler = _method_of(source, method)
    found = getattr(handler, ATTRIBUTE, None) if handler is not None else None
    return dict(found) if isinstance(found, dict) else {}


def _method_of(source: object, method: str) -> Callable[..., Any] | None:
    """A class's handler for ``method``: ``do_get``, ``get``, ``on_get`` or ``GET``."""
    for name in (f"do_{method}", method, f"on_{method}", method.upper()):
        found = getattr(source, name, None)
        if callable(found) and not _ours(found):
            return found  # type: ignore[no-any-return]
    return None


def _ours(obj: object) -> bool:
    """True for microrest's own classes and functions, whose docstrings describe the framework."""
    module = getattr(obj, "__module__", "") or ""
    return module == "microrest" or module.startswith("microrest.")


def _docstring(source: object, method: str) -> tuple[str | None, str | None]:
    doc: str | None = None
    if isinstance(source, type):
        handler = _method_of(source, method)
        doc = handler.__doc__ if handler is not None else None
        if not doc and not _ours(source):
            doc = source.__doc__
    elif not _ours(source):
        target = getattr(source, "__func__", source)
        doc = getattr(target, "__doc__", None)
    if not doc:
        return None, None
    text = inspect.cleandoc(doc)
    first, _, rest = text.partition("\n\n")
    return " ".join(first.split()), rest.strip() or None


def _name_of(source: object) -> str:
    name = getattr(source, "__name__", None) or type(source).__name__
    return str(name)


def _order(method: str) -> int:
    """Methods in the order people read them: GET, PUT, POST, DELETE, PATCH, HEAD, OPTIONS."""
    return ANY_METHOD.index(method) if method in ANY_METHOD else len(ANY_METHOD)


def _default_summary(route: Route, method: str) -> str | None:
    """``list_items`` -> "List items"; a class's handler method -> ``Item.do_get``."""
    source = route.source
    if isinstance(source, type):
        handler = _method_of(source, method)
        return f"{source.__name__}.{handler.__name__}" if handler is not None else None
    name = route.name or getattr(source, "__name__", None)
    if not name or not str(name).strip("_"):
        return None
    words = str(name).strip("_").replace("_", " ")
    return words[:1].upper() + words[1:]


def _phrase(status: int | str) -> str:
    try:
        return HTTPStatus(int(status)).phrase + "."
    except ValueError:
        return "Answer."


def render(document: dict[str, Any], *, as_yaml: bool = False) -> str:
    """The document as JSON text, or YAML (needs PyYAML: ``pip install microrest[formats]``)."""
    if not as_yaml:
        return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    try:
        import yaml
    except ImportError:
        raise ConfigurationError(
            "--yaml needs PyYAML: pip install 'microrest[formats]' (or pip install PyYAML)"
        ) from None
    return str(yaml.safe_dump(document, sort_keys=False, allow_unicode=True))
