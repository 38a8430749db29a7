"""``App``: the ASGI entry point every style builds on, and the native style itself."""

from __future__ import annotations

import contextlib
import logging
import re
import traceback
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping, Sequence
from typing import Any, TypeVar

from starlette.datastructures import State
from starlette.middleware import Middleware

from .concurrency import Concurrency, SyncMode, is_async_callable
from .errors import (
    ClientDisconnect,
    ConfigurationError,
    HTTPError,
    InvalidHeader,
    MethodNotAllowed,
    NotFound,
)
from .limits import Limits, oversized_request, request_bounds
from .pipeline import ExceptionHandler, handle_exception, logger
from .requests import Request
from .responses import (
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
    render,
)
from .routing.matcher import Router
from .routing.route import TRAILING_SLASH_POLICIES, Route, RouteInfo, TrailingSlash, qualname_of
from .types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["App"]

F = TypeVar("F", bound=Callable[..., Any])
Lifespan = Callable[[Any], contextlib.AbstractAsyncContextManager[Any]]
_BASIC_RESPONSES = (Response, PlainTextResponse, JSONResponse, HTMLResponse, RedirectResponse)


class _Tracked:
    """Wraps ``send`` to know whether a response has started (for raw and streaming paths)."""

    __slots__ = ("send", "started")

    def __init__(self, send: Send) -> None:
        self.send = send
        self.started = False

    def __call__(self, message: Message) -> Awaitable[None]:
        # Not a coroutine: the caller awaits the server's send directly (one frame less per
        # message on every raw and streaming response).
        if message["type"] == "http.response.start":
            self.started = True
        return self.send(message)


def _head_send(send: Send) -> Send:
    """A HEAD answer: the GET answer's status and headers, no body."""

    async def without_body(message: Message) -> None:
        if message["type"] == "http.response.body":
            if message.get("more_body", False):
                return
            message = {"type": "http.response.body", "body": b""}
        await send(message)

    return without_body


def _normalise_prefix(prefix: str) -> str:
    if prefix in ("", "/"):
        return ""
    if not prefix.startswith("/"):
        raise ConfigurationError(f"mount prefix {prefix!r} must start with '/', e.g. '/{prefix}'")
    return prefix.rstrip("/")


class App:
    """An ASGI application holding one route table, middleware stack, lifespan and error pipeline.

    Routes come from ``routes=[Route(...)]``, the decorators (``@app.get(path)`` ...), or other
    apps merged with ``mount()``. Every adapter's main object is, or wraps, one of these.
    """

    def __init__(
        self,
        routes: Sequence[Route] | None = None,
        *,
        debug: bool = False,
        lifespan: Lifespan | None = None,
        on_startup: Iterable[Callable[[], Any]] = (),
        on_shutdown: Iterable[Callable[[], Any]] = (),
        middleware: Sequence[Middleware] = (),
        exception_handlers: Mapping[Any, ExceptionHandler] | None = None,
        limits: Limits | None = None,
        trailing_slash: TrailingSlash = "redirect",
        sync_handlers: SyncMode = "thread",
        thread_limit: int = 40,
        auto_head: bool = True,
        auto_options: bool = True,
        style: str = "core",
    ) -> None:
        if trailing_slash not in TRAILING_SLASH_POLICIES:
            raise ConfigurationError(
                f"trailing_slash must be one of {TRAILING_SLASH_POLICIES}, got {trailing_slash!r}"
            )
        self.debug = debug
        self.style = style
        self.limits = limits or Limits()
        self.trailing_slash: TrailingSlash = trailing_slash
        self.auto_head = auto_head
        self.auto_options = auto_options
        self.concurrency = Concurrency(sync_handlers, thread_limit)
        self.state = State()
        self.router = Router()
        self.parent: App | None = None
        self.exception_handlers: dict[Any, ExceptionHandler] = dict(exception_handlers or {})
        self.user_middleware: list[Middleware] = list(middleware)
        self.lifespan_context = lifespan
        self.startup_hooks: list[Callable[[], Any]] = list(on_startup)
        self.shutdown_hooks: list[Callable[[], Any]] = list(on_shutdown)
        self._children: list[App] = []
        self._mounted_in: list[tuple[App, str]] = []
        self._stack: ASGIApp | None = None
        self._bounds = request_bounds(self.limits)
        for route in routes or ():
            self.add(route)

    # registration ---------------------------------------------------------------------------

    def add(self, route: Route) -> Route:
        """Register a ``Route``; conflicts raise ``RouteConflict`` now, naming both handlers."""
        route.bind(self)
        self.router.add(route)
        for parent, prefix in self._mounted_in:
            parent._adopt(route.with_prefix(prefix))
        return route

    def _adopt(self, route: Route) -> None:
        self.router.add(route)
        for parent, prefix in self._mounted_in:
            parent._adopt(route.with_prefix(prefix))

    def add_route(
        self,
        pattern: str | re.Pattern[str],
        endpoint: Callable[..., Any],
        methods: Iterable[str] | None = None,
        *,
        name: str | None = None,
        raw: bool = False,
        style: str | None = None,
        limits: Limits | None = None,
        trailing_slash: TrailingSlash | None = None,
        source: object = None,
    ) -> Route:
        route = Route(
            pattern,
            endpoint,
            methods,
            name=name,
            raw=raw,
            style=style,
            limits=limits,
            trailing_slash=trailing_slash,
            source=source,
        )
        return self.add(route)

    def route(
        self,
        path: str | re.Pattern[str],
        methods: Iterable[str] | None = None,
        *,
        name: str | None = None,
        limits: Limits | None = None,
    ) -> Callable[[F], F]:
        """Decorator form of ``add_route``; returns the function unchanged."""

        def register(func: F) -> F:
            self.add_route(path, func, methods, name=name, limits=limits)
            return func

        return register

    def get(
        self, path: str | re.Pattern[str], *, name: str | None = None, limits: Limits | None = None
    ) -> Callable[[F], F]:
        return self.route(path, ["GET"], name=name, limits=limits)

    def post(
        self, path: str | re.Pattern[str], *, name: str | None = None, limits: Limits | None = None
    ) -> Callable[[F], F]:
        return self.route(path, ["POST"], name=name, limits=limits)

    def put(
        self, path: str | re.Pattern[str], *, name: str | None = None, limits: Limits | None = None
    ) -> Callable[[F], F]:
        return self.route(path, ["PUT"], name=name, limits=limits)

    def patch(
        self, path: str | re.Pattern[str], *, name: str | None = None, limits: Limits | None = None
    ) -> Callable[[F], F]:
        return self.route(path, ["PATCH"], name=name, limits=limits)

    def delete(
        self, path: str | re.Pattern[str], *, name: str | None = None, limits: Limits | None = None
    ) -> Callable[[F], F]:
        return self.route(path, ["DELETE"], name=name, limits=limits)

    def head(
        self, path: str | re.Pattern[str], *, name: str | None = None, limits: Limits | None = None
    ) -> Callable[[F], F]:
        return self.route(path, ["HEAD"], name=name, limits=limits)

    def options(
        self, path: str | re.Pattern[str], *, name: str | None = None, limits: Limits | None = None
    ) -> Callable[[F], F]:
        return self.route(path, ["OPTIONS"], name=name, limits=limits)

    def mount(self, prefix: str, app: Any) -> None:
        """Merge a microrest app's routes under ``prefix``, or mount any ASGI app as a black box.

        A merged app keeps its own limits, error handlers, concurrency and policies; its routes
        join this table, so conflicts, ``routes()`` and middleware cover them.
        """
        prefix = _normalise_prefix(prefix)
        target = app if isinstance(app, App) else getattr(app, "__microrest_app__", None)
        if isinstance(target, App):
            if target is self or self in _ancestors(target) or target in _ancestors(self):
                raise ConfigurationError("an app cannot be mounted inside itself")
            for route in target.router.all_routes:
                self._adopt(route.with_prefix(prefix))
            for sub_prefix, black_box in target.router.mounts:
                self.router.add_mount(prefix + sub_prefix, black_box)
            for sub_prefix, scope_app in target.router.scopes:
                self.router.add_scope(prefix + sub_prefix, scope_app)
            self.router.add_scope(prefix, target)
            target.parent = self
            target._mounted_in.append((self, prefix))
            self._children.append(target)
            return
        if not callable(app):
            raise ConfigurationError(f"mount({prefix!r}, ...) needs an ASGI app, got {app!r}")
        self.router.add_mount(prefix, app)
        for parent, parent_prefix in self._mounted_in:
            parent.router.add_mount(parent_prefix + prefix, app)

    def add_middleware(self, middleware_class: Any, *args: Any, **options: Any) -> None:
        """Wrap the app in a pure-ASGI middleware; the last added is the outermost."""
        if self._stack is not None:
            raise ConfigurationError(
                "add_middleware() must be called before the app handles its first request"
            )
        self.user_middleware.insert(0, Middleware(middleware_class, *args, **options))

    def add_exception_handler(
        self, key: type[BaseException] | int, handler: ExceptionHandler
    ) -> None:
        """Handle an exception class (and subclasses) or an HTTP status; ``(request, exc)``."""
        if not (isinstance(key, int) or (isinstance(key, type) and issubclass(key, BaseException))):
            raise ConfigurationError(
                f"exception handlers are keyed by exception class or status code, got {key!r}"
            )
        self.exception_handlers[key] = handler

    def exception_handler(self, key: type[BaseException] | int) -> Callable[[F], F]:
        def register(func: F) -> F:
            self.add_exception_handler(key, func)
            return func

        return register

    def on_startup(self, func: F) -> F:
        self.startup_hooks.append(func)
        return func

    def on_shutdown(self, func: F) -> F:
        self.shutdown_hooks.append(func)
        return func

    # introspection --------------------------------------------------------------------------

    def routes(self) -> list[RouteInfo]:
        """The flattened table: one row per method and path, every style included."""
        rows = [row for route in self.router.all_routes for row in route.info()]
        for prefix, app in self.router.mounts:
            rows.append(RouteInfo("*", prefix + "/...", "asgi", qualname_of(app), "<mounted app>"))
        return rows

    def url_path_for(self, name: str, **params: Any) -> str:
        route = self.router.by_name.get(name)
        if route is None:
            raise ConfigurationError(f"no route is named {name!r}; name it with name={name!r}")
        if route.template is None:
            raise ConfigurationError(f"route {name!r} is a regex route and cannot be reversed")
        return route.template.format(params)

    # serving --------------------------------------------------------------------------------

    def build_middleware_stack(self) -> ASGIApp:
        app: ASGIApp = self.dispatch
        for cls, args, kwargs in reversed(self.user_middleware):
            app = cls(app, *args, **kwargs)
        if self.user_middleware:
            app = _Guard(app, self)
        return app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        scope["app"] = self
        stack = self._stack
        if stack is None:
            stack = self._stack = self.build_middleware_stack()
            self._bounds = request_bounds(self.limits)
        if scope["type"] == "http":
            # Limits' URL and header bounds, before middleware and routing. Inlined on purpose:
            # the same check as a function call cost twice as many instructions per request.
            url_bound, count_bound, bytes_bound = self._bounds
            headers = scope["headers"]
            raw = scope.get("raw_path")
            url = len(raw) if raw is not None else len(scope["path"])
            total = 0
            for name, value in headers:
                total += len(name) + len(value)
            if (
                total > bytes_bound
                or len(headers) > count_bound
                or url + len(scope.get("query_string", b"")) > url_bound
            ):
                await self._refuse_oversized(scope, receive, send)
                return
        await stack(scope, receive, send)

    async def _refuse_oversized(self, scope: Scope, receive: Receive, send: Send) -> None:
        """414/431 before middleware and routing, through this app's error handlers."""
        status = oversized_request(scope, self.limits) or 431
        detail = "URI Too Long" if status == 414 else "Request Header Fields Too Large"
        if scope["method"] == "HEAD":
            send = _head_send(send)
        await handle_exception(self, None, Request(scope, receive), HTTPError(status, detail), send)

    async def dispatch(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Route one connection: the innermost layer, inside the middleware."""
        if scope["type"] != "http":
            if scope["type"] == "lifespan":
                await self._lifespan(scope, receive, send)
            elif scope["type"] == "websocket":
                await receive()
                await send({"type": "websocket.close", "code": 1000})
            return
        method: str = scope["method"]
        path: str = scope["path"]
        root = scope.get("root_path")
        if root and path.startswith(root):
            path = path[len(root) :] or "/"
        hit = self.router.lookup(method, path)
        if not hit:
            if hit is False and self.router.plain_miss(path):
                await self._not_found(scope, receive, send, method, path)
            else:
                await self._slow(scope, receive, send, method, path)
            return
        # The same hand-over closes _slow's route branch; inlined here on purpose: a shared
        # helper cost 3-7% of a request (callgrind), and this is the hot path.
        route, params, groups = hit
        scope["path_params"] = params
        scope["route"] = route
        if groups:
            scope["path_groups"] = groups
        if method == "HEAD":
            send = _head_send(send)
        if route.raw:
            await self._call_raw(route, scope, receive, send)
        else:
            await self._call(route, scope, receive, send)

    async def _call(self, route: Route, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        try:
            result = await route.call(request)  # type: ignore[misc]
            response = result if isinstance(result, Response) else render(result)
        except Exception as exc:
            await handle_exception(self, route.app, request, exc, send)
            return
        if type(response) in _BASIC_RESPONSES and not response.background:
            try:
                await response(scope, receive, send)
            except InvalidHeader as exc:  # raised before anything was sent
                await handle_exception(self, route.app, request, exc, send)
        else:
            await _guarded(self, route.app, response, scope, receive, send, request)
        if request._form is not None:
            await request.close()

    def _call_raw(
        self, route: Route, scope: Scope, receive: Receive, send: Send
    ) -> Awaitable[None]:
        # A plain function: the caller awaits _guarded directly, no frame in between.
        return _guarded(self, route.app, route.endpoint, scope, receive, send)

    async def _not_found(
        self, scope: Scope, receive: Receive, send: Send, method: str, path: str
    ) -> None:
        """The plain 404: nothing matched, and no mount or trailing-slash twin can help."""
        if method == "HEAD":
            send = _head_send(send)
        owner = self.router.owner_of(path) if self.router.scopes else None
        await handle_exception(self, owner, Request(scope, receive), NotFound(), send)

    async def _slow(
        self, scope: Scope, receive: Receive, send: Send, method: str, path: str
    ) -> None:
        resolution = self.router.resolve(method, path, scope.get("query_string", b""))
        kind = resolution.kind
        if kind == "route":
            route = resolution.route
            assert route is not None
            scope["path_params"] = resolution.params
            scope["route"] = route
            if resolution.groups:
                scope["path_groups"] = resolution.groups
            if method == "HEAD":
                send = _head_send(send)
            if route.raw:
                await self._call_raw(route, scope, receive, send)
            else:
                await self._call(route, scope, receive, send)
            return
        if kind == "mount":
            child = dict(scope)
            child["root_path"] = scope.get("root_path", "") + resolution.prefix
            assert resolution.mount is not None
            await _guarded(self, None, resolution.mount, child, receive, send)
            return
        if kind == "options":
            allow = ", ".join(resolution.allowed)
            response = Response(status_code=204, headers={"Allow": allow})
            await response(scope, receive, send)
            return
        if kind == "redirect":
            root = scope.get("root_path", "")
            if root and not scope["path"].startswith(root):
                root = ""  # a path without the root was routed as is (see dispatch)
            await RedirectResponse(root + resolution.location, 308)(scope, receive, send)
            return
        request = Request(scope, receive)
        miss: Exception = (
            MethodNotAllowed(resolution.allowed) if kind == "not_allowed" else NotFound()
        )
        if method == "HEAD":
            send = _head_send(send)
        await handle_exception(self, resolution.owner, request, miss, send)

    # lifespan ------------------------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def lifespan(self) -> AsyncIterator[dict[str, Any]]:
        """Startup and shutdown for this app and every app merged into it, as one context."""
        state: dict[str, Any] = {}
        async with contextlib.AsyncExitStack() as stack:
            if self.lifespan_context is not None:
                yielded = await stack.enter_async_context(self.lifespan_context(self))
                if isinstance(yielded, Mapping):
                    state.update(yielded)
            for hook in self.startup_hooks:
                result = hook()
                if is_async_callable(hook) or hasattr(result, "__await__"):
                    await result
            stack.push_async_callback(self._run_shutdown_hooks)
            for child in self._children:
                state.update(await stack.enter_async_context(child.lifespan()))
            yield state

    async def _run_shutdown_hooks(self) -> None:
        for hook in self.shutdown_hooks:
            result = hook()
            if is_async_callable(hook) or hasattr(result, "__await__"):
                await result

    async def _lifespan(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = False
        await receive()
        try:
            async with self.lifespan() as state:
                if state:
                    scope.setdefault("state", {}).update(state)
                await send({"type": "lifespan.startup.complete"})
                started = True
                await receive()
        except BaseException:
            # The server logs the message it is sent (uvicorn: once, on uvicorn.error); logging
            # it here as well printed every startup failure twice.
            text = traceback.format_exc()
            kind = "lifespan.shutdown.failed" if started else "lifespan.startup.failed"
            await send({"type": kind, "message": text})
            raise
        await send({"type": "lifespan.shutdown.complete"})


class _Guard:
    """Outermost layer when user middleware exists: a middleware's own crash still gets a 500."""

    def __init__(self, app: ASGIApp, owner: App) -> None:
        self.app = app
        self.owner = owner

    def __call__(self, scope: Scope, receive: Receive, send: Send) -> Awaitable[None]:
        if scope["type"] != "http":
            return self.app(scope, receive, send)
        return _guarded(self.owner, None, self.app, scope, receive, send)


async def _guarded(
    top: App,
    owner: App | None,
    asgi: ASGIApp,
    scope: Scope,
    receive: Receive,
    send: Send,
    request: Request | None = None,
) -> None:
    """Run an ASGI callable that may start the response itself (raw routes, streaming
    responses, mounts, middleware): an exception before the start is answered through the
    pipeline; after it, nothing can be answered, so it is logged and the connection closes.
    """
    tracked = _Tracked(send)
    try:
        await asgi(scope, receive, tracked)
    except Exception as exc:
        request = request or Request(scope, receive)
        if tracked.started:
            _log_after_start(request, exc)
        else:
            await handle_exception(top, owner, request, exc, send)


def _log_after_start(request: Request, exc: BaseException) -> None:
    gone = (ClientDisconnect, OSError)
    if isinstance(exc, gone) or (  # a streaming task group wraps them in an ExceptionGroup
        isinstance(exc, BaseExceptionGroup) and exc.split(gone)[1] is None
    ):
        logging.getLogger("microrest").debug("client went away during %s", request.path)
        return
    logger.error(
        "Exception after the response started in %s %s; the connection is closed",
        request.method,
        request.path,
        exc_info=exc,
    )


def _ancestors(app: App) -> list[App]:
    found: list[App] = []
    current = app.parent
    while current is not None and current not in found:
        found.append(current)
        current = current.parent
    return found
