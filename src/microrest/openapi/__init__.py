"""OpenAPI 3.1 for every style: the document from the one route table, and the API page.

``app.openapi()`` (or ``openapi_document(app)``) is the document; ``App(docs=True)`` or
``app.enable_docs()`` serves it at ``/openapi.json`` with Swagger UI at ``/docs``;
``microrest openapi module:app`` prints it. ``describe(...)`` adds what a handler's route and
annotations cannot say. ``docs/openapi.md`` explains how each style's routes are described.
"""

from __future__ import annotations

from .docs import enable_docs
from .document import OPENAPI_VERSION, openapi_document, render
from .metadata import describe
from .schemas import SchemaRegistry

__all__ = [
    "OPENAPI_VERSION",
    "SchemaRegistry",
    "describe",
    "enable_docs",
    "openapi_document",
    "render",
]
