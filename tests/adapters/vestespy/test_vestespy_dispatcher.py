"""The Dispatcher: patterns, parameters, regexes, 404, and its patterns as core routes."""

from __future__ import annotations

import inspect
import os
import re
from collections.abc import Callable
from typing import Any

import pytest

from microrest import App
from microrest.adapters import vestespy
from microrest.adapters.vestespy.dispatcher import HTML404, translate
from microrest.adapters.vestespy.tools import Dispatcher, Event
from microrest.testing import Client

Req = vestespy.Request
Res = vestespy.Response


def readme_server() -> vestespy.Server:
    """The README's Dispatcher example (without the start call)."""
    server = vestespy.Server(("localhost", 8080), debug=True)
    dispatcher = vestespy.tools.Dispatcher()

    def home(ev: Event, req: Req, res: Res) -> None:
        res.send_all("test")

    dispatcher.register("/", home)

    def test(ev: Event, req: Req, res: Res, id: str | None = None) -> None:  # noqa: A002
        res.send_all("ID: %s" % id)  # noqa: UP031 - the README line

    dispatcher.register("/test/:id", test)
    server.on("request", dispatcher.as_handler())
    return server


@pytest.mark.parametrize(
    ("path", "status", "body"),
    [
        ("/", 200, "test"),
        ("/test/5", 200, "ID: 5"),
        ("/test/5?x=1", 200, "ID: 5"),
        ("/test/abc123", 200, "ID: abc123"),
        ("/test/", 200, "ID: "),
        ("/test/5/", 404, HTML404.decode()),
        ("/nothere", 404, HTML404.decode()),
        ("/test/abc-def", 404, HTML404.decode()),
        ("/test/%41", 404, HTML404.decode()),
    ],
)
def test_readme_dispatcher_cases(
    connect: Callable[..., Client], path: str, status: int, body: str
) -> None:
    response = connect(readme_server()).get(path)
    assert (response.status_code, response.text) == (status, body)
    assert response.headers["content-length"] == str(len(body))


def test_the_404_is_html(connect: Callable[..., Client]) -> None:
    response = connect(readme_server()).get("/nothere")
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert response.headers["content-length"] == "72"


def test_every_method_reaches_the_handler(connect: Callable[..., Client]) -> None:
    server = vestespy.Server(("localhost", 8080))
    dispatcher = Dispatcher()
    dispatcher.register("/m", lambda ev, req, res: res.send_all(req.method))
    server.on("request", dispatcher.as_handler())
    client = connect(server)
    for method in ("GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"):
        assert client.request(method, "/m").text == method


def test_several_params_and_regex_groups(connect: Callable[..., Client]) -> None:
    server = vestespy.Server(("localhost", 8080))
    dispatcher = Dispatcher()
    dispatcher.register("/a/:x/b/:y", lambda ev, req, res, x, y: res.send_all(f"{x}+{y}"))
    dispatcher.register(r"/re/(?P<num>\d+)", lambda ev, req, res, num: res.send_all(num * 2))
    dispatcher.register("/(?:opt/)?:name", lambda ev, req, res, name: res.send_all(name))
    server.on("request", dispatcher.as_handler())
    client = connect(server)
    assert client.get("/a/1/b/two").text == "1+two"
    assert client.get("/re/123").text == "123123"
    assert client.get("/re/12a").status_code == 404
    assert client.get("/opt/bob").text == "bob"
    assert client.get("/alice").text == "alice"


def test_async_target_handlers(connect: Callable[..., Client]) -> None:
    server = vestespy.Server(("localhost", 8080))
    dispatcher = Dispatcher()

    async def item(ev: Event, req: Req, res: Res, id: str) -> None:  # noqa: A002
        req.on("end", lambda ev, req, res: res.send_all(f"item {id}"))

    dispatcher.register("/items/:id", item)
    server.on("request", dispatcher.as_handler())
    assert connect(server).post("/items/7", content=b"x").text == "item 7"


def test_first_registration_wins(connect: Callable[..., Client]) -> None:
    server = vestespy.Server(("localhost", 8080))
    dispatcher = Dispatcher()
    dispatcher.register("/x/:a", lambda ev, req, res, a: res.send_all("first " + a))
    dispatcher.register("/x/(?P<b>.*)", lambda ev, req, res, b: res.send_all("second " + b))
    dispatcher.register("/x/:a", lambda ev, req, res, a: res.send_all("never"))
    server.on("request", dispatcher.as_handler())
    client = connect(server)
    assert client.get("/x/1").text == "first 1"
    assert client.get("/x/1-2").text == "second 1-2"


def test_top_level_alternatives_match_like_the_original(connect: Callable[..., Client]) -> None:
    # re.match("/a|/b$") accepts any path starting with "/a": the core's full match does not,
    # so the dispatcher's own matching decides.
    server = vestespy.Server(("localhost", 8080))
    dispatcher = Dispatcher()
    dispatcher.register("/a|/b", lambda ev, req, res: res.send_all("alt"))
    dispatcher.register("/abc", lambda ev, req, res: res.send_all("abc"))
    server.on("request", dispatcher.as_handler())
    client = connect(server)
    assert client.get("/abc").text == "alt"
    assert client.get("/b").text == "alt"
    assert client.get("/bc").status_code == 404


def test_get_pattern_by_url_or_name() -> None:
    dispatcher = Dispatcher()

    def handler(ev: Event, req: Req, res: Res, id: str) -> None:  # noqa: A002
        pass

    dispatcher.register("/test/:id", handler, name="test")
    by_url = dispatcher.get_pattern("/test/9")
    assert by_url.handler is handler and by_url.name == "test"
    assert by_url.groups == ["id"]
    assert isinstance(by_url.regex, re.Pattern)
    regex, groups, found, name = dispatcher.get_pattern(name="test")
    assert found is handler and name == "test"
    missing = dispatcher.get_pattern("/nope")
    assert missing.regex is None and missing.handler.__name__ == "handle404"
    assert dispatcher.get_pattern(name="nope").regex is None
    with pytest.raises(ValueError, match="both url and name"):
        dispatcher.get_pattern("/test/1", name="test")


def test_register_validates_its_arguments() -> None:
    dispatcher = Dispatcher()
    with pytest.raises(TypeError, match="only register callables"):
        dispatcher.register("/", "nope")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="distinct identifiers"):
        dispatcher.register("/:x/:x", lambda ev, req, res, x: None)
    with pytest.raises(ValueError, match="not a valid regex"):
        dispatcher.register("/(unclosed", lambda ev, req, res: None)


def test_patterns_appear_in_the_route_table() -> None:
    server = readme_server()
    rows = [
        (row.method, row.path, row.style, row.handler.rsplit(".", 1)[-1])
        for row in server.__microrest_app__.routes()
    ]
    assert rows == [
        ("*", "/", "vestespy", "home"),
        ("*", "/test/:id", "vestespy", "test"),  # as registered, not the translated regex
        ("*", "/...", "vestespy", "Dispatcher"),  # request:vestespy.tools.Dispatcher
    ]


def test_the_route_table_shows_the_style_mount_and_the_users_own_lines() -> None:
    """Issue 9 item 21: no internal catch-all regex sourced to the adapter's file."""
    built = inspect.currentframe().f_lineno + 1  # type: ignore[union-attr]
    server = vestespy.Server(("localhost", 8080))
    dispatcher = Dispatcher()

    def item(ev: Event, req: Req, res: Res, id: int) -> None:
        res.send_all(str(id))

    def logs(ev: Event, req: Req, res: Res) -> None:
        pass

    dispatcher.register("/items/:id(int)", item)
    dispatcher.register(r"/re/(?P<num>\d+)", item)
    server.on("request", logs)
    server.on("request", dispatcher.as_handler())
    app = App()
    app.mount("/vestespy", server)
    line = inspect.getsourcelines(item)[1]
    here = os.path.relpath(__file__)
    assert [(row.path, row.handler, row.source) for row in app.routes()] == [
        ("/vestespy/items/:id(int)", item.__module__ + "." + item.__qualname__, f"{here}:{line}"),
        ("/vestespy/re/(?P<num>\\d+)", item.__module__ + "." + item.__qualname__, f"{here}:{line}"),
        (
            "/vestespy/...",
            f"request:{logs.__module__}.{logs.__qualname__},vestespy.tools.Dispatcher",
            f"{here}:{built}",
        ),
    ]
    assert all("src/microrest" not in row.source for row in app.routes())


def test_patterns_registered_after_attaching_and_after_first_use(
    connect: Callable[..., Client],
) -> None:
    server = vestespy.Server(("localhost", 8080))
    dispatcher = Dispatcher()
    server.on("request", dispatcher.as_handler())
    dispatcher.register("/early", lambda ev, req, res: res.send_all("early"))
    client = connect(server)
    assert client.get("/early").text == "early"
    dispatcher.register("/late/:n", lambda ev, req, res, n: res.send_all("late " + n))
    assert client.get("/late/3").text == "late 3"  # after the catch-all: found by the dispatcher
    paths = [row.path for row in server.app.routes()]
    assert paths == ["/early", "/...", "/late/:n"]


def test_a_wrapped_handler_dispatches_by_itself(connect: Callable[..., Client]) -> None:
    server = vestespy.Server(("localhost", 8080))
    dispatcher = Dispatcher()
    dispatcher.register("/w/:n", lambda ev, req, res, n: res.send_all("w" + n))
    dispatch = dispatcher.as_handler()

    def wrapper(ev: Event, req: Req, res: Res) -> None:
        res.headers["X-Wrapped"] = "yes"
        dispatch(ev, req, res)

    server.on("request", wrapper)
    response = connect(server).get("/w/1")
    assert (response.text, response.headers["x-wrapped"]) == ("w1", "yes")
    assert [row.path for row in server.app.routes()] == ["/..."]


def test_a_wrapped_handler_can_reach_async_targets(connect: Callable[..., Client]) -> None:
    server = vestespy.Server(("localhost", 8080))
    dispatcher = Dispatcher()

    async def target(ev: Event, req: Req, res: Res) -> None:
        res.send_all("async target")

    dispatcher.register("/", target)
    dispatch = dispatcher.as_handler()
    server.on("request", lambda ev, req, res: dispatch(ev, req, res))
    assert connect(server).get("/").text == "async target"


def test_two_dispatchers_and_shared_patterns(connect: Callable[..., Client]) -> None:
    server = vestespy.Server(("localhost", 8080))
    first, second = Dispatcher(), Dispatcher()
    first.register("/shared", lambda ev, req, res: res.headers.__setitem__("X-First", "1"))
    second.register("/shared", lambda ev, req, res: res.send_all("second"))
    second.register("/only-second", lambda ev, req, res: res.send_all("only"))
    first.register("/only-second", lambda ev, req, res: None)
    server.on("request", first.as_handler())
    server.on("request", second.as_handler())
    client = connect(server)
    shared = client.get("/shared")
    assert (shared.text, shared.headers["x-first"]) == ("second", "1")
    assert client.get("/only-second").text == "only"
    # one route per pattern: no RouteConflict for a pattern both dispatchers know
    assert [row.path for row in server.app.routes()].count("/shared") == 1


def test_off_removes_the_dispatcher_from_the_chain(connect: Callable[..., Client]) -> None:
    server = vestespy.Server(("localhost", 8080))
    dispatcher = Dispatcher()
    dispatcher.register("/", lambda ev, req, res: res.send_all("routed"))
    server.on("request", dispatcher.as_handler())
    client = connect(server)
    assert client.get("/").text == "routed"
    server.off("request", dispatcher.as_handler())
    server.on("request", lambda ev, req, res: res.send_all("fallback"))
    assert client.get("/").text == "fallback"


def test_mounted_under_a_prefix_in_a_core_app(connect: Callable[..., Client]) -> None:
    app = App()

    @app.get("/core")
    async def core(request: Any) -> str:
        return "core"

    app.mount("/v", readme_server())
    client = connect(app)
    assert client.get("/core").text == "core"
    assert client.get("/v/test/5").text == "ID: 5"
    assert client.get("/v/").text == "test"
    assert client.get("/v").status_code == 404  # the server's "/" is "/v/"
    assert client.get("/v/nothere").status_code == 404
    assert client.get("/v/nothere").text == HTML404.decode()
    paths = {(row.path, row.style) for row in app.routes()}
    assert ("/v/test/:id", "vestespy") in paths
    assert ("/core", "core") in paths


def test_literal_patterns_become_static_routes_unless_an_earlier_one_matches(
    connect: Callable[..., Client],
) -> None:
    server = vestespy.Server(("localhost", 8080))
    dispatcher = Dispatcher()
    dispatcher.register("/static", lambda ev, req, res: res.send_all("static"))
    dispatcher.register("/any/.*", lambda ev, req, res: res.send_all("regex"))
    dispatcher.register("/any/thing", lambda ev, req, res: res.send_all("never reached"))
    dispatcher.register("/other", lambda ev, req, res: res.send_all("other"))
    server.on("request", dispatcher.as_handler())
    client = connect(server)
    assert client.get("/static").text == "static"
    assert client.get("/any/thing").text == "regex"  # first registration wins
    assert client.get("/other").text == "other"
    assert client.get("/stat%69c").status_code == 404  # the original matched escapes literally
    table = server.app.router
    assert set(table.static) == {"/static", "/other"}


def typed_server() -> tuple[vestespy.Server, list[Any]]:
    seen: list[Any] = []
    server = vestespy.Server(("localhost", 8080))
    dispatcher = Dispatcher()

    def item(ev: Event, req: Req, res: Res, id: int) -> None:  # noqa: A002
        seen.append(id)
        res.send_all(f"item {id + 1}")

    def ratio(ev: Event, req: Req, res: Res, value: float) -> None:
        seen.append(value)
        res.send_all(repr(value))

    def bounded(ev: Event, req: Req, res: Res, n: str) -> None:
        res.send_all(f"n {int(n)}")

    dispatcher.register("/items/:id(int)", item)
    dispatcher.register("/ratio/:value(float)", ratio)
    dispatcher.register("/n/(?P<n>[0-9]{1,9})", bounded)  # the documented bounded regex
    server.on("request", dispatcher.as_handler())
    return server, seen


def test_typed_parameters_arrive_converted(connect: Callable[..., Client]) -> None:
    """Issue 10 item 11: typed, bounded path values in the Dispatcher."""
    server, seen = typed_server()
    client = connect(server)
    assert client.get("/items/41").text == "item 42"
    assert client.get("/ratio/2.5").text == "2.5"
    assert client.get("/n/7").text == "n 7"
    assert seen == [41, 2.5]
    assert type(seen[0]) is int


@pytest.mark.parametrize(
    "path",
    [
        "/items/" + "9" * 5000,  # int() would refuse it: a 500 before
        "/items/" + "9" * 19,  # past the core's 18-digit bound
        "/items/-1",
        "/items/1.5",
        "/items/",
        "/items/%31",  # percent-escapes are not decoded, as ever
        "/items/\u0661",  # a non-ASCII digit
        "/ratio/inf",
        "/n/" + "9" * 5000,
    ],
)
def test_typed_parameters_refuse_what_they_cannot_hold_with_a_404(
    path: str, connect: Callable[..., Client]
) -> None:
    server, seen = typed_server()
    response = connect(server).get(path)
    assert (response.status_code, response.text) == (404, HTML404.decode())
    assert seen == []


def test_typed_parameters_use_the_core_converters_and_unknown_types_say_so() -> None:
    assert translate("/a/:id(int)") == "/a/(?P<id>[0-9]{1,18})"
    assert translate("/a/:id") == "/a/(?P<id>[0-9A-Za-z]*?)"
    assert translate("/a/(?:x|y)/:id(uuid)").startswith("/a/(?:x|y)/(?P<id>[0-9a-fA-F]{8}")
    with pytest.raises(ValueError, match=r"unknown parameter type 'number'.*int"):
        Dispatcher().register("/a/:id(number)", lambda ev, req, res, id: None)


def test_a_typed_parameter_also_works_when_the_dispatcher_scans(
    connect: Callable[..., Client],
) -> None:
    """Registered after first use, the pattern is found by the dispatcher's own scan."""
    server = vestespy.Server(("localhost", 8080))
    dispatcher = Dispatcher()
    server.on("request", dispatcher.as_handler())
    client = connect(server)
    assert client.get("/late/3").status_code == 404
    dispatcher.register("/late/:n(int)", lambda ev, req, res, n: res.send_all(repr(n * 2)))
    assert client.get("/late/3").text == "6"
    assert client.get("/late/" + "3" * 5000).status_code == 404
    assert client.get("/late/%33").status_code == 404
