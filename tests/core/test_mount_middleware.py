"""mount() keeps the mounted app's own middleware for its own routes, in every style."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

import microrest.adapters.webpy as web
from microrest import App, Request
from microrest.adapters import vestespy
from microrest.adapters.corepost.enums import Http
from microrest.adapters.corepost.web import CorePost
from microrest.errors import ConfigurationError
from microrest.testing import Client
from microrest.types import Message, Receive, Scope, Send


class Tag:
    """Records that it saw the request, and appends its name to the response's ``x-mw``."""

    def __init__(self, app: Any, name: str, seen: list[str]) -> None:
        self.app = app
        self.name = name
        self.seen = seen

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        self.seen.append(self.name)

        async def tagged(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message["headers"], (b"x-mw", self.name.encode())]
            await send(message)

        await self.app(scope, receive, tagged)


def core_child() -> tuple[Any, App]:
    child = App()

    @child.get("/hello")
    def hello(request: Request) -> str:
        return "core child"

    return child, child


def corepost_child() -> tuple[Any, App]:
    child = CorePost()

    @child.route("/hello", Http.GET)
    def hello(request: Any, **kwargs: Any) -> str:
        return "corepost child"

    return child, child.__microrest_app__


def vestespy_child() -> tuple[Any, App]:
    server = vestespy.Server(("localhost", 8080))
    server.on("request", lambda ev, req, res: res.send_all("vestespy child"))
    return server, server.app


def webpy_child() -> tuple[Any, App]:
    class Hello(web.HTTPHandler):
        def do_get(self) -> Any:
            return 200, "webpy child"

    server = web.HTTPServer(("localhost", 0), {"/hello": Hello})
    return server, server.__microrest_app__


STYLES: dict[str, Callable[[], tuple[Any, App]]] = {
    "core": core_child,
    "corepost": corepost_child,
    "vestespy": vestespy_child,
    "webpy": webpy_child,
}


@pytest.mark.parametrize("style", sorted(STYLES))
def test_both_stacks_apply_parent_outermost_child_routes_only(style: str) -> None:
    seen: list[str] = []
    child, child_app = STYLES[style]()
    child_app.add_middleware(Tag, name="child", seen=seen)
    parent = App()
    parent.add_middleware(Tag, name="parent", seen=seen)

    @parent.get("/own")
    def own(request: Request) -> str:
        return "parent"

    parent.mount("/sub", child)
    with Client(parent) as client:
        response = client.get("/sub/hello")
        assert response.status_code == 200
        assert response.text == f"{style} child"
        assert seen == ["parent", "child"]  # the request meets the parent's stack first
        # the answer goes out through the child's stack, then the parent's
        assert response.headers.get_list("x-mw") == ["child", "parent"]

        seen.clear()
        response = client.get("/own")
        assert response.text == "parent"
        assert seen == ["parent"] and response.headers.get_list("x-mw") == ["parent"]

        seen.clear()
        response = client.head("/sub/hello")  # the automatic or style HEAD goes through both
        assert response.status_code == 200 and response.content == b""
        assert seen == ["parent", "child"]


def test_the_child_stack_sees_its_handlers_errors_and_nested_mounts_compose() -> None:
    seen: list[str] = []
    inner = App()
    inner.add_middleware(Tag, name="inner", seen=seen)

    @inner.get("/boom")
    def boom(request: Request) -> str:
        raise RuntimeError("boom")

    middle = App()
    middle.add_middleware(Tag, name="middle", seen=seen)
    middle.mount("/in", inner)

    @inner.get("/late")  # registered after mounting: still inside both stacks
    def late(request: Request) -> str:
        return "late"

    root = App()
    root.add_middleware(Tag, name="root", seen=seen)
    root.mount("/mid", middle)
    with Client(root, raise_server_exceptions=False) as client:
        response = client.get("/mid/in/boom")
        assert response.status_code == 500
        assert response.headers.get_list("x-mw") == ["inner", "middle", "root"]
        assert seen == ["root", "middle", "inner"]
        response = client.get("/mid/in/late")
        assert response.text == "late"
        assert response.headers.get_list("x-mw") == ["inner", "middle", "root"]
        response = client.get("/mid/in/nothing")  # a miss is no child route: root's stack only
        assert response.status_code == 404 and response.headers.get_list("x-mw") == ["root"]
    assert [row.path for row in root.routes()] == ["/mid/in/boom", "/mid/in/late"]


def test_one_middleware_instance_per_mounted_app() -> None:
    built: list[Any] = []

    class Counting:
        def __init__(self, app: Any) -> None:
            self.app = app
            self.calls = 0
            built.append(self)

        async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
            self.calls += 1
            await self.app(scope, receive, send)

    child = App()
    child.add_middleware(Counting)
    for path in ("/a", "/b/{id:int}", "/c"):
        child.add_route(path, lambda request: "ok")
    parent = App()
    parent.mount("/child", child)
    with Client(parent) as client:
        for path in ("/child/a", "/child/b/1", "/child/c", "/child/a"):
            assert client.get(path).text == "ok"
    assert len(built) == 1 and built[0].calls == 4  # shared by the child's routes, as unmounted


def test_a_child_without_middleware_is_called_directly() -> None:
    child = App()

    @child.get("/x")
    def x(request: Request) -> str:
        return "x"

    parent = App()
    parent.mount("/c", child)
    route = parent.router.all_routes[0]
    assert route.endpoint is x and not route.raw  # the hot path: no wrapper in between


def test_middleware_added_after_mounting_is_refused() -> None:
    child = App()
    App().mount("/c", child)
    with pytest.raises(ConfigurationError, match="before the app is mounted"):
        child.add_middleware(Tag, name="late", seen=[])
