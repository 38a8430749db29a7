"""Python types -> JSON Schema (the 2020-12 dialect OpenAPI 3.1 uses), with no dependency.

A schema source is a type (``int``, ``list[str]``, ``X | None``, ``Literal[...]``, an ``Enum``,
a dataclass, a ``TypedDict``) or a JSON Schema ``dict`` taken as it is. Dataclasses and
TypedDicts become named components (``#/components/schemas/<Name>``), so a type used by several
operations is written once.
"""

from __future__ import annotations

import dataclasses
import datetime
import enum
import types
import typing
import uuid
from collections.abc import Mapping, Sequence
from typing import (
    Any,
    NotRequired,
    Union,
    get_args,
    get_origin,
    get_type_hints,
    is_typeddict,
)

from ..errors import ConfigurationError

__all__ = ["SchemaRegistry"]

_SCALARS: dict[Any, dict[str, Any]] = {
    str: {"type": "string"},
    int: {"type": "integer"},
    float: {"type": "number"},
    bool: {"type": "boolean"},
    bytes: {"type": "string", "contentEncoding": "base64"},
    type(None): {"type": "null"},
    uuid.UUID: {"type": "string", "format": "uuid"},
    datetime.datetime: {"type": "string", "format": "date-time"},
    datetime.date: {"type": "string", "format": "date"},
}


class SchemaRegistry:
    """Turns schema sources into schemas and collects the named ones for ``components``."""

    def __init__(self) -> None:
        self.components: dict[str, dict[str, Any]] = {}
        self._owners: dict[str, object] = {}

    def schema(self, source: object) -> dict[str, Any]:
        """The JSON Schema of ``source``; ``ConfigurationError`` says what cannot be described."""
        if isinstance(source, Mapping):
            return dict(source)
        if source is Any or source is object:
            return {}
        if source in _SCALARS:
            return dict(_SCALARS[source])
        if isinstance(source, type) and issubclass(source, enum.Enum):
            return {"enum": [member.value for member in source]}
        if isinstance(source, type) and (dataclasses.is_dataclass(source) or is_typeddict(source)):
            return self._named(source)
        origin, args = get_origin(source), get_args(source)
        if origin is typing.Literal:
            return {"enum": list(args)}
        if origin is Union or origin is types.UnionType:
            return {"anyOf": [self.schema(arg) for arg in args]}
        if origin is typing.Annotated:
            return self.schema(args[0])
        if origin in (list, Sequence, set, frozenset) or source in (list, set, frozenset):
            schema: dict[str, Any] = {"type": "array"}
            if args:
                schema["items"] = self.schema(args[0])
            if origin in (set, frozenset):
                schema["uniqueItems"] = True
            return schema
        if origin is tuple:
            if len(args) == 2 and args[1] is Ellipsis:
                return {"type": "array", "items": self.schema(args[0])}
            return {
                "type": "array",
                "prefixItems": [self.schema(arg) for arg in args],
                "minItems": len(args),
                "maxItems": len(args),
            }
        if origin in (dict, Mapping) or source is dict:
            schema = {"type": "object"}
            if len(args) == 2 and args[1] is not Any:
                schema["additionalProperties"] = self.schema(args[1])
            return schema
        raise ConfigurationError(
            f"cannot describe {source!r} as JSON Schema; use a dataclass, a TypedDict, a "
            "builtin type or a JSON Schema dict"
        )

    def _named(self, cls: type) -> dict[str, Any]:
        name = cls.__name__
        owner = self._owners.get(name)
        if owner is not None and owner is not cls:
            name = f"{cls.__module__}.{cls.__qualname__}".replace(".", "_")
        ref = {"$ref": f"#/components/schemas/{name}"}
        if name in self._owners:
            return ref
        self._owners[name] = cls
        self.components[name] = {}  # reserved first: a recursive type refers to itself
        hints = get_type_hints(cls, include_extras=True)
        properties: dict[str, Any] = {}
        required: list[str] = []
        if dataclasses.is_dataclass(cls):
            for field in dataclasses.fields(cls):
                properties[field.name] = self.schema(hints.get(field.name, Any))
                no_default = field.default is dataclasses.MISSING
                if no_default and field.default_factory is dataclasses.MISSING:
                    required.append(field.name)
        else:
            keys: frozenset[str] = getattr(cls, "__required_keys__", frozenset())
            for key, hint in hints.items():
                properties[key] = self.schema(_strip_required(hint))
                # Under postponed annotations the class cannot see NotRequired[...] itself.
                wrapper = get_origin(hint)
                if wrapper is typing.Required or (key in keys and wrapper is not NotRequired):
                    required.append(key)
        schema: dict[str, Any] = {"type": "object", "properties": properties}
        if required:
            schema["required"] = required
        doc = (cls.__doc__ or "").strip()
        if doc and not doc.startswith(f"{cls.__name__}("):  # not the dataclass default doc
            schema["description"] = doc
        self.components[name] = schema
        return ref


def _strip_required(hint: Any) -> Any:
    if get_origin(hint) in (typing.Required, typing.NotRequired):
        return get_args(hint)[0]
    return hint
