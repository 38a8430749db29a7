"""The compiled router: static dict, trie, converters, regexes, misses, HEAD/OPTIONS, slashes."""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from microrest import App, Converter, Request, register_converter
from microrest.errors import ConfigurationError, RouteConflict
from microrest.routing import CONVERTERS, Miss, Router
from microrest.routing.route import Route
from microrest.testing import Client

from .asgi import call


def echo(request: Request) -> dict[str, Any]:
    return {"params": request.path_params, "groups": list(request.path_groups)}


def named(tag: str) -> Any:
    async def handler(request: Request) -> str:
        return tag

    return handler


def line_of(func: Any) -> str:
    return f"{os.path.relpath(func.__code__.co_filename)}:{func.__code__.co_firstlineno}"


# static paths and the trie ------------------------------------------------------------------


def test_static_paths_live_in_a_dict() -> None:
    app = App()
    for i in range(1000):
        app.add_route(f"/static/{i}", named(str(i)))
    assert len(app.router.static) == 1000
    assert "/static/999" in app.router.static
    with Client(app) as client:
        assert client.get("/static/999").text == "999"
        assert client.get("/static/0").text == "0"
        assert client.get("/static/1000").status_code == 404


def test_lookup_cost_does_not_scan_templates() -> None:
    """1000 distinct templates share one trie level; each is reached through its own key."""
    router = Router()
    app = App()
    for i in range(1000):
        route = Route(f"/r{i}/{{x:int}}", named(str(i)))
        route.bind(app)
        router.add(route)
    assert len(router.root.static) == 1000
    hit = router.lookup("GET", "/r999/5")
    assert not isinstance(hit, Miss) and hit[1] == {"x": 5}


def test_template_params_are_converted() -> None:
    app = App()
    app.add_route("/users/{id:int}/posts/{slug}", echo)
    with Client(app) as client:
        response = client.get("/users/42/posts/hello-world")
    assert response.status_code == 200
    assert response.json() == {"params": {"id": 42, "slug": "hello-world"}, "groups": []}


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/f/1.5", 1.5),
        ("/f/3", 3.0),
    ],
)
def test_float_converter(path: str, expected: float) -> None:
    app = App()
    app.add_route("/f/{x:float}", echo)
    with Client(app) as client:
        assert client.get(path).json()["params"] == {"x": expected}
        for bad in ("/f/nan", "/f/inf", "/f/1e5", "/f/-1.0", "/f/1."):
            assert client.get(bad).status_code == 404, bad


def test_uuid_converter() -> None:
    seen: list[Any] = []

    def handler(request: Request) -> str:
        seen.append(request.path_params["key"])
        return "ok"

    app = App()
    app.add_route("/k/{key:uuid}", handler)
    key = uuid.uuid4()
    with Client(app) as client:
        assert client.get(f"/k/{key}").status_code == 200
        assert client.get("/k/not-a-uuid").status_code == 404
    assert seen == [key]
    assert isinstance(seen[0], uuid.UUID)


def test_path_converter_takes_the_rest() -> None:
    app = App()
    app.add_route("/files/{rest:path}", echo)
    with Client(app) as client:
        assert client.get("/files/a/b/c.txt").json()["params"] == {"rest": "a/b/c.txt"}
        assert client.get("/files/").json()["params"] == {"rest": ""}


def test_str_converter_is_one_segment() -> None:
    app = App()
    app.add_route("/s/{name}", echo)
    with Client(app) as client:
        assert client.get("/s/a").status_code == 200
        assert client.get("/s/a/b").status_code == 404


@pytest.fixture
def registered_converter() -> Iterator[str]:
    name = "hexcolor"
    register_converter(
        name,
        Converter(r"[0-9a-f]{6}", lambda s: int(s, 16), lambda v: format(v, "06x"), weight=12),
    )
    yield name
    del CONVERTERS[name]


def test_registered_converter_matches_parses_and_formats(registered_converter: str) -> None:
    app = App()
    app.add_route(f"/color/{{c:{registered_converter}}}", echo, name="color")
    with Client(app) as client:
        assert client.get("/color/ff0000").json()["params"] == {"c": 0xFF0000}
        assert client.get("/color/red").status_code == 404
    assert app.url_path_for("color", c=255) == "/color/0000ff"


def test_register_converter_refuses_bad_names_and_duplicates(registered_converter: str) -> None:
    with pytest.raises(ConfigurationError, match="already registered"):
        register_converter(registered_converter, Converter(r"x"))
    with pytest.raises(ConfigurationError, match="already registered"):
        register_converter("int", Converter(r"x"))
    with pytest.raises(ConfigurationError, match="identifier"):
        register_converter("no-dash", Converter(r"x"))
    with pytest.raises(ConfigurationError, match="rest of a path"):
        register_converter("rest2", Converter(r".*", consumes_rest=True))


# int: ASCII digits only, bounded ------------------------------------------------------------


@pytest.mark.parametrize(
    "segment",
    [
        "\u0661\u0662\u0663",  # Arabic-Indic digits: int() accepts them, a URL id must not
        "\uff11\uff12",  # full-width digits
        "+5",
        "-5",
        " 5",
        "5_000",
        "1" * 19,
        "9" * 5000,
    ],
)
def test_int_refuses_non_ascii_signs_and_huge(segment: str) -> None:
    app = App()
    app.add_route("/n/{id:int}", echo)
    with Client(app) as client:
        response = client.get("/n/" + segment)
    assert response.status_code == 404


def test_int_accepts_up_to_18_digits() -> None:
    app = App()
    app.add_route("/n/{id:int}", echo)
    with Client(app) as client:
        assert client.get("/n/" + "9" * 18).json()["params"] == {"id": int("9" * 18)}
        assert client.get("/n/007").json()["params"] == {"id": 7}


def test_5000_digit_id_is_404_even_with_a_str_fallback_elsewhere() -> None:
    app = App()
    app.add_route("/n/{id:int}", named("int"))
    app.add_route("/m/{id}", named("str"))
    with Client(app) as client:
        assert client.get("/n/" + "1" * 5000).status_code == 404
        assert client.get("/m/" + "1" * 5000).text == "str"


# regex routes -------------------------------------------------------------------------------


def test_regex_route_positional_and_named_groups() -> None:
    app = App()
    app.add_route(re.compile(r"/archive/(\d{4})/(?P<month>\d{2})/(.+)"), echo)
    with Client(app) as client:
        body = client.get("/archive/2024/05/post").json()
    assert body == {"params": {"month": "05"}, "groups": ["2024", "05", "post"]}


def test_regex_route_is_full_matched() -> None:
    app = App()
    app.add_route(re.compile(r"/x/\d+"), named("x"))
    with Client(app) as client:
        assert client.get("/x/12").text == "x"
        assert client.get("/x/12/more").status_code == 404
        assert client.get("/prefix/x/12").status_code == 404


def test_regex_route_sees_the_decoded_path() -> None:
    app = App()
    app.add_route(re.compile(r"/say/(.+)"), echo)
    with Client(app) as client:
        assert client.get("/say/hello%20world").json()["groups"] == ["hello world"]


# priority -----------------------------------------------------------------------------------


def test_static_beats_template_beats_regex_whatever_the_order() -> None:
    app = App()
    app.add_route(re.compile(r"/p/.*"), named("regex"))
    app.add_route("/p/{name}", named("template"))
    app.add_route("/p/me", named("static"))
    with Client(app) as client:
        assert client.get("/p/me").text == "static"
        assert client.get("/p/you").text == "template"
        assert client.get("/p/a/b").text == "regex"


def test_int_beats_str_whatever_the_order() -> None:
    app = App()
    app.add_route("/n/{name}", named("str"))
    app.add_route("/n/{id:int}", named("int"))
    with Client(app) as client:
        assert client.get("/n/7").text == "int"
        assert client.get("/n/seven").text == "str"


def test_static_segment_beats_placeholder_and_backtracks() -> None:
    app = App()
    app.add_route("/a/{x}/c", named("placeholder"))
    app.add_route("/a/b/d", named("static"))
    with Client(app) as client:
        assert client.get("/a/b/d").text == "static"
        # "b" is a static child, but only the placeholder branch leads to /c
        assert client.get("/a/b/c").text == "placeholder"


def test_regexes_are_tried_in_registration_order() -> None:
    app = App()
    app.add_route(re.compile(r"/r/(.*)"), named("first"))
    app.add_route(re.compile(r"/r/(\d+)"), named("second"))
    with Client(app) as client:
        assert client.get("/r/1").text == "first"


def test_mixed_segment_beats_bare_placeholder() -> None:
    app = App()
    app.add_route("/f/{name}", named("bare"))
    app.add_route("/f/{name}.json", named("mixed"))
    with Client(app) as client:
        assert client.get("/f/a.json").text == "mixed"
        assert client.get("/f/a.txt").text == "bare"


# misses -------------------------------------------------------------------------------------


def test_404_for_unknown_path() -> None:
    app = App()
    app.add_route("/here", named("here"))
    with Client(app) as client:
        response = client.get("/there")
    assert response.status_code == 404
    assert response.text == "Not Found"


def test_405_allow_is_the_union_across_routes() -> None:
    app = App()
    app.add_route("/items/{id:int}", named("get"), ["GET"])
    app.add_route("/items/{name}", named("post"), ["POST"])
    app.add_route(re.compile(r"/items/\d+"), named("put"), ["PUT"])
    with Client(app) as client:
        response = client.delete("/items/5")
        assert response.status_code == 405
        assert response.headers["allow"] == "GET, HEAD, OPTIONS, POST, PUT"
        # a path matched by fewer routes lists fewer methods
        response = client.delete("/items/abc")
        assert response.headers["allow"] == "OPTIONS, POST"


def test_405_goes_through_the_first_candidate_too() -> None:
    """The first candidate lacks the method but a later one has it: that one answers."""
    app = App()
    app.add_route("/items/{id:int}", named("get"), ["GET"])
    app.add_route("/items/{name}", named("post"), ["POST"])
    with Client(app) as client:
        assert client.post("/items/5").text == "post"


def test_star_method_takes_any_method_but_is_not_listed() -> None:
    app = App()
    app.add_route("/any", named("any"), ["*"])
    app.add_route("/any", named("get"), ["GET"])
    with Client(app) as client:
        assert client.get("/any").text == "get"
        assert client.request("PURGE", "/any").text == "any"
        assert client.delete("/any").text == "any"


# automatic HEAD and OPTIONS -----------------------------------------------------------------


def test_auto_head_same_headers_no_body() -> None:
    async def handler(request: Request) -> Any:
        from microrest import PlainTextResponse

        return PlainTextResponse("hello", headers={"X-Thing": "1"})

    app = App()
    app.add_route("/h/{x:int}", handler)
    with Client(app) as client:
        get = client.get("/h/1")
        head = client.head("/h/1")
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["content-length"] == "5" == get.headers["content-length"]
    assert head.headers["x-thing"] == "1"
    assert head.headers["content-type"] == get.headers["content-type"]


def test_auto_head_on_static_route() -> None:
    app = App()
    app.add_route("/s", named("static"))
    with Client(app) as client:
        head = client.head("/s")
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-length"] == "6"


def test_explicit_head_route_wins_over_auto_head() -> None:
    from microrest import Response

    app = App()
    app.add_route("/s", named("get"))
    app.add_route("/s", lambda r: Response(headers={"X-Head": "own"}), ["HEAD"])
    with Client(app) as client:
        assert client.head("/s").headers["x-head"] == "own"


def test_auto_head_disabled() -> None:
    app = App(auto_head=False)
    app.add_route("/s", named("get"))
    with Client(app) as client:
        response = client.head("/s")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, OPTIONS"


def test_auto_options_204_with_allow() -> None:
    app = App()
    app.add_route("/o/{x}", named("get"), ["GET"])
    app.add_route("/o/{y}", named("put"), ["PUT", "PATCH"])
    with Client(app) as client:
        response = client.options("/o/1")
    assert response.status_code == 204
    assert response.headers["allow"] == "GET, HEAD, OPTIONS, PATCH, PUT"
    assert response.content == b""


def test_auto_options_disabled() -> None:
    app = App(auto_options=False)
    app.add_route("/o", named("get"))
    with Client(app) as client:
        response = client.options("/o")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, HEAD"


def test_explicit_options_route_wins() -> None:
    app = App()
    app.add_route("/o", named("get"))
    app.add_route("/o", named("own options"), ["OPTIONS"])
    with Client(app) as client:
        assert client.options("/o").text == "own options"


# trailing slashes ---------------------------------------------------------------------------


def test_trailing_slash_redirect_is_path_only_and_keeps_query() -> None:
    app = App(trailing_slash="redirect")
    app.add_route("/items", named("items"))
    app.add_route("/dir/", named("dir"))
    with Client(app, base_url="https://example.org") as client:
        response = client.get("/items/?a=1&b=2")
        assert response.status_code == 308
        assert response.headers["location"] == "/items?a=1&b=2"
        response = client.get("/dir")
        assert response.status_code == 308
        assert response.headers["location"] == "/dir/"
        assert client.get("/items").text == "items"


def test_trailing_slash_redirect_on_405_path_uses_the_policy() -> None:
    app = App()
    app.add_route("/items", named("items"), ["POST"])
    with Client(app) as client:
        response = client.get("/items/")
    assert response.status_code == 308
    assert response.headers["location"] == "/items"


@pytest.mark.anyio
@pytest.mark.parametrize("path", ["//evil.example", "///evil.example", "//evil.example/x"])
async def test_trailing_slash_redirect_never_leaves_the_host(path: str) -> None:
    """A request line ``GET //evil.example`` must not earn ``Location: //evil.example/``.

    Driven at the ASGI level: HTTP clients normalise such paths before sending, servers don't.
    """
    app = App()
    app.add_route(re.compile(r"/.+/"), named("dirs"))
    answer = await call(app, "GET", path)
    location = answer.header("location") or ""
    assert not location.startswith("//"), location
    assert "://" not in location
    assert answer.status == 404


@pytest.mark.anyio
async def test_trailing_slash_redirect_backslash_is_encoded() -> None:
    app = App()
    app.add_route(re.compile(r"/.+/"), named("dirs"))
    answer = await call(app, "GET", "/\\evil.example")
    assert answer.status == 308
    assert answer.header("location") == "/%5Cevil.example/"


def test_trailing_slash_redirect_keeps_the_root_path_of_a_black_box_mount() -> None:
    inner = App()
    inner.add_route("/items", named("items"))

    async def black_box(scope: Any, receive: Any, send: Any) -> None:
        await inner(scope, receive, send)

    outer = App()
    outer.mount("/legacy", black_box)
    with Client(outer) as client:
        response = client.get("/legacy/items/?q=1")
        assert response.status_code == 308
        assert response.headers["location"] == "/legacy/items?q=1"
        assert client.get(response.headers["location"]).text == "items"


def test_trailing_slash_strict() -> None:
    app = App(trailing_slash="strict")
    app.add_route("/items", named("items"))
    with Client(app) as client:
        assert client.get("/items/").status_code == 404
        assert client.get("/items").text == "items"


def test_trailing_slash_ignore() -> None:
    app = App(trailing_slash="ignore")
    app.add_route("/items", named("items"))
    app.add_route("/dir/{x}/", named("dir"))
    with Client(app) as client:
        assert client.get("/items/").text == "items"
        assert client.get("/dir/1").text == "dir"


def test_trailing_slash_per_route_overrides_app() -> None:
    app = App(trailing_slash="strict")
    app.add_route("/loose", named("loose"), trailing_slash="ignore")
    app.add_route("/tight", named("tight"))
    with Client(app) as client:
        assert client.get("/loose/").text == "loose"
        assert client.get("/tight/").status_code == 404


def test_trailing_slash_invalid_policy() -> None:
    with pytest.raises(ConfigurationError, match="trailing_slash"):
        App(trailing_slash="sometimes")  # type: ignore[arg-type]


# reverse routing ----------------------------------------------------------------------------


def test_url_path_for() -> None:
    app = App()
    app.add_route("/users/{id:int}/posts/{slug}", echo, name="post")
    app.add_route("/plain", echo, name="plain")
    app.add_route(re.compile(r"/re/(\d+)"), echo, name="regex")
    assert app.url_path_for("post", id=3, slug="hi") == "/users/3/posts/hi"
    assert app.url_path_for("plain") == "/plain"
    with pytest.raises(ConfigurationError, match="no route is named"):
        app.url_path_for("missing")
    with pytest.raises(ConfigurationError, match="regex route"):
        app.url_path_for("regex")
    with pytest.raises(ConfigurationError, match="lacks"):
        app.url_path_for("post", id=3)


def test_url_path_for_includes_mount_prefix() -> None:
    child = App()
    child.add_route("/users/{id:int}", echo, name="user")
    parent = App()
    parent.mount("/api", child)
    assert parent.url_path_for("user", id=1) == "/api/users/1"
    assert child.url_path_for("user", id=1) == "/users/1"


# conflicts ----------------------------------------------------------------------------------


def first_handler(request: Request) -> str:
    return "first"


def second_handler(request: Request) -> str:
    return "second"


def test_conflict_names_both_handlers_with_file_and_line() -> None:
    app = App()
    app.add_route("/users/{id:int}", first_handler, ["GET", "POST"])
    with pytest.raises(RouteConflict) as info:
        app.add_route("/users/{user_id:int}", second_handler, ["POST"])
    message = str(info.value)
    assert "POST" in message
    assert "first_handler" in message and "second_handler" in message
    assert line_of(first_handler) in message
    assert line_of(second_handler) in message


def test_different_methods_or_converters_do_not_conflict() -> None:
    app = App()
    app.add_route("/u/{id:int}", first_handler, ["GET"])
    app.add_route("/u/{id:int}", second_handler, ["POST"])
    app.add_route("/u/{id}", second_handler, ["GET"])
    assert len(app.routes()) == 3


def test_regex_conflict_and_decorator_conflict() -> None:
    app = App()
    app.add_route(re.compile(r"/r/(\d+)"), first_handler)
    with pytest.raises(RouteConflict, match="first_handler.*second_handler"):
        app.add_route(re.compile(r"/r/(\d+)"), second_handler)

    @app.get("/d")
    def one(request: Request) -> str:
        return "1"

    with pytest.raises(RouteConflict) as info:

        @app.get("/d")
        def two(request: Request) -> str:
            return "2"

    assert "one" in str(info.value) and "two" in str(info.value)


def test_conflict_across_mounts() -> None:
    child = App(style="webpy")
    child.add_route("/users", first_handler)
    parent = App()
    parent.add_route("/api/users", second_handler)
    with pytest.raises(RouteConflict) as info:
        parent.mount("/api", child)
    message = str(info.value)
    assert line_of(first_handler) in message and line_of(second_handler) in message
    assert "webpy" in message


def test_conflict_from_route_added_after_mounting() -> None:
    child = App()
    parent = App()
    parent.add_route("/api/late", first_handler)
    parent.mount("/api", child)
    with pytest.raises(RouteConflict) as info:
        child.add_route("/late", second_handler)
    assert line_of(first_handler) in str(info.value)
    assert line_of(second_handler) in str(info.value)


def test_conflict_between_two_mounted_apps() -> None:
    a, b, parent = App(), App(), App()
    a.add_route("/x", first_handler)
    b.add_route("/shared/x", second_handler)
    parent.mount("/shared", a)
    with pytest.raises(RouteConflict, match="first_handler.*second_handler|second.*first"):
        parent.mount("/", b)


def test_source_argument_is_used_in_messages() -> None:
    class Resource:
        def on_get(self) -> None: ...

    app = App()
    app.add_route("/res", first_handler, source=Resource)
    with pytest.raises(RouteConflict) as info:
        app.add_route("/res", second_handler)
    assert "Resource" in str(info.value)
    assert f"{os.path.relpath(__file__)}:" in str(info.value)


# root_path ----------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_root_path_is_stripped_before_routing() -> None:
    """Behind ``uvicorn --root-path /api`` the path arrives with the root in front."""
    app = App()
    app.add_route("/items/{id:int}", echo)
    answer = await call(app, "GET", "/api/items/3", root_path="/api")
    assert answer.status == 200
    assert b'"params":{"id":3}' in answer.body
    # a server that leaves the root out of path is routed as is
    answer = await call(app, "GET", "/items/4", root_path="/api")
    assert answer.status == 200
    app.add_route("/list", echo)
    answer = await call(app, "GET", "/api/list/", root_path="/api", query=b"a=1")
    assert answer.status == 308
    assert answer.header("location") == "/api/list?a=1"


def test_lookup_says_which_miss_it_was() -> None:
    app = App()
    app.add_route("/static", echo, ["POST"])
    app.add_route("/items/{id:int}", echo, ["PUT"])
    app.add_route(re.compile(r"/re/(\d+)"), echo, ["DELETE"])
    router = app.router
    for path, method in (("/static", "POST"), ("/items/3", "PUT"), ("/re/7", "DELETE")):
        hit = router.lookup(method, path)
        assert not isinstance(hit, Miss)
        route, params, groups = hit
        assert route.endpoint is echo
        assert isinstance(params, dict) and isinstance(groups, tuple)
        assert router.lookup("GET", path) is Miss.WRONG_METHOD
    assert router.lookup("GET", "/nothing/here") is Miss.NO_ROUTE
    assert not Miss.WRONG_METHOD and not Miss.NO_ROUTE  # as None/False were
    assert router.lookup("DELETE", "/re/7") == (app.router.all_routes[2], {}, ("7",))
    assert router.resolve("GET", "/static").kind == "not_allowed"
