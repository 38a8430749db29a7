"""Response classes: headers, cookies, JSON both ways, streaming, files with ranges, redirects."""

from __future__ import annotations

import io
import logging
import os
import time
from collections.abc import AsyncIterator, Iterator
from email.utils import formatdate
from pathlib import Path
from typing import Any

import anyio
import pytest

from microrest import (
    App,
    FileResponse,
    HTMLResponse,
    HTTPError,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Request,
    Response,
    StreamingResponse,
)
from microrest import codec as codec_module
from microrest import responses as responses_module
from microrest.errors import InvalidHeader
from microrest.testing import Client

from .asgi import call


def serve(response_factory: Any, *, debug: bool = False) -> App:
    app = App(debug=debug)
    app.add_route("/", lambda request: response_factory(), ["GET", "POST"])
    return app


def get(response_factory: Any, raise_server_exceptions: bool = True, **kwargs: Any) -> Any:
    with Client(serve(response_factory), raise_server_exceptions=raise_server_exceptions) as client:
        return client.get("/", **kwargs)


# Response and its subclasses ----------------------------------------------------------------


def test_response_defaults_and_media_types() -> None:
    response = get(lambda: Response("plain body", media_type="text/csv"))
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-length"] == "10"
    assert get(lambda: Response(b"\x00")).headers.get("content-type") is None
    assert get(lambda: PlainTextResponse("é")).content == "é".encode()
    html = get(lambda: HTMLResponse("<p>x</p>", status_code=201))
    assert html.status_code == 201
    assert html.headers["content-type"] == "text/html; charset=utf-8"
    assert get(lambda: Response(status_code=204)).headers.get("content-length") is None
    assert get(lambda: Response(status_code=304)).content == b""


def test_response_content_types_refused() -> None:
    with pytest.raises(TypeError, match="use JSONResponse for data"):
        Response({"a": 1})


def test_headers_mapping_list_and_multi_values() -> None:
    response = get(
        lambda: Response("x", headers=[("X-Multi", "1"), ("X-Multi", "2"), ("X-One", "o")])
    )
    assert response.headers.get_list("x-multi") == ["1", "2"]
    assert response.headers["x-one"] == "o"
    response = get(lambda: Response("x", headers={"X-Map": "m", "Content-Type": "text/own"}))
    assert response.headers["x-map"] == "m"
    assert response.headers.get_list("content-type") == ["text/own"]


def test_headers_are_mutable_before_sending() -> None:
    def factory() -> Response:
        response = PlainTextResponse("body")
        response.headers["X-Added"] = "yes"
        response.headers.append("X-Added", "again")
        del response.headers["content-type"]
        return response

    response = get(factory)
    assert response.headers.get_list("x-added") == ["yes", "again"]
    assert "content-type" not in response.headers


def test_set_and_delete_cookie() -> None:
    def factory() -> Response:
        response = Response("c")
        response.set_cookie(
            "session", "abc", max_age=60, httponly=True, secure=True, samesite="strict"
        )
        response.set_cookie("theme", "dark", path=None, domain="example.org", samesite=None)
        response.delete_cookie("old")
        return response

    cookies = get(factory).headers.get_list("set-cookie")
    assert len(cookies) == 3
    session, theme, old = cookies
    assert session.startswith("session=abc;")
    for part in ("Max-Age=60", "HttpOnly", "Secure", "SameSite=strict", "Path=/"):
        assert part in session
    assert "Domain=example.org" in theme and "Path" not in theme and "SameSite" not in theme
    assert old.startswith('old="";') or old.startswith("old=;")
    assert "Max-Age=0" in old and "expires=" in old.lower()


# JSON ---------------------------------------------------------------------------------------


DATA: Any = {"text": "héllo ☃", "n": [1, 2.5, None, True], "nested": {"a": {"b": []}}}


@pytest.mark.parametrize("use_orjson", [True, False])
def test_json_response_with_and_without_orjson(
    monkeypatch: pytest.MonkeyPatch, use_orjson: bool
) -> None:
    if use_orjson:
        pytest.importorskip("orjson")
    monkeypatch.setattr(codec_module, "_HAS_ORJSON", use_orjson)
    response = JSONResponse(DATA)
    assert response.body == (
        b'{"text":"h\xc3\xa9llo \xe2\x98\x83","n":[1,2.5,null,true],"nested":{"a":{"b":[]}}}'
    )
    assert dict(response.raw_headers)[b"content-type"] == b"application/json"
    # what orjson refuses falls back to the stdlib, so both give the same answer
    assert JSONResponse({1: 2**70}).body == b'{"1":1180591620717411303424}'


@pytest.mark.parametrize("use_orjson", [True, False])
def test_json_unserialisable_is_a_500(
    monkeypatch: pytest.MonkeyPatch, use_orjson: bool, caplog: pytest.LogCaptureFixture
) -> None:
    if use_orjson:
        pytest.importorskip("orjson")
    monkeypatch.setattr(codec_module, "_HAS_ORJSON", use_orjson)
    response = get(lambda: JSONResponse({"when": object()}), raise_server_exceptions=False)
    assert response.status_code == 500
    assert "not JSON serializable" in caplog.text


# streaming ----------------------------------------------------------------------------------


def test_streaming_sync_iterator_and_str_chunks() -> None:
    def chunks() -> Iterator[Any]:
        yield "héllo "
        yield b"world"
        yield ""

    response = get(lambda: StreamingResponse(chunks(), media_type="text/plain"))
    assert response.text == "héllo world"
    assert response.headers["content-type"] == "text/plain; charset=utf-8"


def test_streaming_async_iterator() -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for i in range(3):
            yield f"{i};".encode()

    assert get(lambda: StreamingResponse(chunks())).text == "0;1;2;"


def test_streaming_list_and_file_likes(tmp_path: Path) -> None:
    assert get(lambda: StreamingResponse([b"a", b"b"])).content == b"ab"
    big = os.urandom(200_000)
    assert get(lambda: StreamingResponse(io.BytesIO(big))).content == big
    path = tmp_path / "f.bin"
    path.write_bytes(big)

    def from_file() -> StreamingResponse:
        return StreamingResponse(path.open("rb"), media_type="application/octet-stream")

    assert get(from_file).content == big


@pytest.mark.anyio
async def test_streaming_is_chunked_without_content_length() -> None:
    app = serve(lambda: StreamingResponse([b"one", b"two"]))
    answer = await call(app, "GET", "/")
    assert answer.status == 200
    assert answer.header("content-length") is None
    bodies = [m for m in answer.messages if m["type"] == "http.response.body"]
    assert [m["body"] for m in bodies] == [b"one", b"two", b""]
    assert [m.get("more_body", False) for m in bodies] == [True, True, False]


def test_streaming_with_declared_content_length() -> None:
    response = get(lambda: StreamingResponse([b"12", b"34"], headers={"Content-Length": "4"}))
    assert response.headers["content-length"] == "4"
    assert response.content == b"1234"


def test_streaming_head_has_headers_no_body() -> None:
    iterated: list[int] = []

    def chunks() -> Iterator[bytes]:
        iterated.append(1)
        yield b"x"

    with Client(serve(lambda: StreamingResponse(chunks(), media_type="text/plain"))) as client:
        response = client.head("/")
    assert response.status_code == 200 and response.content == b""
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert iterated == []  # nothing is produced for nobody


@pytest.mark.anyio
async def test_streaming_stops_when_the_client_leaves(caplog: pytest.LogCaptureFixture) -> None:
    closed = anyio.Event()

    async def endless() -> AsyncIterator[bytes]:
        try:
            yield b"first"
            await anyio.Event().wait()  # never set: only a disconnect ends this
            yield b"never"
        finally:
            closed.set()

    app = serve(lambda: StreamingResponse(endless()))
    with anyio.fail_after(5):
        answer = await call(app, "GET", "/", disconnect=True)
    assert closed.is_set()
    assert answer.body == b"first"
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


@pytest.mark.anyio
async def test_streaming_send_failure_after_start_is_not_an_error(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = serve(lambda: StreamingResponse([b"a", b"b", b"c"]))
    sent: list[Any] = []

    async def receive() -> dict[str, Any]:
        await anyio.sleep_forever()
        raise AssertionError

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.body" and sent:
            raise OSError("connection reset")
        sent.append(message)

    scope = {"type": "http", "method": "GET", "path": "/", "headers": [], "query_string": b""}
    with anyio.fail_after(5):
        await app(scope, receive, send)
    assert sent[0]["type"] == "http.response.start"
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.mark.anyio
async def test_streaming_error_after_start_is_logged_and_the_app_returns(
    caplog: pytest.LogCaptureFixture,
) -> None:
    class Exploding:
        def __aiter__(self) -> Exploding:
            return self

        async def __anext__(self) -> bytes:
            raise RuntimeError("broken generator")

    app = serve(lambda: StreamingResponse(Exploding()))
    with anyio.fail_after(5):
        answer = await call(app, "GET", "/")
    # the start went out first: the response is cut short (the server closes it), no hang
    assert [m["type"] for m in answer.messages] == ["http.response.start"]
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1
    assert "after the response started" in errors[0].getMessage()


def test_streaming_file_like_is_closed(tmp_path: Path) -> None:
    path = tmp_path / "f.txt"
    path.write_bytes(b"content")
    handles: list[Any] = []

    def factory() -> StreamingResponse:
        handles.append(path.open("rb"))
        return StreamingResponse(handles[-1])

    with Client(serve(factory)) as client:
        assert client.get("/").content == b"content"
        assert client.head("/").content == b""
    assert len(handles) == 2
    assert all(handle.closed for handle in handles)


# files --------------------------------------------------------------------------------------


@pytest.fixture
def data_file(tmp_path: Path) -> Path:
    path = tmp_path / "data.txt"
    path.write_bytes(b"0123456789")
    return path


def file_get(path: Path, headers: dict[str, str] | None = None, method: str = "GET") -> Any:
    with Client(serve(lambda: FileResponse(path))) as client:
        return client.request(method, "/", headers=headers)


def test_file_response_full(data_file: Path) -> None:
    response = file_get(data_file)
    assert response.status_code == 200
    assert response.content == b"0123456789"
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert response.headers["content-length"] == "10"
    assert response.headers["accept-ranges"] == "bytes"
    assert response.headers["etag"].startswith('"')
    assert response.headers["last-modified"].endswith("GMT")


def test_file_response_big_file_is_complete(tmp_path: Path) -> None:
    path = tmp_path / "big.bin"
    data = os.urandom(300_000)
    path.write_bytes(data)
    response = file_get(path)
    assert response.content == data
    assert response.headers["content-type"] == "application/octet-stream"


def test_file_response_head(data_file: Path) -> None:
    response = file_get(data_file, method="HEAD")
    assert response.status_code == 200
    assert response.content == b""
    assert response.headers["content-length"] == "10"


def test_file_response_filename_disposition(data_file: Path) -> None:
    def factory(name: str) -> Any:
        return lambda: FileResponse(data_file, filename=name)

    with Client(serve(factory("report.txt"))) as client:
        disposition = client.get("/").headers["content-disposition"]
    assert disposition == 'attachment; filename="report.txt"'
    with Client(serve(factory("résumé.txt"))) as client:
        disposition = client.get("/").headers["content-disposition"]
    assert disposition == "attachment; filename*=utf-8''r%C3%A9sum%C3%A9.txt"


@pytest.mark.parametrize(
    ("range_header", "status", "body", "content_range"),
    [
        ("bytes=0-4", 206, b"01234", "bytes 0-4/10"),
        ("bytes=5-", 206, b"56789", "bytes 5-9/10"),
        ("bytes=-3", 206, b"789", "bytes 7-9/10"),
        ("bytes=8-100", 206, b"89", "bytes 8-9/10"),
        ("bytes=-100", 206, b"0123456789", "bytes 0-9/10"),
        ("bytes=0-0", 206, b"0", "bytes 0-0/10"),
        ("bytes=10-", 416, b"", "bytes */10"),
        ("bytes=-0", 416, b"", "bytes */10"),
        ("bytes=0-1,3-4", 200, b"0123456789", None),
        ("bytes=5-2", 200, b"0123456789", None),
        ("items=0-1", 200, b"0123456789", None),
        ("bytes=abc", 200, b"0123456789", None),
    ],
)
def test_file_response_ranges(
    data_file: Path, range_header: str, status: int, body: bytes, content_range: str | None
) -> None:
    response = file_get(data_file, {"Range": range_header})
    assert response.status_code == status
    assert response.content == body
    assert response.headers.get("content-range") == content_range
    if status != 416:
        assert response.headers["content-length"] == str(len(body))


def test_file_response_if_range(data_file: Path) -> None:
    etag = file_get(data_file).headers["etag"]
    last_modified = file_get(data_file).headers["last-modified"]
    assert file_get(data_file, {"Range": "bytes=0-1", "If-Range": etag}).status_code == 206
    response = file_get(data_file, {"Range": "bytes=0-1", "If-Range": last_modified})
    assert response.status_code == 206
    stale = file_get(data_file, {"Range": "bytes=0-1", "If-Range": '"other"'})
    assert stale.status_code == 200 and stale.content == b"0123456789"


def test_file_response_conditional_304(data_file: Path) -> None:
    first = file_get(data_file)
    etag = first.headers["etag"]
    for headers in (
        {"If-None-Match": etag},
        {"If-None-Match": f'"nope", W/{etag}'},
        {"If-None-Match": "*"},
        {"If-Modified-Since": first.headers["last-modified"]},
        {"If-Modified-Since": formatdate(time.time() + 3600, usegmt=True)},
    ):
        response = file_get(data_file, headers)
        assert response.status_code == 304, headers
        assert response.content == b""
        assert response.headers["etag"] == etag
        assert "content-length" not in response.headers
    for headers in (
        {"If-None-Match": '"other"'},
        # If-None-Match wins over If-Modified-Since (RFC 9110 13.1.3)
        {"If-None-Match": '"other"', "If-Modified-Since": first.headers["last-modified"]},
        {"If-Modified-Since": formatdate(time.time() - 86400 * 365, usegmt=True)},
        {"If-Modified-Since": "not a date"},
    ):
        response = file_get(data_file, headers)
        assert response.status_code == 200, headers
        assert response.content == b"0123456789"


def test_file_response_304_only_for_get_and_head(data_file: Path) -> None:
    etag = file_get(data_file).headers["etag"]
    assert file_get(data_file, {"If-None-Match": etag}, method="HEAD").status_code == 304
    assert file_get(data_file, {"If-None-Match": etag}, method="POST").status_code == 200


def test_file_response_missing_or_directory_is_404(tmp_path: Path) -> None:
    assert file_get(tmp_path / "missing.txt").status_code == 404
    assert file_get(tmp_path).status_code == 404


# redirects ----------------------------------------------------------------------------------


def test_redirect_response() -> None:
    response = get(lambda: RedirectResponse("/elsewhere?x=1"))
    assert response.status_code == 307
    assert response.headers["location"] == "/elsewhere?x=1"
    assert response.content == b""
    response = get(lambda: RedirectResponse("https://example.org/a b/é", status_code=301))
    assert response.status_code == 301
    assert response.headers["location"] == "https://example.org/a%20b/%C3%A9"


def test_redirect_cannot_smuggle_headers() -> None:
    response = get(lambda: RedirectResponse("/x\r\nSet-Cookie: evil=1"))
    assert "set-cookie" not in response.headers
    assert "\r" not in response.headers.get("location", "")


# bad headers: a clear 500 and a log line, never a dropped connection --------------------------


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: Response("x", headers={"X-Bad": "a\r\nInjected: 1"}), "CR, LF or NUL"),
        (lambda: Response("x", headers={"X-Bad": "nul\x00"}), "CR, LF or NUL"),
        (lambda: Response("x", headers={"X-Bad\n": "v"}), "CR, LF or NUL"),
        (lambda: Response("x", headers={"X-Bad": "snowman ☃"}), "not latin-1"),
        (lambda: JSONResponse({}, headers=[("X-Bad", "line\nbreak")]), "CR, LF or NUL"),
        (lambda: StreamingResponse([b"x"], headers={"X-Bad": "☃"}), "not latin-1"),
        (lambda: RedirectResponse("/", headers={"X-Bad": "\r"}), "CR, LF or NUL"),
    ],
)
def test_bad_header_at_construction_is_a_500_with_a_log_line(
    make: Any, message: str, caplog: pytest.LogCaptureFixture
) -> None:
    with Client(serve(make), raise_server_exceptions=False) as client:
        response = client.get("/")
    assert response.status_code == 500
    assert response.text == "Internal Server Error"
    assert message in caplog.text
    assert "X-Bad" in caplog.text


def mutated(kind: str, value: str) -> Any:
    def factory() -> Response:
        response: Response
        if kind == "plain":
            response = PlainTextResponse("x")
        elif kind == "stream":
            response = StreamingResponse([b"x"])
        else:
            response = FileResponse(__file__)
        response.headers["X-Late"] = value
        return response

    return factory


@pytest.mark.parametrize("kind", ["plain", "stream", "file"])
@pytest.mark.parametrize("value", ["a\r\nInjected: 1", "caf\u00e9\u2603"])
def test_bad_header_set_later_is_a_500_with_a_log_line(
    kind: str, value: str, caplog: pytest.LogCaptureFixture
) -> None:
    with Client(serve(mutated(kind, value)), raise_server_exceptions=False) as client:
        response = client.get("/")
    assert response.status_code == 500
    assert "injected" not in response.headers
    assert caplog.records, "the failure must be logged"
    assert any(r.levelno >= logging.ERROR for r in caplog.records)


def test_bad_header_in_debug_shows_the_reason() -> None:
    app = serve(lambda: Response("x", headers={"X-Bad": "a\nb"}), debug=True)
    with Client(app, raise_server_exceptions=False) as client:
        response = client.get("/")
    assert response.status_code == 500
    assert "InvalidHeader" in response.text and "CR, LF or NUL" in response.text


def test_bad_header_on_http_error_and_in_handler(caplog: pytest.LogCaptureFixture) -> None:
    app = App()

    @app.get("/error")
    def error(request: Request) -> str:
        raise HTTPError(403, "no", headers={"X-Why": "bad\r\nvalue"})

    @app.get("/handled")
    def handled(request: Request) -> str:
        raise KeyError("k")

    @app.exception_handler(KeyError)
    def on_key_error(request: Request, exc: KeyError) -> Response:
        return Response("handled", headers={"X-Bad": "\n"})

    with Client(app, raise_server_exceptions=False) as client:
        assert client.get("/error").status_code == 500
        assert client.get("/handled").status_code == 500
    assert caplog.text.count("CR, LF or NUL") >= 2


def test_encode_header_accepts_ints() -> None:
    assert responses_module.encode_header("Content-Length", 5) == (  # type: ignore[arg-type]
        b"content-length",
        b"5",
    )
    with pytest.raises(InvalidHeader):
        responses_module.encode_header("X", None)  # type: ignore[arg-type]


@pytest.mark.anyio
async def test_bad_header_never_drops_the_connection_on_the_wire() -> None:
    """Over a real server the client gets a 500 response, not a reset connection."""
    from microrest.server import Server

    app = serve(mutated("plain", "a\r\nb"))
    server = Server(app, "127.0.0.1", 0, log_level="critical")
    server.start()
    try:
        import httpx

        host, port = server.server_address
        async with httpx.AsyncClient() as client:
            response = await client.get(f"http://{host}:{port}/")
        assert response.status_code == 500
    finally:
        server.stop()
