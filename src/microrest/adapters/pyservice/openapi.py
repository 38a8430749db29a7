"""What a pyservice operation tells the OpenAPI document (``route.openapi``, read by the core's
``microrest.openapi``): its call body, its answer, and its declared exceptions in the envelope.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .wire import ENVELOPE

__all__ = ["operation_openapi"]


def operation_openapi(api: Mapping[str, Any], debug: bool) -> dict[str, Any]:
    """The OpenAPI fields of one operation of the service described by ``api``."""
    declared = [str(name) for name in api.get("exceptions", ())]
    cls: dict[str, Any] = {"type": "string", "description": "The exception's class name."}
    if declared and not debug:
        cls["enum"] = declared
    envelope = {
        "type": "object",
        "required": [ENVELOPE],
        "properties": {
            ENVELOPE: {
                "type": "object",
                "required": ["cls", "args"],
                "properties": {"cls": cls, "args": {"type": "array"}},
            }
        },
        "additionalProperties": False,
    }
    raised = ", ".join(f"`{name}`" for name in declared) or "none"
    result = {
        "type": "object",
        "description": "The operation's response container.",
        "not": {"required": [ENVELOPE]},
    }
    return {
        "requestBody": {
            "description": "The operation's keyword arguments, as one JSON object.",
            "required": True,
            "content": {"application/json": {"schema": {"type": "object"}}},
        },
        "responses": {
            "200": {
                "description": (
                    "The response container, or a raised exception in the "
                    f"`{ENVELOPE}` envelope. Declared exceptions: {raised}"
                    + ("; in debug mode any exception travels so." if debug else ".")
                ),
                "content": {
                    "application/json": {"schema": {"oneOf": [result, envelope]}},
                },
            },
            "400": {"description": "The body is not a JSON object, or the call is malformed."},
            "413": {"description": "The call is larger than the service's body limit."},
            "415": {"description": "The body is not application/json."},
        },
        "x-pyservice-exceptions": declared,
    }
