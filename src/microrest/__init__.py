"""microrest: one fast ASGI core, five classic API styles on top of it.

The public surface is what ``__all__`` lists; everything else is private.
"""

from __future__ import annotations

from starlette.middleware import Middleware

from .app import App
from .concurrency import Concurrency
from .errors import (
    BadRequest,
    ClientDisconnect,
    ConfigurationError,
    Conflict,
    Forbidden,
    HTTPError,
    InternalServerError,
    MethodNotAllowed,
    MicrorestError,
    NotAcceptable,
    NotFound,
    PayloadTooLarge,
    RouteConflict,
    Unauthorized,
    UnsupportedMediaType,
)
from .limits import Limits
from .requests import Request
from .responses import (
    FileResponse,
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
    StreamingResponse,
    render,
)
from .routing import Converter, Route, RouteInfo, register_converter
from .staticfiles import StaticFiles
from .websockets import WebSocket, WebSocketDisconnect, WebSocketRoute

__version__ = "0.1.0"

__all__ = [
    "App",
    "BadRequest",
    "ClientDisconnect",
    "Concurrency",
    "ConfigurationError",
    "Conflict",
    "Converter",
    "FileResponse",
    "Forbidden",
    "HTMLResponse",
    "HTTPError",
    "InternalServerError",
    "JSONResponse",
    "Limits",
    "MethodNotAllowed",
    "MicrorestError",
    "Middleware",
    "NotAcceptable",
    "NotFound",
    "PayloadTooLarge",
    "PlainTextResponse",
    "RedirectResponse",
    "Request",
    "Response",
    "Route",
    "RouteConflict",
    "RouteInfo",
    "StaticFiles",
    "StreamingResponse",
    "Unauthorized",
    "UnsupportedMediaType",
    "WebSocket",
    "WebSocketDisconnect",
    "WebSocketRoute",
    "__version__",
    "register_converter",
    "render",
]
