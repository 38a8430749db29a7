"""Adapter behaviour beyond the original suite: errors, streaming, defer, shims, mounting."""

from __future__ import annotations

import logging

import anyio
import pytest

from microrest import App
from microrest.adapters.corepost import (
    AlreadyExistsException,
    ConflictException,
    CorePost,
    InternalServerException,
    Resource,
    Response,
    RESTException,
    Site,
    defer,
    reactor,
)
from microrest.adapters.corepost.enums import Http
from microrest.errors import ConfigurationError, RouteConflict
from microrest.testing import Client


def make(**options: object) -> CorePost:
    app = CorePost(**options)  # type: ignore[arg-type]

    @app.route("/boom")
    def boom(request, **kwargs):  # type: ignore[no-untyped-def]
        raise ValueError("secret detail")

    @app.route("/typeerror")
    def typeerror(request, **kwargs):  # type: ignore[no-untyped-def]
        return len(5)  # type: ignore[arg-type]

    @app.route("/strict")
    def strict(request, a):  # type: ignore[no-untyped-def]
        return a

    @app.route("/rest")
    async def rest(request, **kwargs):  # type: ignore[no-untyped-def]
        raise RESTException(Response(418, "teapot", {"X-Foo": "bar"}))

    @app.route("/conflict")
    def conflict(request, **kwargs):  # type: ignore[no-untyped-def]
        raise AlreadyExistsException("Customer", "c1", "ignored")

    @app.route("/conflict2")
    def conflict2(request, **kwargs):  # type: ignore[no-untyped-def]
        raise ConflictException("Customer", "c1", "busy")

    @app.route("/internal")
    def internal(request, **kwargs):  # type: ignore[no-untyped-def]
        raise InternalServerException("safe message")

    @app.route("/response", Http.POST)
    def response(request, **kwargs):  # type: ignore[no-untyped-def]
        return Response(202, "accepted", {"X-Foo": "bar"})

    @app.route("/none")
    def none(request, **kwargs):  # type: ignore[no-untyped-def]
        return None

    @app.route("/none-async", Http.POST)
    async def none_async(request, **kwargs):  # type: ignore[no-untyped-def]
        return None

    @app.route("/code", Http.POST)
    def code(request, **kwargs):  # type: ignore[no-untyped-def]
        request.setResponseCode(200)
        request.setHeader("X-Set", "yes")
        return {"a": 1}

    @app.route("/async-post", Http.POST)
    async def async_post(request, **kwargs):  # type: ignore[no-untyped-def]
        return "created"

    @app.route("/facade")
    def facade(request, **kwargs):  # type: ignore[no-untyped-def]
        return {
            "method": request.method,
            "path": request.path,
            "uri": request.uri,
            "args": request.args,
            "host": request.getHeader("HOST"),
        }

    return app


@pytest.fixture
def client() -> Client:
    with Client(make()) as c:
        yield c  # type: ignore[misc]


def test_handler_exception_is_500_without_details(
    client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="microrest.error"):
        response = client.get("/boom")
    assert response.status_code == 500
    assert "secret" not in response.text
    assert "Traceback" not in response.text
    assert any("secret detail" in str(record.exc_info) for record in caplog.records)


def test_debug_shows_the_traceback() -> None:
    with Client(make(debug=True)) as c:
        response = c.get("/boom")
    assert response.status_code == 500
    assert "ValueError: secret detail" in response.text


def test_type_error_inside_a_handler_is_500(client: Client) -> None:
    assert client.get("/typeerror").status_code == 500


def test_unexpected_argument_is_400(client: Client) -> None:
    response = client.get("/strict?a=1&extra=2")
    assert response.status_code == 400
    assert response.text == "strict() got an unexpected keyword argument 'extra'"
    assert client.get("/strict?a=1").text == "1"


def test_rest_exceptions(client: Client) -> None:
    response = client.get("/rest")
    assert (response.status_code, response.text, response.headers["x-foo"]) == (
        418,
        "teapot",
        "bar",
    )
    response = client.get("/conflict")
    assert response.status_code == 409
    assert response.text == "Conflict for Customer identified by 'c1': Customer already exists"
    assert response.headers["x-corepost-resource"] == "Customer"
    assert client.get("/conflict2").text == "Conflict for Customer identified by 'c1': busy"
    response = client.get("/internal")
    assert (response.status_code, response.text) == (500, "safe message")


def test_response_object_keeps_its_code_on_post(client: Client) -> None:
    response = client.post("/response")
    assert (response.status_code, response.text, response.headers["x-foo"]) == (
        202,
        "accepted",
        "bar",
    )
    assert response.headers["content-type"].startswith("text/plain")


def test_none_results(client: Client) -> None:
    response = client.get("/none")
    assert (response.status_code, response.text) == (200, "null")
    assert client.post("/none-async").status_code == 204


def test_set_response_code_and_header(client: Client) -> None:
    response = client.post("/code")
    assert (response.status_code, response.json(), response.headers["x-set"]) == (
        200,
        {"a": 1},
        "yes",
    )


def test_async_post_is_201(client: Client) -> None:
    response = client.post("/async-post")
    assert (response.status_code, response.text) == (201, "created")


def test_request_facade(client: Client) -> None:
    found = client.get("/facade/?x=1&x=2&y=").json()
    assert found == {
        "method": "GET",
        "path": "/facade/",
        "uri": "/facade/?x=1&x=2&y=",
        "args": {"x": ["1", "2"], "y": [""]},
        "host": "testserver",
    }


def test_same_route_and_media_type_twice_is_a_conflict() -> None:
    app = CorePost()
    app.route("/x")(lambda request, **kwargs: "a")
    with pytest.raises(RouteConflict, match="registered twice"):
        app.route("/x")(lambda request, **kwargs: "b")


def test_bad_patterns_fail_at_registration() -> None:
    app = CorePost()
    with pytest.raises(ConfigurationError, match="unknown converter"):
        app.route("/x/<path:rest>")
    with pytest.raises(ConfigurationError, match="request as its first argument"):
        app.route("/y")(lambda: "no request")


def test_literal_text_is_not_a_regex() -> None:
    app = CorePost()
    app.route("/file.json")(lambda request, **kwargs: "json")
    with Client(app) as c:
        assert c.get("/file.json").text == "json"
        assert c.get("/fileXjson").status_code == 404


def test_interval_param_name_is_a_plain_string() -> None:
    app = CorePost()
    app.route("/x/<interval>")(lambda request, interval, **kwargs: interval)
    with Client(app) as c:
        assert c.get("/x/5m").text == "5m"


# --- defer ---------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_inline_callbacks_awaits_yields_and_returns() -> None:
    async def value(x: int) -> int:
        return x

    @defer.inlineCallbacks
    def add():  # type: ignore[no-untyped-def]
        a = yield value(1)
        b = yield 2
        c = yield defer.succeed(3)
        try:
            yield fail()
        except KeyError:
            d = 4
        defer.returnValue(a + b + c + d)

    async def fail() -> None:
        raise KeyError("x")

    assert await add() == 10


@pytest.mark.anyio
async def test_inline_callbacks_plain_return() -> None:
    @defer.inlineCallbacks
    def gen():  # type: ignore[no-untyped-def]
        yield None
        return "done"

    assert await gen() == "done"
    assert await defer.maybeDeferred(lambda: 5) == 5


# --- streaming -----------------------------------------------------------------------------


@pytest.mark.anyio
async def test_write_streams_before_the_handler_returns() -> None:
    """The first chunk reaches the server while the handler still waits for it to arrive."""
    app = CorePost()
    first_sent = anyio.Event()
    messages: list[dict[str, object]] = []

    @app.route("/stream")
    async def stream(request, **kwargs):  # type: ignore[no-untyped-def]
        request.setHeader("Content-Type", "text/event-stream")
        request.write("first\n")
        with anyio.fail_after(5):
            await first_sent.wait()  # would time out if writes were buffered until return
        request.write(b"second\n")
        request.finish()

    async def receive() -> dict[str, object]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, object]) -> None:
        messages.append(message)
        if message.get("body"):
            first_sent.set()

    scope = {
        "type": "http",
        "method": "GET",
        "path": "/stream",
        "raw_path": b"/stream",
        "query_string": b"",
        "headers": [],
        "root_path": "",
    }
    await app(scope, receive, send)  # type: ignore[arg-type]
    assert messages[0]["status"] == 200
    assert (b"content-type", b"text/event-stream") in messages[0]["headers"]  # type: ignore[operator]
    assert [m["body"] for m in messages[1:]] == [b"first\n", b"second\n", b""]
    assert messages[-1].get("more_body", False) is False


def test_sync_handler_writes_are_sent_on_return() -> None:
    app = CorePost()

    @app.route("/w", Http.POST)
    def written(request, **kwargs):  # type: ignore[no-untyped-def]
        request.setResponseCode(202)
        request.write("a")
        request.write("b")
        request.finish()
        return "ignored"

    with Client(app) as c:
        response = c.post("/w")
    assert (response.status_code, response.text) == (202, "ab")


# --- shims and mounting --------------------------------------------------------------------


def test_resource_tree_and_core_mount() -> None:
    home, module = CorePost(), CorePost("module")
    home.route("/")(lambda request, **kwargs: "home")
    module.route("/sub")(lambda request, **kwargs: request.path)
    root = Resource()
    root.putChild(home.path, home)
    root.putChild(module.path, module)
    outer = App()
    outer.mount("/api", Site(root))
    with Client(outer) as c:
        assert c.get("/api").text == "home"
        assert c.get("/api/module/sub/").text == "/api/module/sub/"
        assert c.get("/api/nowhere").text == "URL '/api/nowhere' not found\n"
    styles = {row.style for row in outer.routes()}
    assert styles == {"corepost"}


def test_reactor_run_is_a_no_op_when_serving_is_disabled(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MICROREST_NO_SERVE", "1")
    listener = reactor.listenTCP(8080, Site(Resource()))
    assert listener.getHost() == ("0.0.0.0", 8080)
    reactor.run()
    with pytest.raises(ConfigurationError, match="nothing to serve"):
        reactor.run()


def test_subclass_style_routes() -> None:
    from microrest.adapters.corepost.web import route

    class HomeApp(CorePost):
        @route("/")
        def root(self, request, **kwargs):  # type: ignore[no-untyped-def]
            return "class " + type(self).__name__

    with Client(HomeApp()) as c:
        assert c.get("/").text == "class HomeApp"


def test_a_not_found_value_a_header_cannot_carry_is_percent_encoded() -> None:
    """A key decoded from the path (``/items/%F1%BD%A6%88``) is not latin-1: the 404 still goes
    out, its ``x-corepost-value`` percent-encoded (schemathesis found the 500 this was)."""
    from microrest.adapters.corepost import NotFoundException
    from microrest.adapters.corepost.web import CorePost
    from microrest.testing import Client

    app = CorePost()

    @app.route("/items/<key>")
    def item(request: object, key: str, **kwargs: object) -> str:
        raise NotFoundException("Item", key)

    with Client(app) as client:
        answer = client.get("/items/%F1%BD%A6%88")
        assert answer.status_code == 404
        assert answer.headers["x-corepost-value"] == "%F1%BD%A6%88"
        assert answer.text == "Unable to find Item identified by '\U0007d988'"
        crlf = client.get("/items/a%0D%0Ab")
        assert crlf.status_code == 404 and crlf.headers["x-corepost-value"] == "a%0D%0Ab"
        assert client.get("/items/plain").headers["x-corepost-value"] == "plain"
