"""Wire compatibility with pyservice 0.8.0: raw bytes in, parsed JSON out.

What a 0.8.0 client sends is a POST with the JSON object of the keyword arguments and no
Content-Type; what it reads is the status and the JSON body. These tests speak exactly that.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from tests.adapters.pyservice.conftest import readme_service

from microrest import App, Unauthorized
from microrest.adapters import pyservice
from microrest.testing import Client


def envelope(name: str, *args: Any) -> dict[str, Any]:
    return {"__exception__": {"cls": name, "args": list(args)}}


def test_put_then_get(http: Client) -> None:  # P-E1, P-E3
    put = http.post("/api/0/put_item", content=b'{"item": "x"}')
    assert put.status_code == 200
    assert put.json() == {"id": "1"}
    assert put.headers["content-type"] == "application/json"
    assert put.headers["content-length"] == str(len(put.content))
    get = http.post("/api/0/get_item", content=b'{"id": "1"}')
    assert (get.status_code, get.json()) == (200, {"item": "x"})


def test_declared_exceptions_are_200_envelopes(http: Client) -> None:  # P-E2, P-E3
    response = http.post("/api/0/put_item", content=b"{}")
    assert response.status_code == 200
    assert response.json() == envelope("ItemRequired", "Need an item to put")
    response = http.post("/api/0/get_item", content=b'{"id": "404"}')
    assert response.json() == envelope("DoesNotExist", "No item with id 404")
    response = http.post("/api/0/get_item", content=b'{"other": 1}')
    assert response.json() == envelope("IDRequired", "Can't get an item without an ID")


def test_undeclared_exception_is_a_500_that_names_nothing(
    http: Client, caplog: pytest.LogCaptureFixture
) -> None:  # P-E8, not debugging
    with caplog.at_level(logging.ERROR, "microrest.error"):
        response = http.post("/api/0/boom", content=b"{}")
    assert response.status_code == 500
    assert b"RuntimeError" not in response.content and b"secret" not in response.content
    assert b"must not leak" not in response.content
    assert "RuntimeError: ('secret', 1)" in caplog.text  # logged for the operator


def test_debug_sends_the_real_name_and_args() -> None:  # P-E8, debugging; P-P8
    with Client(readme_service(debug=True)) as http:
        response = http.post("/api/0/boom", content=b"{}")
    assert response.status_code == 200
    assert response.json() == envelope("RuntimeError", "secret", 1)  # the partial result: gone


def test_unknown_operation_and_other_versions_are_404(http: Client) -> None:  # P-E4, P-E5
    assert http.post("/api/0/unknown", content=b"{}").status_code == 404
    assert http.post("/api/1/get_item", content=b'{"id": "1"}').status_code == 404
    assert http.post("/api/0/get_item/extra", content=b"{}").status_code == 404
    # declared but never registered: no route, so the same 404 (0.8.0 raised a KeyError: 500)
    assert http.post("/api/0/unimplemented", content=b"{}").status_code == 404


def test_trailing_slash_and_query_string_are_ignored(http: Client) -> None:  # P-E7
    assert http.post("/api/0/put_item/", content=b'{"item": 1}').json() == {"id": "1"}
    assert http.post("/api/0/get_item?x=y", content=b'{"id": "1"}').json() == {"item": 1}


@pytest.mark.parametrize(
    "body",
    [b"", b"   ", b"{", b'{"item": }', b"{'item': 1}", b"\xff\xfe", b"NaN x"],
)
def test_malformed_json_is_400(http: Client, body: bytes) -> None:
    response = http.post("/api/0/put_item", content=body)
    assert response.status_code == 400, body
    assert http.post("/api/0/get_item", content=b'{"id": "1"}').json()["__exception__"]


@pytest.mark.parametrize(
    ("body", "kind"),
    [(b"[1, 2]", "an array"), (b'[["item", 1]]', "an array"), (b'"x"', "a string"),
     (b"3", "a number"), (b"null", "null"), (b"true", "a boolean")],
)  # fmt: skip
def test_a_body_that_is_not_an_object_is_400(http: Client, body: bytes, kind: str) -> None:
    response = http.post("/api/0/put_item", content=body)
    assert response.status_code == 400
    assert f"got {kind}" in response.text


def test_too_deep_json_is_400(http: Client) -> None:
    body = b'{"item": ' + b"[" * 600 + b"]" * 600 + b"}"
    assert http.post("/api/0/put_item", content=body).status_code == 400


def test_no_content_type_is_json_and_json_types_are_accepted(http: Client) -> None:
    request = http.build_request("POST", "/api/0/put_item", content=b'{"item": 1}')
    assert "content-type" not in request.headers  # as the 0.8.0 client sends it
    assert http.send(request).json() == {"id": "1"}
    for content_type in ("application/json", "application/json; charset=utf-8",
                         "application/vnd.api+json", "Application/JSON"):  # fmt: skip
        headers = {"Content-Type": content_type}
        response = http.post("/api/0/put_item", content=b'{"item": 2}', headers=headers)
        assert response.status_code == 200, content_type


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data"]
)
def test_another_content_type_is_415(http: Client, content_type: str) -> None:
    headers = {"Content-Type": content_type}
    response = http.post("/api/0/put_item", content=b'{"item": 1}', headers=headers)
    assert response.status_code == 415
    assert http.post("/api/0/get_item", content=b'{"id": "1"}').json()["__exception__"]


def padded(size: int) -> bytes:
    """A call body of exactly ``size`` bytes: ``{"item": "xxx..."}``."""
    return b'{"item": "' + b"x" * (size - 12) + b'"}'


def test_body_limit_is_102400_bytes(http: Client) -> None:  # P-E9
    assert len(padded(102400)) == 102400
    assert http.post("/api/0/put_item", content=padded(102400)).status_code == 200
    response = http.post("/api/0/put_item", content=padded(102401))
    assert response.status_code == 413
    assert pyservice.MEMFILE_MAX == 102400


def chunks(body: bytes, size: int = 1000) -> Iterator[bytes]:
    for start in range(0, len(body), size):
        yield body[start : start + size]


def test_chunked_bodies_are_accepted_and_bounded(http: Client) -> None:
    request = http.build_request("POST", "/api/0/put_item", content=chunks(b'{"item": "c"}', 3))
    assert request.headers["transfer-encoding"] == "chunked"
    assert http.send(request).json() == {"id": "1"}
    response = http.post("/api/0/put_item", content=chunks(padded(102401)))
    assert response.status_code == 413
    assert http.post("/api/0/put_item", content=chunks(padded(102400))).status_code == 200


def test_a_bad_content_length_is_400(http: Client) -> None:
    response = http.post("/api/0/put_item", content=b"{}", headers={"Content-Length": "x"})
    assert response.status_code == 400


def test_operations_are_post_routes(http: Client) -> None:  # P-E6: not in the default mode
    response = http.request("GET", "/api/0/put_item", content=b'{"item": 1}')
    assert response.status_code == 405
    assert response.headers["allow"] == "OPTIONS, POST"
    options = http.options("/api/0/get_item")
    assert (options.status_code, options.headers["allow"]) == (204, "OPTIONS, POST")


def test_compat_accepts_any_method_as_0_8_0_did() -> None:  # P-E6
    with Client(readme_service(compat=True)) as http:
        for method in ("GET", "PUT", "PATCH", "DELETE"):
            response = http.request(method, "/api/0/put_item", content=b'{"item": 1}')
            assert response.status_code == 200, method
            assert "id" in response.json()


def test_extra_fields_are_kept_and_unicode_round_trips() -> None:
    service = pyservice.Service(operations=["echo"])

    @service.operation("echo")
    def echo(request: Any, response: Any, context: Any) -> None:
        response.update(request)

    document = {"a": "ü/\u2603", "b": [1, 2.5, None, True], "c": {"d": {}}}
    with Client(service) as http:
        response = http.post("/api/0/echo", content=json.dumps(document).encode())
        assert response.json() == document
        # ujson-style escapes (what a 0.8.0 client sends) parse the same
        escaped = b'{"a": "\\u00fc\\/\\u2603", "b": [1, 2.5, null, true], "c": {"d": {}}}'
        assert http.post("/api/0/echo", content=escaped).json() == document


def test_an_untouched_response_is_an_empty_object() -> None:
    service = pyservice.Service(operations=["noop"])
    service.operation("noop", func=lambda request, response, context: None)
    with Client(service) as http:
        response = http.post("/api/0/noop", content=b"{}")
    assert (response.status_code, response.json()) == (200, {})


def test_a_subclass_of_a_declared_exception_travels_as_the_declared_one() -> None:
    service = pyservice.Service(operations=["op"], exceptions=["NotFound"])

    class ItemNotFound(service.exceptions.NotFound):  # type: ignore[name-defined,misc]
        pass

    @service.operation("op")
    def op(request: Any, response: Any, context: Any) -> None:
        raise ItemNotFound("no item", 3)

    with Client(service) as http:
        assert http.post("/api/0/op", content=b"{}").json() == envelope("NotFound", "no item", 3)


def test_exception_args_that_are_not_json_become_text() -> None:
    service = pyservice.Service(operations=["op"], exceptions=["Odd"])

    @service.operation("op")
    def op(request: Any, response: Any, context: Any) -> None:
        raise service.exceptions.Odd(frozenset({1}), "text")

    with Client(service) as http:
        response = http.post("/api/0/op", content=b"{}")
    assert response.json() == envelope("Odd", "frozenset({1})", "text")


def test_an_unserialisable_response_is_a_500() -> None:
    service = pyservice.Service(operations=["op"])

    @service.operation("op")
    def op(request: Any, response: Any, context: Any) -> None:
        response.value = object()

    with Client(service, raise_server_exceptions=False) as http:
        response = http.post("/api/0/op", content=b"{}")
    assert response.status_code == 500
    assert b"object" not in response.content


def test_a_core_http_error_raised_by_an_operation_stays_http() -> None:
    service = pyservice.Service(operations=["op"], exceptions=["Unauthorized"])

    @service.operation("op")
    def op(request: Any, response: Any, context: Any) -> None:
        raise Unauthorized("token expired", headers={"WWW-Authenticate": "Bearer"})

    with Client(service) as http:
        response = http.post("/api/0/op", content=b"{}")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


def test_mounted_under_a_prefix() -> None:
    app = App()
    app.mount("/rpc", readme_service())
    with Client(app) as http:
        assert http.post("/rpc/api/0/put_item", content=b'{"item": 1}').json() == {"id": "1"}
        assert http.post("/api/0/put_item", content=b'{"item": 1}').status_code == 404
