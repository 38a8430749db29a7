"""App: the native style, mounting, middleware, lifespan, state and the route table."""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import AsyncIterator
from typing import Any

import pytest

from microrest import (
    App,
    HTTPError,
    JSONResponse,
    Limits,
    Middleware,
    PlainTextResponse,
    Request,
    Route,
    RouteInfo,
    render,
)
from microrest.errors import ConfigurationError
from microrest.routing import Miss
from microrest.testing import Client
from microrest.types import Message, Receive, Scope, Send

# the native style ---------------------------------------------------------------------------


def test_decorators_register_each_method_and_return_the_function() -> None:
    app = App()
    seen: list[str] = []

    async def handler(request: Request) -> str:
        seen.append(request.method)
        return request.method

    for verb in ("get", "post", "put", "patch", "delete", "options"):
        assert getattr(app, verb)("/m")(handler) is handler
    app.head("/h")(handler)
    with Client(app) as client:
        for verb in ("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"):
            assert client.request(verb, "/m").text == verb
        assert client.head("/h").status_code == 200
    assert seen == ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"]


def test_route_decorator_with_methods_and_default_get() -> None:
    app = App()

    @app.route("/both", methods=["get", "POST"])
    def both(request: Request) -> str:
        return request.method

    @app.route("/default")
    def default(request: Request) -> str:
        return "get only"

    with Client(app) as client:
        assert client.get("/both").text == "GET"
        assert client.post("/both").text == "POST"
        assert client.get("/default").text == "get only"
        assert client.post("/default").status_code == 405


def test_routes_list_in_constructor() -> None:
    async def home(request: Request) -> str:
        return "home"

    def user(request: Request) -> dict[str, Any]:
        return {"id": request.path_params["id"]}

    app = App(
        routes=[
            Route("/", home),
            Route("/users/{id:int}", user, methods=["GET", "DELETE"], name="user"),
            Route(re.compile(r"/re/(\d+)"), home),
        ]
    )
    with Client(app) as client:
        assert client.get("/").text == "home"
        assert client.get("/users/3").json() == {"id": 3}
        assert client.delete("/users/3").json() == {"id": 3}
        assert client.get("/re/9").text == "home"
    assert app.url_path_for("user", id=5) == "/users/5"


def test_route_validation_messages() -> None:
    with pytest.raises(ConfigurationError, match="not callable"):
        Route("/x", "nope")  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="not an HTTP method token"):
        Route("/x", lambda r: None, methods=["GET POST"])
    with pytest.raises(ConfigurationError, match="must not be empty"):
        Route("/x", lambda r: None, methods=[])


def test_sync_and_async_handlers() -> None:
    app = App()

    @app.get("/sync")
    def sync_handler(request: Request) -> str:
        return "sync"

    @app.get("/async")
    async def async_handler(request: Request) -> str:
        return "async"

    class CallableObject:
        async def __call__(self, request: Request) -> str:
            return "callable"

    app.add_route("/callable", CallableObject())
    with Client(app) as client:
        assert client.get("/sync").text == "sync"
        assert client.get("/async").text == "async"
        assert client.get("/callable").text == "callable"


@pytest.mark.parametrize(
    ("value", "status", "content_type", "body"),
    [
        ("héllo", 200, "text/plain; charset=utf-8", "héllo".encode()),
        (b"\x00\x01", 200, "application/octet-stream", b"\x00\x01"),
        ({"a": [1, 2]}, 200, "application/json", b'{"a":[1,2]}'),
        ([1, "two"], 200, "application/json", b'[1,"two"]'),
        (None, 204, None, b""),
    ],
)
def test_handler_return_values_are_rendered(
    value: Any, status: int, content_type: str | None, body: bytes
) -> None:
    app = App()
    app.add_route("/v", lambda request: value)
    with Client(app) as client:
        response = client.get("/v")
    assert response.status_code == status
    assert response.headers.get("content-type") == content_type
    assert response.content == body
    if status == 204:
        assert "content-length" not in response.headers


def test_render_directly() -> None:
    response = PlainTextResponse("x")
    assert render(response) is response
    assert render("s").media_type == "text/plain"
    assert render(bytearray(b"b")).body == b"b"
    assert render(None).status_code == 204
    with pytest.raises(TypeError, match="return a Response, str, bytes, dict, list or None"):
        render(42)


def test_unrenderable_return_is_a_500() -> None:
    app = App()
    app.add_route("/bad", lambda request: object())
    with Client(app, raise_server_exceptions=False) as client:
        response = client.get("/bad")
    assert response.status_code == 500
    assert response.text == "Internal Server Error"


# mounting -----------------------------------------------------------------------------------


def hello(request: Request) -> dict[str, Any]:
    return {"path": request.path, "params": request.path_params, "app": request.app.style}


def test_mount_merges_routes_into_one_table() -> None:
    child = App(style="child")
    child.add_route("/items/{id:int}", hello, name="item")
    parent = App()
    parent.add_route("/", hello)
    parent.mount("/api", child)
    with Client(parent) as client:
        body = client.get("/api/items/4").json()
        assert body["path"] == "/api/items/4"
        assert body["params"] == {"id": 4}
        assert client.get("/items/4").status_code == 404
    paths = {(row.method, row.path, row.style) for row in parent.routes()}
    assert ("GET", "/api/items/{id:int}", "child") in paths
    assert ("GET", "/", "core") in paths
    hit = parent.router.lookup("GET", "/api/items/4")
    assert not isinstance(hit, Miss) and hit[1] == {"id": 4}


def test_routes_added_after_mounting_are_merged() -> None:
    grandchild = App()
    child = App()
    parent = App()
    child.mount("/g", grandchild)
    parent.mount("/c", child)
    grandchild.add_route("/late", hello)
    child.add_route("/late", hello)
    with Client(parent) as client:
        assert client.get("/c/g/late").json()["path"] == "/c/g/late"
        assert client.get("/c/late").status_code == 200
    assert {row.path for row in parent.routes()} == {"/c/g/late", "/c/late"}


def test_mount_at_root_and_regex_routes_get_the_prefix() -> None:
    child = App()
    child.add_route(re.compile(r"/re/(\d+)"), lambda r: list(r.path_groups))
    root_child = App()
    root_child.add_route("/top", hello)
    parent = App()
    parent.mount("/p", child)
    parent.mount("/", root_child)
    with Client(parent) as client:
        assert client.get("/p/re/12").json() == ["12"]
        assert client.get("/re/12").status_code == 404
        assert client.get("/top").status_code == 200
    assert "/p/re/(\\d+)" in {row.path for row in parent.routes()}


def test_mounted_regex_routes_match_whole_prefix_segments() -> None:
    child = App()
    child.add_route(re.compile(r".*"), lambda r: "child " + r.path)
    parent = App()
    parent.mount("/p", child)
    with Client(parent) as client:
        assert client.get("/p").text == "child /p"
        assert client.get("/p/abc").text == "child /p/abc"
        assert client.get("/pizza").status_code == 404  # not under the /p mount
        assert client.get("/pxyz").status_code == 404


def test_mount_any_object_exposing_microrest_app() -> None:
    class Adapter:
        def __init__(self) -> None:
            self.core = App(style="adapter")
            self.core.add_route("/hi", lambda r: "hi from adapter")

        @property
        def __microrest_app__(self) -> App:
            return self.core

    parent = App()
    parent.mount("/legacy", Adapter())
    with Client(parent) as client:
        assert client.get("/legacy/hi").text == "hi from adapter"
    assert [r.style for r in parent.routes()] == ["adapter"]


def test_mounted_app_keeps_its_own_policies() -> None:
    child = App(trailing_slash="strict", limits=Limits(max_body_size=4), auto_head=False)

    @child.post("/echo")
    async def echo(request: Request) -> bytes:
        return await request.body()

    @child.get("/thing")
    def thing(request: Request) -> str:
        return "thing"

    @child.exception_handler(404)
    def child_404(request: Request, exc: Exception) -> PlainTextResponse:
        return PlainTextResponse("child says no", 404)

    parent = App()
    parent.add_route("/thing", thing)
    parent.mount("/child", child)
    with Client(parent) as client:
        assert client.post("/child/echo", content=b"12345").status_code == 413
        assert client.post("/child/echo", content=b"1234").content == b"1234"
        assert client.get("/child/thing/").text == "child says no"  # strict, no redirect
        assert client.get("/thing/").status_code == 308  # the parent redirects
        assert client.head("/child/thing").status_code == 405
        assert client.head("/thing").status_code == 200
        assert client.get("/nowhere").text == "Not Found"


def test_mount_refuses_cycles_and_non_apps() -> None:
    app = App()
    child = App()
    app.mount("/c", child)
    with pytest.raises(ConfigurationError, match="inside itself"):
        child.mount("/p", app)
    with pytest.raises(ConfigurationError, match="inside itself"):
        app.mount("/self", app)
    with pytest.raises(ConfigurationError, match="needs an ASGI app"):
        app.mount("/x", 42)
    with pytest.raises(ConfigurationError, match="must start with '/'"):
        app.mount("x", App())


def test_black_box_mount_sees_root_path() -> None:
    seen: list[tuple[str, str]] = []

    async def foreign(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append((scope["root_path"], scope["path"]))
        body = f"{scope['root_path']}|{scope['path']}".encode()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": body})

    app = App()
    app.mount("/ext", foreign)
    app.add_route("/ext-not", hello)
    with Client(app) as client:
        assert client.get("/ext/a/b").text == "/ext|/ext/a/b"
        assert client.get("/ext").text == "/ext|/ext"
        assert client.get("/ext-not").status_code == 200  # prefix matches whole segments only
        assert client.get("/other").status_code == 404
    assert seen == [("/ext", "/ext/a/b"), ("/ext", "/ext")]
    mounted = [row for row in app.routes() if row.style == "asgi"]
    assert [(r.method, r.path, r.source) for r in mounted] == [("*", "/ext/...", "<mounted app>")]
    assert mounted[0].handler.endswith("foreign")


def test_black_box_mount_starlette_app_and_nested_microrest_app() -> None:
    from starlette.applications import Starlette
    from starlette.responses import PlainTextResponse as StarlettePlain
    from starlette.routing import Route as StarletteRoute

    def starlette_home(request: Any) -> StarlettePlain:
        return StarlettePlain(f"starlette {request.url.path}")

    starlette = Starlette(routes=[StarletteRoute("/home", starlette_home)])
    inner = App()
    inner.add_route("/x", lambda r: r.url.path)

    async def wrapped_inner(scope: Scope, receive: Receive, send: Send) -> None:
        await inner(scope, receive, send)

    app = App()
    app.mount("/s", starlette)
    app.mount("/inner", wrapped_inner)
    with Client(app) as client:
        assert client.get("/s/home").text == "starlette /s/home"
        assert client.get("/inner/x").text == "/inner/x"
        assert client.get("/inner/y").status_code == 404


def test_black_box_mount_of_a_child_follows_its_parent() -> None:
    async def foreign(scope: Scope, receive: Receive, send: Send) -> None:
        await PlainTextResponse(scope["root_path"])(scope, receive, send)

    child = App()
    child.mount("/box", foreign)
    parent = App()
    parent.mount("/child", child)
    with Client(parent) as client:
        assert client.get("/child/box/z").text == "/child/box"


def test_black_box_exception_becomes_500() -> None:
    async def broken(scope: Scope, receive: Receive, send: Send) -> None:
        raise RuntimeError("boom")

    app = App()
    app.mount("/b", broken)
    with Client(app) as client:
        assert client.get("/b/x").status_code == 500


# middleware ---------------------------------------------------------------------------------


class Tagger:
    """A pure-ASGI middleware adding a header to every response."""

    def __init__(self, app: Any, name: str = "tag", log: list[int] | None = None) -> None:
        self.app = app
        self.name = name
        self.log = log if log is not None else []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def tagged(message: Message) -> None:
            if message["type"] == "http.response.start":
                self.log.append(message["status"])
                message["headers"] = [*message["headers"], (b"x-mw", self.name.encode())]
            await send(message)

        await self.app(scope, receive, tagged)


def test_middleware_sees_every_response_including_404_405_and_500() -> None:
    log: list[int] = []
    app = App()

    @app.get("/ok")
    def ok(request: Request) -> str:
        return "ok"

    @app.get("/boom")
    def boom(request: Request) -> str:
        raise RuntimeError("boom")

    @app.get("/teapot")
    def teapot(request: Request) -> str:
        raise HTTPError(418)

    app.add_middleware(Tagger, name="outer", log=log)
    with Client(app, raise_server_exceptions=False) as client:
        for path, status in (("/ok", 200), ("/missing", 404), ("/boom", 500), ("/teapot", 418)):
            response = client.get(path)
            assert response.status_code == status
            assert response.headers["x-mw"] == "outer"
        response = client.post("/ok")
        assert response.status_code == 405 and response.headers["x-mw"] == "outer"
        assert client.options("/ok").headers["x-mw"] == "outer"
        assert client.get("/ok/").headers["x-mw"] == "outer"  # the redirect
    assert log == [200, 404, 500, 418, 405, 204, 308]


def test_middleware_order_last_added_is_outermost() -> None:
    order: list[str] = []

    class Named:
        def __init__(self, app: Any, name: str) -> None:
            self.app = app
            self.name = name

        async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
            order.append(self.name)
            await self.app(scope, receive, send)

    app = App(middleware=[Middleware(Named, name="ctor")])
    app.add_middleware(Named, name="first")
    app.add_middleware(Named, name="second")
    app.add_route("/", hello)
    with Client(app) as client:
        order.clear()
        client.get("/")
    assert order == ["second", "first", "ctor"]
    with pytest.raises(ConfigurationError, match="before the app handles its first request"):
        app.add_middleware(Named, name="late")


def test_middleware_crash_still_gets_a_500() -> None:
    class Broken:
        def __init__(self, app: Any) -> None:
            self.app = app

        async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] == "http":
                raise RuntimeError("middleware bug")
            await self.app(scope, receive, send)

    app = App()
    app.add_middleware(Broken)
    app.add_route("/", hello)
    with Client(app, raise_server_exceptions=False) as client:
        response = client.get("/")
    assert response.status_code == 500


def test_middleware_covers_mounted_routes() -> None:
    child = App()
    child.add_route("/x", hello)
    app = App()
    app.mount("/c", child)
    app.add_middleware(Tagger)
    with Client(app) as client:
        assert client.get("/c/x").headers["x-mw"] == "tag"
        assert client.get("/c/missing").headers["x-mw"] == "tag"


# lifespan and state -------------------------------------------------------------------------


def test_lifespan_context_hooks_and_state_reach_request_state() -> None:
    events: list[str] = []

    @contextlib.asynccontextmanager
    async def lifespan(app: App) -> AsyncIterator[dict[str, Any]]:
        events.append("enter")
        app.state.started = True
        yield {"db": "connection"}
        events.append("exit")

    async def async_startup() -> None:
        events.append("async startup")

    app = App(
        lifespan=lifespan,
        on_startup=[lambda: events.append("sync startup")],
        on_shutdown=[lambda: events.append("sync shutdown")],
    )
    app.on_startup(async_startup)

    @app.on_shutdown
    async def async_shutdown() -> None:
        events.append("async shutdown")

    @app.get("/state")
    def read_state(request: Request) -> dict[str, Any]:
        request.state.per_request = 1
        return {"db": request.state.db, "app_started": request.app.state.started}

    with Client(app) as client:
        assert events == ["enter", "sync startup", "async startup"]
        assert client.get("/state").json() == {"db": "connection", "app_started": True}
        assert client.get("/state").json()["db"] == "connection"
    assert events == [
        "enter",
        "sync startup",
        "async startup",
        "sync shutdown",
        "async shutdown",
        "exit",
    ]


def test_lifespan_of_mounted_apps_runs_too() -> None:
    events: list[str] = []

    @contextlib.asynccontextmanager
    async def child_lifespan(app: App) -> AsyncIterator[dict[str, Any]]:
        events.append("child up")
        yield {"child_resource": 1}
        events.append("child down")

    child = App(lifespan=child_lifespan, on_startup=[lambda: events.append("child hook")])
    child.add_route("/r", lambda r: {"child_resource": r.state.child_resource})
    parent = App(on_startup=[lambda: events.append("parent hook")])
    parent.mount("/c", child)
    with Client(parent) as client:
        assert client.get("/c/r").json() == {"child_resource": 1}
    assert events == ["parent hook", "child up", "child hook", "child down"]


def test_failing_startup_is_reported() -> None:
    def fail() -> None:
        raise RuntimeError("no database")

    app = App(on_startup=[fail])
    with pytest.raises(RuntimeError, match="no database"), Client(app):
        pass


def test_request_state_is_per_request() -> None:
    app = App()

    @app.get("/")
    def handler(request: Request) -> dict[str, Any]:
        before = getattr(request.state, "count", None)
        request.state.count = 1
        return {"before": before}

    with Client(app) as client:
        assert client.get("/").json() == {"before": None}
        assert client.get("/").json() == {"before": None}


# the route table ----------------------------------------------------------------------------


def table_handler(request: Request) -> str:
    return "t"


def test_routes_table_rows() -> None:
    app = App()
    app.add_route("/t/{id:int}", table_handler, ["GET", "POST"], name="t")
    child = App(style="webpy")
    child.add_route(re.compile(r"/w/(\d+)"), table_handler)
    app.mount("/legacy", child)
    rows = app.routes()
    where = f"{os.path.relpath(__file__)}:{table_handler.__code__.co_firstlineno}"
    handler = f"{__name__}.table_handler"
    assert rows == [
        RouteInfo("GET", "/t/{id:int}", "core", handler, where, "t"),
        RouteInfo("POST", "/t/{id:int}", "core", handler, where, "t"),
        RouteInfo("GET", "/legacy/w/(\\d+)", "webpy", handler, where, None),
    ]


def test_routes_table_source_override() -> None:
    class Resource:
        def on_get(self, request: Request) -> str:
            return "r"

    resource = Resource()
    app = App()
    app.add_route("/r", resource.on_get, source=Resource, style="falconish")
    (row,) = app.routes()
    assert row.handler.endswith("Resource")
    assert row.style == "falconish"
    assert row.source.startswith(os.path.relpath(__file__) + ":")


# raw endpoints ------------------------------------------------------------------------------


def test_raw_endpoint_owns_the_wire() -> None:
    async def raw(scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        chunks = [chunk async for chunk in request.stream()]
        body = f"{scope['path_params']['name']}:{len(chunks)}:{b''.join(chunks).decode()}"
        assert scope["route"].raw
        await send({"type": "http.response.start", "status": 201, "headers": []})
        await send({"type": "http.response.body", "body": body.encode()})

    app = App()
    app.add_route("/raw/{name}", raw, ["POST"], raw=True)
    with Client(app) as client:
        response = client.post("/raw/x", content=b"data")
    assert response.status_code == 201
    assert response.text == "x:1:data"


def test_raw_endpoint_error_before_start_is_500_with_handlers() -> None:
    async def raw(scope: Scope, receive: Receive, send: Send) -> None:
        raise HTTPError(409, "taken")

    app = App()
    app.add_route("/raw", raw, raw=True)
    with Client(app) as client:
        response = client.get("/raw")
    assert response.status_code == 409
    assert response.text == "taken"


def test_json_response_from_handler_with_status() -> None:
    app = App()
    app.add_route("/j", lambda r: JSONResponse({"x": 1}, status_code=201), ["POST"])
    with Client(app) as client:
        response = client.post("/j")
    assert response.status_code == 201 and response.json() == {"x": 1}
