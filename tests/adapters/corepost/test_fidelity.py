"""What CorePost's users relied on that the first adapter missed (issue 9, items 13-16)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import yaml

from microrest.adapters.corepost import (
    CorePost,
    HttpHeader,
    IRequestFilter,
    IResponseFilter,
    RESTResource,
    defer,
    route,
)
from microrest.adapters.corepost.enums import Http, MediaType
from microrest.testing import Client

# --- 13: request filters that rewrite received_headers -------------------------------------


class TreatAsJson(IRequestFilter):
    """A client that cannot set Content-Type asks for JSON parsing with its own header."""

    def filterRequest(self, request: Any) -> None:  # noqa: N802
        if request.received_headers.get("x-body-format") == "json":
            request.received_headers[HttpHeader.CONTENT_TYPE] = MediaType.APPLICATION_JSON


class PreferYaml(IRequestFilter):
    def filterRequest(self, request: Any) -> None:  # noqa: N802
        if "format=yaml" in request.uri:
            request.received_headers["Accept"] = MediaType.TEXT_YAML


class ByContent:
    @route("/doc", Http.POST, MediaType.APPLICATION_JSON)
    def json_doc(self, request: Any, **kwargs: Any) -> dict[str, Any]:
        return {"handler": "json", "parsed": request.json, "kwargs": kwargs}

    @route("/doc", Http.POST)
    def any_doc(self, request: Any, **kwargs: Any) -> dict[str, Any]:
        return {"handler": "any", "raw": request.data.decode()}

    @route("/items")
    def items(self, request: Any, **kwargs: Any) -> list[dict[str, str]]:
        return [{"name": "a"}]

    @route("/seen")
    def seen(self, request: Any, **kwargs: Any) -> str:
        return request.request.headers.get("content-type", "")


@pytest.fixture(params=[False, True], ids=["modern", "compat"])
def filtered(request: pytest.FixtureRequest) -> Any:
    app = RESTResource((ByContent(),), filters=(TreatAsJson(), PreferYaml()), compat=request.param)
    with Client(app) as client:
        yield client


def test_rewritten_content_type_chooses_handler_and_parser(filtered: Client) -> None:
    body = '{"name": "x"}'
    plain = {"Content-Type": "text/plain"}
    answer = filtered.post("/doc", content=body, headers=plain)
    assert answer.json() == {"handler": "any", "raw": body}
    answer = filtered.post("/doc", content=body, headers={**plain, "X-Body-Format": "json"})
    assert answer.json() == {"handler": "json", "parsed": {"name": "x"}, "kwargs": {"name": "x"}}


def test_rewritten_accept_chooses_the_answer_format(filtered: Client) -> None:
    assert filtered.get("/items").headers["content-type"] == "application/json"
    answer = filtered.get("/items?format=yaml", headers={"Accept": "application/json"})
    assert answer.headers["content-type"].startswith("text/yaml")
    assert yaml.safe_load(answer.text) == [{"name": "a"}]


def test_core_request_sees_the_rewritten_headers(filtered: Client) -> None:
    answer = filtered.get("/seen", headers={"X-Body-Format": "json"})
    assert answer.text == "application/json"


def test_untouched_headers_keep_their_repeated_fields() -> None:
    class Touch(IRequestFilter):
        def filterRequest(self, request: Any) -> None:  # noqa: N802
            request.received_headers["x-added"] = "1"

    app = CorePost(filters=(Touch(),))

    @app.route("/")
    def root(request: Any, **kwargs: Any) -> str:
        return repr(request.request.headers.getlist("x-many")) + request.getHeader("X-Added")

    with Client(app) as client:
        answer = client.get("/", headers=[("x-many", "a"), ("x-many", "b")])
    assert answer.text == "['a', 'b']1"


# --- 14: response headers are case-insensitive ---------------------------------------------


class ForceType(IResponseFilter):
    def filterResponse(self, request: Any, response: Any) -> None:  # noqa: N802
        response.headers[HttpHeader.CONTENT_TYPE] = "application/vnd.example+json"
        response.headers["X-Filtered"] = "yes"


@pytest.mark.parametrize("path", ["/dict", "/text", "/response", "/set-header", "/missing"])
def test_filter_setting_content_type_never_doubles_it(path: str) -> None:
    app = CorePost(filters=(ForceType(),))
    app.route("/dict")(lambda request, **kwargs: {"a": 1})
    app.route("/text")(lambda request, **kwargs: "text")

    @app.route("/response")
    def response(request: Any, **kwargs: Any) -> Any:
        from microrest.adapters.corepost import Response

        return Response(200, "x", {"Content-Type": "text/html", "content-type": "text/csv"})

    @app.route("/set-header")
    def set_header(request: Any, **kwargs: Any) -> str:
        request.setHeader("CONTENT-TYPE", "text/html")
        return "x"

    with Client(app) as client:
        answer = client.get(path)
    assert answer.headers.get_list("content-type") == ["application/vnd.example+json"]
    assert answer.headers.get_list("x-filtered") == ["yes"]


def test_response_headers_lookup_any_case() -> None:
    from microrest.adapters.corepost import Response

    response = Response(200, "x", {"Content-Type": "text/plain"})
    assert response.headers[HttpHeader.CONTENT_TYPE] == "text/plain"
    response.headers["content-TYPE"] = "text/csv"
    assert dict(response.headers) == {"content-type": "text/csv"}
    response.headers = {"X-A": "1"}  # a filter may assign a plain dict
    assert "x-a" in response.headers


@pytest.mark.anyio
async def test_streamed_answer_has_one_content_type() -> None:
    app = CorePost(filters=(ForceType(),))

    @app.route("/stream")
    async def stream(request: Any, **kwargs: Any) -> None:
        request.setHeader("Content-Type", "text/event-stream")
        await request.write("data\n")
        request.finish()

    messages: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        await asyncio.Event().wait()  # the client never leaves during this test
        return {}

    async def send(message: dict[str, Any]) -> None:
        messages.append(message)

    scope = {
        "type": "http",
        "method": "GET",
        "path": "/stream",
        "raw_path": b"/stream",
        "query_string": b"",
        "headers": [],
        "root_path": "",
    }
    await app(scope, receive, send)
    types = [value for name, value in messages[0]["headers"] if name == b"content-type"]
    assert types == [b"application/vnd.example+json"]


# --- 15: maybeDeferred ------------------------------------------------------------------------


def test_maybe_deferred_returns_a_failed_deferred() -> None:
    def boom() -> None:
        raise ValueError("no")

    deferred = defer.maybeDeferred(boom)  # must not raise
    seen: list[Any] = []
    deferred.addCallback(lambda result: seen.append(("result", result)))
    deferred.addErrback(lambda failure: seen.append(("failure", failure.trap(ValueError))))
    assert seen == [("failure", ValueError)]


@pytest.mark.anyio
async def test_maybe_deferred_awaited_raises_and_wraps_results() -> None:
    def boom() -> None:
        raise KeyError("k")

    with pytest.raises(KeyError):
        await defer.maybeDeferred(boom)

    async def later() -> int:
        return 4

    assert await defer.maybeDeferred(later).addCallback(lambda value: value + 1) == 5
    assert await defer.maybeDeferred(lambda: 2) == 2
    recovered = defer.maybeDeferred(boom).addErrback(lambda failure: failure.getErrorMessage())
    assert await recovered == "'k'"


def test_untrapped_failure_stays_failed() -> None:
    deferred = defer.fail(KeyError("k")).addErrback(lambda failure: failure.trap(ValueError))
    assert isinstance(deferred.failure, KeyError)


def test_maybe_deferred_in_a_handler_gives_the_rest_answer() -> None:
    from microrest.adapters.corepost import NotFoundException

    app = CorePost()

    @app.route("/thing/<key>")
    @defer.inlineCallbacks
    def thing(request: Any, key: str, **kwargs: Any) -> Any:
        def lookup() -> str:
            raise NotFoundException("Thing", key)

        value = yield defer.maybeDeferred(lookup)
        defer.returnValue(value)

    with Client(app) as client:
        answer = client.get("/thing/a")
    assert answer.status_code == 404
    assert answer.text == "Unable to find Thing identified by 'a'"


# --- 16: the seed dialect under compat=True --------------------------------------------------


def _poster(app: Any) -> Any:
    app.route("/post", Http.POST)(lambda request, **kwargs: str(kwargs))
    app.route("/obj", Http.POST)(lambda request, **kwargs: {"ok": True})
    return app


@pytest.mark.parametrize(("compat", "status"), [(True, 200), (False, 201)])
def test_seed_dialect_post_status(compat: bool, status: int) -> None:
    with Client(_poster(CorePost(compat=compat))) as client:
        assert client.post("/post", data={"a": "1"}).status_code == status
        assert client.post("/obj").status_code == status


def test_service_dialect_keeps_201_under_compat() -> None:
    class Service:
        @route("/post", Http.POST)
        def post(self, request: Any, **kwargs: Any) -> str:
            return "ok"

    with Client(RESTResource((Service(),), compat=True)) as client:
        assert client.post("/post").status_code == 201


def test_seed_dialect_explicit_code_is_kept_under_compat() -> None:
    app = CorePost(compat=True)

    @app.route("/post", Http.POST)
    def post(request: Any, **kwargs: Any) -> str:
        request.setResponseCode(202)
        return "queued"

    with Client(app) as client:
        assert client.post("/post").status_code == 202


def _uploads(compat: bool) -> CorePost:
    app = CorePost(compat=compat)

    @app.route("/upload", Http.POST)
    async def upload(request: Any, **kwargs: Any) -> dict[str, Any]:
        part = request.args["file"][0]
        if isinstance(part, bytes):
            return {"kind": "bytes", "data": part.decode(), "note": kwargs["note"]}
        return {
            "kind": type(part).__name__,
            "filename": part.filename,
            "data": (await part.read()).decode(),
            "note": kwargs["note"],
        }

    return app


def test_multipart_files_are_bytes_under_compat() -> None:
    with Client(_uploads(True)) as client:
        answer = client.post("/upload", files={"file": ("a.txt", b"hello")}, data={"note": "n"})
    assert answer.json() == {"kind": "bytes", "data": "hello", "note": "n"}


def test_multipart_files_are_upload_files_by_default() -> None:
    with Client(_uploads(False)) as client:
        answer = client.post("/upload", files={"file": ("a.txt", b"hello")}, data={"note": "n"})
    assert answer.json() == {
        "kind": "UploadFile",
        "filename": "a.txt",
        "data": "hello",
        "note": "n",
    }
