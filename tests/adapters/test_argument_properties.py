"""Every style's argument conversion, fed arbitrary paths and query strings (hypothesis).

Whatever the client sends, each style answers with one of its documented statuses (a match, a
404, a 400 for an unconvertible value), never a 500: the regex styles hand handlers strings, the
typed ones convert within bounds.
"""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import quote

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import microrest.adapters.webpy as web
from microrest import App
from microrest.adapters import vestespy
from microrest.adapters.corepost.enums import Http
from microrest.adapters.corepost.web import CorePost
from microrest.adapters.vestespy.tools import Dispatcher
from microrest.testing import Client

SETTINGS = settings(
    max_examples=int(os.environ.get("HYPOTHESIS_EXAMPLES", "120")),
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
ALLOWED = {200, 400, 404}


def build() -> App:
    app = App()

    corepost = CorePost()

    @corepost.route("/typed/<int:a>/<float:b>/<c>", Http.GET)
    def typed(request: Any, a: int, b: float, c: str, **kwargs: Any) -> str:
        return repr((a, b, c, sorted(kwargs)))

    @corepost.route("/query", Http.GET)
    def query(request: Any, first: str = "", **kwargs: Any) -> str:
        return repr((first, sorted(kwargs)))

    app.mount("/corepost", corepost)

    server = vestespy.Server(("127.0.0.1", 0))
    dispatcher = Dispatcher()

    def params(ev: Any, req: Any, res: Any, a: str | None = None, b: str | None = None) -> None:
        res.send_all(repr((a, b, req.query)))

    dispatcher.register("/params/:a/:b", params)
    server.on("request", dispatcher.as_handler())
    app.mount("/vestespy", server)

    class Groups(web.HTTPHandler):
        def do_get(self) -> Any:
            return 200, repr((self.groups, dict(self.request.query)))

    app.mount(
        "/webpy",
        web.HTTPServer(("127.0.0.1", 0), {"/groups/(?P<x>[^/]+)/(?P<n>[0-9]{1,18})": Groups}),
    )
    return app


APP = build()
segment = st.text(st.characters(codec="utf-8"), min_size=0, max_size=30)
query = st.lists(st.tuples(st.text(max_size=12), st.text(max_size=12)), max_size=6)


def encode(text: str) -> str:
    return quote(text, safe="")


@SETTINGS
@given(st.lists(segment, min_size=3, max_size=3), query)
def test_corepost_typed_and_query_arguments(parts: list[str], pairs: list[tuple[str, str]]) -> None:
    path = "/corepost/typed/" + "/".join(encode(part) for part in parts)
    with Client(APP) as client:
        typed = client.get(path)
        asked = client.get("/corepost/query", params=pairs)
    assert typed.status_code in ALLOWED, (path, typed.text)
    assert asked.status_code in ALLOWED, (pairs, asked.text)


@SETTINGS
@given(st.lists(segment, min_size=1, max_size=4), query)
def test_vestespy_dispatcher_parameters(parts: list[str], pairs: list[tuple[str, str]]) -> None:
    path = "/vestespy/params/" + "/".join(encode(part) for part in parts)
    with Client(APP) as client:
        response = client.get(path, params=pairs)
    assert response.status_code in ALLOWED, (path, response.text)


@SETTINGS
@given(st.lists(segment, min_size=1, max_size=3), query)
def test_webpy_groups(parts: list[str], pairs: list[tuple[str, str]]) -> None:
    path = "/webpy/groups/" + "/".join(encode(part) for part in parts)
    with Client(APP) as client:
        response = client.get(path, params=pairs)
    assert response.status_code in ALLOWED, (path, response.text)
