"""CorePost routes are prepared routes: a handler that cannot stream is answered without the
raw-route guard, one that may stream (``request.write()`` while it runs) gets the ASGI ``send``.

The cheap kind is chosen at registration by reading the handler's code (``may_stream``); these
tests check that choice, and that both kinds answer byte for byte alike (the streaming kind is
forced here by a request filter that changes nothing, since a request filter can hand the
request to anything).
"""

from __future__ import annotations

import functools
import inspect
from typing import Any

import anyio
import pytest

from microrest.adapters.corepost import Response, defer
from microrest.adapters.corepost.enums import Http
from microrest.adapters.corepost.exceptions import ConflictException
from microrest.adapters.corepost.filters import IRequestFilter, IResponseFilter
from microrest.adapters.corepost.handler import HandlerSpec, ignores_keywords, may_stream
from microrest.adapters.corepost.web import CorePost
from microrest.testing import Client

# --- which handlers may stream --------------------------------------------------------------

_KEPT: list[Any] = []


async def _helper(request: Any) -> None:
    request.write("x")


async def reads(request: Any, **kwargs: Any) -> Any:
    request.setResponseCode(200)
    request.setHeader("X-A", "1")
    request.code = 202
    del request.json
    return {"json": request.json, "path": request.path, "args": request.args}


async def reads_nothing(request: Any, **kwargs: Any) -> str:
    return "text"


async def writes(request: Any, **kwargs: Any) -> None:
    await request.write("x")


async def finishes(request: Any, **kwargs: Any) -> None:
    request.finish()


async def hands_over(request: Any, **kwargs: Any) -> None:
    await _helper(request)


async def keeps(request: Any, **kwargs: Any) -> None:
    _KEPT.append(request)


async def aliases(request: Any, **kwargs: Any) -> None:
    other = request
    other.setResponseCode(200)


async def captures(request: Any, **kwargs: Any) -> Any:
    return lambda: request.code


async def looks_up(request: Any, **kwargs: Any) -> Any:
    return getattr(request, "code")  # noqa: B009 - the point: a dynamic attribute


async def private(request: Any, **kwargs: Any) -> Any:
    return request._scope


async def introspects(request: Any, **kwargs: Any) -> Any:
    return locals()


async def sets_the_stream(request: Any, **kwargs: Any) -> None:
    request.stream_send = None


async def renamed(req: Any, **kwargs: Any) -> None:
    req.write("x")


async def renamed_reads(req: Any, **kwargs: Any) -> Any:
    return req.json


def _decorated(func: Any) -> Any:
    @functools.wraps(func)
    async def wrapper(*args: Any, **kwargs: Any) -> Any:
        return await func(*args, **kwargs)

    return wrapper


class Service:
    async def reads(self, request: Any, **kwargs: Any) -> Any:
        return request.json

    async def writes(self, request: Any, **kwargs: Any) -> None:
        request.write(b"x")


class Callable_:
    async def __call__(self, request: Any, **kwargs: Any) -> None:
        return None


@defer.inlineCallbacks
def legacy(request: Any, **kwargs: Any) -> Any:
    yield request.write("x")


@pytest.mark.parametrize(
    ("func", "streams"),
    [
        (reads, False),
        (reads_nothing, False),
        (renamed_reads, False),
        (Service().reads, False),
        (writes, True),
        (finishes, True),
        (hands_over, True),
        (keeps, True),
        (aliases, True),
        (captures, True),
        (looks_up, True),
        (private, True),
        (introspects, True),
        (sets_the_stream, True),
        (renamed, True),
        (Service().writes, True),
        (_decorated(reads), True),
        (Callable_(), True),
        (functools.partial(reads), True),
        (legacy, True),
    ],
    ids=lambda value: getattr(value, "__qualname__", type(value).__name__),
)
def test_may_stream_is_true_unless_the_code_cannot_reach_the_wire(func: Any, streams: bool) -> None:
    spec = HandlerSpec(func)
    assert spec.is_async
    assert spec.streams is streams
    assert may_stream(func, spec.request_name) is streams


def test_sync_handlers_never_stream() -> None:
    def sync_writes(request: Any, **kwargs: Any) -> None:
        request.write("x")

    assert HandlerSpec(sync_writes).streams is False


# --- both kinds answer alike ----------------------------------------------------------------


class _Unchanged(IRequestFilter):
    def filterRequest(self, request: Any) -> None:  # noqa: N802
        pass


class _Header(IResponseFilter):
    def filterResponse(self, request: Any, response: Any) -> None:  # noqa: N802
        response.headers["X-Filtered"] = "yes"


def _app(streaming: bool, response_filter: bool = False, **options: Any) -> CorePost:
    filters: list[Any] = [_Unchanged()] if streaming else []
    if response_filter:
        filters.append(_Header())
    app = CorePost(filters=filters, **options)

    @app.route("/text", (Http.GET, Http.POST))
    async def text(request: Any, **kwargs: Any) -> str:
        return "héllo"

    @app.route("/data/<int:id>", (Http.GET, Http.POST, Http.PUT))
    async def data(request: Any, id: int, **kwargs: Any) -> Any:
        return {"id": id, "kwargs": kwargs, "json": request.json}

    @app.route("/header", Http.GET)
    async def header(request: Any, **kwargs: Any) -> Any:
        request.setHeader("X-Handler", "1")
        request.setResponseCode(202)
        return [1, "two"]

    @app.route("/code/<int:code>", Http.GET)
    async def code(request: Any, code: int) -> str:
        request.setResponseCode(code)
        return "body"

    @app.route("/none", (Http.GET, Http.POST))
    async def nothing(request: Any, **kwargs: Any) -> None:
        return None

    @app.route("/response", Http.GET)
    async def response(request: Any, **kwargs: Any) -> Response:
        return Response(203, {"a": 1}, {"X-Own": "2"})

    @app.route("/bytes", Http.GET)
    async def raw(request: Any, **kwargs: Any) -> bytes:
        return b"\x00\x01"

    @app.route("/rest", Http.GET)
    async def rest(request: Any, **kwargs: Any) -> None:
        request.setHeader("X-Before", "1")
        raise ConflictException("taken")

    @app.route("/boom", (Http.GET, Http.POST))
    async def boom(request: Any, **kwargs: Any) -> None:
        raise ValueError("secret")

    @app.route("/bad-header", Http.GET)
    async def bad_header(request: Any, **kwargs: Any) -> str:
        request.setHeader("X-Bad", "a\r\nb")
        return "never"

    @app.route("/required", Http.GET)
    async def required(request: Any, needed: str) -> str:
        return needed

    @app.route("/sync", Http.GET)
    def sync(request: Any, **kwargs: Any) -> dict[str, Any]:
        request.write("ignored?")
        return {"sync": True}

    @app.route("/stream", Http.GET)
    async def stream(request: Any, **kwargs: Any) -> None:
        request.setHeader("Content-Type", "text/event-stream")
        await request.write("a")
        await request.write(b"b")

    return app


_REQUESTS: list[tuple[str, str, dict[str, Any]]] = [
    ("GET", "/text", {}),
    ("POST", "/text", {}),
    ("HEAD", "/text", {}),
    ("GET", "/data/7", {}),
    ("GET", "/data/7?x=1&x=2", {}),
    ("GET", "/data/7", {"headers": {"Accept": "text/yaml"}}),
    ("POST", "/data/7", {"json": {"a": [1, 2], "id": 9}}),
    ("PUT", "/data/7", {"content": b"a=1", "headers": {"Content-Type": "text/plain"}}),
    ("POST", "/data/7", {"content": b"{bad", "headers": {"Content-Type": "application/json"}}),
    ("GET", "/header", {}),
    ("GET", "/code/204", {}),
    ("GET", "/code/304", {}),
    ("GET", "/code/418", {}),
    ("GET", "/none", {}),
    ("POST", "/none", {}),
    ("GET", "/response", {}),
    ("GET", "/bytes", {}),
    ("GET", "/rest", {}),
    ("GET", "/boom", {}),
    ("POST", "/boom", {"json": {"a": 1}}),
    ("GET", "/bad-header", {}),
    ("GET", "/required", {}),
    ("GET", "/required?needed=n", {}),
    ("GET", "/sync", {}),
    ("GET", "/stream", {}),
    ("DELETE", "/text", {}),
]


@pytest.mark.parametrize("response_filter", [False, True], ids=["plain", "filtered"])
@pytest.mark.parametrize(("method", "path", "options"), _REQUESTS)
def test_prepared_answers_as_the_streaming_kind(
    method: str, path: str, options: dict[str, Any], response_filter: bool
) -> None:
    with (
        Client(_app(False, response_filter), raise_server_exceptions=False) as prepared,
        Client(_app(True, response_filter), raise_server_exceptions=False) as streaming,
    ):
        one = prepared.request(method, path, **options)
        other = streaming.request(method, path, **options)
    assert one.status_code == other.status_code
    assert one.content == other.content
    assert sorted(one.headers.items()) == sorted(other.headers.items())


@pytest.mark.parametrize("mode", ["inline", "thread"])
def test_sync_handlers_answer_alike_inline_and_in_a_thread(mode: str) -> None:
    with (
        Client(_app(False, sync_handlers=mode)) as prepared,
        Client(_app(True, sync_handlers=mode)) as streaming,
    ):
        for method, path, options in _REQUESTS:
            if path in ("/boom", "/bad-header"):
                continue
            one = prepared.request(method, path, **options)
            other = streaming.request(method, path, **options)
            assert (one.status_code, one.content) == (other.status_code, other.content), path


def test_a_streamed_answer_passes_the_response_filters_once() -> None:
    """A handler that writes, under a response filter: the filter sees the head when the first
    chunk leaves, and the stream is the whole answer (a second, empty answer used to follow
    the stream and fail on the wire)."""
    with Client(_app(False, response_filter=True)) as client:
        response = client.get("/stream")
    assert response.status_code == 200
    assert response.content == b"ab"
    assert response.headers["x-filtered"] == "yes"
    assert response.headers["content-type"] == "text/event-stream"


def test_a_write_the_analysis_cannot_see_is_buffered() -> None:
    """A request reached behind the code's back (here through the caller's frame) cannot
    stream from a prepared route: its writes are sent when the handler returns, as a sync
    handler's are."""

    def sneaky() -> Any:
        frame = inspect.currentframe()
        assert frame is not None and frame.f_back is not None
        return frame.f_back.f_locals["request"]

    app = CorePost()

    @app.route("/sneaky", Http.GET)
    async def handler(request: Any, **kwargs: Any) -> None:
        sneaky().write("a")
        sneaky().write("b")

    assert HandlerSpec(handler).streams is False
    with Client(app) as client:
        response = client.get("/sneaky")
    assert (response.status_code, response.content) == (200, b"ab")


class _Keeper(IRequestFilter):
    current: Any = None

    def filterRequest(self, request: Any) -> None:  # noqa: N802
        _Keeper.current = request


@pytest.mark.anyio
async def test_with_request_filters_every_async_handler_may_stream() -> None:
    """A request filter may keep the request where a handler finds it: then a handler that
    never names write() still streams through it."""
    app = CorePost(filters=[_Keeper()])
    first_sent = anyio.Event()
    messages: list[dict[str, Any]] = []

    async def write_current() -> None:
        _Keeper.current.write("first")

    @app.route("/kept", Http.GET)
    async def kept(request: Any, **kwargs: Any) -> None:
        await write_current()
        with anyio.fail_after(5):
            await first_sent.wait()  # would time out if the write were buffered until return

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        messages.append(message)
        if message.get("body"):
            first_sent.set()

    scope = {
        "type": "http",
        "method": "GET",
        "path": "/kept",
        "raw_path": b"/kept",
        "query_string": b"",
        "headers": [],
        "root_path": "",
    }
    await app(scope, receive, send)  # type: ignore[arg-type]
    assert [message.get("body") for message in messages[1:]] == [b"first", b""]


# --- handlers that never use their keywords -------------------------------------------------


async def ignores(request: Any, **kwargs: Any) -> str:
    return "x"


async def uses(request: Any, **kwargs: Any) -> Any:
    return kwargs


async def deletes(request: Any, **kwargs: Any) -> None:
    del kwargs


async def named(request: Any, x: int = 0, **kwargs: Any) -> int:
    return x


async def keyword_only(request: Any, *, x: int = 0, **kwargs: Any) -> int:
    return x


async def star_args(request: Any, *args: Any, **kwargs: Any) -> Any:
    return args


async def no_keywords(request: Any) -> str:
    return "x"


async def closes_over(request: Any, **kwargs: Any) -> Any:
    return lambda: kwargs


class Methods:
    async def ignores(self, request: Any, **kwargs: Any) -> str:
        return "x"

    async def uses(self, request: Any, **kwargs: Any) -> Any:
        return kwargs


@pytest.mark.parametrize(
    ("func", "ignored"),
    [
        (ignores, True),
        (star_args, True),
        (Methods().ignores, True),
        (uses, False),
        (deletes, False),
        (named, False),
        (keyword_only, False),
        (no_keywords, False),
        (closes_over, False),
        (introspects, False),
        (Methods().uses, False),
        (_decorated(ignores), False),
        (functools.partial(ignores), False),
    ],
    ids=lambda value: getattr(value, "__qualname__", type(value).__name__),
)
def test_ignores_keywords_only_when_the_code_never_uses_them(func: Any, ignored: bool) -> None:
    assert HandlerSpec(func).ignores_keywords is ignored
    assert ignores_keywords(func) is ignored


def _keywords_app(reads: bool) -> CorePost:
    app = CorePost()

    async def reading(request: Any, **kwargs: Any) -> Any:
        assert isinstance(kwargs, dict)
        return {"json": request.json, "args": request.args, "path": request.path}

    async def ignoring(request: Any, **kwargs: Any) -> Any:
        return {"json": request.json, "args": request.args, "path": request.path}

    handler = reading if reads else ignoring
    assert HandlerSpec(handler).ignores_keywords is not reads
    app.route("/k", (Http.GET, Http.POST, Http.PUT))(handler)
    app.route("/k/<int:id>/<request>", (Http.GET, Http.POST))(handler)
    return app


@pytest.mark.parametrize(
    ("method", "path", "options"),
    [
        ("GET", "/k", {}),
        ("GET", "/k?a=1&a=2&request=3", {}),
        ("GET", "/k/5/r?b=1", {}),
        ("POST", "/k", {"json": {"a": 1, "request": 2}}),
        ("POST", "/k?a=q", {"json": {"a": 1}}),
        ("POST", "/k/5/r", {"json": {"id": 9}}),
        ("POST", "/k", {"json": [1, 2]}),
        ("POST", "/k", {"content": b"", "headers": {"Content-Type": "application/json"}}),
        ("PUT", "/k", {"data": {"a": "1"}}),
        ("POST", "/k", {"content": b"{bad", "headers": {"Content-Type": "application/json"}}),
    ],
)
def test_a_handler_ignoring_its_keywords_answers_as_one_reading_them(
    method: str, path: str, options: dict[str, Any]
) -> None:
    with Client(_keywords_app(False)) as ignoring, Client(_keywords_app(True)) as reading:
        one = ignoring.request(method, path, **options)
        other = reading.request(method, path, **options)
    assert (one.status_code, one.content) == (other.status_code, other.content)
    assert sorted(one.headers.items()) == sorted(other.headers.items())


class _Override(IRequestFilter):
    def filterRequest(self, request: Any) -> None:  # noqa: N802
        method = request.getHeader("x-http-method-override")
        if method:
            request.method = method


@pytest.mark.parametrize(
    ("method", "override", "status", "answer"),
    [
        ("POST", None, 201, {"method": "POST", "json": {"a": 1}}),
        ("POST", "GET", 200, {"method": "GET", "json": None}),  # the body is not read
        ("GET", "POST", 201, {"method": "POST", "json": {"a": 1}}),  # the body is read
        ("GET", None, 200, {"method": "GET", "json": None}),
    ],
)
def test_a_request_filter_changing_the_method_decides_whether_the_body_is_read(
    method: str, override: str | None, status: int, answer: dict[str, Any]
) -> None:
    """A body method's route starts at serve_body, a GET's at serve; a request filter that
    changes the method hands the request to the other one."""
    app = CorePost(filters=[_Override()])

    @app.route("/m", (Http.GET, Http.POST))
    async def show(request: Any, **kwargs: Any) -> Any:
        return {"method": request.method, "json": request.json}

    headers = {"Content-Type": "application/json"}
    if override is not None:
        headers["X-HTTP-Method-Override"] = override
    with Client(app) as client:
        response = client.request(method, "/m", content=b'{"a": 1}', headers=headers)
    assert (response.status_code, response.json()) == (status, answer)
