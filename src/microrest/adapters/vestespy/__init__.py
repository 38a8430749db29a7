"""VestesPy on microrest: ``from microrest.adapters import vestespy`` replaces ``import vestespy``.

An event-emitter server: ``server.on("request", fn)`` with ``fn(ev, req, res)``, then
``req.on("data", ...)`` per body chunk and ``req.on("end", ...)``; respond with
``res.send_all/send_stream/send_chunked/send_error`` from any of them. ``tools.Dispatcher``
routes URL patterns. See docs/styles/vestespy.md for the decisions taken where the original
was broken.
"""

from __future__ import annotations

from . import tools
from .errors import HTTPError
from .events import Event, EventManager
from .request import Request
from .response import Response
from .server import Server

__all__ = [
    "Event",
    "EventManager",
    "HTTPError",
    "Request",
    "Response",
    "Server",
    "__version__",
    "__version_info__",
    "tools",
]

__version__ = "0.1"
__version_info__ = (0, 1)
