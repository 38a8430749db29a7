"""Property-based tests: what holds for every input, not just the ones we thought of.

- A URL built by ``url_path_for`` always reaches its own route with the same parameters.
- The query, header, cookie, form and JSON parsers never fail with anything but a documented
  4xx, whatever the bytes.

Examples are derandomised so every run tries the same ones; ``HYPOTHESIS_EXAMPLES=2000`` runs a
longer search by hand.
"""

from __future__ import annotations

import math
import os
import uuid
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from microrest import App, Limits, Request
from microrest.errors import ConfigurationError
from microrest.testing import Client

SETTINGS = settings(
    max_examples=int(os.environ.get("HYPOTHESIS_EXAMPLES", "150")),
    deadline=None,
    derandomize=True,  # the same examples on every run: CI stays deterministic
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
DOCUMENTED = {200, 400, 404, 413, 415}

# Every converter with a strategy for the values it must round-trip.
VALUES: dict[str, st.SearchStrategy[Any]] = {
    "str": st.text(st.characters(codec="utf-8", exclude_characters="/"), min_size=1),
    "int": st.integers(min_value=0, max_value=10**18 - 1),
    "float": st.floats(min_value=0, allow_nan=False, allow_infinity=False),
    "uuid": st.uuids(),
    "path": st.lists(
        st.text(st.characters(codec="utf-8", exclude_characters="/"), min_size=1), min_size=1
    ).map("/".join),
}


@st.composite
def templates(draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
    """A template of literal and typed segments (``path`` only last) and values for it."""
    count = draw(st.integers(min_value=1, max_value=4))
    segments, params = [], {}
    for index in range(count):
        if draw(st.booleans()):
            segments.append(draw(st.from_regex(r"[a-z][a-z0-9_-]{0,8}", fullmatch=True)))
            continue
        kinds = ["str", "int", "float", "uuid"] + (["path"] if index == count - 1 else [])
        kind = draw(st.sampled_from(kinds))
        name = f"p{index}"
        segments.append(f"{{{name}:{kind}}}")
        params[name] = draw(VALUES[kind])
    return "/" + "/".join(segments), params


def _same(expected: Any, got: Any) -> bool:
    if isinstance(expected, float):
        return math.isclose(expected, float(got), rel_tol=0, abs_tol=0) or expected == got
    if isinstance(expected, uuid.UUID):
        return str(expected) == got
    return bool(expected == got)


@SETTINGS
@given(templates())
def test_url_path_for_always_reaches_its_own_route(case: tuple[str, dict[str, Any]]) -> None:
    template, params = case
    app = App()

    @app.get(template, name="target")
    async def target(request: Request) -> dict[str, Any]:
        return {key: str(value) for key, value in request.path_params.items()}

    try:
        path = app.url_path_for("target", **params)
    except (ConfigurationError, ValueError):
        # A value the template cannot carry (e.g. a str segment that is empty) is refused at
        # build time with a message; never a wrong URL.
        return
    with Client(app) as client:
        response = client.get(path)
    assert response.status_code == 200, (template, params, path)
    got = response.json()
    for key, value in params.items():
        assert _same(value, got[key]) or str(value) == got[key], (template, key, value, got)


def parser_app() -> App:
    app = App(limits=Limits(max_body_size=4096, max_form_fields=20, max_json_depth=16))

    @app.post("/json")
    async def json_body(request: Request) -> Any:
        return {"got": await request.json()}

    @app.post("/form")
    async def form_body(request: Request) -> Any:
        form = await request.form()
        return {key: str(value)[:10] for key, value in form.items()}

    @app.get("/query")
    async def query(request: Request) -> Any:
        return {
            "items": list(request.query_params.multi_items()),
            "headers": list(request.headers.items()),
            "cookies": request.cookies,
        }

    return app


APP = parser_app()
raw_bytes = st.binary(max_size=600)


@SETTINGS
@given(raw_bytes, st.sampled_from(["application/json", "", "application/x+json", "text/plain"]))
def test_json_parser_answers_only_documented_statuses(body: bytes, content_type: str) -> None:
    headers = {"content-type": content_type} if content_type else {}
    with Client(APP) as client:
        response = client.post("/json", content=body, headers=headers)
    assert response.status_code in DOCUMENTED, (body, response.text)


@SETTINGS
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(),
        lambda children: st.lists(children) | st.dictionaries(st.text(), children),
        max_leaves=30,
    )
)
def test_json_parser_round_trips_what_it_accepts(value: Any) -> None:
    with Client(APP) as client:
        response = client.post("/json", json=value)
    assert response.status_code in (200, 400, 413)
    if response.status_code == 200:
        assert response.json() == {"got": value}


@SETTINGS
@given(
    raw_bytes,
    st.sampled_from(
        [
            "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=xyz",
            "multipart/form-data",
            "multipart/form-data; boundary=",
        ]
    ),
)
def test_form_parser_answers_only_documented_statuses(body: bytes, content_type: str) -> None:
    with Client(APP) as client:
        response = client.post("/form", content=body, headers={"content-type": content_type})
    assert response.status_code in DOCUMENTED, (body, content_type, response.text)


@SETTINGS
@given(
    st.lists(
        st.tuples(st.text(max_size=20), st.text(max_size=20)),
        max_size=10,
    )
)
def test_multipart_fields_round_trip(fields: list[tuple[str, str]]) -> None:
    with Client(APP) as client:
        response = client.post("/form", files=[(k or "f", (None, v)) for k, v in fields])
    assert response.status_code in DOCUMENTED


printable_latin1 = st.text(
    st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="\x7f"),
    max_size=60,
)


@SETTINGS
@given(st.binary(max_size=200), printable_latin1, printable_latin1)
def test_query_header_and_cookie_parsers_never_fail(query: bytes, header: str, cookie: str) -> None:
    async def run() -> tuple[int, bytes]:
        sent: list[dict[str, Any]] = []

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "path": "/query",
            "raw_path": b"/query",
            "query_string": query,
            "root_path": "",
            "headers": [
                (b"host", b"t"),
                (b"x-any", header.encode("latin-1")),
                (b"cookie", cookie.encode("latin-1")),
            ],
            "client": ("127.0.0.1", 1),
            "server": ("127.0.0.1", 80),
        }
        await APP(scope, receive, send)
        return sent[0]["status"], b"".join(m.get("body", b"") for m in sent[1:])

    import anyio

    status, _ = anyio.run(run)
    assert status == 200
