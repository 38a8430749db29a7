"""``Service(**api)``: the api dict, registration, the route table (P-S1..P-S8, P-M1..P-M3)."""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest

from microrest import App, ConfigurationError
from microrest.adapters import pyservice
from microrest.testing import Client


def test_defaults_fill_missing_top_level_keys() -> None:  # P-S1, P-M1
    service = pyservice.Service(version="2.0", not_provided="value", operations=["foo"])
    assert service.api["version"] == "2.0"
    assert service.api["not_provided"] == "value"
    assert service.api["operations"] == ["foo"]
    assert {"version", "timeout", "debug", "endpoint", "operations", "exceptions"} <= set(
        service.api
    )
    assert service.api["timeout"] == 60 and service.api["debug"] is False
    assert service.api["endpoint"] == pyservice.DEFAULT_API["endpoint"]
    assert service.api["endpoint"] is not pyservice.DEFAULT_API["endpoint"]
    assert service.api["uri"] == "/api/2.0/{operation}"


def test_the_callers_dicts_are_not_mutated(api: dict[str, Any]) -> None:
    original = copy.deepcopy(api)
    service = pyservice.Service(**api)
    service.api["endpoint"]["host"] = "changed"
    assert api == original


def test_pattern_matches_like_0_8_0() -> None:  # P-S2, P-M3
    service = pyservice.Service(endpoint={"path": "/test/{operation}"}, operations=["x"])
    match = service.pattern.match("/test/operation_name")
    assert match is not None and match["operation"] == "operation_name"
    assert service.pattern.match("/test/operation_name/")
    assert not service.pattern.match("/test/a/b")
    dotted = pyservice.Service(version="1.0", operations=["x"])
    assert not dotted.pattern.match("/api/1x0/op")  # literal text is escaped (0.8.0 was not)


def test_pattern_is_an_alias_of_path() -> None:
    service = pyservice.Service(endpoint={"pattern": "/api/{operation}/suffix"}, operations=["foo"])
    service.operation("foo", func=lambda request, response, context: None)
    assert [row.path for row in service.app.routes()] == ["/api/foo/suffix"]


@pytest.mark.parametrize(
    ("endpoint", "message"),
    [
        ({"host": "h"}, "needs a 'path'"),
        ({"path": "api/{operation}"}, "starting with '/'"),
        ({"path": "/api/{version}"}, "exactly once"),
        ({"path": "/api/{operation}/{operation}"}, "exactly once"),
        ({"path": "/api/{nope}/{operation}"}, "not a key of the api dict"),
        ({"path": "/api/{version:>3}/{operation}"}, "format spec"),
    ],
)
def test_bad_endpoints_fail_at_construction(endpoint: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigurationError, match=re.escape(message)):
        pyservice.Service(endpoint=endpoint, operations=["x"])


def test_bad_operation_names_fail_at_construction() -> None:
    with pytest.raises(ConfigurationError, match="cannot be part of a URL path"):
        pyservice.Service(operations=["a/b"])
    with pytest.raises(ConfigurationError, match="list of names"):
        pyservice.Service(operations="get_item")


def test_no_plugins_or_functions_at_start(service: pyservice.Service) -> None:  # P-S3
    fresh = pyservice.Service(operations=["foo"])
    assert fresh.plugins == {"request": [], "operation": []}
    assert fresh.functions == {}
    assert set(service.functions) == {"get_item", "put_item", "boom"}


def test_exception_factory() -> None:  # P-S4, P-M7
    exceptions = pyservice.Service().exceptions
    assert isinstance(exceptions.FooError, type) and issubclass(exceptions.FooError, Exception)
    assert exceptions.FooError is exceptions.FooError
    assert exceptions.FooError.__name__ == "FooError"
    assert exceptions.ValueError is ValueError and exceptions.KeyError is KeyError
    assert issubclass(exceptions.dict, Exception)  # a builtin that is no exception: a new class
    assert exceptions.exception("Foo", 1).args == (1,)
    assert pyservice.Service().exceptions.FooError is not exceptions.FooError  # per factory


def test_plugin_scopes_are_checked() -> None:  # P-S5
    service = pyservice.Service()
    with pytest.raises(ValueError, match="Unknown scope 'not a real scope'"):
        service.plugin(scope="not a real scope")
    with pytest.raises(pyservice.UnknownScope):
        service.plugin("global", func=lambda context: None)


def test_plugin_registration_forms() -> None:  # P-S6
    service = pyservice.Service()

    def f(context: Any) -> None:
        context.process_request()

    def g(request: Any, response: Any, context: Any) -> None:
        context.process_request()

    assert service.plugin(scope="request", func=f) is f
    assert service.plugin(scope="operation")(g) is g
    assert service.plugins == {"request": [f], "operation": [g]}


def test_unknown_operation_fails_at_registration() -> None:  # P-S7
    service = pyservice.Service(operations=["foo"])
    with pytest.raises(ValueError, match="Unknown operation 'unknown operation'"):
        service.operation("unknown operation")
    with pytest.raises(pyservice.UnknownOperation, match="declare it in api"):
        service.operation(name="bar", func=lambda request, response, context: None)


def test_operation_registration_forms_and_replacement() -> None:  # P-S8
    service = pyservice.Service(operations=["foo", "bar"])

    def f(request: Any, response: Any, context: Any) -> None:
        response.by = "f"

    def g(request: Any, response: Any, context: Any) -> None:
        response.by = "g"

    assert service.operation("foo", func=f) is f
    assert service.operation("bar")(g) is g
    assert service.functions == {"foo": f, "bar": g}
    service.operation("foo", func=g)  # replaces, as 0.8.0 did
    with Client(service) as http:
        assert http.post("/api/0/foo", content=b"{}").json() == {"by": "g"}
    assert [row.handler.rpartition(".")[2] for row in service.app.routes()] == ["g", "g"]
    with pytest.raises(TypeError, match="needs a callable"):
        service.operation("foo", func="nope")  # type: ignore[call-overload]


def test_route_table_lists_each_operation_as_post_with_its_source(
    service: pyservice.Service,
) -> None:
    rows = {row.path: row for row in service.app.routes()}
    assert set(rows) == {"/api/0/get_item", "/api/0/put_item", "/api/0/boom"}
    for path, row in rows.items():
        assert (row.method, row.style) == ("POST", "pyservice")
        assert row.handler.endswith(path.rpartition("/")[2])
        assert row.source.startswith("tests/adapters/pyservice/conftest.py:"), row.source


def test_the_service_is_an_asgi_app_and_mounts(service: pyservice.Service) -> None:
    assert service.__microrest_app__ is service.app
    app = App()
    app.mount("/v", service)
    assert {row.path for row in app.routes() if row.style == "pyservice"} == {
        "/v/api/0/get_item",
        "/v/api/0/put_item",
        "/v/api/0/boom",
    }


def test_construction_binds_nothing_and_options_stay_out_of_the_api() -> None:
    service = pyservice.Service(sync_handlers="inline", thread_limit=3, max_body_size=10)
    assert "sync_handlers" not in service.api and "max_body_size" not in service.api
    assert service.app.concurrency.mode == "inline"
    assert service.app.limits.max_body_size == 10


def test_repr_names_the_uri_and_operations(service: pyservice.Service) -> None:
    assert "/api/0/{operation}" in repr(service) and "put_item" in repr(service)
