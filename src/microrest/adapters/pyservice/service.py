"""``Service(**api)``: pyservice's server object, an ASGI app over a core ``App``.

Each operation registered with ``@service.operation(name=...)`` becomes one core ``POST`` route
at its own path (``/api/0/get_item``), with the function's source line, so ``microrest routes``
lists the operations, an undeclared operation is the router's 404, and limits, middleware and
the error pipeline are the core's. ``compat=True`` accepts any method, as 0.8.0 did.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar, overload

from ...app import App
from ...errors import ClientDisconnect, HTTPError, UnsupportedMediaType
from ...limits import Limits
from ...responses import Response
from ...toolkit import SyncMode, json_dumps, media_type_of
from .api import OPERATION, load_api, operation_path, path_template
from .chain import Call, Hooks, Plan
from .containers import Container, Context
from .errors import UnknownOperation, check_scope
from .exceptions import ExceptionFactory
from .openapi import operation_openapi
from .wire import declared_name, encode_exception, parse_arguments
from .wsgi import call_asgi_from_wsgi

if TYPE_CHECKING:
    from ...requests import Request
    from ...routing import Route
    from ...types import Receive, Scope, Send

__all__ = ["MEMFILE_MAX", "Service"]

F = TypeVar("F", bound=Callable[..., Any])

#: pyservice's body limit (bottle's MEMFILE_MAX): a larger call is a 413.
MEMFILE_MAX = 102400
_JSON = "application/json"


def _json_media_type(value: bytes) -> None:
    """A Content-Type header's value: JSON passes, another type is a 415. No Content-Type at
    all reads as JSON (the 0.8.0 client sends none): the caller only asks when there is one."""
    media_type = media_type_of(value.decode("latin-1"))
    if media_type and not (
        media_type == _JSON
        or (media_type.startswith("application/") and media_type.endswith("+json"))
    ):
        raise UnsupportedMediaType(
            f"a pyservice call is a JSON object (no Content-Type, or {_JSON}), got {media_type!r}"
        )


_new_context = object.__new__


class _Exchange(Hooks):
    """The service's part between the scopes: parse the body in, serialise the response out."""

    __slots__ = ("body", "max_depth", "payload")

    def __init__(self, body: bytes, max_depth: int) -> None:
        self.body = body
        self.max_depth = max_depth
        self.payload = b""

    def enter_operation(self, call: Call) -> None:
        call.request.update(parse_arguments(self.body, self.max_depth))

    def exit_operation(self, call: Call) -> None:
        self.payload = json_dumps(call.response)


class Service:
    """``Service(**api)``: operations, plugins and declared exceptions over one core ``App``.

    Beyond the api dict: ``compat=True`` (any HTTP method, as 0.8.0), ``sync_handlers`` and
    ``thread_limit`` (how sync operations and plugins run: a worker thread by default, or
    ``"inline"`` on the event loop), ``max_body_size`` (default 102400 bytes, as 0.8.0).
    """

    def __init__(
        self,
        *,
        compat: bool = False,
        sync_handlers: SyncMode = "thread",
        thread_limit: int = 40,
        max_body_size: int = MEMFILE_MAX,
        **api: Any,
    ) -> None:
        self.api = load_api(api)
        path = path_template(self.api)
        self.api["uri"] = path
        before, _, after = path.partition(OPERATION)
        self.pattern = re.compile(
            "^" + re.escape(before) + "(?P<operation>[^/]+)" + re.escape(after) + "/?$"
        )
        self.debug = bool(self.api["debug"])
        self.compat = compat
        self.plugins: dict[str, list[Callable[..., Any]]] = {"request": [], "operation": []}
        self.functions: dict[str, Callable[..., Any]] = {}
        self.exceptions = ExceptionFactory()
        self.app = App(
            style="pyservice",
            debug=self.debug,
            limits=Limits(max_body_size=max_body_size),
            trailing_slash="ignore",  # 0.8.0 served /api/0/op/ too
            sync_handlers=sync_handlers,
            thread_limit=thread_limit,
        )
        self._routes: dict[str, Route] = {}
        self._plans: dict[str, Plan] = {}
        self._inline = self.app.concurrency.mode == "inline"

    # registration ---------------------------------------------------------------------------

    @overload
    def operation(self, name: str) -> Callable[[F], F]: ...
    @overload
    def operation(self, name: str, *, func: F) -> F: ...

    def operation(self, name: str, *, func: F | None = None) -> Any:
        """Register ``func(request, response, context)`` for a declared operation; without
        ``func``, a decorator. Registering a name again replaces its function."""
        if name not in self.api["operations"]:
            raise UnknownOperation(
                f"Unknown operation {name!r}: declare it in api['operations'] "
                f"(declared: {list(self.api['operations'])})"
            )
        if func is None:
            return lambda func: self.operation(name, func=func)

        def register(func: F) -> F:
            if not callable(func):
                raise TypeError(f"operation {name!r} needs a callable, got {func!r}")
            self.functions[name] = func
            self._plans.clear()
            route = self._routes.get(name)
            if route is None:
                self._routes[name] = self.app.add_route(
                    operation_path(self.api, name),
                    self._endpoint(name),
                    ["*"] if self.compat else ["POST"],
                    source=func,
                )
                self._routes[name].openapi.update(operation_openapi(self.api, self.debug))
            else:
                route.source = func
            return func

        return register(func)

    @overload
    def plugin(self, scope: str) -> Callable[[F], F]: ...
    @overload
    def plugin(self, scope: str, *, func: F) -> F: ...

    def plugin(self, scope: str, *, func: F | None = None) -> Any:
        """Register a plugin: ``scope="request"`` takes ``(context)``, ``scope="operation"``
        takes ``(request, response, context)``; either must call
        ``context.process_request()`` once (``await`` it in an ``async def`` plugin)."""
        check_scope(scope)
        if func is None:
            return lambda func: self.plugin(scope, func=func)
        if not callable(func):
            raise TypeError(f"a plugin must be callable, got {func!r}")
        self.plugins[scope].append(func)
        self._plans.clear()
        return func

    def _plan(self, operation: str) -> Plan:
        plan = self._plans.get(operation)
        if plan is None:
            plan = Plan(
                self.plugins["request"], self.plugins["operation"], self.functions[operation]
            )
            self._plans[operation] = plan
        return plan

    # serving --------------------------------------------------------------------------------

    @property
    def __microrest_app__(self) -> App:
        return self.app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)

    def wsgi_application(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        """The WSGI callable (``make_server(host, port, service.wsgi_application)``): each
        request runs the ASGI app in a short-lived event loop, no lifespan."""
        return call_asgi_from_wsgi(self, environ, start_response, self.app.limits.max_body_size)

    def _endpoint(self, operation: str) -> Callable[[Request], Awaitable[Any]]:
        """The core route's endpoint for ``operation``: one closure per operation, called by
        the core with the request, no partial or bound method in between."""
        service = self

        async def serve(request: Request) -> Response | Container:
            for name, value in request.scope["headers"]:  # inlined: one call less
                if name == b"content-type":
                    _json_media_type(value)
                    break
            body = await request.body()  # 413 beyond the limit, chunked or not
            max_depth = request.limits.max_json_depth
            plan = service._plans.get(operation) or service._plan(operation)
            response = Container()
            # Context(operation, service=service) without the keyword dict and the update:
            # 5.3k -> 1.4k instructions (callgrind); the same object (class, attributes).
            context = _new_context(Context)
            context.operation = operation
            context.service = service  # type: ignore[attr-defined]
            try:
                if plan.plain:
                    arguments = Container(parse_arguments(body, max_depth))  # one copy
                    function = plan.links[0]
                    if plan.is_async[0]:
                        await function(arguments, response, context)
                    elif service._inline:
                        function(arguments, response, context)
                    else:
                        await service.app.concurrency.run(function, arguments, response, context)
                    if not service.debug:
                        # The result container itself: the core encodes a dict and sends it
                        # without a Response object (call 100.5k -> 93.1k instructions,
                        # callgrind). An unencodable result is then the core's logged 500, as
                        # it was here.
                        return response
                    payload = json_dumps(response)
                else:
                    exchange = _Exchange(body, max_depth)
                    call = Call(
                        plan, Container(), response, context, exchange, service.app.concurrency
                    )
                    if not plan.sync_from[0]:
                        await call.run()
                    elif service._inline:
                        call.run_sync()
                    else:
                        await service.app.concurrency.run(call.run_sync)
                    payload = exchange.payload
            except (HTTPError, ClientDisconnect):
                raise  # HTTP answers (400, 413, 401 from an auth plugin...) stay HTTP
            except Exception as exc:
                name = declared_name(exc, service.api["exceptions"])
                if name is None and not service.debug:
                    raise  # the core's 500: logged, no name or message sent
                response.clear()  # no partial result leaks next to an exception
                return Response(
                    encode_exception(name or type(exc).__name__, exc.args), media_type=_JSON
                )
            return Response(payload, media_type=_JSON)

        return serve

    def __repr__(self) -> str:
        return f"<pyservice.Service {self.api['uri']!r} operations={list(self.functions)}>"
