"""What ``CorePost``, ``RESTResource`` and the ``Resource`` shim share: a core ``App`` of style
"corepost" wrapped in an object that is itself an ASGI app, plus handler registration.

Trailing slashes are ignored (``/x/`` is ``/x``), as twisted.web's path handling made them.
``compat=True`` switches off automatic HEAD/OPTIONS and answers unknown methods with 501.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from ...app import App
from ...limits import Limits
from ...toolkit import SyncMode
from .dispatch import BODY_METHODS, Dispatcher
from .documents import DocumentLimits
from .errors import install_error_handlers
from .filters import split_filters
from .handler import HandlerSpec
from .routing import ROUTE_MARKER, RouteSpec, join_url, translate

if TYPE_CHECKING:
    from ...types import Receive, Scope, Send

__all__ = ["DEFAULT_HOST", "DEFAULT_PORT", "CorePostApp", "register_service", "serve"]

DEFAULT_HOST = "0.0.0.0"  # twisted's listenTCP bound every interface
DEFAULT_PORT = 8080


class CorePostApp:
    """A core App with CorePost's error answers, filters and content-type dispatch."""

    def __init__(
        self,
        *,
        filters: Iterable[Any] = (),
        compat: bool = False,
        debug: bool = False,
        limits: Limits | None = None,
        sync_handlers: SyncMode = "thread",
        thread_limit: int = 40,
        middleware: Sequence[Any] = (),
        document_limits: DocumentLimits | None = None,
    ) -> None:
        self.compat = compat
        self.documents = document_limits or DocumentLimits()
        self.request_filters, self.response_filters = split_filters(filters)
        self.app = App(
            debug=debug,
            limits=limits,
            middleware=middleware,
            trailing_slash="ignore",
            sync_handlers=sync_handlers,
            thread_limit=thread_limit,
            auto_head=not compat,
            auto_options=not compat,
            style="corepost",
        )
        install_error_handlers(self.app, self)
        self._dispatchers: dict[tuple[str, str], Dispatcher] = {}

    @property
    def __microrest_app__(self) -> App:
        """The core App: ``App.mount`` merges its routes instead of nesting a black box."""
        return self.app

    @property
    def __call__(self) -> Callable[[Scope, Receive, Send], Awaitable[None]]:
        """Calling this object calls the core App itself: ``resource(scope, receive, send)``.

        A property, not an ``async def`` that awaits the App: that was one more coroutine per
        request, 70.3k -> 65.2k instructions per plaintext request (callgrind). Servers still
        see an async ``__call__`` (uvicorn's ASGI 3 check).
        """
        return self.app.__call__

    def add_handler(
        self,
        url: str,
        methods: Iterable[str],
        accepts: Iterable[str],
        func: Callable[..., Any],
        source: object = None,
        post_code: int = 201,
    ) -> None:
        """Register ``func`` for ``methods`` on ``url`` when the body is one of ``accepts``."""
        pattern = translate(url)
        spec = HandlerSpec(func, source, post_code)
        accepted = tuple(accepts)
        for method in methods:
            key = (pattern, method)
            dispatcher = self._dispatchers.get(key)
            if dispatcher is None:
                dispatcher = Dispatcher(self, method, pattern)
                # A prepared route (the dispatcher answers, the core sends): see Dispatcher.serve
                self.app.add_route(
                    pattern,
                    dispatcher.serve_body if method in BODY_METHODS else dispatcher.serve,
                    [method],
                    prepared=True,
                    style="corepost",
                    source=spec.source,
                )
                self._dispatchers[key] = dispatcher
            dispatcher.add(accepted, spec)

    def run(
        self,
        port: int = DEFAULT_PORT,
        host: str = DEFAULT_HOST,
        *,
        workers: int = 1,
        **options: Any,
    ) -> None:
        """Serve this resource alone, like the original's ``run()``: all interfaces, port 8080."""
        serve(self, host, port, workers=workers, **options)


def serve(app: Any, host: str, port: int, *, workers: int = 1, **options: Any) -> None:
    """Blocking serve through ``microrest.server.run`` (a no-op inside workers and tests)."""
    from ... import server

    server.run(app, host=host, port=port, workers=workers, **options)


def register_service(owner: CorePostApp, service: object, prefix: str = "") -> int:
    """Register every ``@route`` method of ``service`` (its class and bases) under ``prefix``.

    A subclass's method overrides its base's of the same name, decorated or not.
    """
    seen: set[str] = set()
    count = 0
    for klass in type(service).__mro__:
        for name, attribute in vars(klass).items():
            if name in seen:
                continue
            seen.add(name)
            specs: tuple[RouteSpec, ...] = getattr(attribute, ROUTE_MARKER, ())
            if not specs:
                continue
            bound = getattr(service, name)
            for spec in specs:
                owner.add_handler(
                    join_url(prefix, spec.url), spec.methods, spec.accepts, bound, attribute
                )
                count += 1
    return count
