"""Regex routes: full match on the decoded path, first match in insertion order, groups.

``compat=True`` matches the raw target, query included, as the original did, and formats
``Allow`` without spaces; the default follows modern HTTP.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import microrest.adapters.webpy as web
from microrest import App, Request
from microrest.testing import Client

Serve = Callable[..., Client]


class Echo(web.HTTPHandler):
    def do_get(self) -> Any:
        return 200, repr(tuple(self.groups))


class Named(web.HTTPHandler):
    def do_get(self) -> Any:
        return 200, f"{self.groups['kind']}:{self.groups[1]}"


class Special(web.HTTPHandler):
    def do_get(self) -> Any:
        return 200, "special"


def test_full_match_on_the_decoded_path(serve: Serve) -> None:
    client = serve({"/items/(.*)": Echo})
    assert client.get("/items/a%20b").text == "('a b',)"
    assert client.get("/items/").text == "('',)"
    assert client.get("/items").status_code == 404
    assert client.get("/items/a?x=1").text == "('a',)"
    assert client.get("/prefix/items/a").status_code == 404


def test_first_match_wins_in_insertion_order(serve: Serve) -> None:
    assert serve({"/(.*)": Echo, "/special": Special}).get("/special").text == "('special',)"
    assert serve({"/special": Special, "/(.*)": Echo}).get("/special").text == "special"


def test_named_groups_by_name_and_position(serve: Serve) -> None:
    client = serve({"/(?P<kind>[a-z]+)/([0-9]+)": Named})
    assert client.get("/user/42").text == "user:42"


def test_unmatched_optional_groups_are_none(serve: Serve) -> None:
    assert serve({"/a(/b)?": Echo}).get("/a").text == "(None,)"


def test_no_route_is_404_with_the_default_body(serve: Serve) -> None:
    response = serve({"/x": Special}).get("/y")
    assert response.status_code == 404
    assert response.text == "404 - Not Found\n"
    assert response.headers["Content-Length"] == "16"


def test_no_trailing_slash_redirects(serve: Serve) -> None:
    assert serve({"/x": Special}).get("/x/").status_code == 404


def test_error_routes_are_matched_against_the_status(serve: Serve) -> None:
    class Oops(web.HTTPErrorHandler):
        def respond(self) -> Any:
            return self.error.code, f"custom {self.error.code}"

    client = serve({"/x": Special}, error_routes={"4[0-9][0-9]": Oops})
    assert client.get("/nothing").text == "custom 404"
    response = client.post("/x")
    assert (response.status_code, response.text) == (405, "custom 405")
    assert "GET" in response.headers["Allow"]


def test_query_is_available(serve: Serve) -> None:
    class Query(web.HTTPHandler):
        def do_get(self) -> Any:
            return 200, f"{self.request.query} {self.request.resource}"

    assert serve({"/q": Query}).get("/q?a=1&b=two").text == "{'a': '1', 'b': 'two'} /q?a=1&b=two"


def test_route_table_shows_the_handler_classes() -> None:
    httpd = web.HTTPServer(("localhost", 0), {"/(.*)": Echo})
    rows = httpd.__microrest_app__.routes()
    # GET, and "*": every other method on the path is this class's too (405, HEAD, OPTIONS)
    assert {(row.method, row.path, row.style) for row in rows} == {
        ("GET", "/(.*)", "webpy"),
        ("*", "/(.*)", "webpy"),
    }
    assert all(row.handler.endswith("Echo") for row in rows)


def test_mounted_into_a_core_app() -> None:
    httpd = web.HTTPServer(("localhost", 0), {"/items/(.*)": Echo})
    app = App()

    @app.get("/core")
    async def core(request: Request) -> str:
        return "core"

    app.mount("/legacy", httpd)
    with Client(app) as client:
        assert client.get("/core").text == "core"
        assert client.get("/legacy/items/a").text == "('a',)"
        assert client.get("/legacy/nothing").text == "404 - Not Found\n"


# compat mode ----------------------------------------------------------------------------------


def test_compat_matches_the_raw_target_with_its_query(serve: Serve) -> None:
    client = serve({"/items/(.*)": Echo}, compat=True)
    assert client.get("/items/a?x=1").text == "('a?x=1',)"
    assert client.get("/items/a%20b").text == "('a%20b',)"


def test_compat_allow_has_no_spaces(serve: Serve) -> None:
    class Readme(web.HTTPHandler):
        def do_get(self) -> Any:
            return 200, ""

        def do_put(self) -> Any:
            return 200, ""

        def do_delete(self) -> Any:
            return 200, ""

    modern = serve({"/(.*)": Readme})
    compat = serve({"/(.*)": Readme}, compat=True)
    assert modern.options("/foo").headers["Allow"] == "DELETE, GET, HEAD, OPTIONS, PUT"
    assert compat.options("/foo").headers["Allow"] == "DELETE,GET,HEAD,OPTIONS,PUT"
    assert modern.post("/foo").headers["Allow"] == "DELETE, GET, HEAD, OPTIONS, PUT"
    response = compat.post("/foo")
    assert response.status_code == 405
    assert response.headers["Allow"] == "DELETE,GET,HEAD,OPTIONS,PUT"
    assert response.text == "405 - Method Not Allowed\n"


def test_compat_head_and_404(serve: Serve) -> None:
    client = serve({"/x": Special}, compat=True)
    response = client.head("/x")
    assert (response.status_code, response.content) == (200, b"")
    assert response.headers["Content-Length"] == "7"
    assert client.get("/y").text == "404 - Not Found\n"
    assert "Content-Type" not in client.get("/x").headers


def test_compat_server_mounted_under_a_prefix() -> None:
    app = App()
    app.mount("/legacy", web.HTTPServer(("localhost", 0), {"/items/(.*)": Echo}, compat=True))
    with Client(app) as client:
        assert client.get("/legacy/items/a%20b?q=1").text == "('a%20b?q=1',)"
        assert client.get("/legacy/nothing").text == "404 - Not Found\n"
        response = client.post("/legacy/items/x")
        assert (response.status_code, response.headers["Allow"]) == (405, "GET,HEAD,OPTIONS")
