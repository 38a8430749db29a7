"""pyservice 0.8.0 on microrest: ``from microrest.adapters import pyservice``.

``pyservice.Service(**api)`` serves JSON operations (an ASGI app; ``service.wsgi_application``
is its WSGI callable), ``pyservice.Client(**api)`` and ``pyservice.AsyncClient(**api)`` call
them. ``docs/styles/pyservice.md`` writes out the wire format and the decisions taken.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .api import DEFAULT_API
from .chain import PluginError
from .containers import Container, Context
from .errors import UnknownOperation, UnknownScope
from .exceptions import ExceptionFactory, RequestException
from .service import MEMFILE_MAX, Service

if TYPE_CHECKING:
    from .client import AsyncClient, Client

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


def __getattr__(name: str) -> Any:
    # The clients on first use: a service alone never imports httpx, which brought 146
    # modules (httpx imports its command line: click, rich, pygments), start-up 914M -> 645M
    # instructions (callgrind). The benchmark's call figure fell 86.6k -> 76.7k instructions
    # per request with it: the extra start-up allocations had pushed its 2,000 calls into a
    # full garbage collection of that bigger heap.
    if name in ("Client", "AsyncClient"):
        from . import client

        return getattr(client, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
