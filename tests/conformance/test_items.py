"""One set of tests for the items service, run against every style (see conftest.TARGETS).

Success answers must be the same everywhere: status codes, JSON bodies, HEAD/OPTIONS/405 and
their ``Allow``. Error answers are checked by status only: their bodies are each style's own.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from examples.items import MAX_BODY
from tests.conformance.rpc import RPC_ALLOW, NotInContract
from tests.conformance.services import Service

ITEM_ALLOW = "DELETE, GET, HEAD, OPTIONS, PUT"
LIST_ALLOW = "GET, HEAD, OPTIONS"
JSON_HEADERS = {"Content-Type": "application/json"}


def is_json(response: Any) -> bool:
    return str(response.headers["content-type"]).split(";")[0] == "application/json"


def test_list_is_empty_at_first(service: Service) -> None:
    response = service.request("GET", "/items")
    assert response.status_code == 200
    assert is_json(response)
    assert response.json() == []


def test_put_new_is_201(service: Service) -> None:
    response = service.put("apple", {"n": 1})
    assert response.status_code == 201
    assert is_json(response)
    assert response.json() == {"key": "apple", "value": {"n": 1}}
    assert service.store.get("apple") == {"n": 1}


def test_put_again_is_200_and_replaces(service: Service) -> None:
    service.put("apple", {"n": 1})
    response = service.put("apple", {"n": 2})
    assert response.status_code == 200
    assert response.json() == {"key": "apple", "value": {"n": 2}}
    assert service.store.get("apple") == {"n": 2}


def test_get_returns_key_and_value(service: Service) -> None:
    service.put("apple", {"n": 1})
    service.put("pear", [1, "two"])
    response = service.request("GET", "/items/pear")
    assert response.status_code == 200
    assert is_json(response)
    assert response.json() == {"key": "pear", "value": [1, "two"]}
    assert service.request("GET", "/items").json() == ["apple", "pear"]


def test_query_prefix_filters_the_list(service: Service) -> None:
    for key in ("apple", "apricot", "pear"):
        service.put(key, 1)
    assert service.request("GET", "/items?prefix=ap").json() == ["apple", "apricot"]
    assert service.request("GET", "/items", params={"prefix": "p"}).json() == ["pear"]
    assert service.request("GET", "/items?prefix=zz").json() == []
    assert service.request("GET", "/items?prefix=").json() == ["apple", "apricot", "pear"]


def test_get_missing_is_404(service: Service) -> None:
    assert service.request("GET", "/items/nothing").status_code == 404


def test_delete_is_204_then_404(service: Service) -> None:
    service.put("apple", {"n": 1})
    response = service.request("DELETE", "/items/apple")
    assert (response.status_code, response.content) == (204, b"")
    assert service.request("GET", "/items/apple").status_code == 404
    assert service.request("DELETE", "/items/apple").status_code == 404
    assert service.request("GET", "/items").json() == []


def test_malformed_json_is_400_and_stores_nothing(service: Service) -> None:
    for body in (b'{"n": ', b"{bad}", b"", b"[1, 2"):
        response = service.request("PUT", "/items/apple", content=body, headers=JSON_HEADERS)
        assert response.status_code == 400, body
    assert service.store.keys() == []
    assert service.request("GET", "/items/apple").status_code == 404


def test_other_content_type_is_415(service: Service) -> None:
    headers = {"Content-Type": "text/plain"}
    response = service.request("PUT", "/items/apple", content=b'{"n": 1}', headers=headers)
    assert response.status_code == 415
    assert service.store.keys() == []


def big_json(size: int) -> bytes:
    """A JSON string document of exactly ``size`` bytes."""
    return json.dumps("x" * (size - 2)).encode()


def test_body_at_the_limit_is_accepted(service: Service) -> None:
    response = service.request(
        "PUT", "/items/big", content=big_json(MAX_BODY), headers=JSON_HEADERS
    )
    assert response.status_code == 201
    assert len(service.store.get("big")) == MAX_BODY - 2


def test_body_over_the_limit_is_413(service: Service) -> None:
    body = big_json(MAX_BODY + 1)
    response = service.request("PUT", "/items/big", content=body, headers=JSON_HEADERS)
    assert response.status_code == 413
    assert service.store.keys() == []


def test_chunked_body_over_the_limit_is_413(service: Service) -> None:
    def chunks() -> Iterator[bytes]:  # no Content-Length: the limit is found while reading
        body = big_json(MAX_BODY + 1)
        for start in range(0, len(body), 8192):
            yield body[start : start + 8192]

    response = service.request("PUT", "/items/big", content=chunks(), headers=JSON_HEADERS)
    assert response.status_code == 413
    assert service.store.keys() == []


def test_head_has_the_get_headers_and_no_body(service: Service) -> None:
    service.put("apple", {"n": 1})
    if service.rpc:  # no RPC counterpart (rpc.RPC_DIFFERENCES): the service's real answer
        for path in ("/items", "/items/apple"):
            head = service.request("HEAD", path)
            assert (head.status_code, head.content) == (405, b""), path
            assert head.headers["allow"] == RPC_ALLOW, path
        return
    for path in ("/items", "/items/apple"):
        get = service.request("GET", path)
        head = service.request("HEAD", path)
        assert head.status_code == get.status_code == 200
        assert head.content == b""
        for name in ("content-type", "content-length"):
            assert head.headers[name] == get.headers[name], (path, name)
    assert service.request("HEAD", "/items/nothing").status_code == 404


def test_options_is_204_with_allow(service: Service) -> None:
    rpc = service.rpc  # one Allow for every operation URL (rpc.RPC_DIFFERENCES)
    for path, allow in (("/items", LIST_ALLOW), ("/items/a", ITEM_ALLOW)):
        allow = RPC_ALLOW if rpc else allow
        response = service.request("OPTIONS", path)
        assert (response.status_code, response.content) == (204, b""), path
        assert response.headers["allow"] == allow, path


def test_other_methods_are_405_with_allow(service: Service) -> None:
    for method, path, allow in (
        ("POST", "/items/a", ITEM_ALLOW),
        ("PATCH", "/items/a", ITEM_ALLOW),
        ("POST", "/items", LIST_ALLOW),
    ):
        if service.rpc:  # no call maps to these (rpc.RPC_DIFFERENCES); nothing is sent
            with pytest.raises(NotInContract):
                service.request(method, path, json={"n": 1})
            continue
        response = service.request(method, path, json={"n": 1})
        assert response.status_code == 405, (method, path)
        assert response.headers["allow"] == allow, (method, path)
    if service.rpc:  # what RPC refuses instead: any method but POST on an operation URL
        for method in ("GET", "PUT", "PATCH", "DELETE"):
            response = service.client.request(method, f"{service.prefix}/api/0/put_item")
            assert response.status_code == 405, method
            assert response.headers["allow"] == RPC_ALLOW, method
    assert service.store.keys() == []


def test_every_json_value_round_trips(service: Service) -> None:
    values = [{"nested": {"list": [1, 2.5, None]}}, [1, "two"], "text", 42, 2.5, True, {}]
    for value in values:
        assert service.put("thing", value).json() == {"key": "thing", "value": value}
        assert service.request("GET", "/items/thing").json() == {"key": "thing", "value": value}


def test_percent_encoded_keys_are_decoded(service: Service) -> None:
    response = service.put("a%20b", [1])
    assert response.status_code == 201
    assert response.json() == {"key": "a b", "value": [1]}
    assert service.request("GET", "/items").json() == ["a b"]
    assert service.request("GET", "/items/a%20b").json()["key"] == "a b"


def test_body_keys_never_replace_the_path_key(service: Service) -> None:
    document = {"key": "other", "request": 1, "self": 2}
    response = service.put("apple", document)
    assert response.json() == {"key": "apple", "value": document}
    assert service.store.keys() == ["apple"]


def test_unknown_url_is_404(service: Service) -> None:
    assert service.request("GET", "/items/a/b").status_code == 404
    assert service.request("PUT", "/items/a/b", json=1).status_code == 404
    assert service.store.keys() == []
