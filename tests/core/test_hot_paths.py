"""The hot paths' shortcuts answer exactly what the general paths answer.

Each shortcut in ``App`` (the 404 nobody handles, a dict sent without a JSONResponse, a body
read in one message) is checked against the same request taken through the general path, so
a shortcut can never drift from the pipeline it stands in for.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from microrest import App, HTMLResponse, JSONResponse, Limits, PlainTextResponse, Request, Response
from microrest.errors import HTTPError, StreamConsumed
from microrest.requests import declared_length
from microrest.types import Receive, Scope, Send

from .asgi import Answer, call

ACCEPTS = [  # (request headers, the content type of the answer)
    ([], "text/plain"),
    ([(b"accept", b"application/json")], "application/json"),
    ([(b"accept", b"text/html, application/json;q=0.9")], "application/json"),
    ([(b"accept", b"application/json;q=0.1, text/plain")], "text/plain"),
]


def _handled_app() -> App:
    """An app whose exception handler (for something else) turns the 404 shortcut off."""
    app = App()

    @app.exception_handler(LookupError)
    def never(request: Request, exc: LookupError) -> str:
        return "not used"

    return app


@pytest.mark.anyio
@pytest.mark.parametrize(("headers", "content_type"), ACCEPTS)
@pytest.mark.parametrize("method", ["GET", "HEAD", "POST"])
async def test_the_404_shortcut_sends_the_pipelines_bytes(
    method: str, headers: list[tuple[bytes, bytes]], content_type: str
) -> None:
    fast = await call(App(), method, "/nowhere", headers=headers)
    general = await call(_handled_app(), method, "/nowhere", headers=headers)
    assert fast.status == general.status == 404
    assert fast.headers == general.headers
    assert fast.body == general.body
    assert (fast.header("content-type") or "").startswith(content_type)
    assert (fast.body == b"") is (method == "HEAD")


@pytest.mark.anyio
async def test_a_middleware_editing_the_404s_headers_leaves_the_next_404_alone() -> None:
    class Stamp:
        def __init__(self, app: Any) -> None:
            self.app = app

        async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
            async def stamped(message: dict[str, Any]) -> None:
                if message["type"] == "http.response.start":
                    message["headers"].append((b"x-stamp", b"1"))
                await send(message)

            await self.app(scope, receive, stamped)

    app = App()
    app.add_middleware(Stamp)
    answers = [await call(app, "GET", "/nowhere") for _ in range(3)]
    for answer in answers:
        assert [name for name, _ in answer.headers].count(b"x-stamp") == 1


@pytest.mark.anyio
async def test_the_404_shortcut_is_off_when_a_handler_or_style_default_could_answer() -> None:
    app = App()
    app.add_exception_handler(404, lambda request, exc: JSONResponse({"mine": True}, 404))
    assert json.loads((await call(app, "GET", "/nowhere")).body) == {"mine": True}
    styled = App()
    styled.add_style_exception_handler(Exception, lambda request, exc: "styled")
    answer = await call(styled, "GET", "/nowhere")
    assert answer.body == b"styled"


def _dict_app() -> App:
    app = App()

    @app.get("/dict")
    async def as_dict(request: Request) -> dict[str, Any]:
        return {"n": 1, "s": "é", "big": 2**70}

    @app.get("/response")
    async def as_response(request: Request) -> JSONResponse:
        return JSONResponse({"n": 1, "s": "é", "big": 2**70})

    @app.get("/broken")
    async def broken(request: Request) -> dict[str, Any]:
        return {"not json": object()}

    return app


@pytest.mark.anyio
@pytest.mark.parametrize("method", ["GET", "HEAD"])
async def test_a_dict_is_sent_as_its_jsonresponse_would_be(method: str) -> None:
    app = _dict_app()
    shortcut = await call(app, method, "/dict")
    general = await call(app, method, "/response")
    assert (shortcut.status, shortcut.headers, shortcut.body) == (
        general.status,
        general.headers,
        general.body,
    )
    if method == "GET":
        assert json.loads(shortcut.body) == {"n": 1, "s": "é", "big": 2**70}


@pytest.mark.anyio
async def test_a_dict_that_cannot_be_json_is_a_500_through_the_pipeline(
    caplog: pytest.LogCaptureFixture,
) -> None:
    answer = await call(_dict_app(), "GET", "/broken")
    assert answer.status == 500
    assert b"object" not in answer.body  # no exception text to the client
    assert "Unhandled exception" in caplog.text


def _echo_app(limit: int | None = 64, reader: str = "json") -> App:
    """``reader`` "json": ``request.json()``'s own inline read; "body": the general reader,
    ``request.body()``, then ``request.json()`` on the kept bytes."""
    app = App(limits=Limits(max_body_size=limit))

    @app.post("/echo")
    async def echo(request: Request) -> dict[str, Any]:
        if reader == "body":
            await request.body()
        return {"json": await request.json()}

    return app


READERS = ["json", "body"]


JSON = [(b"content-type", b"application/json")]


@pytest.mark.anyio
@pytest.mark.parametrize(
    "chunks",
    [
        [b'{"a": [1, 2, 3]}'],
        [b'{"a": ', b"", b"[1, 2, 3]}"],
        [b"", b'{"a": [1, 2, 3]}'],
        [b'{"a": [1, 2, 3]}', b""],
    ],
)
@pytest.mark.parametrize("reader", READERS)
async def test_a_body_in_one_message_or_many_reads_the_same(
    chunks: list[bytes], reader: str
) -> None:
    answer = await call(_echo_app(reader=reader), "POST", "/echo", headers=JSON, chunks=chunks)
    assert answer.status == 200
    assert json.loads(answer.body) == {"json": {"a": [1, 2, 3]}}


@pytest.mark.anyio
@pytest.mark.parametrize("chunks", [[b"[" + b"1," * 40 + b"1]"], [b"[1,", b"1," * 40 + b"1]"]])
@pytest.mark.parametrize("reader", READERS)
async def test_a_body_over_the_limit_is_413_in_one_message_or_many(
    chunks: list[bytes], reader: str
) -> None:
    answer = await call(_echo_app(reader=reader), "POST", "/echo", headers=JSON, chunks=chunks)
    assert answer.status == 413
    assert b"64 bytes" in answer.body


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("length", "status"), [(b"12x", 400), (b"100", 413), (b"-1", 400), (b"\xb2", 400)]
)
@pytest.mark.parametrize("reader", READERS)
async def test_the_declared_length_is_still_checked_before_reading(
    length: bytes, status: int, reader: str
) -> None:
    headers = [*JSON, (b"content-length", length)]
    app = _echo_app(reader=reader)
    answer = await call(app, "POST", "/echo", headers=headers, chunks=[b"[1]"])
    assert answer.status == status
    assert answer.receives == 0


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b'{"id": 123456789012345678901234567890}', {"id": 123456789012345678901234567890}),
        (b"[1234567890, 1234567890, 1234567890]", [1234567890] * 3),  # 30 digits, none long
        (b'{"n": 18446744073709551616}', {"n": 18446744073709551616}),
    ],
)
async def test_big_integers_stay_exact_however_the_digits_are_spread(
    body: bytes, expected: Any
) -> None:
    answer: Answer = await call(_echo_app(None), "POST", "/echo", headers=JSON, chunks=[body])
    assert answer.status == 200
    assert json.loads(answer.body) == {"json": expected}


@pytest.mark.anyio
@pytest.mark.parametrize(
    "headers",
    [
        [],
        [(b"content-type", b"application/json; charset=utf-8")],
        [(b"content-type", b"Application/JSON")],
        [(b"content-type", b"application/problem+json")],
        [(b"content-type", b"")],
        [(b"content-type", b"text/plain")],
        [(b"content-type", b"application/x-www-form-urlencoded")],
        [(b"content-type", b"text/plain"), (b"content-type", b"application/json")],
        [(b"content-type", b"application/json"), (b"content-type", b"text/plain")],
        [(b"content-length", b"3"), (b"content-length", b"999")],
        [(b"content-length", b"999"), (b"content-length", b"3")],
        [(b"content-length", b"x"), (b"content-type", b"text/plain")],
    ],
)
async def test_json_reads_the_headers_as_the_general_readers_do(
    headers: list[tuple[bytes, bytes]],
) -> None:
    """json()'s one pass over the headers against content_type and declared_length: the
    first of each header counts, the same media types pass, the 415 comes first."""
    answer = await call(_echo_app(), "POST", "/echo", headers=headers, chunks=[b"[1]"])
    request = Request({"type": "http", "headers": headers, "method": "POST"})
    media_type = request.content_type
    expected = 200
    if media_type and not (
        media_type == "application/json"
        or (media_type.startswith("application/") and media_type.endswith("+json"))
    ):
        expected = 415
    else:
        try:
            declared_length(request.scope, 64)
        except HTTPError as exc:
            expected = exc.status_code
    assert answer.status == expected


@pytest.mark.anyio
@pytest.mark.parametrize("chunks", [[b"[1,"], []])
async def test_a_client_leaving_mid_body_is_the_same_for_both_readers(chunks: list[bytes]) -> None:
    answers = [
        await call(
            _echo_app(reader=reader), "POST", "/echo", headers=JSON, chunks=chunks, disconnect=True
        )
        for reader in READERS
    ]
    assert answers[0].status == answers[1].status
    assert answers[0].body == answers[1].body


@pytest.mark.anyio
async def test_json_after_streaming_the_body_is_the_consumed_error() -> None:
    app = App()

    @app.post("/twice")
    async def twice(request: Request) -> Any:
        async for _ in request.stream():
            pass
        try:
            await request.json()
        except StreamConsumed:
            return "consumed"
        return "read"

    answer = await call(app, "POST", "/twice", headers=JSON, chunks=[b"[1]"])
    assert answer.body == b"consumed"


class _General(JSONResponse):
    """A subclass: JSONResponse's general path (its fast __init__ is for the class itself)."""


class _GeneralText(PlainTextResponse):
    """The same for the text responses' shortcut (in Response.__init__, for the exact classes)."""


class _GeneralHTML(HTMLResponse):
    pass


TEXTS = ["text", "héllo ✓", "", b"bytes", None]
SHORTCUTS = [
    *((JSONResponse, _General, content) for content in [{"a": [1, "é"]}, [], None, "text", 12]),
    *((PlainTextResponse, _GeneralText, content) for content in TEXTS),
    *((HTMLResponse, _GeneralHTML, content) for content in TEXTS),
]


@pytest.mark.parametrize("status", [200, 201, 404, 500, 204, 304, 101])
@pytest.mark.parametrize(("fast_class", "general_class", "content"), SHORTCUTS)
def test_a_responses_shortcut_builds_what_the_general_path_builds(
    fast_class: type[Response], general_class: type[Response], content: Any, status: int
) -> None:
    fast, general = fast_class(content, status), general_class(content, status)
    assert (fast.status_code, fast.body, fast.raw_headers) == (
        general.status_code,
        general.body,
        general.raw_headers,
    )
    assert fast.background is general.background is None
    assert fast._touched is general._touched is False


def test_a_jsonresponse_with_headers_or_a_media_type_takes_the_general_path() -> None:
    response = JSONResponse({"a": 1}, headers={"x-a": "1"}, media_type="application/vnd+json")
    assert response.raw_headers == [
        (b"x-a", b"1"),
        (b"content-length", b"7"),
        (b"content-type", b"application/vnd+json"),
    ]


@pytest.mark.anyio
async def test_an_unknown_connection_type_is_ignored() -> None:
    sent: list[Any] = []

    async def receive() -> dict[str, Any]:
        raise AssertionError("nothing to receive")

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await App()({"type": "something.else"}, receive, send)
    assert sent == []


def _styled(miss: bool, user_handler: bool = False) -> App:
    """A style whose NotFound answer varies with the method; ``miss`` gives the core its
    scope-only twin (set_style_miss_answer)."""
    app = App()

    def answer_of(scope: Scope) -> JSONResponse:
        return JSONResponse({"missing": scope["path"]}, 404, {"X-Style": "1"})

    def answer(request: Request, exc: Exception) -> Any:
        return answer_of(request.scope)

    app.add_style_exception_handler(Exception, answer)
    if miss:
        app.set_style_miss_answer(
            lambda scope: None if scope["method"] == "PUT" else answer_of(scope)
        )
    if user_handler:
        app.add_exception_handler(LookupError, lambda request, exc: "unused")
    return app


@pytest.mark.anyio
@pytest.mark.parametrize("method", ["GET", "HEAD", "POST", "PUT"])
async def test_a_styles_miss_answer_is_what_its_handler_answers(method: str) -> None:
    fast = await call(_styled(miss=True), method, "/nowhere")
    general = await call(_styled(miss=False), method, "/nowhere")
    handled = await call(_styled(miss=True, user_handler=True), method, "/nowhere")
    for other in (general, handled):
        assert (fast.status, fast.headers, fast.body) == (other.status, other.headers, other.body)
    assert fast.header("x-style") == "1"


@pytest.mark.anyio
async def test_the_miss_answer_is_not_asked_when_a_user_handler_could_answer() -> None:
    app = _styled(miss=True)
    app.set_style_miss_answer(lambda scope: JSONResponse({"wrong": True}, 404))
    app.add_exception_handler(404, lambda request, exc: JSONResponse({"user": True}, 404))
    assert json.loads((await call(app, "GET", "/nowhere")).body) == {"user": True}


def test_a_miss_answer_that_is_not_a_function_is_refused() -> None:
    from microrest import ConfigurationError

    with pytest.raises(ConfigurationError, match="function of the scope"):
        App().set_style_miss_answer("404")  # type: ignore[arg-type]


@pytest.mark.anyio
@pytest.mark.parametrize("prefix", ["", "/api"])
async def test_a_miss_under_a_mounted_app_takes_its_handlers_or_the_default(prefix: str) -> None:
    plain, handled = App(), App()
    handled.add_exception_handler(404, lambda request, exc: JSONResponse({"child": True}, 404))
    for child in (plain, handled):
        top = App()
        top.mount(prefix, child)
        answer = await call(top, "GET", prefix + "/nowhere", headers=[(b"accept", b"*/*")])
        reference = await call(_handled_app(), "GET", prefix + "/nowhere")
        if child is plain:
            assert (answer.status, answer.headers, answer.body) == (
                reference.status,
                reference.headers,
                reference.body,
            )
        else:
            assert json.loads(answer.body) == {"child": True}


def test_a_text_response_with_headers_a_media_type_or_a_task_keeps_them() -> None:
    async def task() -> None:
        pass

    response = PlainTextResponse("a", headers={"x-a": "1"}, media_type="text/csv", background=task)
    assert response.raw_headers == [
        (b"x-a", b"1"),
        (b"content-length", b"1"),
        (b"content-type", b"text/csv; charset=utf-8"),
    ]
    assert response.background is task
    assert PlainTextResponse("b", background=task).background is task
