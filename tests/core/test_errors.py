"""The error tree and the one pipeline: handlers by class or status, 500s, JSON bodies."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from microrest import (
    App,
    ClientDisconnect,
    HTTPError,
    JSONResponse,
    PlainTextResponse,
    Request,
    errors,
)
from microrest.errors import (
    BadRequest,
    ConfigurationError,
    Conflict,
    Forbidden,
    InternalServerError,
    MethodNotAllowed,
    MicrorestError,
    NotAcceptable,
    NotFound,
    PayloadTooLarge,
    RouteConflict,
    Unauthorized,
    UnsupportedMediaType,
)
from microrest.testing import Client

from .asgi import call

# the tree -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cls", "status"),
    [
        (BadRequest, 400),
        (Unauthorized, 401),
        (Forbidden, 403),
        (NotFound, 404),
        (NotAcceptable, 406),
        (Conflict, 409),
        (errors.Gone, 410),
        (PayloadTooLarge, 413),
        (UnsupportedMediaType, 415),
        (errors.UnprocessableEntity, 422),
        (errors.TooManyRequests, 429),
        (InternalServerError, 500),
        (errors.NotImplementedHTTP, 501),
        (errors.ServiceUnavailable, 503),
    ],
)
def test_subclasses_carry_their_status_and_reason(cls: type[HTTPError], status: int) -> None:
    exc = cls()
    assert exc.status_code == status
    assert isinstance(exc, HTTPError) and isinstance(exc, MicrorestError)
    assert exc.detail and exc.detail != "Error"  # the reason phrase
    assert str(exc).startswith(f"{status}: ")
    custom = cls("custom detail", headers={"X-A": "1"})
    assert custom.detail == "custom detail"
    assert custom.headers == [("X-A", "1")]


def test_status_classes_are_siblings_not_kinds_of_400() -> None:
    """``except BadRequest`` must not swallow a 404, a 413 or a 500."""
    for cls in (NotFound, PayloadTooLarge, InternalServerError, Unauthorized, Conflict):
        assert not issubclass(cls, BadRequest), cls
        assert issubclass(cls, HTTPError)
    app = App()
    app.add_route("/missing", lambda r: (_ for _ in ()).throw(NotFound()))
    app.add_exception_handler(BadRequest, lambda r, e: PlainTextResponse("400 handler", 400))
    with Client(app) as client:
        assert client.get("/missing").status_code == 404
        assert client.get("/nowhere").status_code == 404


def test_http_error_arguments() -> None:
    exc = HTTPError(418, "short and stout", headers=[("X-Tea", "yes")])
    assert (exc.status_code, exc.detail, exc.headers) == (
        418,
        "short and stout",
        [("X-Tea", "yes")],
    )
    assert repr(exc) == "HTTPError(status_code=418, detail='short and stout')"
    assert HTTPError().status_code == 500
    assert HTTPError(599).detail == "Error"
    for bad in (200, 302, 399, 600):
        with pytest.raises(ConfigurationError, match="4xx or 5xx"):
            HTTPError(bad)


def test_method_not_allowed_carries_allow() -> None:
    exc = MethodNotAllowed(["POST", "GET", "GET"], headers={"X-B": "2"})
    assert exc.status_code == 405
    assert exc.allowed == ["GET", "POST"]
    assert exc.headers == [("Allow", "GET, POST"), ("X-B", "2")]


def test_configuration_errors_are_not_http_errors() -> None:
    assert issubclass(RouteConflict, ConfigurationError)
    assert issubclass(ConfigurationError, MicrorestError)
    assert not issubclass(ConfigurationError, HTTPError)
    assert issubclass(ClientDisconnect, MicrorestError)
    assert not issubclass(ClientDisconnect, HTTPError)


# the default answers ------------------------------------------------------------------------


def raising_app(**options: Any) -> App:
    app = App(**options)

    @app.get("/http/{status:int}")
    def http(request: Request) -> str:
        raise HTTPError(request.path_params["status"], "described", headers={"X-E": "1"})

    @app.get("/boom")
    def boom(request: Request) -> str:
        raise ValueError("secret internals")

    @app.get("/aboom")
    async def aboom(request: Request) -> str:
        raise KeyError("async secret")

    @app.get("/not-found")
    async def not_found(request: Request) -> str:
        raise NotFound("no such thing")

    return app


def test_http_error_becomes_its_response() -> None:
    with Client(raising_app()) as client:
        response = client.get("/http/409")
    assert response.status_code == 409
    assert response.text == "described"
    assert response.headers["x-e"] == "1"
    assert response.headers["content-type"] == "text/plain; charset=utf-8"


@pytest.mark.parametrize("path", ["/boom", "/aboom"])
def test_500_logs_the_traceback_and_hides_it(path: str, caplog: pytest.LogCaptureFixture) -> None:
    with Client(raising_app(), raise_server_exceptions=False) as client:
        response = client.get(path)
    assert response.status_code == 500
    assert response.text == "Internal Server Error"
    assert "secret" not in response.text
    records = [r for r in caplog.records if r.name == "microrest.error"]
    assert len(records) == 1
    assert records[0].levelno == logging.ERROR
    assert records[0].exc_info is not None
    assert f"GET {path}" in records[0].getMessage()
    assert "Traceback" in caplog.text and "secret" in caplog.text


def test_500_shows_the_traceback_in_debug(caplog: pytest.LogCaptureFixture) -> None:
    with Client(raising_app(debug=True), raise_server_exceptions=False) as client:
        response = client.get("/boom")
    assert response.status_code == 500
    assert "Traceback" in response.text
    assert "ValueError: secret internals" in response.text
    assert "secret internals" in caplog.text  # logged as well


def test_debug_of_a_mounted_app_applies_to_its_routes() -> None:
    parent = App()
    parent.mount("/child", raising_app(debug=True))
    parent.add_route("/own", lambda request: 1 / 0)
    with Client(parent, raise_server_exceptions=False) as client:
        assert "ValueError" in client.get("/child/boom").text
        assert client.get("/own").text == "Internal Server Error"


@pytest.mark.parametrize(
    ("accept", "wants_json"),
    [
        ("application/json", True),
        ("application/problem+json", True),
        ("application/json, text/plain;q=0.5", True),
        ("text/plain", False),
        ("*/*", False),
        ("", False),
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", False),
        ("text/plain, application/json;q=0.1", False),
    ],
)
def test_json_error_body_when_accept_asks_for_json(accept: str, wants_json: bool) -> None:
    with Client(raising_app()) as client:
        for path, status, detail in (
            ("/http/422", 422, "described"),
            ("/not-found", 404, "no such thing"),
            ("/missing", 404, "Not Found"),
        ):
            response = client.get(path, headers={"Accept": accept})
            assert response.status_code == status
            if wants_json:
                assert response.headers["content-type"] == "application/json"
                assert response.json() == {"error": detail, "status": status}
            else:
                assert response.headers["content-type"] == "text/plain; charset=utf-8"
                assert response.text == detail


def test_500_json_body_when_accept_asks_for_json(caplog: pytest.LogCaptureFixture) -> None:
    with Client(raising_app(), raise_server_exceptions=False) as client:
        response = client.get("/boom", headers={"Accept": "application/json"})
    assert response.status_code == 500
    assert response.json() == {"error": "Internal Server Error", "status": 500}
    assert "secret" not in response.text
    assert "secret internals" in caplog.text


def test_405_json_body_keeps_allow() -> None:
    with Client(raising_app()) as client:
        response = client.post("/boom", headers={"Accept": "application/json"})
    assert response.status_code == 405
    assert response.json() == {"error": "Method Not Allowed", "status": 405}
    assert response.headers["allow"] == "GET, HEAD, OPTIONS"


# handlers -----------------------------------------------------------------------------------


def test_handlers_by_class_sync_and_async() -> None:
    app = raising_app()

    @app.exception_handler(ValueError)
    def on_value_error(request: Request, exc: ValueError) -> PlainTextResponse:
        return PlainTextResponse(f"sync handled {exc}", 422)

    async def on_key_error(request: Request, exc: KeyError) -> dict[str, Any]:
        return {"async handled": str(exc)}

    app.add_exception_handler(KeyError, on_key_error)
    with Client(app) as client:
        response = client.get("/boom")
        assert response.status_code == 422
        assert response.text == "sync handled secret internals"
        response = client.get("/aboom")
        assert response.status_code == 200
        assert response.json() == {"async handled": "'async secret'"}


def test_handlers_by_status() -> None:
    app = raising_app(
        exception_handlers={
            404: lambda request, exc: PlainTextResponse(f"custom 404: {exc.detail}", 404),
            409: lambda request, exc: JSONResponse({"conflict": exc.detail}, 409),
            500: lambda request, exc: PlainTextResponse(f"oops {type(exc).__name__}", 500),
        }
    )
    with Client(app) as client:
        assert client.get("/not-found").text == "custom 404: no such thing"
        assert client.get("/nowhere").text == "custom 404: Not Found"  # routing misses too
        assert client.get("/http/409").json() == {"conflict": "described"}
        assert client.get("/boom").text == "oops ValueError"  # unhandled -> the 500 handler
        assert client.get("/http/418").status_code == 418  # no handler: default


def test_class_handler_wins_over_status_and_mro_order() -> None:
    app = raising_app()
    app.add_exception_handler(404, lambda r, e: PlainTextResponse("by status", 404))
    app.add_exception_handler(HTTPError, lambda r, e: PlainTextResponse("by base", e.status_code))
    app.add_exception_handler(NotFound, lambda r, e: PlainTextResponse("by class", 404))
    with Client(app) as client:
        assert client.get("/not-found").text == "by class"
        assert client.get("/http/409").text == "by base"


def test_405_handler_sees_allowed_methods() -> None:
    app = App()
    app.add_route("/x", lambda r: "x", ["GET", "PUT"])

    @app.exception_handler(MethodNotAllowed)
    def on_405(request: Request, exc: MethodNotAllowed) -> PlainTextResponse:
        return PlainTextResponse("only " + "/".join(exc.allowed), 405, exc.headers)

    with Client(app) as client:
        response = client.delete("/x")
    assert response.text == "only GET/HEAD/OPTIONS/PUT"
    assert response.headers["allow"] == "GET, HEAD, OPTIONS, PUT"


def test_limits_and_body_errors_go_through_handlers() -> None:
    from microrest import Limits

    app = App(limits=Limits(max_body_size=3))

    @app.post("/j")
    async def j(request: Request) -> Any:
        return await request.json()

    app.add_exception_handler(413, lambda r, e: PlainTextResponse("too big, sorry", 413))
    app.add_exception_handler(BadRequest, lambda r, e: PlainTextResponse("bad: " + e.detail, 400))
    with Client(app) as client:
        assert client.post("/j", content=b"[1,2,3]").text == "too big, sorry"
        assert client.post("/j", content=b"{x").text.startswith("bad: Invalid JSON")


def test_handler_may_translate_to_another_http_error() -> None:
    app = raising_app()

    @app.exception_handler(ValueError)
    def translate(request: Request, exc: ValueError) -> None:
        raise Conflict("translated")

    with Client(app) as client:
        response = client.get("/boom")
    assert response.status_code == 409 and response.text == "translated"


def test_failing_handler_is_a_logged_500(caplog: pytest.LogCaptureFixture) -> None:
    app = raising_app()

    @app.exception_handler(ValueError)
    def broken(request: Request, exc: ValueError) -> None:
        raise RuntimeError("handler bug")

    with Client(app, raise_server_exceptions=False) as client:
        response = client.get("/boom")
    assert response.status_code == 500 and response.text == "Internal Server Error"
    assert "handler bug" in caplog.text


def test_handlers_of_mounted_apps_apply_to_their_routes_and_prefix() -> None:
    child = raising_app()
    child.add_exception_handler(404, lambda r, e: PlainTextResponse("child 404", 404))
    child.add_exception_handler(ValueError, lambda r, e: PlainTextResponse("child value", 400))
    parent = App()
    parent.add_route("/boom", lambda r: int("x"))
    parent.add_exception_handler(KeyError, lambda r, e: PlainTextResponse("parent key", 400))
    parent.mount("/child", child)
    with Client(parent, raise_server_exceptions=False) as client:
        assert client.get("/child/boom").text == "child value"
        assert client.get("/child/nowhere").text == "child 404"  # misses under its prefix
        assert client.get("/nowhere").text == "Not Found"  # not the parent's
        assert client.get("/boom").text == "Internal Server Error"  # not the child's
        assert client.get("/child/aboom").text == "parent key"  # falls through to the parent


def test_add_exception_handler_refuses_other_keys() -> None:
    app = App()
    with pytest.raises(ConfigurationError, match="exception class or status code"):
        app.add_exception_handler("404", lambda r, e: None)  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError):
        app.add_exception_handler(dict, lambda r, e: None)  # type: ignore[arg-type]


@pytest.mark.anyio
async def test_client_disconnect_is_not_answered_even_with_a_500_handler(
    caplog: pytest.LogCaptureFixture,
) -> None:
    called: list[str] = []
    app = App()
    app.add_route("/", lambda r: r, ["POST"])

    @app.post("/read")
    async def read(request: Request) -> bytes:
        return await request.body()

    @app.exception_handler(500)
    def on_500(request: Request, exc: Exception) -> str:
        called.append(type(exc).__name__)
        return "handled"

    answer = await call(app, "POST", "/read", chunks=[b"x"], disconnect=True)
    assert answer.messages == []
    assert called == []
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
