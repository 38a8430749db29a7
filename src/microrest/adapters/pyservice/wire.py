"""The wire format, both ends: a call's body, an answer's body, the exception envelope.

A call is ``POST`` of the JSON object of its keyword arguments. The answer is ``200`` with the
JSON object of the response container, or ``200`` with
``{"__exception__": {"cls": "<ClassName>", "args": [...]}}`` for a declared exception (or any
exception when the service is in debug mode).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any

from ...errors import BadRequest
from ...toolkit import json_dumps, json_loads

__all__ = ["ENVELOPE", "declared_name", "encode_exception", "parse_arguments"]

ENVELOPE = "__exception__"
_KINDS = {list: "an array", str: "a string", int: "a number", float: "a number", bool: "a boolean"}


def parse_arguments(body: bytes, max_depth: int) -> dict[str, Any]:
    """The call's keyword arguments: a JSON object, else a 400 that says what came instead."""
    arguments = json_loads(body, max_depth)
    if type(arguments) is not dict:
        kind = "null" if arguments is None else _KINDS.get(type(arguments), "not an object")
        raise BadRequest(
            f"the body must be a JSON object of the operation's keyword arguments, got {kind}"
        )
    return arguments


def declared_name(exc: BaseException, declared: Collection[str]) -> str | None:
    """The nearest class in ``exc``'s MRO whose name is declared, so a subclass of a declared
    exception travels as the declared one; None when nothing is declared."""
    for cls in type(exc).__mro__:
        if cls.__name__ in declared:
            return cls.__name__
        if cls is Exception or cls is BaseException:
            break
    return None


def _jsonable(args: Iterable[Any]) -> list[Any]:
    out = []
    for arg in args:
        try:
            json_dumps(arg)
        except (TypeError, ValueError):
            arg = str(arg)  # the message still reaches the client; the error path never fails
        out.append(arg)
    return out


def encode_exception(name: str, args: Iterable[Any]) -> bytes:
    return json_dumps({ENVELOPE: {"cls": name, "args": _jsonable(args)}})
