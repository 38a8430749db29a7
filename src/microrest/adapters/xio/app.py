"""``xio.app()``: a root resource whose ``www`` subtree is served over HTTP, an ASGI app.

Every resource under ``www`` with a handler or content compiles to core routes as it is
registered: ``www/items/:id`` becomes ``/items/{id}`` (its own path) and, for a handler,
``/items/{id}/{xio_rest:path}`` (the deeper paths it answers, in ``req.path``). The core's
router picks the route; the endpoint reads the body, builds ``req`` and calls the resource's
``respond`` (``handle`` without the result object) under the app's sync policy. Nothing
outside ``www`` has a route, so private resources (``etc/...``) are reachable in-process only.
Creating an app binds nothing.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Awaitable, Callable, Iterable, Sequence
from importlib import resources as package_files
from typing import Any

from ...app import App as CoreApp
from ...limits import Limits
from ...requests import Request as CoreRequest
from ...responses import FileResponse, Response
from ...staticfiles import StaticFiles
from ...toolkit import SyncMode, json_dumps
from ...types import Receive, Scope, Send
from .about import allow_header, allowed_methods
from .identity import IdentityStrategy, RandomIdentity
from .request import Request
from .resource import SETTLED, Resource, Result, call_handler, shaped, split_path
from .websocket import DEFAULT_TIMEOUT, SUBPROTOCOL, WebSocketService
from .wire import (
    CORS_RAW,
    FORMS,
    JSON_TYPE,
    NO_BODY,
    TEXT_TYPE,
    answer_of,
    decoded,
    form_fields,
)

__all__ = ["CLIENTS_PATH", "WEBSOCKET_PATH", "App"]

#: Where every app serves the JavaScript (``xio.js``) and PHP (``xio.php``) clients.
CLIENTS_PATH = "/_xio"
#: Where every app answers xio's JSON message protocol over a websocket (and, on the port of
#: ``run(websocket=PORT)``, also at ``/``, where xio's own websocket server answered).
WEBSOCKET_PATH = CLIENTS_PATH + "/ws"
_new = object.__new__
# Bound once: Python 3.11 compiles ``Request.from_scope(...)`` on the imported class as a plain
# attribute read, which makes a bound method per call (see the measure at its call).
_request_from_scope = Request.from_scope
#: Methods a resource answers itself, before its handler, on its own path.
_DESCRIBED = frozenset({"ABOUT", "API", "OPTIONS"})
_CLIENT_FILES = {"xio.js": "text/javascript; charset=utf-8", "xio.php": "text/plain; charset=utf-8"}


class App(Resource):
    """``xio.app(__name__)``: the app's resource tree, its identity and its HTTP face."""

    dynamic_methods = False
    type_name = "app"

    def __init__(
        self,
        name: str | None = None,
        *,
        seed: str | None = None,
        identity: IdentityStrategy | None = None,
        debug: bool = False,
        limits: Limits | None = None,
        sync_handlers: SyncMode = "thread",
        thread_limit: int = 40,
        cors: bool = True,
        serve_clients: bool = True,
        websocket_service: bool = True,
        websocket_timeout: float | None = DEFAULT_TIMEOUT,
        websocket_origins: Iterable[str] | None = None,
    ) -> None:
        super().__init__()
        self.identity: IdentityStrategy = identity or RandomIdentity()
        self.id = self._initial_id(seed)
        self.app_name = name or type(self).type_name
        self.cors = cors
        self.asgi = CoreApp(
            style="xio",
            debug=debug,
            limits=limits,
            trailing_slash="ignore",
            sync_handlers=sync_handlers,
            thread_limit=thread_limit,
            auto_head=True,
            auto_options=True,
        )
        self._published: set[tuple[int, str]] = set()
        # What every route endpoint uses, made once (a bound method per route is an object
        # per route for the garbage collector to walk).
        self._shared = (self.asgi.concurrency.run, self.verify_token, self._walk_public)
        # Each node's route for deeper paths: left out of the OpenAPI document once the node
        # has children, whose own routes describe those paths without ambiguity.
        self._rest_routes: dict[int, Any] = {}
        self._publish(self.put("www"))  # the public root, routed from the start (ABOUT, 404)
        if serve_clients:
            for filename in _CLIENT_FILES:
                self.asgi.add_route(
                    f"{CLIENTS_PATH}/{filename}", self._client_file, ["GET"], source=type(self)
                )
        self.websocket_service = WebSocketService(self, timeout=websocket_timeout)
        self._websocket_options: dict[str, Any] = {
            "subprotocols": [SUBPROTOCOL],
            "allowed_origins": websocket_origins,
            "limits": limits,
        }
        if websocket_service:
            self.asgi.add_websocket_route(
                WEBSOCKET_PATH,
                self.websocket_service.__call__,  # a method: the route table shows its source
                name="xio-websocket",
                **self._websocket_options,
            )
        module = sys.modules.get(name or "")
        module_file = getattr(module, "__file__", None)
        if module_file:
            static = os.path.join(os.path.dirname(os.path.abspath(module_file)), "www", "static")
            if os.path.isdir(static):
                self.asgi.mount("/static", StaticFiles(static))

    def _initial_id(self, seed: str | None) -> str:
        return self.identity.new_id(seed)

    # identity ---------------------------------------------------------------------------------

    def verify_token(self, token: str) -> str | None:
        return self.identity.verify(token)

    def identity_about(self) -> dict[str, Any]:
        """What ABOUT adds on the app root and on ``www``: who this app is."""
        return {"id": self.id, "name": self.app_name, "type": type(self).type_name}

    def describe(self) -> dict[str, Any]:
        return {**super().describe(), **self.identity_about()}

    # publishing www as core routes ------------------------------------------------------------

    def _publish(self, node: Resource) -> None:
        for each in node.walk():
            names = each.path.split("/") if each.path else []
            if names and names[0] == "www":
                self._add_routes(each, names[1:])

    def _add_routes(self, node: Resource, segments: list[str]) -> None:
        parts: list[str] = []
        params: list[tuple[str, str]] = []
        for index, segment in enumerate(segments):
            if segment.startswith(":"):
                # The segment's own name where it can be one (route table, OpenAPI), else p<i>.
                name = segment[1:]
                taken = {placeholder for placeholder, _ in params} | {"xio_rest"}
                placeholder = name if name.isidentifier() and name not in taken else f"p{index}"
                parts.append("{" + placeholder + "}")
                params.append((placeholder, segment))
            else:
                parts.append(segment)
        own = "/" + "/".join(parts)
        source = node.handler if node.handler is not None else type(self)
        # Every www node has its own path routed, so ABOUT/API describe it over HTTP; one
        # without handler or content walks the tree instead (an ancestor's handler may take it).
        # The methods a handler's docstring declares: the OpenAPI document lists those, as the
        # OPTIONS answer's Allow does, instead of every method of an any-method route.
        options = allowed_methods(node.about_info)
        described = {"methods": allow_header(options).split(", ")} if options is not None else {}
        if (id(node), "own") not in self._published:
            self._published.add((id(node), "own"))
            route = self.asgi.add_route(
                own, self._endpoint(node, params, False), ["*"], source=source, prepared=True
            )
            route.openapi.update(described)
        if node.handler is not None and (id(node), "rest") not in self._published:
            self._published.add((id(node), "rest"))
            rest = own.rstrip("/") + "/{xio_rest:path}"
            endpoint = self._endpoint(node, params, True)
            route = self.asgi.add_route(rest, endpoint, ["*"], source=source, prepared=True)
            route.openapi.update(described)
            route.openapi["include"] = not node.children
            self._rest_routes[id(node)] = route
        parent_rest = self._rest_routes.get(id(node.parent)) if node.parent is not None else None
        if parent_rest is not None:
            parent_rest.openapi["include"] = False

    def _endpoint(self, node: Resource, params: list[tuple[str, str]], deeper: bool) -> Any:
        """The node's route endpoint: a prepared one (see ``_Endpoint``)."""
        return _Endpoint(self, node, params, deeper).answer

    def _walk_public(self, req: Request) -> Result:
        www = self.children["www"]
        return www.dispatch(req, req.fullpath[len("www") :])

    async def _client_file(self, request: CoreRequest) -> Response:
        filename = request.url.path.rsplit("/", 1)[-1]
        path = package_files.files(__package__).joinpath("static", filename)
        return FileResponse(
            str(path),
            media_type=_CLIENT_FILES[filename],
            headers={"Access-Control-Allow-Origin": "*"},
            content_disposition_type="inline",
        )

    # the public entry point -------------------------------------------------------------------

    def public_request(
        self,
        method: str,
        path: str = "",
        *,
        query: Any = None,
        data: Any = None,
        headers: Any = None,
        context: dict[str, Any] | None = None,
    ) -> Result:
        """What a remote caller may ask, in-process: ``path`` is relative to ``www`` and never
        leaves it. Clients, nodes and message protocols (a websocket service) call this; the
        HTTP routes reach the same ``Resource.handle``."""
        www = self.children.get("www")
        if www is None:
            return Result(404, None, origin=self, path="www/" + path.strip("/"))
        req = Request(
            method,
            query=query,
            data=data,
            headers=headers,
            context=context,
            verify=self.verify_token,
        )
        result = www.dispatch(req, path)
        if method.upper() == "HEAD":
            result.content = None
        result.path = "/".join(split_path(path))
        result._origin = _PublicOrigin(self)
        return result

    async def public_request_async(self, method: str, path: str = "", **kwargs: Any) -> Result:
        """``public_request`` from async code: the handler chain runs under the app's sync
        policy (a worker thread by default), never blocking the event loop."""
        return await self.asgi.concurrency.run(self.public_request, method, path, **kwargs)

    # ASGI and serving -------------------------------------------------------------------------

    @property
    def __microrest_app__(self) -> CoreApp:
        return self.asgi

    @property
    def __call__(self) -> Callable[[Scope, Receive, Send], Awaitable[None]]:
        """The app as an ASGI app: ``app(scope, receive, send)`` is the core app's call.

        A property, not a method: calling the app calls the core app's own (async) ``__call__``
        without a coroutine of ours around it, and servers that ask whether ``app.__call__``
        is a coroutine function (uvicorn, to tell ASGI 3 from 2) get the core's, which is.
        Measured (callgrind, plaintext to a small app, PYTHONHASHSEED=0): the coroutine
        wrapper cost 2.2k instructions a request over calling the core app, this property
        1.3k (a C-level getter, ``operator.attrgetter``, measured the same)."""
        return self.asgi.__call__

    def run(
        self,
        loop: bool = True,
        port: int = 8080,
        debug: bool = False,
        websocket: int | None = None,
        *,
        host: str = "0.0.0.0",
        workers: int = 1,
        **options: Any,
    ) -> None:
        """Serve on all interfaces (as xio did) on ``port`` until Ctrl-C, through
        ``microrest.server.run``; ``workers`` processes share the port. ``websocket=PORT``
        also serves the websocket service on that port (at ``/`` and ``/_xio/ws``), from this
        process, as xio's separate websocket server did; the HTTP port answers it at
        ``/_xio/ws`` whatever is given."""
        from ...server import Server, run

        if debug:
            self.asgi.debug = True
        if websocket is None:
            run(self, host, port, workers=workers, **options)
            return
        if websocket == port:
            raise ValueError(
                f"run(port={port}, websocket={websocket}): the websocket service needs a port "
                f"of its own; or leave websocket out, the HTTP port answers at {WEBSOCKET_PATH}"
            )
        log_level = options.get("log_level", "info")
        websocket_server = Server(self.websocket_asgi(), host, websocket, log_level=log_level)
        websocket_server.start()  # a no-op inside a worker's import of the app module
        try:
            run(self, host, port, workers=workers, **options)
        finally:
            websocket_server.stop()

    def websocket_asgi(self) -> CoreApp:
        """An ASGI app answering only the websocket service, at ``/`` and ``/_xio/ws``:
        what ``run(websocket=PORT)`` serves on that port."""
        only = CoreApp(style="xio", debug=self.asgi.debug)
        for path in ("/", WEBSOCKET_PATH):
            only.add_websocket_route(
                path, self.websocket_service.__call__, **self._websocket_options
            )
        return only

    def main(self, argv: Sequence[str] | None = None) -> None:
        """The CLI: ``python app.py run [-p PORT] [--workers N] [--host H] [-d]``; with no
        command, print the app and its public resources."""
        parser = argparse.ArgumentParser(prog=os.path.basename(sys.argv[0] or "app.py"))
        commands = parser.add_subparsers(dest="command")
        run = commands.add_parser("run", help="serve the app over HTTP")
        run.add_argument("-p", "--port", type=int, default=8080)
        run.add_argument("--host", default="0.0.0.0")
        run.add_argument("--workers", type=int, default=1)
        run.add_argument(
            "-w", "--websocket", type=int, default=None, help="also serve the websocket service"
        )
        run.add_argument("-d", "--debug", action="store_true")
        args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
        if args.command == "run":
            self.run(
                port=args.port,
                debug=args.debug,
                websocket=args.websocket,
                host=args.host,
                workers=args.workers,
            )
            return
        print(f"{type(self).type_name} {self.app_name} {self.id}")
        for row in self.asgi.routes():
            print(f"  {row.path:<40} {row.source}")

    def __repr__(self) -> str:
        return f"<xio {type(self).type_name} {self.app_name} {self.id}>"


class _Endpoint:
    """One route's endpoint: a prepared one (``add_route(..., prepared=True)``).

    ``answer`` returns ``(status, headers, body)`` and the core sends it: nothing is sent
    before it returns, so the guard the core puts around raw endpoints (a coroutine and a
    closure called per message) is not needed. It is a plain method, not a coroutine: a
    bodiless request served inline is answered at once, and only a body to read or a worker
    thread to wait for makes a coroutine. What does not depend on the request is decided
    when the route is added. Measured (callgrind, 200 routes, 2,000 requests,
    PYTHONHASHSEED=0), with ``call_handler`` and the context made on first read: from the raw
    endpoint, plaintext 72.2k -> 64.4k, param 88.5k -> 83.8k, echo 103.1k -> 98.0k
    instructions a request.

    An object with slots, not closures: five closures with their cells and bound methods made
    about 30 objects per route, 18.5k for the benchmark's 200 routes (the raw endpoint's one
    closure 12.3k, the core's routes 3.1k), and every full collection the garbage collector
    runs while the app serves walks them all; with this object and bound methods shared by
    every route, 8.2k. With the request built and the handler called inline (below), without
    the driver's setup: plaintext 40.0k -> 36.2k, param 59.1k -> 54.3k instructions.
    """

    __slots__ = (
        "node",
        "state",
        "captures",
        "deeper",
        "respond",
        "run",
        "inline",
        "verify",
        "cors",
        "walk",
    )

    def __init__(
        self, app: App, node: Resource, params: list[tuple[str, str]], deeper: bool
    ) -> None:
        self.node = node
        # The node's attributes read as a dict: Resource defines __getattr__, which puts
        # every attribute read of a node on CPython's slow generic path (about 0.2k
        # instructions each). The dict is the node's own, so it is always current.
        self.state = vars(node)
        self.captures = tuple(params) if params else ()
        self.deeper = deeper
        self.respond = node.respond
        self.run, self.verify, self.walk = app._shared
        self.inline = app.asgi.concurrency.mode == "inline"
        self.cors = app.cors

    def answer(self, scope: Scope, receive: Receive) -> Any:
        method = scope["method"]
        # One scan for XIO-method: a custom method, which has a body even on GET.
        xmethod = None
        for name, value in scope["headers"]:
            if name == b"xio-method":
                xmethod = value.decode("latin-1") or None
                break
        if xmethod is not None or method not in NO_BODY:
            return self.with_body(scope, receive, method, xmethod)
        rest = scope["path_params"]["xio_rest"] if self.deeper else ""
        # Request.from_scope inlined: its classmethod call with nine arguments cost 1.6k
        # instructions a request (callgrind); test_hot_paths.py checks both build the same.
        req = _new(Request)
        req.method = "GET" if method == "HEAD" else method  # HEAD is answered as GET
        req.xmethod = None
        req.path = rest
        req.data = {}
        captures = self.captures
        if captures:
            # context_of() inlined: a call less on every route with parameters (0.5k).
            values = scope["path_params"]
            context: dict[str, Any] = {}
            for placeholder, name in captures:
                context[name] = values[placeholder]
            client = scope.get("client")
            context["remote_addr"] = client[0] if client else None
            req.context = context
        req._response = None
        req.body = None
        req.http = None
        req.scope = scope
        req._query = None
        req._headers = None
        req._cookie = None
        req._client = None
        req._verify = self.verify
        # responder() inlined: GET, HEAD or OPTIONS, and only OPTIONS is answered by the node.
        state = self.state
        handler = state["handler"]
        if handler is not None and (rest or (method != "OPTIONS" and not state["about_info"])):
            if not self.inline:
                return self.threaded(call_handler, (self.node, handler, req), method)
            # call_handler inlined: a frame less (0.8k instructions, callgrind).
            try:
                value = handler(req)
                if type(value) not in SETTLED:
                    value = self.node._unsettled(req, value)
            except Exception as exc:
                value = self.node._failed(req, exc)
            else:
                if req._response is not None:
                    value = shaped(req, value)
            if type(value) is dict and method != "OPTIONS":
                # finish() inlined for the commonest answer, a JSON object (0.5k).
                body = json_dumps(value)
                length = (b"content-length", str(len(body)).encode())
                if self.cors:
                    return 200, [length, (b"content-type", JSON_TYPE), CORS_RAW], body
                return 200, [length, (b"content-type", JSON_TYPE)], body
            return self.finish(value, method)
        func, args = self.responder(req, rest, method)
        if self.inline:
            return self.finish(func(*args), method)
        return self.threaded(func, args, method)

    def context_of(self, scope: Scope) -> dict[str, Any]:
        """``req.context`` of a route with parameters: built now, since its handler reads it
        (a route without any leaves it to the request, made on first read)."""
        values = scope["path_params"]
        # A loop, not a comprehension: a comprehension is a function call of its own in 3.11.
        context: dict[str, Any] = {}
        for placeholder, name in self.captures:
            context[name] = values[placeholder]
        client = scope.get("client")
        context["remote_addr"] = client[0] if client else None
        return context

    def responder(
        self, req: Request, rest: str, method: str
    ) -> tuple[Callable[..., Any], tuple[Any, ...]]:
        """Who answers ``req`` (``method``: its xmethod, else its method): the handler itself
        when ``_answer`` would hand the request straight to it (``call_handler``), else the
        node's ``respond``."""
        state = self.state
        handler = state["handler"]
        if handler is None:
            return (self.walk if state["content"] is None else self.respond), (req,)
        if rest or (not state["about_info"] and method not in _DESCRIBED):
            return call_handler, (self.node, handler, req)
        return self.respond, (req,)

    def finish(self, value: Any, method: str) -> Any:
        """The answer to ``value``: the common one (the handler set nothing, returned text or
        a JSON object) made here, anything else through ``answer_of``."""
        kind = type(value)
        if kind is str:
            body = value.encode("utf-8")
            content_type = TEXT_TYPE
        elif kind is dict or kind is list:
            body = json_dumps(value)
            content_type = JSON_TYPE
        else:
            result = value if isinstance(value, Result) else Result(200, value)
            return answer_of(result, method, self.cors)
        length = (b"content-length", str(len(body)).encode())
        if not self.cors:
            return 200, [length, (b"content-type", content_type)], body
        if method == "OPTIONS":
            return answer_of(Result(200, value), method, True)
        return 200, [length, (b"content-type", content_type), CORS_RAW], body

    async def threaded(self, func: Callable[..., Any], args: tuple[Any, ...], method: str) -> Any:
        return self.finish(await self.run(func, *args), method)

    async def with_body(self, scope: Scope, receive: Receive, method: str, xmethod: Any) -> Any:
        # The body is read here, not in a helper coroutine: measured (callgrind, echo to a
        # small app, PYTHONHASHSEED=0) 104.5k -> 102.9k instructions a request. Query,
        # headers and cookies are parsed when the handler reads them.
        http = CoreRequest(scope, receive)
        media_type = http.content_type
        form = False
        try:
            data: Any = {}
            body = None
            if media_type in FORMS:
                data = await form_fields(http)
                form = True
            else:
                body = await http.body()
                if body:
                    data = decoded(body, media_type, http)
            rest = scope["path_params"]["xio_rest"] if self.deeper else ""
            # (echo 82.4k -> 82.3k instructions, callgrind)
            req = _request_from_scope(
                scope,
                method,
                xmethod,
                rest,
                data,
                body,
                http,
                self.verify,
                self.context_of(scope) if self.captures else None,
            )
            func, args = self.responder(req, rest, req.xmethod or req.method)
            value = func(*args) if self.inline else await self.run(func, *args)
            answer = self.finish(value, method)
        except BaseException:
            if form:
                await http.close()  # uploaded files of a form
            raise
        if form:
            if type(answer) is tuple:
                await http.close()
            else:  # a response that may stream: the files are closed once it is sent
                answer.background = http.close
        return answer


class _PublicOrigin:
    """Where chained requests on a public result go: back through ``public_request``."""

    def __init__(self, app: App) -> None:
        self.app = app

    def request(self, method: str, path: str = "", **kwargs: Any) -> Result:
        return self.app.public_request(method, path, **kwargs)
