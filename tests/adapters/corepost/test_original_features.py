"""More of what the original's feature files and its verified behaviour pinned: URL routing,
arguments, content types, filters, validation and the REST application's answers."""

from __future__ import annotations

from typing import Any

import pytest
from tests.adapters.corepost.corepost_apps import FORM

from microrest.adapters.corepost import (
    AlreadyExistsException,
    ConflictException,
    CorePost,
    InternalServerException,
    IRequestFilter,
    IResponseFilter,
    NotFoundException,
    Response,
    RESTResource,
    route,
)
from microrest.adapters.corepost.enums import Http
from microrest.testing import Client


@pytest.fixture
def typed() -> Any:
    app = CorePost()
    app.route("/i/<int:i>")(lambda request, i, **kwargs: repr(i))
    app.route("/s/<s>")(lambda request, s, **kwargs: repr(s))
    app.route("/q")(lambda request, **kwargs: repr(sorted(kwargs.items())))
    with Client(app) as client:
        yield client


# --- URL routing and arguments --------------------------------------------------------------


def test_path_segments_arrive_percent_decoded(typed: Client) -> None:
    assert typed.get("/s/a%20b").text == "'a b'"
    assert typed.get("/s/caf%C3%A9").text == "'café'"


def test_encoded_slash_does_not_match_one_segment(typed: Client) -> None:
    answer = typed.get("/s/a%2Fb")
    assert (answer.status_code, answer.text) == (404, "URL '/s/a%2Fb' not found\n")


@pytest.mark.parametrize("path", ["/i/-1", "/i/1.5", "/i/x"])
def test_int_parameter_takes_digits_only(typed: Client, path: str) -> None:
    assert typed.get(path).status_code == 404


def test_int_parameter_converts_leading_zeros(typed: Client) -> None:
    assert typed.get("/i/007").text == "7"


def test_blank_query_values_are_kept_and_the_first_value_wins(typed: Client) -> None:
    assert typed.get("/q?a=&b=1&b=2").text == "[('a', ''), ('b', '1')]"


def test_head_on_unknown_url_is_404() -> None:
    with Client(CorePost(compat=True)) as client:
        assert client.head("/nothing").status_code == 404


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "application/octet-stream"]
)
def test_other_content_types_reach_the_catch_all(home: Client, content_type: str) -> None:
    answer = home.post("/post/by/content", content="x=1", headers={"Content-Type": content_type})
    assert answer.text == "*/*"


@pytest.mark.parametrize("kind", ["custom", "schema"])
def test_validated_argument_missing_is_a_400(arguments: Client, kind: str) -> None:
    answer = arguments.post(f"/validate/23/{kind}", content="otherId=x", headers=FORM)
    assert answer.status_code == 400
    assert "childId" in answer.text


def test_unexpected_argument_is_a_400_naming_it() -> None:
    app = CorePost()
    app.route("/strict")(lambda request, a: a)
    with Client(app) as client:
        answer = client.get("/strict?a=1&extra=2")
    assert answer.status_code == 400
    assert "unexpected keyword argument 'extra'" in answer.text


# --- filters -------------------------------------------------------------------------------


class Record(IRequestFilter, IResponseFilter):
    def __init__(self, name: str, log: list[str]) -> None:
        self.name, self.log = name, log

    def filterRequest(self, request: Any) -> None:  # noqa: N802
        self.log.append("request " + self.name)

    def filterResponse(self, request: Any, response: Any) -> None:  # noqa: N802
        self.log.append("response " + self.name)
        response.headers["X-Last"] = self.name


class Explode(IRequestFilter):
    def filterRequest(self, request: Any) -> None:  # noqa: N802
        del request.received_headers["x-absent"]


class Service:
    @route("/")
    def root(self, request: Any, **kwargs: Any) -> str:
        return "root"

    @route("/async")
    async def later(self, request: Any, **kwargs: Any) -> dict[str, int]:
        return {"n": 1}


def test_filters_run_in_the_given_order_around_the_handler() -> None:
    log: list[str] = []
    app = RESTResource((Service(),), filters=(Record("a", log), Record("b", log)))
    with Client(app) as client:
        answer = client.get("/")
    assert log == ["request a", "request b", "response a", "response b"]
    assert answer.headers["x-last"] == "b"


def test_response_filters_see_async_results_too() -> None:
    log: list[str] = []
    with Client(RESTResource((Service(),), filters=(Record("a", log),))) as client:
        answer = client.get("/async")
    assert answer.json() == {"n": 1}
    assert answer.headers["x-last"] == "a"


def test_failing_request_filter_is_a_500_and_response_filters_still_run() -> None:
    log: list[str] = []
    app = RESTResource((Service(),), filters=(Explode(), Record("a", log)))
    with Client(app, raise_server_exceptions=False) as client:
        answer = client.get("/")
    assert answer.status_code == 500
    assert answer.headers["x-last"] == "a"


def test_request_filters_run_on_unknown_urls() -> None:
    log: list[str] = []
    with Client(RESTResource((Service(),), filters=(Record("a", log),))) as client:
        assert client.get("/nowhere").status_code == 404
    assert log == ["request a", "response a"]


# --- the REST application's answers ----------------------------------------------------------


class Customers:
    path = "/customer"

    @route("/<key>")
    def get(self, request: Any, key: str) -> Any:
        if key == "gone":
            raise NotFoundException("Customer", key)
        if key == "busy":
            raise ConflictException("Customer", key, "locked by another edit")
        if key == "dup":
            raise AlreadyExistsException("Customer", key, "this message is ignored")
        if key == "broken":
            raise InternalServerException("try again later")
        return Response(202, "accepted", {"X-Foo": "bar"})


@pytest.fixture
def customers() -> Any:
    with Client(RESTResource((Customers(),))) as client:
        yield client


@pytest.mark.parametrize(
    ("key", "status", "body"),
    [
        ("gone", 404, "Unable to find Customer identified by 'gone'"),
        ("busy", 409, "Conflict for Customer identified by 'busy': locked by another edit"),
        ("dup", 409, "Conflict for Customer identified by 'dup': Customer already exists"),
        ("broken", 500, "try again later"),
    ],
)
def test_rest_exceptions(customers: Client, key: str, status: int, body: str) -> None:
    answer = customers.get(f"/customer/{key}")
    assert (answer.status_code, answer.text) == (status, body)
    if status != 500:
        assert answer.headers["x-corepost-resource"] == "Customer"
        assert answer.headers["x-corepost-value"] == key


def test_response_object_sets_status_body_and_headers(customers: Client) -> None:
    answer = customers.get("/customer/c1")
    assert (answer.status_code, answer.text, answer.headers["x-foo"]) == (202, "accepted", "bar")


def test_response_objects_do_not_share_headers() -> None:
    first, second = Response(200), Response(200)
    first.headers["X-Only-Here"] = "1"
    assert "x-only-here" not in second.headers


def test_post_form_with_query_arguments_merge() -> None:
    app = CorePost()
    app.route("/both", (Http.POST, Http.PUT))(lambda request, first, last: f"{first} {last}")
    with Client(app) as client:
        for method in ("POST", "PUT"):
            answer = client.request(method, "/both?last=L", content="first=F", headers=FORM)
            assert answer.text == "F L"
