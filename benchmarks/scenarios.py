"""The benchmark scenarios: what is requested and what a correct answer is.

Kept in one place so the in-process harness, the end-to-end driver and the smoke test all
agree on the app every framework must implement. The answer checks are strict enough to catch a
broken benchmark app (wrong status, wrong body) but ignore formatting differences such as JSON
whitespace, which frameworks legitimately choose differently.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field

#: How many distinct ids the templated route is requested with (no framework can cache one answer).
PARAM_IDS = 4096
SLUG = "hello-world"
HELLO = "Hello, World!"
ECHO_BODY = b'{"name":"microrest","count":3,"tags":["a","b","c"],"ok":true}'
MISS_PATH = "/no/such/route"
#: An RPC call as pyservice's client sends it: POST of a JSON object, no Content-Type.
CALL_PATH = "/api/0/greet"
CALL_BODY = b'{"name":"microrest","count":3}'
CALL_ANSWER = {"greeting": "hello microrest", "count": 3}


def param_path(prefix: str, i: int) -> str:
    """The i-th request of a param scenario: ids cycle over PARAM_IDS distinct values."""
    return f"{prefix}/users/{i % PARAM_IDS}/posts/{SLUG}"


def _param_expected() -> Callable[[int], object]:
    def expected(i: int) -> object:
        return {"id": i % PARAM_IDS, "slug": SLUG}

    return expected


@dataclass(frozen=True)
class Scenario:
    """One kind of request. ``path(i)`` gives the i-th request's path."""

    name: str
    method: str
    path: Callable[[int], str]
    status: int
    #: "text": body must equal ``expected``; "json": parsed body must equal ``expected``;
    #: "any": only the status is checked.
    kind: str
    expected: Callable[[int], object]
    body: bytes = b""
    headers: tuple[tuple[bytes, bytes], ...] = field(default=())

    def check(self, i: int, status: int, body: bytes) -> str | None:
        """Return None when (status, body) is the right answer to request i, else why not."""
        if status != self.status:
            return f"{self.name}: status {status}, expected {self.status} (body {body[:200]!r})"
        if self.kind == "text":
            want = self.expected(i)
            if body.decode("utf-8", "replace") != want:
                return f"{self.name}: body {body[:200]!r}, expected {want!r}"
        elif self.kind == "json":
            want = self.expected(i)
            try:
                got = json.loads(body)
            except ValueError:
                return f"{self.name}: body is not JSON: {body[:200]!r}"
            if got != want:
                return f"{self.name}: JSON {got!r}, expected {want!r}"
        return None


def _const(value: object) -> Callable[[int], object]:
    return lambda i: value


def _static(path: str) -> Callable[[int], str]:
    return lambda i: path


_JSON_HEADERS = (
    (b"content-type", b"application/json"),
    (b"content-length", str(len(ECHO_BODY)).encode()),
)

ALL: dict[str, Scenario] = {
    s.name: s
    for s in (
        Scenario("plaintext", "GET", _static("/plaintext"), 200, "text", _const(HELLO)),
        Scenario("json", "GET", _static("/json"), 200, "json", _const({"message": HELLO})),
        Scenario("param", "GET", lambda i: param_path("", i), 200, "json", _param_expected()),
        Scenario(
            "echo",
            "POST",
            _static("/echo"),
            200,
            "json",
            _const(json.loads(ECHO_BODY)),
            body=ECHO_BODY,
            headers=_JSON_HEADERS,
        ),
        Scenario("notfound", "GET", _static(MISS_PATH), 404, "any", _const(None)),
        # microrest only: the param route served by a sync handler, inline or in a thread.
        Scenario(
            "param_sync_inline",
            "GET",
            lambda i: param_path("/sync-inline", i),
            200,
            "json",
            _param_expected(),
        ),
        Scenario(
            "param_sync_thread",
            "GET",
            lambda i: param_path("/sync-thread", i),
            200,
            "json",
            _param_expected(),
        ),
        # The operation call: pyservice's operation against a core (or Starlette) JSON route
        # doing the same work; async, and sync handlers inline or in a thread.
        *(
            Scenario(
                name,
                "POST",
                _static(prefix + CALL_PATH),
                200,
                "json",
                _const(CALL_ANSWER),
                body=CALL_BODY,
                headers=((b"content-length", str(len(CALL_BODY)).encode()),),
            )
            for name, prefix in (
                ("call", ""),
                ("call_sync_inline", "/sync-inline"),
                ("call_sync_thread", "/sync-thread"),
            )
        ),
    )
}

#: The operation-call scenarios (the pyservice app, and the routes it is compared with).
CALL: frozenset[str] = frozenset({"call", "call_sync_inline", "call_sync_thread"})

#: What the microrest apps declare (they alone serve the sync variants); the call scenarios
#: only where an app says so.
EVERY: frozenset[str] = frozenset(ALL) - CALL

#: What an app module implements when it declares no ``SCENARIOS`` of its own.
DEFAULT: tuple[str, ...] = ("plaintext", "json", "param", "echo", "notfound")


def scenarios_of(module: object) -> tuple[str, ...]:
    """The scenario names an app module answers, in the canonical order of ``ALL``."""
    declared = getattr(module, "SCENARIOS", None)
    names = set(DEFAULT if declared is None else declared)
    unknown = names - ALL.keys()
    if unknown:
        raise ValueError(f"{module!r} declares unknown scenarios {sorted(unknown)}")
    return tuple(n for n in ALL if n in names)


def extra_route_paths(extra_routes: int) -> list[tuple[str, str]]:
    """(request path, expected text) for a few of the extra routes, to check they exist.

    Extra route i is static ``/extra{i}/static`` when i is even and templated
    ``/extra{i}/items/{item_id:int}`` when odd; both answer the text ``extra``.
    """
    out: list[tuple[str, str]] = []
    for i in sorted({0, 1, extra_routes - 2, extra_routes - 1}):
        if 0 <= i < extra_routes:
            out.append((extra_path(i), "extra"))
    return out


def extra_path(i: int) -> str:
    """A request path that hits extra route i."""
    return f"/extra{i}/static" if i % 2 == 0 else f"/extra{i}/items/{i}"
