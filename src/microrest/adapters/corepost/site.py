"""A ``twisted.web.server.Site`` shim: wraps the root resource for ``reactor.listenTCP``.

It is an ASGI app too (the root resource's app), so ``uvicorn module:site`` works.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from ...app import App
from ...errors import ConfigurationError

if TYPE_CHECKING:
    from ...types import Receive, Scope, Send

__all__ = ["Site"]


class Site:
    """The served site: ``Site(resource)``; extra Twisted arguments are accepted and ignored."""

    def __init__(self, resource: Any, *args: Any, **kwargs: Any) -> None:
        target = (
            resource if isinstance(resource, App) else getattr(resource, "__microrest_app__", None)
        )
        if not isinstance(target, App) and not callable(resource):
            raise ConfigurationError(
                f"Site() needs a Resource, a CorePost app or an ASGI app, got {resource!r}"
            )
        self.resource = resource
        self._app = target
        self._target = target  # the App calls go to (``_app`` may become a wrapper later)

    @property
    def __microrest_app__(self) -> App:
        if self._app is None:
            app = App(style="corepost")
            app.mount("", self.resource)
            self._app = app
        return self._app

    @property
    def __call__(self) -> Callable[[Scope, Receive, Send], Awaitable[None]]:
        """Calling the site calls the resource's core App itself when it has one, without a
        coroutine of our own around it (see ``CorePostApp.__call__``); any other ASGI app
        through ``_forward``, whose ``async def`` keeps servers seeing an ASGI 3 app."""
        if self._target is not None:
            return self._target.__call__
        return self._forward

    async def _forward(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.resource(scope, receive, send)
