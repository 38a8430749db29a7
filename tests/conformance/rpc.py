"""The items REST contract over RPC: one pyservice call per HTTP request of the contract.

``RestOverRpc`` takes the requests the conformance tests make (``GET /items/apple``...) and
makes the one operation call each maps to, then shows the service's real answer in REST terms:

| REST request | RPC call (POST) | answer shown as |
|---|---|---|
| ``GET /items?prefix=p`` | ``list_items {"prefix": p}`` | 200, the ``keys`` list |
| ``GET /items/{key}`` | ``get_item {"key": key}`` | 200 ``{key, value}``; ``NotFound`` -> 404 |
| ``PUT /items/{key}`` + body | ``put_item {"value": <body>, "key": key}`` | 201/200 (``created``) |
| ``DELETE /items/{key}`` | ``delete_item {"key": key}`` | 204; ``NotFound`` -> 404 |
| any other URL | an operation the service does not have | the service's 404 |

HTTP errors (400 malformed JSON, 415 another Content-Type, 413 too large) are the service's own
answers, passed through untouched. The PUT body is spliced into the call as raw bytes, so a
malformed body stays malformed, and padded with JSON whitespace to exactly ``CALL_ROOM`` bytes
around the value, so the 413 boundary falls where REST's does (``MAX_BODY`` bytes of value).

Where REST's HTTP method semantics have no RPC counterpart the mapping does not invent one
(``RPC_DIFFERENCES``): HEAD and OPTIONS are sent, as HEAD and OPTIONS, to the operation URL the
resource's GET maps to, and the service's real answer is shown (405 and 204, both with
``Allow: OPTIONS, POST``); POST and PATCH on an item, which REST refuses with 405, have no
call to map to: ``NotInContract`` is raised, and the tests assert that explicitly.
"""

from __future__ import annotations

import json as jsonlib
from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import httpx
from examples.items.pyservice import CALL_ROOM, api

__all__ = [
    "NOT_IN_CONTRACT",
    "RPC_ALLOW",
    "RPC_DIFFERENCES",
    "RPC_STYLES",
    "NotInContract",
    "RestOverRpc",
    "RestView",
    "operation_url",
    "rest_view",
]

RPC_STYLES = frozenset({"pyservice"})
RPC_ALLOW = "OPTIONS, POST"
NOT_IN_CONTRACT = "no RPC call maps to this request"

#: What the RPC service answers instead, where REST's HTTP method semantics have no equivalent.
RPC_DIFFERENCES: dict[str, str] = {
    "HEAD": f"405 with Allow: {RPC_ALLOW}: an operation URL takes POST only, and a call has "
    "no 'GET answer without its body'",
    "OPTIONS": f"204 with Allow: {RPC_ALLOW}, the same for every operation, not per resource",
    "POST": "nothing to send: every call is a POST, and there is no 'create by POST' operation "
    "whose refusal would be REST's 405",
    "PATCH": "nothing to send: there is no partial-update operation; REST answers 405",
}


class NotInContract(Exception):
    """A REST request with no RPC call to map to (see ``RPC_DIFFERENCES``)."""


_UNSET: Any = object()
_PREFIX = "/api/0/"


def operation_url(prefix: str, operation: str) -> str:
    assert api["endpoint"]["path"] == "/api/{version}/{operation}"  # type: ignore[index]
    return f"{prefix}{_PREFIX}{operation}"


def _splice(key: str, body: bytes | Iterable[bytes]) -> tuple[bytes, bytes]:
    """The bytes before and after the value: exactly CALL_ROOM of them together."""
    head = b'{"value": '
    tail = b', "key": ' + jsonlib.dumps(key).encode() + b"}"
    padding = CALL_ROOM - len(head) - len(tail)
    assert padding >= 0, f"key {key!r} is too long for the mapping's CALL_ROOM"
    return head, b" " * padding + tail


class _Verbs:
    """``get``, ``put``... over ``request``: the methods the conformance tests call."""

    def request(self, method: str, path: str, **options: Any) -> httpx.Response:
        raise NotImplementedError

    def get(self, path: str, **options: Any) -> httpx.Response:
        return self.request("GET", path, **options)

    def put(self, path: str, **options: Any) -> httpx.Response:
        return self.request("PUT", path, **options)

    def delete(self, path: str, **options: Any) -> httpx.Response:
        return self.request("DELETE", path, **options)

    def head(self, path: str, **options: Any) -> httpx.Response:
        return self.request("HEAD", path, **options)

    def options(self, path: str, **options: Any) -> httpx.Response:
        return self.request("OPTIONS", path, **options)

    def post(self, path: str, **options: Any) -> httpx.Response:
        return self.request("POST", path, **options)


class RestOverRpc(_Verbs):
    """A client of the items REST contract that speaks pyservice (see the module docstring)."""

    def __init__(self, client: httpx.Client, prefix: str = "") -> None:
        self.client = client
        self.prefix = prefix

    # the REST side ---------------------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = _UNSET,
        content: bytes | Iterable[bytes] | None = None,
        headers: dict[str, str] | None = None,
        params: dict[str, str] | None = None,
    ) -> httpx.Response:
        parts = urlsplit(path)  # relative to the prefix, as for RestView
        query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        query.update(params or {})
        segments = parts.path.split("/")[1:]  # split before decoding: %2F stays in the key
        headers = dict(headers or {})
        if json is not _UNSET:
            content = jsonlib.dumps(json).encode()
            headers.setdefault("Content-Type", "application/json")
        method = method.upper()
        if segments == ["items"]:
            operation, key = "list_items", None
        elif len(segments) == 2 and segments[0] == "items" and segments[1]:
            key = unquote(segments[1])
            operation = {"PUT": "put_item", "DELETE": "delete_item"}.get(method, "get_item")
        else:  # a URL outside the contract: an operation the service does not have
            return self.client.post(
                operation_url(self.prefix, "not_in_the_contract"), content=b"{}"
            )
        if method in ("HEAD", "OPTIONS"):  # sent as is: the service's real answer
            return self.client.request(method, operation_url(self.prefix, operation))
        if method not in ("GET", "PUT", "DELETE") or (
            operation == "list_items" and method != "GET"
        ):
            raise NotInContract(f"{method} {path}: {RPC_DIFFERENCES.get(method, NOT_IN_CONTRACT)}")
        if operation == "list_items":
            return self._call(operation, {"prefix": query.get("prefix", "")}, 200)
        if operation == "put_item":
            return self._put(key or "", content if content is not None else b"", headers)
        return self._call(operation, {"key": key}, 204 if operation == "delete_item" else 200)

    # the RPC side ----------------------------------------------------------------------------

    def _call(self, operation: str, arguments: dict[str, Any], status: int) -> httpx.Response:
        answer = self.client.post(
            operation_url(self.prefix, operation), content=jsonlib.dumps(arguments).encode()
        )
        return self._as_rest(operation, answer, status)

    def _put(
        self, key: str, body: bytes | Iterable[bytes], headers: dict[str, str]
    ) -> httpx.Response:
        head, tail = _splice(key, body)
        content: bytes | Iterator[bytes]
        if isinstance(body, bytes):
            content = head + body + tail
        else:  # streamed as it came (chunked, no length): the limit is found while reading

            def stream() -> Iterator[bytes]:
                yield head
                yield from body
                yield tail

            content = stream()
        answer = self.client.post(
            operation_url(self.prefix, "put_item"), content=content, headers=headers
        )
        return self._as_rest("put_item", answer, 200)

    def _as_rest(self, operation: str, answer: httpx.Response, status: int) -> httpx.Response:
        """The service's answer in REST terms: HTTP errors untouched, results reshaped."""
        if answer.status_code != 200:
            return answer
        result = answer.json()
        failure = result.get("__exception__")
        if failure is not None:
            assert failure["cls"] == "NotFound", failure  # the only declared exception
            return self._response(404, answer, result)
        if operation == "list_items":
            return self._response(status, answer, result["keys"])
        if operation == "delete_item":
            return self._response(204, answer, None)
        if operation == "put_item":
            status = 201 if result.pop("created") else 200
        return self._response(status, answer, result)

    @staticmethod
    def _response(status: int, answer: httpx.Response, document: Any) -> httpx.Response:
        headers = {"content-type": answer.headers["content-type"]}
        content = b"" if status == 204 else jsonlib.dumps(document).encode()
        return httpx.Response(status, headers=headers, content=content, request=answer.request)


class RestView(_Verbs):
    """A REST style's client under a prefix, with the same methods as ``RestOverRpc``."""

    def __init__(self, client: httpx.Client, prefix: str = "") -> None:
        self.client = client
        self.prefix = prefix

    def request(self, method: str, path: str, **options: Any) -> httpx.Response:
        return self.client.request(method, self.prefix + path, **options)


def rest_view(client: httpx.Client, style: str, prefix: str = "") -> RestView | RestOverRpc:
    """How a test speaks the items contract to ``style``'s service under ``prefix``."""
    if style in RPC_STYLES:
        return RestOverRpc(client, prefix)
    return RestView(client, prefix)
