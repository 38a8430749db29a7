"""A ``twisted.web.resource.Resource`` shim: a tree node whose ``putChild`` mounts apps.

``Resource().putChild(name, child)`` merges ``child`` (a CorePost app, a ``RESTResource``,
another ``Resource`` or any microrest app) under ``/name``; an empty name mounts it at the
root. The resource is itself an ASGI app and can be mounted anywhere.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from ...app import App
from .errors import install_error_handlers

if TYPE_CHECKING:
    from ...types import Receive, Scope, Send

__all__ = ["Resource"]


class Resource:
    """The root of a multi-module CorePost site."""

    isLeaf = False  # noqa: N815 - Twisted's name

    def __init__(self) -> None:
        self.app = App(style="corepost", trailing_slash="ignore")
        install_error_handlers(self.app, None)
        self.children: dict[str, Any] = {}

    @property
    def __microrest_app__(self) -> App:
        return self.app

    def putChild(self, path: str | bytes, child: Any) -> None:  # noqa: N802
        """Serve ``child`` under ``/path`` (``''`` is the root), its routes merged into ours."""
        name = path.decode("utf-8") if isinstance(path, bytes) else path
        name = name.strip("/")
        self.children[name] = child
        self.app.mount("/" + name if name else "", child)

    def getStaticEntity(self, name: str | bytes) -> Any:  # noqa: N802
        """The child registered under ``name``, or ``None``."""
        key = name.decode("utf-8") if isinstance(name, bytes) else name
        return self.children.get(key.strip("/"))

    @property
    def __call__(self) -> Callable[[Scope, Receive, Send], Awaitable[None]]:
        """Calling the resource calls its core App itself (see ``CorePostApp.__call__``)."""
        return self.app.__call__
