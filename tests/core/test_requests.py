"""Request: lazy views over the scope, and every body reader under its limits."""

from __future__ import annotations

import dataclasses
import json
import logging
import sys
from typing import Any

import pytest

from microrest import App, BadRequest, ClientDisconnect, Limits, Request
from microrest.requests import StreamConsumed
from microrest.testing import Client

from .asgi import call


def inspect_app() -> App:
    app = App()

    @app.get("/inspect/{name}")
    def inspect(request: Request) -> dict[str, Any]:
        return {
            "method": request.method,
            "path": request.path,
            "url": str(request.url),
            "params": request.path_params,
            "a": request.query_params.getlist("a"),
            "b": request.query_params.get("b"),
            "x_multi": request.headers.getlist("X-Multi"),
            "x_case": request.headers.get("x-CASE"),
            "cookies": request.cookies,
            "client": [request.client.host, request.client.port] if request.client else None,
            "route": request.route.path if request.route else None,
        }

    return app


def test_request_line_query_headers_cookies_client() -> None:
    with Client(inspect_app()) as client:
        response = client.get(
            "/inspect/bob?a=1&a=2&b=%C3%A9t%C3%A9&a=3",
            headers=[
                ("X-Multi", "one"),
                ("x-multi", "two"),
                ("X-Case", "yes"),
                ("Cookie", 'session=abc; theme="dark"'),
            ],
        )
    body = response.json()
    assert body["method"] == "GET"
    assert body["path"] == "/inspect/bob"
    assert body["url"] == "http://testserver/inspect/bob?a=1&a=2&b=%C3%A9t%C3%A9&a=3"
    assert body["params"] == {"name": "bob"}
    assert body["a"] == ["1", "2", "3"]
    assert body["b"] == "été"
    assert body["x_multi"] == ["one", "two"]
    assert body["x_case"] == "yes"
    assert body["cookies"] == {"session": "abc", "theme": "dark"}
    assert body["client"][0] == "127.0.0.1"
    assert body["route"] == "/inspect/{name}"


@pytest.mark.parametrize(
    "header",
    ['json={"a":1}; sid=9', 'bad"cookie; sid=9', "tracker=x[1]@y; sid=9", "sid=9; =x; y"],
)
def test_one_odd_cookie_does_not_hide_the_others(header: str) -> None:
    with Client(inspect_app()) as client:
        response = client.get("/inspect/x", headers={"Cookie": header})
    assert response.status_code == 200
    assert response.json()["cookies"]["sid"] == "9"


def test_request_is_lazy_and_slotted() -> None:
    request = Request({"type": "http", "method": "GET", "path": "/", "headers": []})
    assert not hasattr(request, "__dict__")
    assert request._headers is None and request._query is None
    assert request.query_params.get("x") is None
    assert request.client is None
    assert request.path_params == {} and request.path_groups == ()


# body, json, form ---------------------------------------------------------------------------


def body_app(limits: Limits | None = None) -> App:
    app = App(limits=limits)

    @app.post("/body")
    async def body(request: Request) -> bytes:
        first = await request.body()
        assert await request.body() is first  # read once, kept
        return first

    @app.post("/json")
    async def read_json(request: Request) -> dict[str, Any]:
        return {"json": await request.json()}

    @app.post("/form")
    async def read_form(request: Request) -> dict[str, Any]:
        form = await request.form()
        result: dict[str, Any] = {}
        for key, value in form.multi_items():
            if isinstance(value, str):
                result.setdefault(key, []).append(value)
            else:
                data = await value.read()
                result.setdefault(key, []).append([value.filename, data.decode()])
        return result

    @app.post("/stream")
    async def stream(request: Request) -> dict[str, Any]:
        sizes = [len(chunk) async for chunk in request.stream()]
        return {"sizes": sizes}

    @app.post("/small", limits=Limits(max_body_size=5))
    async def small(request: Request) -> bytes:
        return await request.body()

    return app


def test_body_json_and_stream() -> None:
    with Client(body_app()) as client:
        assert client.post("/body", content=b"raw bytes").content == b"raw bytes"
        assert client.post("/json", json={"a": [1, {"b": None}]}).json() == {
            "json": {"a": [1, {"b": None}]}
        }
        assert client.post(
            "/json", content=b"[1]", headers={"content-type": "application/vnd.api+json"}
        ).json() == {"json": [1]}
        assert client.post("/json", content=b'"no content type"').json() == {
            "json": "no content type"
        }
        response = client.post("/stream", content=iter([b"ab", b"cde"]))
        assert sum(response.json()["sizes"]) == 5


def test_form_urlencoded_and_multipart() -> None:
    with Client(body_app()) as client:
        response = client.post("/form", data={"a": ["1", "2"], "b": "été"})
        assert response.json() == {"a": ["1", "2"], "b": ["été"]}
        response = client.post(
            "/form",
            data={"field": "v"},
            files={"upload": ("notes.txt", b"file body", "text/plain")},
        )
        assert response.json() == {"field": ["v"], "upload": [["notes.txt", "file body"]]}
        assert client.post("/form").json() == {}


def test_form_wrong_content_type_is_415() -> None:
    with Client(body_app()) as client:
        response = client.post("/form", json={"a": 1})
    assert response.status_code == 415
    assert "application/x-www-form-urlencoded" in response.text


def test_form_limits() -> None:
    limits = Limits(max_form_fields=2, max_form_files=1, max_form_part_size=8)
    with Client(body_app(limits)) as client:
        response = client.post("/form", data={"a": "1", "b": "2", "c": "3"})
        assert response.status_code == 400
        assert "Too many fields" in response.text
        files = [
            ("f1", ("a.txt", b"1", "text/plain")),
            ("f2", ("b.txt", b"2", "text/plain")),
        ]
        response = client.post("/form", files=files)
        assert response.status_code == 400
        assert "Too many files" in response.text
        response = client.post("/form", data={"a": "x" * 10000}, files={"f": ("a", b"1")})
        assert response.status_code == 413
        response = client.post("/form", data={"a": "x" * 10000})
        assert response.status_code == 413


def test_invalid_multipart_is_400() -> None:
    with Client(body_app()) as client:
        response = client.post(
            "/form", content=b"garbage", headers={"content-type": "multipart/form-data"}
        )
    assert response.status_code == 400
    assert "boundary" in response.text


@pytest.mark.parametrize(
    ("content", "content_type", "status", "message"),
    [
        (b"{not json", "application/json", 400, "Invalid JSON body"),
        (b"\xff\xfe", "application/json", 400, "Invalid JSON body"),
        (b"", "application/json", 400, "empty"),
        (b"[1, 2", "application/json", 400, "Invalid JSON body"),
        (b'{"a": 1}', "text/plain", 415, "Expected a JSON body"),
        (b'{"a": 1}', "application/x-www-form-urlencoded", 415, "application/json"),
        (b"[" * 513 + b"]" * 513, "application/json", 400, "nested deeper than 512"),
        (b"[" * 100_000, "application/json", 400, "nested deeper"),
        (b"{" * 600, "application/json", 400, "nested deeper"),
    ],
)
def test_json_errors_are_4xx_with_a_clear_message(
    content: bytes, content_type: str, status: int, message: str
) -> None:
    with Client(body_app()) as client:
        response = client.post("/json", content=content, headers={"content-type": content_type})
    assert response.status_code == status
    assert message in response.text


def test_json_depth_at_the_limit_and_brackets_in_strings_are_fine() -> None:
    with Client(body_app()) as client:
        deep = b"[" * 512 + b"]" * 512
        assert client.post("/json", content=deep).status_code == 200
        strings = json.dumps(["[" * 2000, "{" * 2000]).encode()
        assert client.post("/json", content=strings).json() == {"json": ["[" * 2000, "{" * 2000]}


def test_json_depth_limit_is_configurable() -> None:
    with Client(body_app(Limits(max_json_depth=2))) as client:
        assert client.post("/json", content=b"[[1]]").status_code == 200
        response = client.post("/json", content=b"[[[1]]]")
    assert response.status_code == 400 and "deeper than 2" in response.text


# size limits --------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_413_from_content_length_before_reading_the_body() -> None:
    app = body_app(Limits(max_body_size=100))
    answer = await call(
        app,
        "POST",
        "/body",
        headers=[(b"content-length", b"1000000")],
        chunks=[b"x" * 1000] * 1000,
    )
    assert answer.status == 413
    assert b"1000000 bytes exceeds the limit of 100 bytes" in answer.body
    assert answer.receives == 0  # refused on the header alone


@pytest.mark.anyio
async def test_413_while_streaming_without_content_length() -> None:
    app = body_app(Limits(max_body_size=100))
    for path in ("/body", "/stream", "/json"):
        answer = await call(app, "POST", path, chunks=[b"x" * 30] * 1000)
        assert answer.status == 413, path
        assert answer.receives == 4, path  # 120 bytes read: the limit is passed, it stops


@pytest.mark.anyio
async def test_413_while_streaming_a_form() -> None:
    app = body_app(Limits(max_body_size=100))
    answer = await call(
        app,
        "POST",
        "/form",
        headers=[(b"content-type", b"application/x-www-form-urlencoded")],
        chunks=[b"a=" + b"x" * 60] * 1000,
    )
    assert answer.status == 413
    assert answer.receives < 10


def test_per_route_limit_and_unlimited_body() -> None:
    app = body_app(Limits(max_body_size=None))
    with Client(app) as client:
        assert client.post("/small", content=b"12345").content == b"12345"
        assert client.post("/small", content=b"123456").status_code == 413
        big = b"y" * (11 * 1024 * 1024)
        assert len(client.post("/body", content=big).content) == len(big)


def test_default_limit_is_10_mib() -> None:
    assert Limits().max_body_size == 10 * 1024 * 1024
    with Client(body_app()) as client:
        assert client.post("/body", content=b"z" * (10 * 1024 * 1024 + 1)).status_code == 413


def test_stream_limit_separate_from_buffered_limit() -> None:
    app = body_app(Limits(max_body_size=10, max_stream_size=1000))
    with Client(app) as client:
        assert client.post("/stream", content=b"s" * 500).status_code == 200
        assert client.post("/stream", content=b"s" * 1001).status_code == 413
        assert client.post("/body", content=b"s" * 11).status_code == 413


@pytest.mark.anyio
@pytest.mark.parametrize("path", ["/body", "/json"])
@pytest.mark.parametrize(
    ("bound", "declared", "status"),
    [
        (1000, b"999", 200),  # fewer digits than the bound: within it without int()
        (1000, b"1000", 200),  # as many digits: compared, equal passes
        (1000, b"1001", 413),
        (1000, b"0999", 200),  # leading zeros: as many digits, compared as a number
        (1000, b"00000000001001", 413),
        (1000, b"99999999999999999999999", 413),
        (0, b"0", 200),
        (0, b"1", 413),
        (None, b"99999999999999999999999", 200),  # unbounded: never refused for its size
    ],
)
async def test_declared_length_against_the_bound_digit_by_digit(
    path: str, bound: int | None, declared: bytes, status: int
) -> None:
    """body() and json() test a declared length with int() only when it has as many digits
    as the bound (Limits._wide_length): the answer is the same as comparing the numbers."""
    app = body_app(Limits(max_body_size=bound))
    answer = await call(app, "POST", path, headers=[(b"content-length", declared)], chunks=[b""])
    assert answer.status == (400 if status == 200 and path == "/json" else status)
    if status == 413:
        assert answer.receives == 0
        assert f"{int(declared)} bytes exceeds the limit of {bound} bytes".encode() in answer.body


def test_limits_wide_length_follows_max_body_size() -> None:
    assert Limits()._wide_length == len(str(10 * 1024 * 1024))
    assert Limits(max_body_size=0)._wide_length == 1
    assert Limits(max_body_size=None)._wide_length == sys.maxsize
    changed = dataclasses.replace(Limits(), max_body_size=12345)
    assert changed._wide_length == 5
    assert "_wide_length" not in repr(changed)
    assert Limits(max_body_size=5) == dataclasses.replace(Limits(max_body_size=7), max_body_size=5)


@pytest.mark.anyio
async def test_invalid_content_length_is_400() -> None:
    answer = await call(body_app(), "POST", "/body", headers=[(b"content-length", b"12x")])
    assert answer.status == 400
    assert b"Invalid Content-Length" in answer.body


# disconnects --------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_client_disconnect_mid_body_is_raised_and_never_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    seen: list[BaseException] = []
    app = App()

    @app.post("/uncaught")
    async def uncaught(request: Request) -> bytes:
        return await request.body()

    @app.post("/caught")
    async def caught(request: Request) -> str:
        try:
            await request.json()
        except ClientDisconnect as exc:
            seen.append(exc)
            raise
        return "unreachable"

    for path in ("/uncaught", "/caught"):
        answer = await call(app, "POST", path, chunks=[b'{"partial": '], disconnect=True)
        assert answer.status == 0  # nobody is listening: nothing is sent
        assert answer.messages == []
    assert len(seen) == 1 and isinstance(seen[0], ClientDisconnect)
    errors = [record for record in caplog.records if record.levelno >= logging.WARNING]
    assert errors == []


@pytest.mark.anyio
async def test_client_disconnect_in_sync_handler_reading_nothing_is_fine() -> None:
    app = App()
    app.add_route("/", lambda request: "ok", ["POST"])
    answer = await call(app, "POST", "/", chunks=[b"x"], disconnect=True)
    assert answer.status == 200  # a handler that does not read the body is not affected


@pytest.mark.anyio
async def test_nothing_is_stored_from_a_truncated_body() -> None:
    outcome: dict[str, Any] = {}
    app = App()

    @app.post("/")
    async def handler(request: Request) -> str:
        try:
            await request.body()
        except ClientDisconnect:
            outcome["body_after_disconnect"] = request._body
            try:
                await request.body()
            except StreamConsumed:
                outcome["second_read"] = "refused"
        return "done"

    await call(app, "POST", "/", chunks=[b"first half"], disconnect=True)
    assert outcome == {"body_after_disconnect": None, "second_read": "refused"}


@pytest.mark.anyio
async def test_stream_then_body_is_refused() -> None:
    outcome: list[str] = []
    app = App()

    @app.post("/")
    async def handler(request: Request) -> str:
        async for _ in request.stream():
            pass
        try:
            await request.body()
        except StreamConsumed as exc:
            outcome.append(str(exc))
        return "ok"

    answer = await call(app, "POST", "/", chunks=[b"a", b"b"])
    assert answer.status == 200
    assert outcome == ["the request body was already streamed; read it once"]


@pytest.mark.anyio
async def test_body_then_stream_replays_the_kept_body() -> None:
    app = App()

    @app.post("/")
    async def handler(request: Request) -> bytes:
        await request.body()
        return b"".join([chunk async for chunk in request.stream()])

    answer = await call(app, "POST", "/", chunks=[b"a", b"b", b"c"])
    assert answer.body == b"abc"


def test_json_and_body_read_their_routes_limits() -> None:
    """json() and body() read the matched route's limits themselves (not the property)."""
    app = App()

    @app.post("/tight", limits=Limits(max_json_depth=1, max_body_size=8))
    async def tight(request: Request) -> dict[str, Any]:
        return {"json": await request.json()}

    @app.post("/tight-body", limits=Limits(max_body_size=4))
    async def tight_body(request: Request) -> bytes:
        return await request.body()

    with Client(app) as client:
        assert client.post("/tight", json=[1]).json() == {"json": [1]}
        assert client.post("/tight", json=[[1]]).status_code == 400
        assert client.post("/tight", json=[1, 2, 3, 4]).status_code == 413
        assert client.post("/tight-body", content=b"four").content == b"four"
        assert client.post("/tight-body", content=b"fives").status_code == 413


@pytest.mark.anyio
async def test_a_request_no_route_matched_reads_with_the_default_limits() -> None:
    deep = b"[" * 513 + b"]" * 513  # one past the default depth

    def receiver(body: bytes) -> Any:
        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": body, "more_body": False}

        return receive

    scope = {"type": "http", "method": "POST", "path": "/", "headers": []}
    assert await Request(scope, receiver(b"[[1]]")).json() == [[1]]
    with pytest.raises(BadRequest, match="deeper than 512"):
        await Request(scope, receiver(deep)).json()
    assert await Request(scope, receiver(b"abc")).body() == b"abc"
