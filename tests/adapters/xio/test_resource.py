"""The resource tree in-process: the cases of the reference note's test_resource list."""

from __future__ import annotations

from typing import Any

import pytest

from microrest import ConfigurationError
from microrest.adapters import xio


def ok_for_get(answer: str) -> Any:
    return lambda req: answer if req.GET else req.PASS


def test_static_content_and_nesting() -> None:
    root = xio.resource()
    first = root.put("test1", "OK1")
    test2 = root.put("test2", "OK2")
    test2.put("test21", "OK21")
    root.put("test3", lambda req: "OK3")
    assert root.get("test1").content == "OK1"
    assert root.get("test2").content == "OK2"
    assert root.get("test2").get("test21").content == "OK21"
    assert root.get("test2/test21").content == "OK21"
    assert root.get("test3").content == "OK3"
    assert first is root._node("test1")
    assert first.content == root.get("test1").content


def test_handler_next_to_static_children() -> None:
    root = xio.resource()
    root.put("www", ok_for_get("OK"))
    root.put("www/page1", "PAGE1")
    assert root.get("www").content == "OK"
    assert root.get("www/page1").content == "PAGE1"
    assert root.post("www").status == 404  # PASS on a handler without content: nothing there


def test_debug_of_a_request() -> None:
    res = xio.resource(lambda req: req._debug())
    content = res.get("", {"a": "1"}).content
    assert content["method"] == "GET" and content["query"] == {"a": "1"}


def test_exceptions_are_500_without_detail() -> None:
    def handler(req: Any) -> str:
        if not req.GET:
            raise ValueError("secret detail")
        return "fine"

    res = xio.resource(handler)
    assert res.get().status == 200
    failed = res.post()
    assert (failed.status, failed.content) == (500, None)
    client = xio.resource(res)
    assert client.get().status == 200
    assert client.post().status == 500


def test_chains_without_handlers() -> None:
    root = xio.resource()
    c = root.put("a/b/c", "OKc")
    c.put("d", "OKd")
    root.put("a/b/e", "OKe")
    root.get("a/b/c")  # results are copies: registration goes through the tree
    c.put("f/g/h", "OKh")
    c.put("i/j/k", "OKk")
    assert root.get("a/b/c/d").content == "OKd"
    assert root.get("a/b/e").content == "OKe"
    chained = root.get("a/b").get("c").get("i").get("j/k")
    assert chained.content == root.get("a/b/c/i/j/k").content == "OKk"


def test_handler_receives_the_rest_of_the_path() -> None:
    root = xio.resource()
    root.put("www", lambda req: f"OK {req.method} {req.path}")
    www = root.get("www")
    assert www.get("").content == "OK GET "
    assert www.put("mydata").content == "OK PUT mydata"
    assert www.post("").content == "OK POST "
    assert root.get("www/a").content == "OK GET a"
    for result in (
        root.get("www/a/b/c"),
        root.get("www").get("a").get("b").get("c"),
        root.get("www/a").get("b/c"),
        root.get("www/a/b").get("c"),
        root.get("www").get("a/b/c"),
    ):
        assert result.content == "OK GET a/b/c"


def test_missing_is_404() -> None:
    root = xio.resource()
    root.put("b", "B")
    assert root.get("a").status == 404
    assert root.get("a").content is None
    assert xio.resource(root).get("a").status == 404


def test_exception_when_a_query_is_given() -> None:
    def handler(req: Any) -> str:
        if req.query:
            raise RuntimeError("no queries")
        return "ok"

    root = xio.resource()
    root.put("test1", handler)
    assert root.get("test1").status == 200
    assert root.get("test1", {"key": "val"}).status == 500


def test_parameter_routes_with_values_and_handlers() -> None:
    root = xio.resource()
    root.put(":a", "a")
    root.put(":a/:b", "a/b")
    root.put(":a/:b/:c", "a/b/c")
    assert [root.get(p).content for p in ("1", "1/2", "1/2/3")] == ["a", "a/b", "a/b/c"]
    handlers = xio.resource()
    handlers.put(":a", ok_for_get("a"))
    handlers.put(":a/:b", ok_for_get("a/b"))
    handlers.put(":a/:b/:c", ok_for_get("a/b/c"))
    for path, answer in (("1", "a"), ("1/2", "a/b"), ("1/2/3", "a/b/c")):
        assert handlers.get(path, {}).content == answer


def test_bind_routes_answer_every_method() -> None:
    root = xio.resource()
    root.bind("a", lambda req: "a handler")
    root.bind("a/:b", lambda req: "b handler")
    root.bind("a/:b/:c", lambda req: "c handler")
    for method in ("GET", "POST", "PUT"):
        assert root.request(method, "a").content == "a handler"
        assert root.request(method, "a/b").content == "b handler"
        assert root.request(method, "a/b/c").content == "c handler"


def test_captured_segments_land_in_the_context() -> None:
    root = xio.resource()
    container = root.put("www/:container", lambda req: "container")
    root.put("www/:container/:item", lambda req: dict(req.context))
    content = root.get("www/container1/1234", {"var1": "ok"}).content
    assert content[":container"] == "container1"
    assert content[":item"] == "1234"
    assert root.get("www/:container").content == root.get("www/container1").content
    assert container.handler is root._node("www/:container").handler


def test_two_parameter_names_at_one_position_are_refused() -> None:
    root = xio.resource()
    root.bind("www/:a", lambda req: "a")
    with pytest.raises(ConfigurationError, match="already the parameter"):
        root.bind("www/:b/x", lambda req: "b")


def test_a_static_sibling_after_a_parameter_does_not_overwrite_it() -> None:
    root = xio.resource()
    root.bind("www", lambda req: "root")
    root.bind("www/items/:id", lambda req: "item " + req.context[":id"])
    root.bind("www/b", lambda req: "b")
    root.bind("www/:container", lambda req: "container")
    root.bind("www/fixed", lambda req: "fixed")
    assert root.get("www/items/7").content == "item 7"
    assert root.get("www/1").content == "container"
    assert root.get("www/fixed").content == "fixed"
    assert root.get("www/b").content == "b"


def test_handler_changing_req_path_does_not_change_the_result_path() -> None:
    def handler(req: Any) -> str:
        req.path = "changed"
        return "ok"

    root = xio.resource()
    root.put("test", handler)
    first = root.get("test")
    assert first.content == first.get().content == "ok"
    assert first.path == first.get().path == "test"


def test_returned_resources_and_results_are_delegated() -> None:
    inner = xio.resource()
    inner.put("x", "inner x")
    root = xio.resource()
    root.bind("proxy", lambda req: inner)
    root.bind("result", lambda req: inner.get("x"))
    assert root.get("proxy/x").content == "inner x"
    assert root.get("result").content == "inner x"


def test_generators_and_lists() -> None:
    root = xio.resource()
    root.bind("gen", lambda req: (n * 2 for n in range(3)))
    assert root.get("gen").content == [0, 2, 4]


def test_dynamic_custom_methods_on_resources() -> None:
    def handler(req: Any) -> Any:
        return {"method": req.method, "xmethod": req.xmethod, "data": req.data}

    res = xio.resource(handler)
    assert res.ping(data={"a": 1}).content == {
        "method": "POST",
        "xmethod": "PING",
        "data": {"a": 1},
    }
    assert res.request("PING").content["xmethod"] == "PING"


def test_factories() -> None:
    assert xio.resource(lambda req: "x").handler is not None
    assert xio.resource(xio.app()).handler is not None
    assert xio.resource("http://127.0.0.1").handler is not None
    assert xio.resource("https://127.0.0.1/subpath").handler is not None
    with pytest.raises(ValueError, match="URL"):
        xio.resource("nonsense")
    with pytest.raises(ConfigurationError, match="async"):

        async def handler(req: Any) -> str:
            return "no"

        xio.resource(handler)
