"""``Container`` and ``Context`` (P-M5, §5 and §6 of the reference note)."""

from __future__ import annotations

import copy
import pickle
from typing import Any

from microrest.adapters import pyservice
from microrest.testing import Client


def test_attribute_and_item_access_are_aliases() -> None:  # P-M5
    c = pyservice.Container()
    c.foo = [1]
    assert c["foo"] is c.foo
    c["bar"] = {"x": 1}
    assert c.bar is c["bar"]
    assert c == {"foo": [1], "bar": {"x": 1}}
    del c.foo
    assert "foo" not in c


def test_missing_fields_read_none_and_are_not_stored() -> None:
    c = pyservice.Container(a=1)
    assert c.missing is None
    assert c["missing"] is None  # 0.8.0: item access reads None too
    assert "missing" not in c and len(c) == 1
    assert c.get("missing", 5) == 5


def test_dict_method_names_read_the_method_but_store_the_field() -> None:
    c = pyservice.Container()
    c.items = ["a"]  # stored and serialised ...
    assert c["items"] == ["a"] and dict(c) == {"items": ["a"]}
    assert callable(c.items)  # ... but c.items is dict.items, as in 0.8.0: read c["items"]


def test_copy_and_pickle_work() -> None:
    c = pyservice.Container(a=[1])
    assert copy.deepcopy(c) == c and type(copy.copy(c)) is pyservice.Container
    assert pickle.loads(pickle.dumps(c)) == {"a": [1]}
    assert repr(c) == "Container({'a': [1]})"


def test_context_holds_operation_service_and_plugin_storage() -> None:
    service = pyservice.Service(operations=["op"])
    seen: list[Any] = []

    @service.plugin("request")
    def attach(context: Any) -> None:
        context.db = {"handle": 1}  # "a dumping ground for plugins"
        context.process_request()

    @service.operation("op")
    def op(request: Any, response: Any, context: Any) -> None:
        seen.append(context)
        response.operation = context.operation
        response.db = context.db
        response.same_service = context.service is service

    with Client(service) as http:
        for _ in range(2):
            answer = http.post("/api/0/op", content=b"{}").json()
            assert answer == {"operation": "op", "db": {"handle": 1}, "same_service": True}
    assert seen[0] is not seen[1]  # a fresh context per call
    assert repr(seen[0]) == "<Context operation='op'>"


def test_request_and_response_are_containers() -> None:
    service = pyservice.Service(operations=["op"])

    @service.operation("op")
    def op(request: Any, response: Any, context: Any) -> None:
        assert type(request) is type(response) is pyservice.Container
        response.got = request.key
        response.missing_is_none = request.nothing is None

    with Client(service) as http:
        answer = http.post("/api/0/op", content=b'{"key": "value"}').json()  # P-P7
    assert answer == {"got": "value", "missing_is_none": True}
