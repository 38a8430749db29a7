"""The trie walk's shapes and the cheap 404: same answers as the complete resolution.

``_first_matching_leaf`` loops without recursing through nodes that leave no alternative
(``Node.single``: one placeholder and nothing else; static children only) and only recurses,
through ``_branch``, where it may have to come back; ``plain_miss`` answers most 404s from the
first segments routes can start with (``Router._heads``). These tests pin what must not move:
priority and backtracking, params of abandoned branches, refusing converters, trailing-slash
twins, routers with and without regex routes, mounted prefixes.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from microrest import App, Converter, PlainTextResponse, Request, register_converter
from microrest.routing import CONVERTERS, Miss, Router
from microrest.routing.matcher import Leaf
from microrest.routing.route import Route
from microrest.testing import Client


def _named(tag: str) -> Any:
    async def handler(request: Request) -> dict[str, Any]:
        return {"tag": tag, "params": request.path_params}

    return handler


def _route(app: App, pattern: str | re.Pattern[str], tag: str, **kwargs: Any) -> None:
    app.add_route(pattern, _named(tag), **kwargs)


def _hit(router: Router, method: str, path: str) -> tuple[str, dict[str, Any]]:
    hit = router.lookup(method, path)
    assert not isinstance(hit, Miss), (method, path, hit)
    route, params, _ = hit
    return route.path, params


# the shapes a node decides at registration --------------------------------------------------


def test_node_shapes_are_decided_at_registration() -> None:
    router = Router()
    for pattern in ("/users/{id:int}/posts/{slug}", "/users/{id:int}/likes"):
        router.add(Route(pattern, _named(pattern)))
    users = router.root.static["users"]
    assert users.single is not None and not users.branches  # one placeholder, nothing else
    after_id = users.single[2]
    assert after_id.single is None and not after_id.branches  # static children only
    assert after_id.static["posts"].single is not None
    # a static sibling, a second placeholder or a rest gives the node alternatives
    router.add(Route("/users/me/{tab}", _named("me")))  # (a static path is not in the trie)
    assert users.single is None and users.branches
    router.add(Route("/tags/{a:int}", _named("a")))
    tags = router.root.static["tags"]
    assert tags.single is not None
    router.add(Route("/tags/{b:str}/x", _named("b")))
    assert tags.single is None and tags.branches
    router.add(Route("/files/{rest:path}", _named("rest")))
    assert router.root.static["files"].branches
    router.add(Route("/m/{a}.json", _named("mixed")))  # a mixed segment: Segment.match
    assert router.root.static["m"].single is None and router.root.static["m"].branches


def test_a_single_placeholder_chain_that_fails_deep_falls_back_to_a_rest() -> None:
    router = Router()
    router.add(Route("/a/{x:int}/b/{y:int}/c", _named("chain")))
    router.add(Route("/a/{rest:path}", _named("rest")))
    assert _hit(router, "GET", "/a/1/b/2/c") == ("/a/{x:int}/b/{y:int}/c", {"x": 1, "y": 2})
    # x and y were parsed on the way down, then the chain failed at "d": neither may leak
    assert _hit(router, "GET", "/a/1/b/2/d") == ("/a/{rest:path}", {"rest": "1/b/2/d"})
    assert _hit(router, "GET", "/a/1/b/x/c") == ("/a/{rest:path}", {"rest": "1/b/x/c"})
    assert _hit(router, "GET", "/a/1/b/2/c/") == ("/a/{rest:path}", {"rest": "1/b/2/c/"})


def test_a_chain_that_fails_deep_falls_back_to_a_sibling_placeholder() -> None:
    router = Router()
    router.add(Route("/s/{x:int}/p/{y:int}/q", _named("int")))
    router.add(Route("/s/{x}/p/{z}/r", _named("str")))
    assert _hit(router, "GET", "/s/1/p/2/q") == ("/s/{x:int}/p/{y:int}/q", {"x": 1, "y": 2})
    assert _hit(router, "GET", "/s/1/p/2/r") == ("/s/{x}/p/{z}/r", {"x": "1", "z": "2"})
    assert router.lookup("GET", "/s/1/p/2/t") is Miss.NO_ROUTE


def test_a_static_child_that_fails_deep_falls_back_to_the_placeholder() -> None:
    router = Router()
    router.add(Route("/t/b/{y:int}/c", _named("static")))
    router.add(Route("/t/{x}/{z}/d", _named("placeholder")))
    assert _hit(router, "GET", "/t/b/5/c") == ("/t/b/{y:int}/c", {"y": 5})
    assert _hit(router, "GET", "/t/b/5/d") == ("/t/{x}/{z}/d", {"x": "b", "z": "5"})


def test_a_refusing_converter_ends_a_chain_with_no_alternative() -> None:
    router = Router()
    router.add(Route("/users/{id:int}/posts/{slug}", _named("post")))
    assert router.lookup("GET", "/users/abc/posts/x") is Miss.NO_ROUTE
    assert router.lookup("GET", "/users/1/posts/") is Miss.NO_ROUTE  # str refuses ""
    assert router.lookup("GET", "/users/1/posts") is Miss.NO_ROUTE
    assert router.lookup("GET", "/users/1/posts/x/y") is Miss.NO_ROUTE
    assert router.lookup("POST", "/users/1/posts/x") is Miss.WRONG_METHOD


@pytest.fixture
def picky() -> Iterator[str]:
    """A converter whose regex admits what its conversion then refuses."""
    name = "picky"

    def convert(text: str) -> int:
        if text == "13":
            raise ValueError(text)
        return int(text)

    register_converter(name, Converter(r"[0-9]+", convert, str, weight=12))
    yield name
    del CONVERTERS[name]


def test_a_converter_that_refuses_after_its_regex_matched(picky: str) -> None:
    router = Router()
    router.add(Route(f"/p/{{n:{picky}}}/x", _named("picky")))
    router.add(Route("/p/{s}/x", _named("str")))
    assert _hit(router, "GET", "/p/12/x") == (f"/p/{{n:{picky}}}/x", {"n": 12})
    assert _hit(router, "GET", "/p/13/x") == ("/p/{s}/x", {"s": "13"})


def test_a_mixed_segment_that_refuses_halfway_leaks_nothing(picky: str) -> None:
    router = Router()
    router.add(Route(f"/m/{{a:int}}-{{b:{picky}}}", _named("mixed")))
    router.add(Route("/m/{any}", _named("bare")))
    assert _hit(router, "GET", "/m/1-2") == (f"/m/{{a:int}}-{{b:{picky}}}", {"a": 1, "b": 2})
    # "a" converts before "b" refuses: the bare placeholder's answer must not carry it
    assert _hit(router, "GET", "/m/1-13") == ("/m/{any}", {"any": "1-13"})


def test_a_path_without_a_leading_slash_walks_as_before() -> None:
    """The walk skips the first piece, whatever it is (hostile request targets)."""
    router = Router()
    router.add(Route("/users/{id:int}", _named("user")))
    assert _hit(router, "GET", "x/users/7") == ("/users/{id:int}", {"id": 7})
    assert router.lookup("GET", "*") is Miss.NO_ROUTE
    assert router.lookup("GET", "") is Miss.NO_ROUTE
    assert router.plain_miss("*") and router.plain_miss("")


# placeholders named otherwise than the trie nodes they share ------------------------------


def test_a_route_gets_its_own_names_where_it_shares_a_node_named_otherwise() -> None:
    app = App(trailing_slash="ignore")
    _route(app, "/users/{user_id}/posts", "posts")
    _route(app, "/users/{id}", "user")
    _route(app, "/users/{uid}", "user_post", methods=["POST"])
    _route(app, "/files/{path:path}", "files")
    _route(app, "/files/{rest:path}", "files_put", methods=["PUT"])
    with Client(app) as client:
        assert client.get("/users/5/posts").json()["params"] == {"user_id": "5"}
        assert client.get("/users/5").json()["params"] == {"id": "5"}
        assert client.get("/users/5/").json()["params"] == {"id": "5"}  # through resolve
        assert client.post("/users/5").json()["params"] == {"uid": "5"}
        assert client.head("/users/5").status_code == 200
        assert client.get("/files/a/b").json()["params"] == {"path": "a/b"}
        assert client.put("/files/a/b").json()["params"] == {"rest": "a/b"}


def test_a_name_an_ancestor_node_fills_is_not_overwritten() -> None:
    """``/{a}/x`` names the first node ``a``; ``/{b}/{a}/y`` walks through it, and its own
    ``a`` one level down must not overwrite the first value (the node is named apart)."""
    app = App()
    _route(app, "/{a}/x", "x")
    _route(app, "/{b}/{a}/y", "y")
    _route(app, "/{b}/{a}-{c:int}/z", "z")
    _route(app, "/{b}/{a}/{rest:path}", "rest")
    with Client(app) as client:
        assert client.get("/1/x").json()["params"] == {"a": "1"}
        assert client.get("/1/2/y").json()["params"] == {"b": "1", "a": "2"}
        assert client.get("/1/2-3/z").json()["params"] == {"b": "1", "a": "2", "c": 3}
        assert client.get("/1/2/q/r").json()["params"] == {"b": "1", "a": "2", "rest": "q/r"}


# the cheap 404 ------------------------------------------------------------------------------


def test_heads_are_the_first_segments_routes_can_start_with() -> None:
    router = Router()
    assert router._heads == set()
    router.add(Route("/", _named("root")))
    router.add(Route("/plain/text", _named("static")))
    router.add(Route("/users/{id:int}", _named("template")))
    router.add(Route(re.compile(r"/re/(\d+)"), _named("regex")))
    assert router._heads == {"", "plain", "users", "re"}
    router.add(Route(re.compile(r"/(a|b)/c"), _named("anywhere")))
    assert router._heads is None  # a regex that does not fix its first segment
    other = Router()
    other.add(Route("/{name}/x", _named("placeholder")))
    assert other._heads is None


@pytest.mark.parametrize("policy", ["redirect", "ignore", "strict"])
def test_trailing_slash_twins_with_and_without_regex_routes(policy: Any) -> None:
    for regexes in (False, True):
        app = App(trailing_slash=policy)
        _route(app, "/static/page", "static")
        _route(app, "/users/{id:int}/", "template")
        if regexes:
            _route(app, re.compile(r"/re/(\d+)/"), "regex")
        with Client(app, follow_redirects=False) as client:
            for path, twin in (
                ("/static/page/", "/static/page"),
                ("/users/7", "/users/7/"),
                *([("/re/7", "/re/7/")] if regexes else []),
            ):
                response = client.get(path)
                if policy == "redirect":
                    assert response.status_code == 308, path
                    assert response.headers["location"] == twin
                elif policy == "ignore":
                    assert response.status_code == 200, path
                else:
                    assert response.status_code == 404, path
            for path in ("/nothing", "/nothing/", "/users/x", "/users/7/x", "/re/x/", "//"):
                assert client.get(path).status_code == 404, path


def test_a_route_starting_with_a_placeholder_still_finds_its_twin() -> None:
    app = App(trailing_slash="redirect")
    _route(app, "/{name}/", "any")
    with Client(app, follow_redirects=False) as client:
        response = client.get("/anything")
        assert response.status_code == 308
        assert response.headers["location"] == "/anything/"


def test_a_root_twin() -> None:
    app = App(trailing_slash="redirect")
    _route(app, "/", "root")
    assert not app.router.plain_miss("//")  # "//"'s twin is "/"
    assert app.router.plain_miss("/x/")


def test_mounted_prefixes_keep_their_twins_and_handlers() -> None:
    inner = App(trailing_slash="redirect")
    _route(inner, "/items/{id:int}", "item")
    _route(inner, re.compile(r"/re/(\d+)"), "regex")

    @inner.exception_handler(404)
    async def not_found(request: Request, exc: Exception) -> PlainTextResponse:
        return PlainTextResponse("inner: " + request.url.path, 404)

    app = App()
    app.mount("/api", inner)
    with Client(app, follow_redirects=False) as client:
        assert client.get("/api/items/3").json()["params"] == {"id": 3}
        assert client.get("/api/items/3/").headers["location"] == "/api/items/3"
        assert client.get("/api/re/3/").headers["location"] == "/api/re/3"
        # a 404 under the prefix goes to the mounted app's handler, one elsewhere does not
        missing = client.get("/api/nothing")
        assert missing.status_code == 404 and missing.text == "inner: /api/nothing"
        assert client.get("/apinothing").text == "Not Found"
        assert client.get("/nothing").text == "Not Found"
    assert app.router.owner_of("/api") is inner
    assert app.router.owner_of("/api/x") is inner
    assert app.router.owner_of("/apix") is None


def test_a_black_box_mount_is_never_a_plain_miss() -> None:
    async def asgi(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    app = App()
    _route(app, "/here", "here")
    app.mount("/box", asgi)
    assert not app.router.plain_miss("/elsewhere")
    with Client(app) as client:
        assert client.get("/box/any").status_code == 204
        assert client.get("/elsewhere").status_code == 404


# the same answers as the complete resolution, whatever the path ------------------------------

_SEGMENTS = ["", "a", "b", "c", "7", "13", "1-2", "1-13", "x.json", "users", "files", "re", "Z"]


def _table(picky: str) -> Router:
    """A router with every shape at once: static siblings beside placeholders, chains, rests,
    mixed segments, refusing converters, regexes with and without a fixed first segment, and
    templates sharing trie nodes under other placeholder names (``Leaf.renames``)."""
    router = Router()
    patterns: list[str | re.Pattern[str]] = [
        "/a",
        "/a/b/",
        "/a/{id:int}",
        "/a/{x:int}/b/{y:int}/c",
        "/a/{n:int}/b/{x}/",
        "/a/{s}/b/{n:int}/x.json",
        "/a/{rest:path}",
        "/b/{p1:int}/{p2:int}/{p3:int}",
        "/b/c/{p2}",
        f"/b/{{m1:int}}-{{m2:{picky}}}/c",
        f"/b/{{p2:int}}-{{p1:{picky}}}/{{m1}}",
        f"/c/{{n:{picky}}}/a",
        "/c/{p1}/{p2}/{rest:path}",
        "/c/{p2}/{p1}/{tail:path}",
        "/users/{p1:int}/files/{rest:path}",
        "/users/{p1:int}/{p2}",
        "/users/{p2:int}/{p1}/x",
        re.compile(r"/re/(\d+)/?"),
        re.compile(r"/(?P<any>[a-c])/Z"),
    ]
    for index, pattern in enumerate(patterns):
        methods = ["GET"] if index % 3 else ["POST"]
        router.add(Route(pattern, _named(str(index)), methods))
    return router


def _first_candidate(
    router: Router, path: str
) -> tuple[Leaf, dict[str, Any], tuple[Any, ...]] | None:
    return next(iter(router.candidates(path)), None)


@given(
    st.lists(st.sampled_from(_SEGMENTS), max_size=6),
    st.sampled_from(["", "/"]),
    st.sampled_from(["GET", "POST"]),
)
@settings(
    max_examples=int(os.environ.get("HYPOTHESIS_EXAMPLES", "400")),
    deadline=None,
    derandomize=True,
    database=None,
)
def test_lookup_and_plain_miss_agree_with_the_complete_resolution(
    segments: list[str], tail: str, method: str
) -> None:
    name = "picky_prop"
    register_converter(name, Converter(r"[0-9]+", _refuse_13, str, weight=12))
    try:
        router = _table(name)
        path = "/" + "/".join(segments) + (tail if segments else "")
        for candidate_path in (path, "x" + path):
            first = _first_candidate(router, candidate_path)
            hit = router.lookup(method, candidate_path)
            if first is None:
                assert hit is Miss.NO_ROUTE, candidate_path
                twin = candidate_path[:-1] if candidate_path.endswith("/") else candidate_path + "/"
                twin_matches = candidate_path != "/" and _first_candidate(router, twin) is not None
                assert router.plain_miss(candidate_path) is (not twin_matches), candidate_path
                continue
            leaf, params, groups = first
            route = leaf.get(method)
            if route is None:
                assert hit is Miss.WRONG_METHOD, candidate_path
            else:
                assert hit == (route, leaf.params_for(route, params), groups), candidate_path
                assert not isinstance(hit, Miss)
                if route.template is not None:  # each route under its own names
                    assert list(hit[1]) == list(route.template.param_names), candidate_path
    finally:
        del CONVERTERS[name]


def _refuse_13(text: str) -> int:
    if text == "13":
        raise ValueError(text)
    return int(text)
