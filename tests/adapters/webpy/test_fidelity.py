"""What the original's users relied on (issue 9, web.py items 1-6, 8, 12), in-process.

respond() overrides and handler-shaped classes, registration errors naming the route, the first
match owning its path for every method, HEAD of an unsized stream, unknown statuses, per-handler
body bounds in compat mode, keepalive=None, and compat's Server header and bare file types.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import microrest.adapters.webpy as web
from microrest import App
from microrest.adapters.webpy import file
from microrest.errors import ConfigurationError
from microrest.testing import Client

Serve = Callable[..., Client]


# 1. respond() overrides ------------------------------------------------------------------------


class Everything(web.HTTPHandler):
    """Overrides respond() and defines no do_<method>: it answers every method itself."""

    def respond(self) -> Any:
        return 200, f"{self.method} {self.groups[0]}"


class Plain(web.HTTPHandler):
    def do_get(self) -> Any:
        return 200, "plain"


@pytest.mark.parametrize("compat", [False, True])
def test_a_respond_override_answers_every_method(serve: Serve, compat: bool) -> None:
    client = serve({"/(.*)": Everything}, compat=compat)
    for method in ("GET", "PUT", "POST", "DELETE", "PATCH", "OPTIONS"):
        response = client.request(method, "/x")
        assert (response.status_code, response.text) == (200, f"{method.lower()} x"), method
    head = client.head("/x")
    assert (head.status_code, head.content) == (200, b"")


def test_the_originals_dummy_and_error_handlers_as_routes(serve: Serve) -> None:
    client = serve({"/dummy": web.DummyHandler, "/error": web.HTTPErrorHandler})
    for method in ("GET", "PUT"):
        dummy = client.request(method, "/dummy")
        assert (dummy.status_code, dummy.text) == (500, "500 - Internal Server Error\n")
        error = client.request(method, "/error")
        assert (error.status_code, error.text) == (500, "500 - Internal Server Error\n")


def test_without_an_override_head_options_and_405_stay_automatic(serve: Serve) -> None:
    client = serve({"/": Plain})
    assert client.head("/").headers["Content-Length"] == "5"
    options = client.options("/")
    assert (options.status_code, options.headers["Allow"]) == (204, "GET, HEAD, OPTIONS")
    refused = client.put("/")
    assert (refused.status_code, refused.headers["Allow"]) == (405, "GET, HEAD, OPTIONS")
    assert refused.text == "405 - Method Not Allowed\n"


# 2. handler-shaped classes, registration errors -----------------------------------------------


class Shaped:
    """Not an HTTPHandler: the constructor and respond() are all the original needed."""

    def __init__(self, request: Any, response: Any, groups: tuple[Any, ...]) -> None:
        self.request = request
        self.response = response
        self.groups = groups

    def respond(self) -> Any:
        self.response.headers.set("X-Shaped", "yes")
        return 200, f"{self.request.method} {self.groups[0]}"


@pytest.mark.parametrize("compat", [False, True])
def test_a_class_shaped_like_a_handler_is_accepted(serve: Serve, compat: bool) -> None:
    client = serve({"/s/(.*)": Shaped}, compat=compat)
    response = client.put("/s/thing", content=b"ignored")
    assert (response.status_code, response.text) == (200, "PUT thing")
    assert response.headers["X-Shaped"] == "yes"
    assert client.get("/s/x").text == "GET x"


def test_an_async_respond_on_a_shaped_class(serve: Serve) -> None:
    class AsyncShaped(Shaped):
        async def respond(self) -> Any:  # type: ignore[override]
            return 201, "async"

    assert serve({"/": AsyncShaped}).post("/").status_code == 201


@pytest.mark.parametrize(
    ("routes", "message"),
    [
        ({"/x": "Plain"}, "'/x': .* is not a handler class"),
        ({"/x": lambda request, response, groups: None}, "'/x': .* is not a handler class"),
        ({"/x": object}, r"'/x': object has no respond\(\) method"),
        ({"/(x": Plain}, r"'/\(x': the regular expression does not compile"),
    ],
)
def test_registration_errors_name_the_route(routes: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        web.HTTPServer(("localhost", 0), routes)


def test_error_route_mistakes_are_registration_errors_too() -> None:
    with pytest.raises(ConfigurationError, match=r"error route '5\[0-9': .*does not compile"):
        web.HTTPServer(("localhost", 0), {"/": Plain}, {"5[0-9": web.HTTPErrorHandler})
    with pytest.raises(ConfigurationError, match="error route '500': .* is not a handler class"):
        web.HTTPServer(("localhost", 0), {"/": Plain}, {"500": "oops"})  # type: ignore[dict-item]


# 3. the first match owns the path for every method ---------------------------------------------


class ReadOnly(web.HTTPHandler):
    def do_get(self) -> Any:
        return 200, "read-only"


class Store(web.HTTPHandler):
    stored: dict[str, bytes] = {}

    def do_get(self) -> Any:
        return 200, "store"

    def do_put(self) -> Any:
        Store.stored[self.groups[0]] = self.request.body
        return 204, ""


@pytest.mark.parametrize("compat", [False, True])
def test_the_first_match_owns_the_path(serve: Serve, compat: bool) -> None:
    Store.stored.clear()
    client = serve({"/api/(.*)": ReadOnly, "/(.*)": Store}, compat=compat)
    refused = client.put("/api/x", content=b"v")
    assert refused.status_code == 405
    allow = "GET,HEAD,OPTIONS" if compat else "GET, HEAD, OPTIONS"
    assert refused.headers["Allow"] == allow
    assert Store.stored == {}
    assert client.options("/api/x").headers["Allow"] == allow
    assert client.put("/other", content=b"v").status_code == 204
    assert Store.stored == {"other": b"v"}


def test_a_literal_route_owns_its_path_too(serve: Serve) -> None:
    client = serve({"/echo": ReadOnly, "/(.*)": Store})
    assert client.put("/echo", content=b"v").status_code == 405
    assert client.request("PROPFIND", "/echo").status_code == 405


def test_the_root_pattern_mounted_under_a_prefix() -> None:
    # "/" is a regex, not a static path: mounted under /p it is "/p/", like every pattern.
    httpd = web.HTTPServer(("localhost", 0), {"/": Plain})
    app = App()
    app.mount("/p", httpd)
    with Client(app) as client:
        assert client.get("/p/").text == "plain"
        assert client.get("/p").status_code == 404
    with Client(httpd) as client:
        assert client.get("/").text == "plain"


# 4. HEAD of a stream without a length ----------------------------------------------------------


class Unsized(web.HTTPHandler):
    closed: list[bool] = []

    def do_get(self) -> Any:
        stream = io.BytesIO(b"x" * 20000)
        original = stream.close

        def close() -> None:
            Unsized.closed.append(True)
            original()

        stream.close = close  # type: ignore[method-assign]
        self.response.headers.set("X-Kind", "stream")
        return 200, stream


@pytest.mark.parametrize("compat", [False, True])
def test_head_of_an_unsized_stream_sends_the_get_headers(serve: Serve, compat: bool) -> None:
    Unsized.closed.clear()
    client = serve({"/": Unsized}, compat=compat)
    get = client.get("/")
    head = client.head("/")
    assert head.status_code == get.status_code == 200
    assert head.content == b""
    assert "content-length" not in head.headers and "content-length" not in get.headers
    assert head.headers["X-Kind"] == "stream"
    assert head.headers.get("content-type") == get.headers.get("content-type")
    assert Unsized.closed == [True, True]  # the stream is closed even when never read


# 5. unknown statuses ---------------------------------------------------------------------------


@pytest.mark.parametrize("compat", [False, True])
@pytest.mark.parametrize("result", [(299, "x"), (299, b"x"), (299, "Odd", "x"), (599, "x")])
def test_an_unknown_status_is_a_500(
    serve: Serve, compat: bool, result: tuple[Any, ...], caplog: pytest.LogCaptureFixture
) -> None:
    class Odd(web.HTTPHandler):
        def do_get(self) -> Any:
            return result

    response = serve({"/": Odd}, compat=compat).get("/")
    assert (response.status_code, response.text) == (500, "500 - Internal Server Error\n")
    assert "not a status web.py knows" in caplog.text


def test_an_error_with_an_unknown_status_is_the_last_resort_500(serve: Serve) -> None:
    class Odd(web.HTTPHandler):
        def do_get(self) -> Any:
            raise web.HTTPError(599)

    response = serve({"/": Odd}).get("/")
    assert (response.status_code, response.headers["Content-Length"]) == (500, "28")


# 6. per-handler body bounds, compat or not -----------------------------------------------------


class Small(web.HTTPHandler):
    max_request_size = 10

    def do_put(self) -> Any:
        return 200, str(len(self.request.body))


class Big(web.HTTPHandler):
    max_request_size = 3 * 1024 * 1024

    def do_put(self) -> Any:
        return 200, str(len(self.request.body))


@pytest.mark.parametrize("compat", [False, True])
def test_each_handler_keeps_its_own_body_bound(serve: Serve, compat: bool, tmp_path: Path) -> None:
    routes: dict[str, Any] = {"/small": Small, "/big": Big}
    routes.update(file.new(str(tmp_path), "/files", modify=True))
    client = serve(routes, compat=compat)
    two_mib = b"x" * (2 * 1024 * 1024)
    assert client.put("/small", content=b"y" * 11).status_code == 413
    assert client.put("/small", content=b"y" * 10).text == "10"
    assert client.put("/big", content=two_mib).text == str(len(two_mib))
    assert client.put("/files/upload", content=two_mib).status_code == 204
    assert (tmp_path / "upload").stat().st_size == len(two_mib)


# 8. keepalive=None ------------------------------------------------------------------------------


def test_keepalive_none_closes_every_connection(serve: Serve) -> None:
    client = serve({"/": Plain}, keepalive=None)
    for response in (client.get("/"), client.get("/missing"), client.put("/")):
        assert response.headers["Connection"] == "close"
    assert "connection" not in serve({"/": Plain}).get("/").headers


# 12. compat's Server header and bare file types ------------------------------------------------


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Path]:
    (tmp_path / "a.txt").write_text("text")
    (tmp_path / "page.html").write_text("<p>x</p>")
    (tmp_path / "dir").mkdir()
    (tmp_path / "dir" / "index.html").write_text("<p>index</p>")
    (tmp_path / "noext").write_bytes(b"raw")
    yield tmp_path


def test_compat_sends_the_originals_server_header_and_bare_types(
    serve: Serve, served: Path
) -> None:
    client = serve(file.new(str(served)), compat=True)
    text = client.get("/a.txt")
    assert text.headers["Server"] == web.server_version == "web.py/0.1rc3"
    assert text.headers["Content-Type"] == "text/plain"
    assert client.get("/page.html").headers["Content-Type"] == "text/html"
    assert client.get("/dir/").headers["Content-Type"] == "text/html"
    assert "content-type" not in client.get("/noext").headers
    assert client.get("/missing").headers["Server"] == "web.py/0.1rc3"


def test_the_default_keeps_charsets_and_no_server_header(serve: Serve, served: Path) -> None:
    client = serve(file.new(str(served)))
    text = client.get("/a.txt")
    assert "server" not in text.headers
    assert text.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert client.get("/dir/").headers["Content-Type"] == "text/html; charset=utf-8"
    assert re.fullmatch("application/octet-stream", client.get("/noext").headers["Content-Type"])
