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

from .codec import json_dumps
from .concurrency import Concurrency, SyncMode, is_async_callable
from .errors import (
    ClientDisconnect,
    ConfigurationError,
    HTTPError,
    MethodNotAllowed,
    NotFound,
)
from .limits import Limits, oversized_request, request_bounds
from .pipeline import (
    ExceptionHandler,
    default_error,
    handle_exception,
    handler_chain,
    logger,
)
from .requests import Request
from .responses import (
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
    render,
)
from .routing.matcher import NO_ROUTE, Router
from .routing.route import (
    TRAILING_SLASH_POLICIES,
    Route,
    RouteInfo,
    TrailingSlash,
    qualname_of,
    refused_signature,
)
from .types import ASGIApp, Message, Receive, Scope, Send
from .websockets import WebSocketRoute, serve_websocket

__all__ = ["App", "app_of"]

F = TypeVar("F", bound=Callable[..., Any])
Lifespan = Callable[[Any], contextlib.AbstractAsyncContextManager[Any]]
# What a request line may say: HTTP/0.9 and HTTP/2.0 on an HTTP/1 connection (which httptools
# lets through) are refused with 505; "2" and "3" are what HTTP/2 and HTTP/3 servers report.
_HTTP_VERSIONS = frozenset({"1.0", "1.1", "2", "3"})
_BASIC_RESPONSES = (Response, PlainTextResponse, JSONResponse, HTMLResponse, RedirectResponse)


async def _nothing() -> None:
    """What ``dispatch`` hands back for a connection type it does not serve."""


def _head_send(send: Send) -> Send:
    """A HEAD answer: the GET answer's status and headers, no body."""

    async def without_body(message: Message) -> None:
        if message["type"] == "http.response.body":
            if message.get("more_body", False):
                return
            message = {"type": "http.response.body", "body": b""}
        await send(message)

    return without_body


def _check_decorator_path(path: object, decorator: str) -> None:
    if isinstance(path, (str, re.Pattern)):
        return
    if callable(path):
        raise ConfigurationError(
            f"@app.{decorator} needs the path in parentheses: write @app.{decorator}('/path') "
            f"above {qualname_of(path)}, not a bare @app.{decorator}"
        )
    raise ConfigurationError(
        f"@app.{decorator}(path): the path must be a str template or a compiled regex, got {path!r}"
    )


def _checked_middleware(item: object) -> Middleware:
    if not isinstance(item, Middleware):
        raise ConfigurationError(
            f"middleware=[...] takes Middleware(cls, **options) entries, got {item!r}; "
            "wrap it: Middleware(cls, **options), or call app.add_middleware(cls, **options)"
        )
    return item


def _hook(func: Any, where: str) -> Any:
    if not callable(func):
        raise ConfigurationError(f"{where} takes functions without arguments, got {func!r}")
    return func


def _check_exception_handler(handler: object) -> None:
    if not callable(handler):
        raise ConfigurationError(f"exception handler {handler!r} is not callable")
    signature = refused_signature(handler, 2)
    if signature is not None:
        raise ConfigurationError(
            f"exception handler {qualname_of(handler)} must take (request, exc); "
            f"its signature is {signature}"
        )


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
        docs: bool = False,
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
        self.websocket_router = Router()  # websocket routes: apart, so HTTP routing never sees them
        self.parent: App | None = None
        self.exception_handlers: dict[Any, ExceptionHandler] = dict(exception_handlers or {})
        # A style's built-in answers: asked after every user handler up the mount chain.
        self.style_exception_handlers: dict[Any, ExceptionHandler] = {}
        self.style_miss_answer: Callable[[Scope], Response | None] | None = None
        self.user_middleware: list[Middleware] = [_checked_middleware(item) for item in middleware]
        if lifespan is not None and not callable(lifespan):
            raise ConfigurationError(
                f"lifespan must be a callable taking the app and returning an async context "
                f"manager (an @asynccontextmanager function), got {lifespan!r}"
            )
        self.lifespan_context = lifespan
        self.startup_hooks: list[Callable[[], Any]] = [_hook(f, "on_startup") for f in on_startup]
        self.shutdown_hooks: list[Callable[[], Any]] = [
            _hook(f, "on_shutdown") for f in on_shutdown
        ]
        self._children: list[App] = []
        self._mounted_in: list[tuple[App, str]] = []
        self._stack: ASGIApp | None = None
        self._direct = False  # no user middleware: __call__ routes itself (set with _stack)
        # This app's middleware around its own routes once it is mounted (built on first use).
        self._mounted_stack: ASGIApp | None = None
        self._bounds = request_bounds(self.limits)
        for route in routes or ():
            self.add(route)
        if docs:
            self.enable_docs()

    # registration ---------------------------------------------------------------------------

    def add(self, route: Route) -> Route:
        """Register a ``Route``; conflicts raise ``RouteConflict`` now, naming both handlers."""
        route.bind(self)
        self._table_for(route).add(route)
        for parent, prefix in self._mounted_in:
            parent._adopt(self._handed_up(route, prefix))
        return route

    def _adopt(self, route: Route) -> None:
        self._table_for(route).add(route)
        for parent, prefix in self._mounted_in:
            parent._adopt(self._handed_up(route, prefix))

    def _handed_up(self, route: Route, prefix: str) -> Route:
        """``route`` as the app this one is mounted in holds it: under ``prefix`` and, when this
        app has middleware of its own, inside it (the parent's stack stays outermost)."""
        clone = route.with_prefix(prefix)
        if not self.user_middleware or isinstance(route, WebSocketRoute):
            # The common case: the parent calls the route directly. A websocket route is run
            # by serve_websocket, which calls its handler with the websocket, not an ASGI stack.
            return clone
        clone.endpoint = _InsideMiddleware(route, self)
        clone.raw = True  # the parent calls the stack as an ASGI app (the raw-route path)
        clone.prepared = False  # the stack's innermost layer calls the prepared route itself
        clone.call = None
        return clone

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
        prepared: bool = False,
    ) -> Route:
        """Register ``endpoint`` for ``pattern`` and ``methods`` (``["*"]``: every method).

        ``raw=True``: the endpoint is an ASGI callable ``(scope, receive, send)``.
        ``prepared=True``: ``endpoint(scope, receive)`` answers ``(status, headers, body)``,
        sent as is (an int, a list of encoded header pairs, bytes: see
        ``toolkit.answer_headers`` and ``encode_header``), or a core ``Response``, or an
        awaitable of either; it never sends (see ``_call_prepared``).
        """
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
            prepared=prepared,
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
        _check_decorator_path(path, "route")

        def register(func: F) -> F:
            self.add_route(path, func, methods, name=name, limits=limits)
            return func

        return register

    def get(
        self, path: str | re.Pattern[str], *, name: str | None = None, limits: Limits | None = None
    ) -> Callable[[F], F]:
        _check_decorator_path(path, "get")
        return self.route(path, ["GET"], name=name, limits=limits)

    def post(
        self, path: str | re.Pattern[str], *, name: str | None = None, limits: Limits | None = None
    ) -> Callable[[F], F]:
        _check_decorator_path(path, "post")
        return self.route(path, ["POST"], name=name, limits=limits)

    def put(
        self, path: str | re.Pattern[str], *, name: str | None = None, limits: Limits | None = None
    ) -> Callable[[F], F]:
        _check_decorator_path(path, "put")
        return self.route(path, ["PUT"], name=name, limits=limits)

    def patch(
        self, path: str | re.Pattern[str], *, name: str | None = None, limits: Limits | None = None
    ) -> Callable[[F], F]:
        _check_decorator_path(path, "patch")
        return self.route(path, ["PATCH"], name=name, limits=limits)

    def delete(
        self, path: str | re.Pattern[str], *, name: str | None = None, limits: Limits | None = None
    ) -> Callable[[F], F]:
        _check_decorator_path(path, "delete")
        return self.route(path, ["DELETE"], name=name, limits=limits)

    def head(
        self, path: str | re.Pattern[str], *, name: str | None = None, limits: Limits | None = None
    ) -> Callable[[F], F]:
        _check_decorator_path(path, "head")
        return self.route(path, ["HEAD"], name=name, limits=limits)

    def options(
        self, path: str | re.Pattern[str], *, name: str | None = None, limits: Limits | None = None
    ) -> Callable[[F], F]:
        _check_decorator_path(path, "options")
        return self.route(path, ["OPTIONS"], name=name, limits=limits)

    # websockets (src/microrest/websockets.py, docs/websockets.md) ------------------------------

    def _table_for(self, route: Route) -> Router:
        return self.websocket_router if isinstance(route, WebSocketRoute) else self.router

    def add_websocket_route(
        self,
        path: str | re.Pattern[str],
        endpoint: Callable[..., Any],
        *,
        name: str | None = None,
        subprotocols: Iterable[str] = (),
        allowed_origins: Iterable[str] | None = None,
        limits: Limits | None = None,
    ) -> WebSocketRoute:
        route = WebSocketRoute(
            path,
            endpoint,
            name=name,
            subprotocols=subprotocols,
            allowed_origins=allowed_origins,
            limits=limits,
        )
        self.add(route)
        return route

    def websocket(
        self,
        path: str | re.Pattern[str],
        *,
        name: str | None = None,
        subprotocols: Iterable[str] = (),
        allowed_origins: Iterable[str] | None = None,
        limits: Limits | None = None,
    ) -> Callable[[F], F]:
        """``@app.websocket("/ws/{room}")`` over ``async def handler(websocket)``."""

        def register(func: F) -> F:
            self.add_websocket_route(
                path,
                func,
                name=name,
                subprotocols=subprotocols,
                allowed_origins=allowed_origins,
                limits=limits,
            )
            return func

        return register

    def mount(self, prefix: str, app: Any) -> None:
        """Merge a microrest app's routes under ``prefix``, or mount any ASGI app as a black box.

        A merged app keeps its own limits, error handlers, concurrency and policies; its routes
        join this table, so conflicts, ``routes()`` and this app's middleware cover them. Its
        own middleware still wraps its own routes, inside this app's (add it before mounting).
        """
        prefix = _normalise_prefix(prefix)
        target = app if isinstance(app, App) else getattr(app, "__microrest_app__", None)
        if isinstance(target, App):
            if target is self or self in _ancestors(target) or target in _ancestors(self):
                raise ConfigurationError("an app cannot be mounted inside itself")
            for route in target.router.all_routes:
                self._adopt(target._handed_up(route, prefix))
            for route in target.websocket_router.all_routes:
                self._adopt(target._handed_up(route, prefix))
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
        if self._mounted_in:
            raise ConfigurationError(
                "add_middleware() must be called before the app is mounted: its routes were "
                "handed to the parent app with the middleware it had then"
            )
        if not callable(middleware_class):
            raise ConfigurationError(
                f"add_middleware() takes the middleware class, built as cls(app, **options); "
                f"got {middleware_class!r}"
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
        _check_exception_handler(handler)
        self.exception_handlers[key] = handler

    def add_style_exception_handler(
        self, key: type[BaseException] | int, handler: ExceptionHandler
    ) -> None:
        """For adapters: the style's own default answer to ``key``, ``(request, exc)``.

        It ranks below every handler the user registered with ``add_exception_handler``, on
        this app and on every app above it, and above the core's default answer.
        """
        if not (isinstance(key, int) or (isinstance(key, type) and issubclass(key, BaseException))):
            raise ConfigurationError(
                f"exception handlers are keyed by exception class or status code, got {key!r}"
            )
        _check_exception_handler(handler)
        self.style_exception_handlers[key] = handler

    def set_style_miss_answer(self, answer: Callable[[Scope], Response | None] | None) -> None:
        """For adapters: the style's answer to a plain routing miss, from the scope alone.

        Called for a 404 that no user exception handler could take (none on this app, and
        the path under no mounted app); it returns the style's default answer to that miss,
        the one its ``NotFound`` style handler gives, as a buffered core ``Response`` (sent
        as is; HEAD drops the body), or None to leave this miss to the pipeline. Through the
        pipeline a style's 404 cost 20-30k instructions more than the core's own (callgrind):
        an exception, a Request, the handler search and calls.
        """
        if answer is not None and not callable(answer):
            raise ConfigurationError(
                f"set_style_miss_answer() takes a function of the scope, got {answer!r}"
            )
        self.style_miss_answer = answer

    def exception_handler(self, key: type[BaseException] | int) -> Callable[[F], F]:
        def register(func: F) -> F:
            self.add_exception_handler(key, func)
            return func

        return register

    def on_startup(self, func: F) -> F:
        self.startup_hooks.append(_hook(func, "on_startup"))
        return func

    def on_shutdown(self, func: F) -> F:
        self.shutdown_hooks.append(_hook(func, "on_shutdown"))
        return func

    # introspection --------------------------------------------------------------------------

    def routes(self) -> list[RouteInfo]:
        """The flattened table: one row per method and path, every style included."""
        rows = [row for route in self.router.all_routes for row in route.info()]
        rows += [row for route in self.websocket_router.all_routes for row in route.info()]
        for prefix, app in self.router.mounts:
            rows.append(RouteInfo("*", prefix + "/...", "asgi", qualname_of(app), "<mounted app>"))
        return rows

    def url_path_for(self, name: str, /, **params: Any) -> str:
        """The path of the route called ``name``, its placeholders filled from ``params``.

        ``name`` is positional-only, so a route may have a ``{name}`` placeholder of its own.
        """
        route = self.router.by_name.get(name) or self.websocket_router.by_name.get(name)
        if route is None:
            raise ConfigurationError(f"no route is named {name!r}; name it with name={name!r}")
        if route.template is None:
            raise ConfigurationError(f"route {name!r} is a regex route and cannot be reversed")
        return route.template.format(params)

    # OpenAPI ---------------------------------------------------------------------------------

    def openapi(self, **info: Any) -> dict[str, Any]:
        """The OpenAPI 3.1 document of every route, every style (see ``microrest.openapi``)."""
        from .openapi import openapi_document

        return openapi_document(self, **info)

    def enable_docs(
        self, openapi_url: str = "/openapi.json", docs_url: str | None = "/docs", **info: Any
    ) -> None:
        """Serve the document at ``openapi_url`` and Swagger UI at ``docs_url``."""
        from .openapi import enable_docs

        enable_docs(self, openapi_url=openapi_url, docs_url=docs_url, **info)

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
            self._direct = not self.user_middleware
        if scope["type"] != "http":
            await stack(scope, receive, send)
            return
        # Limits' URL and header bounds, before middleware and routing. Inlined on purpose:
        # the same check as a function call cost twice as many instructions per request.
        url_bound, count_bound, bytes_bound = self._bounds
        headers = scope["headers"]
        raw = scope.get("raw_path")
        url = len(raw) if raw is not None else len(scope["path"])
        total = 0
        coded = False
        for name, value in headers:
            size = len(name)
            total += size + len(value)
            # The name's length tested first: an int comparison is specialised, a bytes one
            # is not (plaintext 47.0k -> 46.9k, echo 67.5k -> 67.2k instructions, callgrind).
            if size == 17 and name == b"transfer-encoding":
                coded = True
        # The rare case: refuse it (a plain chunked body passes _refuse_request's look).
        if (
            total > bytes_bound
            or len(headers) > count_bound
            or url + len(scope.get("query_string", b"")) > url_bound
            or coded
            or scope.get("http_version", "1.1") not in _HTTP_VERSIONS
        ) and await self._refuse_request(scope, receive, send):
            return
        if not self._direct:
            await stack(scope, receive, send)
            return
        # No middleware: dispatch and _call inlined, kept in step with both. One frame and one
        # coroutine less per request than awaiting the stack (plaintext 52.0k -> 50.3k
        # instructions, callgrind); every other answer goes through _answer, as from dispatch.
        method: str = scope["method"]
        path: str = scope["path"]
        root = scope.get("root_path")
        if root and path.startswith(root):
            path = path[len(root) :] or "/"
        hit = self.router.lookup(method, path)
        if type(hit) is not tuple:
            await self._answer(scope, receive, send, method, path, hit)
            return
        route, params, groups = hit
        scope["path_params"] = params
        scope["route"] = route
        if groups:
            scope["path_groups"] = groups
        if method == "HEAD":
            send = _head_send(send)
        if route.raw:
            if not route.prepared:
                await _guarded(self, route.app, route.endpoint, scope, receive, send)
                return
            # _call_prepared inlined, kept in step with it: a coroutine less for every style
            # built on prepared routes (VestesPy json 64.0k -> 62.0k instructions, callgrind).
            try:
                endpoint = route.endpoint  # a local, as ``call`` below
                answer: Any = endpoint(scope, receive)
                if type(answer) is not tuple and not isinstance(answer, Response):
                    answer = await answer
                if type(answer) is tuple:
                    status, headers, body = answer
                elif not isinstance(answer, Response):
                    raise _refused_answer(route, answer)
            except Exception as exc:
                await handle_exception(self, route.app, Request(scope, receive), exc, send)
                return
            if type(answer) is tuple:
                await send({"type": "http.response.start", "status": status, "headers": headers})
                await send({"type": "http.response.body", "body": body})
            else:
                await _guarded(self, route.app, answer, scope, receive, send)
            return
        request = Request(scope, receive)
        call = route.call  # a local: LOAD_METHOD on a slot holding a function stays generic
        try:
            result = await call(request)  # type: ignore[misc]
            if isinstance(result, dict):
                # The commonest answer: JSONResponse's bytes without building the object.
                body = json_dumps(result)
                start: Message | None = {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [
                        (b"content-length", str(len(body)).encode()),
                        (b"content-type", b"application/json"),
                    ],
                }
            elif type(result) in _BASIC_RESPONSES and not result._touched:
                if result.background is None:
                    body = result.body
                    start = {
                        "type": "http.response.start",
                        "status": result.status_code,
                        "headers": result.raw_headers,
                    }
                else:
                    start = None
            else:
                start = None
        except Exception as exc:
            await handle_exception(self, route.app, request, exc, send)
            return
        if start is None:
            await self._finish(route, request, result, scope, receive, send)
        else:
            await send(start)
            await send({"type": "http.response.body", "body": body})
        if request._form is not None:
            await request.close()

    async def _refuse_request(self, scope: Scope, receive: Receive, send: Send) -> bool:
        """414/431 past the URL and header bounds, 505 for an HTTP version the app does not
        speak, 501 for a transfer coding other than chunked (uvicorn's httptools parser would
        hand the app a gzip-coded body as if it were plain): before middleware and routing,
        through this app's error handlers. False when nothing is wrong after all."""
        status = oversized_request(scope, self.limits)
        if not status and scope.get("http_version", "1.1") not in _HTTP_VERSIONS:
            status = 505
        if not status:
            for name, value in scope["headers"]:
                if name == b"transfer-encoding" and value.strip().lower() != b"chunked":
                    status = 501
        if not status:
            return False
        detail = {
            414: "URI Too Long",
            431: "Request Header Fields Too Large",
            505: "HTTP Version Not Supported",
            501: "Transfer-Encoding not supported: only chunked is",
        }[status]
        if scope["method"] == "HEAD":
            send = _head_send(send)
        await handle_exception(self, None, Request(scope, receive), HTTPError(status, detail), send)
        return True

    def dispatch(self, scope: Scope, receive: Receive, send: Send) -> Awaitable[None]:
        """Route one connection: the innermost layer, inside the middleware.

        Not a coroutine: it returns the route's coroutine for the caller to await, one frame
        less per request (plaintext 55.8k -> 54.3k instructions, callgrind).
        """
        if scope["type"] != "http":
            if scope["type"] == "lifespan":
                return self._lifespan(scope, receive, send)
            if scope["type"] == "websocket":
                return serve_websocket(self, scope, receive, send)
            return _nothing()
        method: str = scope["method"]
        path: str = scope["path"]
        root = scope.get("root_path")
        if root and path.startswith(root):
            path = path[len(root) :] or "/"
        return self._answer(scope, receive, send, method, path, self.router.lookup(method, path))

    def _answer(
        self, scope: Scope, receive: Receive, send: Send, method: str, path: str, hit: Any
    ) -> Awaitable[None]:
        """What the router's ``lookup`` found, answered: the route's coroutine, or the miss's."""
        # A type test: cheap on both sides (``not hit`` would call Miss.__bool__ on a miss).
        if type(hit) is not tuple:  # a Miss
            if hit is NO_ROUTE and self.router.plain_miss(path):
                return self._not_found(scope, receive, send, method, path)
            return self._dispatch_resolved(scope, receive, send, method, path)
        # The same hand-over closes _dispatch_resolved's route branch; inlined on purpose: a shared
        # helper cost 3-7% of a request (callgrind), and this is the hot path.
        route, params, groups = hit
        scope["path_params"] = params
        scope["route"] = route
        if groups:
            scope["path_groups"] = groups
        if method == "HEAD":
            send = _head_send(send)
        if route.raw:
            # _call_raw's two branches inlined: a frame less for a prepared route (VestesPy's
            # json 64.2k -> 63.7k instructions, callgrind); an ordinary route tests nothing more.
            if route.prepared:
                return self._call_prepared(route, scope, receive, send)
            return _guarded(self, route.app, route.endpoint, scope, receive, send)
        return self._call(route, scope, receive, send)

    async def _call(self, route: Route, scope: Scope, receive: Receive, send: Send) -> None:
        """An ordinary route's handler, called and answered (``__call__`` inlines the same)."""
        request = Request(scope, receive)
        call = route.call  # a local: LOAD_METHOD on a slot holding a function stays generic
        try:
            result = await call(request)  # type: ignore[misc]
            if isinstance(result, dict):
                # The commonest answer: JSONResponse's bytes, sent below without building the
                # object (param route 69.3k -> 57.1k instructions, callgrind). Subclasses too
                # (pyservice answers with its result container), as render() takes them.
                body = json_dumps(result)
                start: Message | None = {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [
                        (b"content-length", str(len(body)).encode()),
                        (b"content-type", b"application/json"),
                    ],
                }
            elif type(result) in _BASIC_RESPONSES and not result._touched:
                # Response.__call__'s two sends, inlined: one coroutine less per request
                # (plaintext 54.7k -> 52.8k instructions, callgrind).
                if result.background is None:
                    body = result.body
                    start = {
                        "type": "http.response.start",
                        "status": result.status_code,
                        "headers": result.raw_headers,
                    }
                else:
                    start = None
            else:
                start = None
        except Exception as exc:
            await handle_exception(self, route.app, request, exc, send)
            return
        if start is None:
            await self._finish(route, request, result, scope, receive, send)
        else:
            await send(start)
            await send({"type": "http.response.body", "body": body})
        if request._form is not None:
            await request.close()

    async def _finish(
        self,
        route: Route,
        request: Request,
        result: Any,
        scope: Scope,
        receive: Receive,
        send: Send,
    ) -> None:
        """The rarer answers of an ordinary route: a value to render, a response with edited
        headers, a background task, or one that streams (under the guard)."""
        try:
            response = result if isinstance(result, Response) else render(result)
            basic = type(response) in _BASIC_RESPONSES and not response.background
            if basic and response._touched:
                response._start()  # checks the edited headers
        except Exception as exc:  # render's refusal, or a header that cannot go on the wire
            await handle_exception(self, route.app, request, exc, send)
            return
        if basic:
            await send(
                {
                    "type": "http.response.start",
                    "status": response.status_code,
                    "headers": response.raw_headers,
                }
            )
            await send({"type": "http.response.body", "body": response.body})
            return
        await _guarded(self, route.app, response, scope, receive, send, request)

    def _call_raw(
        self, route: Route, scope: Scope, receive: Receive, send: Send
    ) -> Awaitable[None]:
        # A plain function: the caller awaits _guarded directly, no frame in between.
        if route.prepared:
            return self._call_prepared(route, scope, receive, send)
        return _guarded(self, route.app, route.endpoint, scope, receive, send)

    async def _call_prepared(
        self, route: Route, scope: Scope, receive: Receive, send: Send
    ) -> None:
        """A prepared route (``add_route(..., prepared=True)``): ``endpoint(scope, receive)``
        answers ``(status, headers, body)``, sent here as is, or a core ``Response``, or an
        awaitable of either (an ``async def`` endpoint, or a plain one that answers at once
        when it can and returns a coroutine when it must wait, e.g. for the body).

        The endpoint cannot have started the response, so no guard is needed around it (a
        raw route's guard, a coroutine and a closure called per message, measured 5.7k
        instructions a request under callgrind): an exception goes to the pipeline as from
        ``_call``, and only a ``Response`` answer, which may stream, is run under the guard.
        """
        try:
            endpoint = route.endpoint  # a local, as in __call__
            answer: Any = endpoint(scope, receive)
            if type(answer) is not tuple and not isinstance(answer, Response):
                answer = await answer
            if type(answer) is tuple:
                status, headers, body = answer
            elif not isinstance(answer, Response):
                raise _refused_answer(route, answer)
        except Exception as exc:
            await handle_exception(self, route.app, Request(scope, receive), exc, send)
            return
        if type(answer) is tuple:
            await send({"type": "http.response.start", "status": status, "headers": headers})
            await send({"type": "http.response.body", "body": body})
        else:
            await _guarded(self, route.app, answer, scope, receive, send)

    async def _not_found(
        self, scope: Scope, receive: Receive, send: Send, method: str, path: str
    ) -> None:
        """The plain 404: nothing matched, and no mount or trailing-slash twin can help."""
        owner = self.router.owner_of(path) if self.router.scopes else None
        if owner is not None and not any(
            app.exception_handlers or app.style_exception_handlers
            for app in handler_chain(owner, self)
        ):
            owner = None  # no app the pipeline would ask has a handler: the default answers
        if owner is None and not self.exception_handlers:
            # Nobody but the core's default or the style's own answer can answer: its bytes,
            # sent here without the pipeline (and send_default_error's coroutine, which this
            # replaced: notfound 56.7k -> 55.9k instructions, callgrind).
            if self.style_exception_handlers:
                miss = self.style_miss_answer
                response = miss(scope) if miss is not None else None
                headers = response.raw_headers if response is not None else []
            else:
                response = default_error(scope, 404)
                headers = list(response.raw_headers)  # a middleware may edit the list it gets
            if response is not None:
                await send(
                    {
                        "type": "http.response.start",
                        "status": response.status_code,
                        "headers": headers,
                    }
                )
                body = b"" if method == "HEAD" else response.body
                await send({"type": "http.response.body", "body": body})
                return
        if method == "HEAD":
            send = _head_send(send)
        await handle_exception(self, owner, Request(scope, receive), NotFound(), send)

    async def _dispatch_resolved(
        self, scope: Scope, receive: Receive, send: Send, method: str, path: str
    ) -> None:
        """Everything but the common hit: the router's complete answer (405, automatic HEAD and
        OPTIONS, trailing-slash redirects, black-box mounts, 404 under a mounted app)."""
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


class _InsideMiddleware:
    """A mounted app's route as its parent calls it: through the mounted app's own middleware.

    One stack per mounted app, shared by all its routes (a middleware keeps one state per app,
    as it would unmounted). Which route the stack's innermost layer calls travels in the scope;
    nested mounts push one route per level, and each innermost layer pops its own.
    """

    __slots__ = ("route", "owner")

    def __init__(self, route: Route, owner: App) -> None:
        self.route = route
        self.owner = owner

    def __call__(self, scope: Scope, receive: Receive, send: Send) -> Awaitable[None]:
        scope.setdefault(_INSIDE_ROUTES, []).append(self.route)
        owner = self.owner
        stack = owner._mounted_stack
        if stack is None:
            stack = _call_inside_route
            for cls, args, kwargs in reversed(owner.user_middleware):
                stack = cls(stack, *args, **kwargs)
            owner._mounted_stack = stack
        return stack(scope, receive, send)


_INSIDE_ROUTES = "microrest.inside_routes"


def _call_inside_route(scope: Scope, receive: Receive, send: Send) -> Awaitable[None]:
    """The innermost layer of a mounted app's stack: the route, called as the serving app would."""
    route: Route = scope[_INSIDE_ROUTES].pop()
    top = scope.get("app")
    if not isinstance(top, App):
        assert route.app is not None
        top = route.app
    if route.raw:
        return top._call_raw(route, scope, receive, send)
    return top._call(route, scope, receive, send)


def _refused_answer(route: Route, answer: object) -> TypeError:
    return TypeError(
        f"the prepared endpoint {qualname_of(route.endpoint)} answered "
        f"{answer!r:.80}: expected (status, headers, body) or a Response"
    )


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
    # A closure, not a _Tracked object: a plain function call per message instead of a
    # __call__ slot lookup, and a cell instead of an object (raw routes: xio plaintext
    # 62.3k -> 60.8k instructions, callgrind).
    started = False

    def tracked(message: Message) -> Awaitable[None]:
        nonlocal started
        if message["type"] == "http.response.start":
            started = True
        return send(message)

    try:
        await asgi(scope, receive, tracked)
    except Exception as exc:
        request = request or Request(scope, receive)
        if started:
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


def app_of(obj: Any, who: str = "this") -> App:
    """The core ``App`` behind ``obj``: ``obj`` itself, or a style's main object's
    ``__microrest_app__``. Anything else is a ``ConfigurationError`` naming ``who`` wanted it."""
    if isinstance(obj, App):
        return obj
    inner = getattr(obj, "__microrest_app__", None)
    if isinstance(inner, App):
        return inner
    raise ConfigurationError(
        f"{obj!r} is not a microrest app: {who} takes an App or a style's main object "
        "(CorePost, vestespy.Server, web.HTTPServer, xio.app(), pyservice.Service...)"
    )
