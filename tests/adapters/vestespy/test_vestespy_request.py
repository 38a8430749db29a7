"""The request object and the Headers table."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from microrest.adapters import vestespy
from microrest.adapters.vestespy.tools import Event, Headers
from microrest.testing import Client


def capture(connect: Callable[..., Client], **options: Any) -> tuple[Client, list[Any]]:
    """A client whose server records every request object it sees."""
    seen: list[Any] = []
    server = vestespy.Server(("localhost", 8080), **options)

    def handler(ev: Event, req: vestespy.Request, res: vestespy.Response) -> None:
        seen.append(req)
        res.send_all("ok")

    server.on("request", handler)
    return connect(server), seen


def test_request_line_attributes(connect: Callable[..., Client]) -> None:
    client, seen = capture(connect)
    client.post("/a%20b/c?a=1&b=&a=2", content=b"xyz")
    req = seen[0]
    assert req.method == "POST"
    assert req.raw_method == b"POST"
    assert req.url == "/a%20b/c"  # percent-escapes kept, no query
    assert req.query == {"a": ["1", "2"], "b": [""]}
    assert req.protocol == "HTTP/1.1"
    assert req.raw_protocol == b"HTTP/1.1"
    assert req.content_length == 3
    assert req.server.handler_class is vestespy.Request
    assert req.client is not None


def test_query_is_empty_without_a_query_string(connect: Callable[..., Client]) -> None:
    client, seen = capture(connect)
    client.get("/")
    assert seen[0].query == {}
    assert seen[0].content_length == 0


def test_content_length_is_zero_when_invalid() -> None:
    server = vestespy.Server(("localhost", 8080))
    scope = {"type": "http", "method": "PUT", "path": "/", "headers": [(b"content-length", b"x")]}
    assert vestespy.Request(scope, server).content_length == 0


def test_headers_are_case_insensitive_for_every_lookup(connect: Callable[..., Client]) -> None:
    client, seen = capture(connect)
    client.get("/", headers={"User-Agent": "tester", "X-Multi": "1"})
    headers = seen[0].headers
    assert headers["User-Agent"] == headers["user-agent"] == "tester"
    assert headers.get("USER-AGENT") == "tester"
    assert "User-Agent" in headers and "user-agent" in headers
    assert headers.get("missing", None) is None
    with pytest.raises(KeyError):
        headers.get("missing")
    assert "user-agent" in list(headers)
    assert headers["host"] == "testserver"  # values with ":" are kept (the original dropped them)


def test_a_custom_request_class(connect: Callable[..., Client]) -> None:
    class MyRequest(vestespy.Request):
        @property
        def shout(self) -> str:
            return self.url.upper()

    server = vestespy.Server(("localhost", 8080), handler=MyRequest)

    def handler(ev: Event, req: MyRequest, res: vestespy.Response) -> None:
        assert isinstance(req, MyRequest)
        res.send_all(req.shout)

    server.on("request", handler)
    assert connect(server).get("/abc").text == "/ABC"


def test_handler_must_subclass_request() -> None:
    with pytest.raises(ValueError, match="subclasses of Request"):
        vestespy.Server(("localhost", 8080), handler=object)  # type: ignore[arg-type]


def test_headers_table() -> None:
    headers = Headers()
    headers[b"Content-Type"] = b" text/plain "
    headers["X-Num"] = 5
    assert headers["content-type"] == "text/plain"
    assert dict(headers.items())["content-type"] == ("text/plain", "Content-Type")
    assert ("text/plain", "Content-Type") in list(headers.values())
    assert headers.pairs() == [("Content-Type", "text/plain"), ("X-Num", "5")]
    assert len(headers) == 2 and headers.keys() == ["content-type", "x-num"]
    del headers["CONTENT-TYPE"]
    del headers["absent"]
    assert "content-type" not in headers
    with pytest.raises(KeyError):
        headers[3]  # type: ignore[index]
    with pytest.raises(KeyError):
        headers[3] = "x"  # type: ignore[index]
    assert 3 not in headers
    assert Headers({"A": "1"}) == Headers([("a", "1")])
    assert "x-num: 5" in repr(headers)


def test_headers_validate_coerces_content_length() -> None:
    headers = Headers({"Content-Length": "12", "X-Obj": "fine"})
    headers["X-List"] = ["not", "a", "value"]
    headers.validate()
    assert headers["content-length"] == 12
    assert "x-list" not in headers
    bad = Headers({"Content-Length": "twelve"})
    bad.validate()
    assert "content-length" not in bad


def test_request_headers_join_repeated_fields() -> None:
    headers = Headers.from_scope([(b"accept", b"a"), (b"accept", b"b")])
    assert headers["Accept"] == "a, b"
