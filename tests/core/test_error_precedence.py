"""Who answers an error, in every style: the style's own user handlers (web.py error routes),
then the user's handlers on the apps above the route (innermost first), then the style's
built-in answer, then the core's."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

import microrest.adapters.webpy as web
from microrest import App, HTTPError, MicrorestError, Request
from microrest.adapters import vestespy
from microrest.adapters.corepost import NotFoundException, RESTException
from microrest.adapters.corepost.enums import Http
from microrest.adapters.corepost.web import CorePost
from microrest.errors import NotFound
from microrest.requests import StreamConsumed
from microrest.responses import PlainTextResponse
from microrest.testing import Client


def test_every_style_error_is_a_core_http_error() -> None:
    assert issubclass(RESTException, HTTPError) and issubclass(NotFoundException, HTTPError)
    assert issubclass(vestespy.HTTPError, HTTPError)
    assert issubclass(web.HTTPError, HTTPError)
    assert issubclass(StreamConsumed, MicrorestError)
    # the styles' constructors and attributes are theirs, statuses the core refuses included
    assert NotFoundException("Item", "x").status_code == 404
    assert NotFoundException("Item", "x").detail == "Unable to find Item identified by 'x'"
    redirect = vestespy.HTTPError(302, "moved")
    assert (redirect.code, redirect.msg, redirect.status_code) == (302, "moved", 302)
    early = web.HTTPError(102, status_message="Processing")
    assert (early.code, early.status_code, early.detail, early.headers) == (
        102,
        102,
        "Processing",
        None,
    )


# One child app per style whose /fail route raises the style's own 418 and /crash a plain
# exception; each returns (what to mount, the body of the style's default 418 answer).


def corepost_child() -> tuple[Any, str]:
    child = CorePost()

    @child.route("/fail", Http.GET)
    def fail(request: Any, **kwargs: Any) -> None:
        raise NotFoundException("Teapot", "418")

    @child.route("/crash", Http.GET)
    def crash(request: Any, **kwargs: Any) -> None:
        raise RuntimeError("boom")

    return child, "Unable to find Teapot identified by '418'"


def vestespy_child() -> tuple[Any, str]:
    server = vestespy.Server(("localhost", 8080))

    def handler(ev: Any, req: Any, res: Any) -> None:
        if req.url.endswith("/crash"):
            raise RuntimeError("boom")
        raise vestespy.HTTPError(404, "vestespy says no")

    server.on("request", handler)
    return server, "vestespy says no"


class WebFail(web.HTTPHandler):
    def do_get(self) -> Any:
        raise web.HTTPError(404, status_message="web.py says no")


class WebCrash(web.HTTPHandler):
    def do_get(self) -> Any:
        raise RuntimeError("boom")


def webpy_child(error_routes: dict[str, type[web.HTTPErrorHandler]] | None = None) -> Any:
    return web.HTTPServer(
        ("localhost", 0), {"/fail": WebFail, "/crash": WebCrash}, error_routes=error_routes
    )


def core_child() -> tuple[Any, str]:
    child = App()

    @child.get("/fail")
    def fail(request: Request) -> None:
        raise NotFound("core says no")

    @child.get("/crash")
    def crash(request: Request) -> None:
        raise RuntimeError("boom")

    return child, "core says no"


STYLES: dict[str, Callable[[], tuple[Any, str]]] = {
    "core": core_child,
    "corepost": corepost_child,
    "vestespy": vestespy_child,
    "webpy": lambda: (webpy_child(), "web.py says no"),
}


def mounted(style: str) -> tuple[App, Any, str]:
    child, default_body = STYLES[style]()
    root = App()
    root.mount("/sub", child)
    return root, child, default_body


@pytest.mark.parametrize("style", sorted(STYLES))
def test_without_user_handlers_the_style_answers(style: str) -> None:
    root, _, default_body = mounted(style)
    with Client(root, raise_server_exceptions=False) as client:
        response = client.get("/sub/fail")
        assert response.status_code == 404
        assert default_body in response.text


@pytest.mark.parametrize("style", sorted(STYLES))
@pytest.mark.parametrize("key", [HTTPError, MicrorestError, 404])
def test_a_root_handler_wins_over_the_style_default(style: str, key: Any) -> None:
    root, _, _ = mounted(style)
    seen: list[BaseException] = []

    def on_root(request: Request, exc: BaseException) -> PlainTextResponse:
        seen.append(exc)
        return PlainTextResponse("root answered", 499)

    root.add_exception_handler(key, on_root)
    with Client(root) as client:
        response = client.get("/sub/fail")
    assert (response.status_code, response.text) == (499, "root answered")
    assert isinstance(seen[0], HTTPError) and seen[0].status_code == 404


@pytest.mark.parametrize("style", sorted(STYLES))
def test_a_root_handler_for_exception_wins_over_the_style_500(style: str) -> None:
    root, _, _ = mounted(style)
    root.add_exception_handler(RuntimeError, lambda request, exc: PlainTextResponse("caught", 503))
    with Client(root) as client:
        response = client.get("/sub/crash")
    assert (response.status_code, response.text) == (503, "caught")


@pytest.mark.parametrize("style", sorted(STYLES))
def test_the_innermost_user_handler_wins(style: str) -> None:
    child, _ = STYLES[style]()
    middle = App()
    middle.mount("/sub", child)
    root = App()
    root.mount("/mid", middle)
    root.add_exception_handler(HTTPError, lambda request, exc: PlainTextResponse("root", 499))
    middle.add_exception_handler(HTTPError, lambda request, exc: PlainTextResponse("middle", 498))
    with Client(root) as client:
        assert client.get("/mid/sub/fail").text == "middle"

    # and a user handler on the style's own app is the innermost of all
    inner_app = child if isinstance(child, App) else child.__microrest_app__
    inner_app.add_exception_handler(404, lambda request, exc: PlainTextResponse("inner", 497))
    with Client(root) as client:
        assert client.get("/mid/sub/fail").text == "inner"


def test_a_handler_that_re_raises_declines_and_the_search_goes_on() -> None:
    root, child, default_body = mounted("corepost")

    def only_json(request: Request, exc: BaseException) -> PlainTextResponse:
        if "json" not in request.headers.get("accept", ""):
            raise exc
        return PlainTextResponse('{"error": "json"}', 404)

    root.add_exception_handler(HTTPError, only_json)
    with Client(root) as client:
        assert client.get("/sub/fail", headers={"Accept": "application/json"}).text == (
            '{"error": "json"}'
        )
        assert default_body in client.get("/sub/fail").text  # declined: CorePost's own answer


def test_webpy_error_routes_rank_above_the_root_handler() -> None:
    class Mine(web.HTTPErrorHandler):
        def respond(self) -> Any:
            return self.error.code, f"error route {self.error.code}"

    root = App()
    root.mount("/sub", webpy_child({"404": Mine}))
    root.add_exception_handler(Exception, lambda request, exc: PlainTextResponse("root", 499))
    with Client(root) as client:
        assert client.get("/sub/fail").text == "error route 404"  # raised by the handler
        assert client.get("/sub/nothing").text == "error route 404"  # a core miss under it
        response = client.get("/sub/crash")  # 500: no error route for it, so the root's
        assert (response.status_code, response.text) == (499, "root")


def test_webpy_error_routes_still_answer_without_any_root_handler() -> None:
    class Mine(web.HTTPErrorHandler):
        def respond(self) -> Any:
            return self.error.code, f"error route {self.error.code}"

    root = App()
    root.mount("/sub", webpy_child({"5..": Mine}))
    with Client(root) as client:
        response = client.get("/sub/crash")
        assert (response.status_code, response.text) == (500, "error route 500")
        assert client.get("/sub/fail").text.startswith("404")  # web.py's default page


def test_a_style_error_raised_in_a_core_route_gets_the_core_default() -> None:
    app = App()
    errors: dict[str, Exception] = {
        "/webpy": web.HTTPError(404, headers={"X-Style": "webpy"}),
        "/webpy-redirect": web.HTTPError(302, headers={"Location": "/elsewhere"}),
        "/vestespy": vestespy.HTTPError(418, "short and stout"),
        "/corepost": NotFoundException("Item", "x"),
    }
    for path, error in errors.items():

        def raiser(request: Request, error: Exception = error) -> None:
            raise error

        app.add_route(path, raiser)
    with Client(app) as client:
        response = client.get("/webpy")
        assert (response.status_code, response.text) == (404, "Not Found")
        assert response.headers["x-style"] == "webpy"
        response = client.get("/webpy-redirect")
        assert (response.status_code, response.headers["location"]) == (302, "/elsewhere")
        response = client.get("/vestespy")
        assert (response.status_code, response.text) == (418, "short and stout")
        response = client.get("/corepost", headers={"Accept": "application/json"})
        assert response.json() == {"error": "Unable to find Item identified by 'x'", "status": 404}
        assert response.headers["x-corepost-resource"] == "Item"
