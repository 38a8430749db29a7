"""Routing: templates and converters, the route record, and the compiled matcher."""

from __future__ import annotations

from .converters import CONVERTERS, Converter, register_converter
from .matcher import Hit, Miss, Resolution, ResolutionKind, Router
from .route import HTTP_METHODS, Route, RouteInfo, TrailingSlash
from .templates import Template, parse_template

__all__ = [
    "CONVERTERS",
    "HTTP_METHODS",
    "Converter",
    "Hit",
    "Miss",
    "Resolution",
    "ResolutionKind",
    "Route",
    "RouteInfo",
    "Router",
    "Template",
    "TrailingSlash",
    "parse_template",
    "register_converter",
]
