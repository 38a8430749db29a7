"""The dispatcher's fast path (no filters, no setHeader) answers byte for byte like the general
path (forced here by a response filter that changes nothing)."""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import Any

import pytest

from microrest.adapters.corepost import outcome
from microrest.adapters.corepost.enums import Http
from microrest.adapters.corepost.filters import IResponseFilter
from microrest.adapters.corepost.web import CorePost
from microrest.testing import Client


class _Untouched(IResponseFilter):
    def filterResponse(self, request: Any, response: Any) -> None:  # noqa: N802
        pass


class _Text(str):
    pass


class _Mapping(dict[str, Any]):
    pass


def _deep(levels: int) -> Any:
    value: Any = "bottom"
    for level in range(levels):
        value = {"level": level, "inner": [value]}
    return value


RESULTS: dict[str, Any] = {
    "text": "héllo",
    "flat": {"id": 1, "slug": "a\u2028b", "f": 1.5, "n": None, "b": True, "nan": float("nan")},
    "keys": {1: "int key", None: "none key", 2.5: "float key"},
    "list": [1, "two", 3.0, None, False],
    "nested": {"a": {"b": [1, {"c": ["d", {}]}]}, "e": []},
    "deep": _deep(30),  # 60 levels: past the fast path's bound, within the general one's
    "tuple": {"t": (1, 2)},  # not plain: converted to a list by the general path
    "separators": {"a,b": "c:d", "e": ["f, g", {"h": "i: j"}], "k": "", "l": [[], {}]},
    "escapes": {"q": 'say "hi"\\', "c": "".join(map(chr, range(32))) + "\x7f", "u": "\ud800"},
    "numbers": {"big": 2**64, "neg": -(2**63), "exp": 1e16, "small": 1e-07, "inf": float("inf")},
    "subclasses": {"enum": HTTPStatus.OK, "str": _Text("s"), "dict": _Mapping(a=1)},
}


def _app(filtered: bool) -> CorePost:
    app = CorePost(filters=(_Untouched(),) if filtered else ())

    def make(value: Any, code: int | None) -> Any:
        async def handler(request: Any, **kwargs: Any) -> Any:
            if code is not None:
                request.setResponseCode(code)
            return value

        return handler

    for name, value in RESULTS.items():
        app.route(f"/{name}", (Http.GET, Http.POST))(make(value, None))
    for code in (202, 204, 304):
        app.route(f"/set/{code}", Http.GET)(make("body", code))
    return app


@pytest.fixture(params=["orjson", "stdlib"])
def encoder(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Every shortcut test runs with orjson (when installed) and with the stdlib alone."""
    if request.param == "stdlib":
        monkeypatch.setattr(outcome, "_orjson_dumps", None)
    elif outcome._orjson_dumps is None:
        pytest.skip("orjson is not installed")
    return str(request.param)


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("accept", [None, "*/*", "application/json", "text/yaml;q=0.1, */*"])
@pytest.mark.parametrize("name", list(RESULTS))
def test_fast_path_matches_general_path(
    name: str, method: str, accept: str | None, encoder: str
) -> None:
    headers = {"Accept": accept} if accept is not None else {}
    with Client(_app(False)) as fast, Client(_app(True)) as general:
        one = fast.request(method, f"/{name}", headers=headers)
        other = general.request(method, f"/{name}", headers=headers)
    assert one.status_code == other.status_code == (201 if method == "POST" else 200)
    assert one.content == other.content
    assert sorted(one.headers.items()) == sorted(other.headers.items())


PLAIN: list[Any] = [
    *(RESULTS[name] for name in ("flat", "keys", "list", "nested", "separators", "escapes")),
    RESULTS["numbers"],
    {"id": 7, "slug": "hello-world"},
    {"message": "Hello, World!"},
    {"name": "microrest", "count": 3, "tags": ["a", "b", "c"], "ok": True},
    [],
    {},
    [None, True, False, 0, -1, ""],
    {"key: with colon": 1, "x": {"comma, key": [1]}},
    {"é": "ü", "a": "\u2028"},
    {1: "int key", None: "none", False: "bool", 2.5: "float"},
    [1.5, float("nan"), float("-inf"), 0.1, 123456789012345680000.0],
    {"deep": _deep(16)},
    # flat containers (written indented by orjson, then joined): separators and newlines in
    # strings, one item, empty strings, lists
    {"message": "Hello, World!"},
    {"k": ",\n  x", "l": "a:b", "m": "\n}", "n": ""},
    ["a, b", "c: d", 1, None, True],
    [",\n  "],
    {"only": 1},
    [0],
    {"id": 5, "slug": "hello-world"},
    # lists of scalars inside a container (scanned inline), and what leaves that scan
    {"name": "microrest", "count": 3, "tags": ["a", "b", "c"], "ok": True},
    {"l": ["a, b", 1, None], "m": [1.5], "n": [[1], {"x": "y"}], "o": []},
    [["a:b"], [True, False]],
]


@pytest.mark.parametrize("data", PLAIN)
def test_stdlib_json_writes_what_json_dumps_writes(data: Any, encoder: str) -> None:
    """The orjson shortcut, its proofs and the C encoder behind it: json.dumps's bytes."""
    assert outcome.stdlib_json(data) == json.dumps(data).encode("utf-8")


@pytest.mark.parametrize(
    "data", [{"t": (1, 2)}, [b"bytes"], {"s": _Text("x")}, {"d": _Mapping()}, _deep(40)]
)
def test_stdlib_json_leaves_what_is_not_plain_to_the_general_path(data: Any, encoder: str) -> None:
    assert outcome.stdlib_json(data) is None


def test_every_ascii_character_is_escaped_as_json_dumps_escapes_it(encoder: str) -> None:
    for code in range(128):
        data = {"k": f"a{chr(code)}b", chr(code): code}
        assert outcome.stdlib_json(data) == json.dumps(data).encode("utf-8"), code


@pytest.mark.parametrize("code", [202, 204, 304])
def test_fast_path_keeps_status_rules(code: int, encoder: str) -> None:
    with Client(_app(False)) as fast, Client(_app(True)) as general:
        one, other = fast.get(f"/set/{code}"), general.get(f"/set/{code}")
    assert one.status_code == other.status_code == code
    assert one.content == other.content == (b"body" if code == 202 else b"")
    assert sorted(one.headers.items()) == sorted(other.headers.items())


def _path_app() -> CorePost:
    app = CorePost()

    @app.route("/exact/<int:id>/<slug>", Http.GET)
    async def exact(request: Any, id: int, slug: str) -> dict[str, Any]:
        return {"id": id, "slug": slug}

    @app.route("/named/<request>", Http.GET)
    async def named(request: Any, **kwargs: Any) -> dict[str, Any]:
        return {"kwargs": sorted(kwargs)}

    @app.route("/narrow/<int:id>", Http.GET)
    async def narrow(request: Any) -> str:
        return "never"

    return app


def test_path_arguments_alone_skip_the_check_only_when_it_cannot_fail() -> None:
    """The dispatcher passes path arguments unchecked only when the handler is known to take
    exactly them; a query string, or a handler that could refuse them, still gets the check."""
    with Client(_path_app()) as client:
        assert client.get("/exact/7/a-b").json() == {"id": 7, "slug": "a-b"}
        extra = client.get("/exact/7/a-b?extra=1")
        assert extra.status_code == 400
        assert extra.text == "exact() got an unexpected keyword argument 'extra'"
        # a path argument named like the request parameter is dropped, as the check does
        assert client.get("/named/x").json() == {"kwargs": []}
        narrow = client.get("/narrow/3")
        assert narrow.status_code == 400
        assert narrow.text == "narrow() got an unexpected keyword argument 'id'"


@pytest.mark.parametrize(
    "content_type", ["application/json", "Application/JSON; charset=utf-8", "text/plain"]
)
def test_content_types_seen_twice_route_the_same(content_type: str) -> None:
    """The media type of a Content-Type value is remembered: the second request with the same
    value is routed and parsed exactly like the first."""
    app = CorePost()

    @app.route("/in", Http.POST, accepts=("application/json", "text/plain"))
    async def take(request: Any, **kwargs: Any) -> dict[str, Any]:
        request.setResponseCode(200)
        return {"json": request.json, "kwargs": sorted(kwargs)}

    with Client(app) as client:
        answers = [
            client.post("/in", content=b'{"a": 1}', headers={"Content-Type": content_type})
            for _ in range(2)
        ]
    assert answers[0].status_code == answers[1].status_code == 200
    assert answers[0].json() == answers[1].json()
    parsed = content_type.lower().startswith("application/json")
    assert answers[0].json() == (
        {"json": {"a": 1}, "kwargs": ["a"]} if parsed else {"json": None, "kwargs": []}
    )


@pytest.mark.parametrize("path", ["/no/such", "/caf%C3%A9", "/x/", "/"])
def test_plain_404_matches_the_filtered_404(path: str) -> None:
    """The unfiltered routing miss (answered without a facade) sends what the general path
    sends, forced here by a response filter that changes nothing."""
    with Client(_app(False)) as fast, Client(_app(True)) as general:
        one, other = fast.get(path), general.get(path)
        head_one, head_other = fast.head(path), general.head(path)
    assert one.status_code == other.status_code == 404
    assert one.content == other.content
    assert sorted(one.headers.items()) == sorted(other.headers.items())
    assert head_one.status_code == head_other.status_code == 404
    assert sorted(head_one.headers.items()) == sorted(head_other.headers.items())


def test_the_resource_is_an_asgi3_app_for_servers() -> None:
    """``__call__`` hands over the core App's own: servers (uvicorn's check) still see an
    async ``__call__``, so no ASGI 2 wrapper is put around it."""
    import inspect

    from microrest.adapters.corepost.resource import Resource
    from microrest.adapters.corepost.site import Site

    app = CorePost()
    root = Resource()
    root.putChild("", app)
    for served in (app, root, Site(root), Site(lambda scope, receive, send: None)):
        assert inspect.iscoroutinefunction(served.__call__)


def _drive(app: Any, method: str, path: str, body: bytes = b"", query: bytes = b"") -> int:
    """One request through the ASGI app without an event loop (the handlers never wait);
    returns the status sent."""
    sent: list[dict[str, Any]] = []
    headers = [(b"content-type", b"application/json")] if body else []
    scope = {
        "type": "http",
        "http_version": "1.1",
        "method": method,
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": query,
        "headers": headers,
    }

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    with pytest.raises(StopIteration):
        app(scope, receive, send).send(None)
    status: int = sent[0]["status"]
    return status


def test_an_answered_request_leaves_no_cyclic_garbage() -> None:
    """The facade is taken out of the scope once the answer is sent: scope -> facade -> scope
    left to the cyclic collector cost 5.5k instructions per request (see dispatch.py). An
    error keeps it there for the error handlers (and an exception makes cycles anyway)."""
    import gc

    app = _app(False)
    paths = _path_app()
    requests: list[tuple[Any, str, str, bytes, bytes]] = [
        (app, "GET", "/text", b"", b""),
        (app, "GET", "/flat", b"", b""),
        (app, "GET", "/tuple", b"", b""),
        (app, "POST", "/nested", b'{"a": [1, 2]}', b""),
        (app, "GET", "/set/204", b"", b""),
        (paths, "GET", "/exact/7/a-b", b"", b""),
        (paths, "GET", "/named/x", b"", b"a=1"),
    ]
    for request in requests:  # warm: routers, caches, first-use imports
        _drive(*request)
    gc.collect()
    gc.disable()
    try:
        statuses = [_drive(*request) for request in requests for _ in range(20)]
        assert gc.collect() == 0
    finally:
        gc.enable()
    assert set(statuses) == {200, 201, 204}


def _document_app() -> CorePost:
    app = CorePost()

    @app.route("/any", Http.POST)
    async def any_keywords(request: Any, **kwargs: Any) -> dict[str, Any]:
        kwargs["added"] = True  # the handler's own dict: request.json stays as parsed
        return {"kwargs": kwargs, "json": request.json}

    @app.route("/named", Http.POST)
    async def named(request: Any, first: str, last: str = "") -> str:
        return f"{first} {last}"

    @app.route("/any/<int:id>", Http.POST)
    async def with_path(request: Any, **kwargs: Any) -> dict[str, Any]:
        return {"kwargs": kwargs}

    return app


@pytest.mark.parametrize(
    ("path", "body", "query", "status", "answer"),
    [
        ("/any", {"a": 1}, "", 201, {"kwargs": {"a": 1, "added": True}, "json": {"a": 1}}),
        # a key named like the request parameter is dropped, as the check drops it
        (
            "/any",
            {"request": 1, "b": 2},
            "",
            201,
            {"kwargs": {"b": 2, "added": True}, "json": {"request": 1, "b": 2}},
        ),
        # query and path arguments come first: the general merge
        ("/any", {"a": 1}, "a=q", 201, {"kwargs": {"a": "q", "added": True}, "json": {"a": 1}}),
        ("/any/5", {"id": 9, "c": 3}, "", 201, {"kwargs": {"id": 5, "c": 3}}),
        ("/named", {"first": "F", "last": "L"}, "", 201, "F L"),
        ("/named", {"last": "L"}, "", 400, "Missing mandatory argument 'first'"),
        ("/named", {"first": "F", "other": 1}, "", 400, None),
    ],
)
def test_document_keys_reach_the_handler_as_before(
    path: str, body: dict[str, Any], query: str, status: int, answer: Any
) -> None:
    """A JSON body's keys passed straight to a handler taking ``**kwargs`` (no path or query
    argument to merge) arrive as the general merge and check would pass them."""
    with Client(_document_app()) as client:
        response = client.post(path + ("?" + query if query else ""), json=body)
    assert response.status_code == status
    if isinstance(answer, dict):
        assert response.json() == answer
    elif answer is not None:
        assert response.text == answer


def _echo_app(filtered: bool) -> CorePost:
    app = CorePost(filters=(_Untouched(),) if filtered else ())

    @app.route("/echo/<int:code>", (Http.POST, Http.PUT))
    async def echo(request: Any, code: int, **kwargs: Any) -> Any:
        request.setResponseCode(code)
        return request.json

    @app.route("/value/<name>/<int:code>", Http.POST)
    async def value(request: Any, name: str, code: int) -> Any:
        request.setResponseCode(code)
        return RESULTS[name]

    return app


@pytest.mark.parametrize("code", [200, 202, 204, 304, 418])
@pytest.mark.parametrize(
    "accept", [None, "*/*", "application/json", "text/yaml", "application/xml;q=0.5, */*"]
)
@pytest.mark.parametrize(
    "body", [b'{"name": "x", "tags": ["a", "b"], "n": 1.5}', b"[1, 2]", b"", b"{bad"]
)
def test_body_shortcut_matches_general_path(
    code: int, accept: str | None, body: bytes, encoder: str
) -> None:
    """The answer of a handler that set its status after a JSON body (the body path's own
    shortcut) is the general path's, byte for byte."""
    headers = {"Content-Type": "application/json"}
    if accept is not None:
        headers["Accept"] = accept
    with Client(_echo_app(False)) as fast, Client(_echo_app(True)) as general:
        one = fast.post(f"/echo/{code}", content=body, headers=headers)
        other = general.post(f"/echo/{code}", content=body, headers=headers)
    assert one.status_code == other.status_code
    assert one.content == other.content
    assert sorted(one.headers.items()) == sorted(other.headers.items())


@pytest.mark.parametrize("name", list(RESULTS))
def test_body_shortcut_matches_general_path_for_every_result(name: str, encoder: str) -> None:
    with Client(_echo_app(False)) as fast, Client(_echo_app(True)) as general:
        one = fast.post(f"/value/{name}/200", json={})
        other = general.post(f"/value/{name}/200", json={})
    assert one.status_code == other.status_code == 200
    assert one.content == other.content
    assert sorted(one.headers.items()) == sorted(other.headers.items())


@pytest.mark.parametrize("compat", [False, True])
@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE"])
@pytest.mark.parametrize("body", [b'{"a": [1, "b"]}', b"[1]", b""])
def test_body_shortcut_keeps_the_default_status(
    method: str, body: bytes, compat: bool, encoder: str
) -> None:
    """A handler that sets no status after a body: a POST's default (201, or 200 in the seed
    dialect under compat), else 200, as the general path answers."""

    def make(filtered: bool) -> CorePost:
        app = CorePost(filters=(_Untouched(),) if filtered else (), compat=compat)

        @app.route("/doc", (Http.POST, Http.PUT, Http.DELETE))
        async def doc(request: Any, **kwargs: Any) -> Any:
            return request.json

        return app

    headers = {"Content-Type": "application/json"}
    with Client(make(False)) as fast, Client(make(True)) as general:
        one = fast.request(method, "/doc", content=body, headers=headers)
        other = general.request(method, "/doc", content=body, headers=headers)
    assert one.status_code == other.status_code
    assert one.content == other.content
    assert sorted(one.headers.items()) == sorted(other.headers.items())
