"""xio on microrest: ``from microrest.adapters import xio``.

``xio.app(__name__)`` is an app (a resource tree whose ``www`` subtree is public, and an ASGI
app); ``xio.node()`` an app with a peer registry that forwards to its peers;
``xio.resource()`` a bare tree; ``xio.client(url_or_app)`` a client of an app's public
resources, in-process or over HTTP. Handlers take one argument, ``req``.
"""

from __future__ import annotations

from typing import Any

from .about import XioError
from .app import CLIENTS_PATH, WEBSOCKET_PATH, App
from .client import Client, HttpTarget
from .identity import IdentityStrategy, RandomIdentity, SignedTokens
from .node import Node, Peer, Peers
from .request import PASS, Request, Response
from .resource import Resource, Result
from .websocket import WebSocketService
from .wsclient import WebSocketTarget

__all__ = [
    "App",
    "CLIENTS_PATH",
    "Client",
    "HttpTarget",
    "IdentityStrategy",
    "Node",
    "PASS",
    "Peer",
    "Peers",
    "RandomIdentity",
    "Request",
    "Resource",
    "Response",
    "Result",
    "SignedTokens",
    "WEBSOCKET_PATH",
    "WebSocketService",
    "WebSocketTarget",
    "XioError",
    "app",
    "client",
    "node",
    "resource",
]


def _is_target(value: Any) -> bool:
    return isinstance(value, Resource) or (isinstance(value, str) and "://" in value)


def app(name_or_target: Any = None, **options: Any) -> Any:
    """``xio.app(__name__)`` or ``xio.app()``: a new app. ``xio.app(<app or URL>)``: a client."""
    if _is_target(name_or_target):
        return Client(name_or_target)
    return App(name_or_target, **options)


def node(name_or_target: Any = None, **options: Any) -> Any:
    """``xio.node()``: a new node (an app with a peer registry). ``xio.node(<node or URL>)``:
    a client of that node."""
    if _is_target(name_or_target):
        return Client(name_or_target)
    return Node(name_or_target, **options)


def resource(handler: Any = None, content: Any = None, **options: Any) -> Any:
    """``xio.resource()``: an empty tree; ``xio.resource(callable)``: a resource with that
    handler; ``xio.resource(<app, resource or URL>)``: a client of it."""
    if _is_target(handler):
        return Client(handler)
    if isinstance(handler, str):
        raise ValueError(
            f"xio.resource({handler!r}): a string target must be an http:// or https:// URL"
        )
    return Resource(handler, content, **options)


def client(target: Any, **options: Any) -> Client:
    """``xio.client(url_or_app)``: requests to the target's public resources."""
    return Client(target, **options)
