"""Registration mistakes fail at registration, with a message that says how to fix them."""

from __future__ import annotations

from typing import Any

import pytest

from microrest import App, Limits, Request
from microrest.errors import ConfigurationError
from microrest.testing import Client
from microrest.types import Receive, Scope, Send


@pytest.mark.parametrize("decorator", ["get", "post", "put", "patch", "delete", "head", "options"])
def test_a_decorator_without_parentheses_is_refused(decorator: str) -> None:
    app = App()

    def handler(request: Request) -> str:
        return "never registered"

    with pytest.raises(ConfigurationError, match=rf"write @app.{decorator}\('/path'\)"):
        getattr(app, decorator)(handler)
    with pytest.raises(ConfigurationError, match="handler"):  # names the function
        getattr(app, decorator)(handler)


def test_route_without_parentheses_and_a_wrong_path_type() -> None:
    app = App()
    with pytest.raises(ConfigurationError, match=r"@app.route\('/path'\)"):
        app.route(lambda request: "x")  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="str template or a compiled regex"):
        app.get(42)  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="str template or a compiled regex"):
        app.add_route(b"/bytes", lambda request: "x")  # type: ignore[arg-type]


def test_a_handler_must_take_the_request() -> None:
    app = App()

    def no_request() -> str:
        return "x"

    with pytest.raises(ConfigurationError, match=r"def no_request\(request\)"):
        app.add_route("/x", no_request)

    def two_required(request: Request, other: int) -> str:
        return "x"

    with pytest.raises(ConfigurationError, match="one positional parameter"):
        app.get("/y")(two_required)

    # what the core can call with the request alone is fine
    app.add_route("/a", lambda request, extra=1: "ok")
    app.add_route("/b", lambda *args: "ok")

    class Endpoint:
        def __call__(self, request: Request) -> str:
            return "callable object"

    app.add_route("/c", Endpoint())
    with Client(app) as client:
        assert client.get("/c").text == "callable object"


def test_a_raw_endpoint_must_be_an_asgi_callable() -> None:
    app = App()

    def handler(request: Request) -> str:
        return "not ASGI"

    with pytest.raises(ConfigurationError, match=r"must take \(scope, receive, send\)"):
        app.add_route("/raw", handler, raw=True)

    async def asgi(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    app.add_route("/raw", asgi, raw=True)
    with Client(app) as client:
        assert client.get("/raw").status_code == 204


def test_methods_must_be_tokens() -> None:
    app = App()
    with pytest.raises(ConfigurationError, match="not an HTTP method token"):
        app.add_route("/x", lambda request: "x", ["GET POST"])
    with pytest.raises(ConfigurationError, match="must not be empty"):
        app.add_route("/x", lambda request: "x", [])


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"max_body_size": -1}, r"max_body_size=-1\) must be >= 0 bytes; use None"),
        ({"max_stream_size": -5}, r"max_stream_size=-5\) must be >= 0"),
        ({"max_form_fields": 0}, r"max_form_fields=0\) must be >= 1 fields"),
        ({"max_form_files": -1}, "max_form_files"),
        ({"max_form_part_size": 0}, "max_form_part_size"),
        ({"max_json_depth": 0}, r"max_json_depth=0\) must be >= 1 levels"),
        ({"max_body_size": "10MB"}, "give a whole number of bytes or None"),
        ({"max_body_size": 1.5}, "whole number"),
        ({"max_form_fields": None}, r"whole number of fields$"),
        ({"max_json_depth": True}, "whole number"),
    ],
)
def test_limits_are_validated(options: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        Limits(**options)


def test_sensible_limits_are_accepted() -> None:
    assert Limits(max_body_size=0).max_body_size == 0  # "no body at all" is a policy
    assert Limits(max_body_size=None, max_stream_size=None).max_body_size is None
    Limits(max_form_fields=1, max_form_files=1, max_form_part_size=1, max_json_depth=1)


def test_other_registration_mistakes_say_how_to_fix_them() -> None:
    app = App()
    with pytest.raises(ConfigurationError, match="trailing_slash must be one of"):
        App(trailing_slash="sometimes")  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="must start with '/'"):
        app.mount("api", App())
    with pytest.raises(ConfigurationError, match="exception class or status code"):
        app.add_exception_handler("oops", lambda request, exc: "x")  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="must take \\(request, exc\\)"):
        app.add_exception_handler(ValueError, lambda: "x")
    with pytest.raises(ConfigurationError, match="needs an ASGI app"):
        app.mount("/x", "not an app")
    with pytest.raises(ConfigurationError, match=r"wrap it: Middleware\(cls"):
        App(middleware=[Tag])  # type: ignore[list-item]
    with pytest.raises(ConfigurationError, match="takes the middleware class"):
        app.add_middleware("gzip")
    with pytest.raises(ConfigurationError, match="on_startup takes functions"):
        App(on_startup=["not callable"])  # type: ignore[list-item]
    with pytest.raises(ConfigurationError, match="on_shutdown takes functions"):
        app.on_shutdown(None)  # type: ignore[type-var]
    with pytest.raises(ConfigurationError, match="asynccontextmanager"):
        App(lifespan="span")  # type: ignore[arg-type]


class Tag:
    def __init__(self, app: Any) -> None:
        self.app = app


def test_url_path_for_reverses_a_route_with_a_name_placeholder() -> None:
    app = App()

    @app.get("/users/{name}/posts/{id:int}", name="post")
    def post(request: Request) -> str:
        return "x"

    @app.get("/files/{path:path}", name="file")
    def file(request: Request) -> str:
        return "x"

    assert app.url_path_for("post", name="ada lovelace", id=3) == "/users/ada%20lovelace/posts/3"
    assert app.url_path_for("file", path="a/b c.txt") == "/files/a/b%20c.txt"
    with pytest.raises(ConfigurationError, match="lacks \\['name'\\]"):
        app.url_path_for("post", id=3)
    with pytest.raises(ConfigurationError, match="no route is named 'nope'"):
        app.url_path_for("nope")
