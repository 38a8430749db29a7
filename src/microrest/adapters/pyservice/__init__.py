"""pyservice 0.8.0 on microrest: ``from microrest.adapters import pyservice``.

``pyservice.Service(**api)`` serves JSON operations (an ASGI app; ``service.wsgi_application``
is its WSGI callable), ``pyservice.Client(**api)`` and ``pyservice.AsyncClient(**api)`` call
them. ``docs/styles/pyservice.md`` writes out the wire format and the decisions taken.
"""

from __future__ import annotations

from .api import DEFAULT_API
from .chain import PluginError
from .client import AsyncClient, Client
from .containers import Container, Context
from .errors import UnknownOperation, UnknownScope
from .exceptions import ExceptionFactory, RequestException
from .service import MEMFILE_MAX, Service

__all__ = [
    "AsyncClient",
    "Client",
    "Container",
    "Context",
    "DEFAULT_API",
    "ExceptionFactory",
    "MEMFILE_MAX",
    "PluginError",
    "RequestException",
    "Service",
    "UnknownOperation",
    "UnknownScope",
]
