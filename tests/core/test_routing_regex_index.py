"""Regex routes are tried by first path segment, yet still in registration order."""

from __future__ import annotations

import re

from microrest import App, Request
from microrest.testing import Client


def _named(name: str) -> object:
    def handler(request: Request) -> str:
        return name

    return handler


def test_an_earlier_catch_all_regex_still_wins_over_a_later_keyed_one() -> None:
    app = App()
    app.add_route(re.compile(r"/a/(\d+)"), _named("digits"))
    app.add_route(re.compile(r"/.*"), _named("any"))
    app.add_route(re.compile(r"/a/x"), _named("later"))
    app.add_route(re.compile(r"/b/.*"), _named("b"))
    with Client(app) as client:
        assert client.get("/a/1").text == "digits"
        assert client.get("/a/x").text == "any"
        assert client.get("/b/1").text == "any"
        assert client.get("/zzz").text == "any"


def test_patterns_whose_first_segment_is_not_fixed_are_tried_everywhere() -> None:
    app = App()
    app.add_route(re.compile(r"/ab?/c"), _named("optional"))
    app.add_route(re.compile(r"/x/1|/y/2"), _named("branch"))
    app.add_route(re.compile(r"/CASE/d", re.IGNORECASE), _named("case"))
    app.add_route(re.compile(r"/p(ath)?/e"), _named("group"))
    app.add_route(re.compile(r"/q\.r/f"), _named("escaped"))
    with Client(app) as client:
        assert client.get("/a/c").text == "optional"
        assert client.get("/ab/c").text == "optional"
        assert client.get("/y/2").text == "branch"
        assert client.get("/case/d").text == "case"
        assert client.get("/path/e").text == "group"
        assert client.get("/q.r/f").text == "escaped"
        assert client.get("/nothing").status_code == 404


def test_mounted_regex_routes_are_keyed_by_the_prefix() -> None:
    child = App()
    child.add_route(re.compile(r"(?:/.*)?"), _named("child"))
    app = App()
    app.add_route(re.compile(r"/m/(\d+)"), _named("parent"))
    app.mount("/m", child)
    app.add_route(re.compile(r"/other/.*"), _named("other"))
    with Client(app) as client:
        assert client.get("/m/1").text == "parent"
        assert client.get("/m").text == "child"
        assert client.get("/m/x").text == "child"
        assert client.get("/other/1").text == "other"
        assert client.get("/mx").status_code == 404
