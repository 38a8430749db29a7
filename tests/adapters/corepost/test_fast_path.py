"""The dispatcher's fast path (no filters, no setHeader) answers byte for byte like the general
path (forced here by a response filter that changes nothing)."""

from __future__ import annotations

from typing import Any

import pytest

from microrest.adapters.corepost.enums import Http
from microrest.adapters.corepost.filters import IResponseFilter
from microrest.adapters.corepost.web import CorePost
from microrest.testing import Client


class _Untouched(IResponseFilter):
    def filterResponse(self, request: Any, response: Any) -> None:  # noqa: N802
        pass


def _deep(levels: int) -> Any:
    value: Any = "bottom"
    for level in range(levels):
        value = {"level": level, "inner": [value]}
    return value


RESULTS: dict[str, Any] = {
    "text": "héllo",
    "flat": {"id": 1, "slug": "a\u2028b", "f": 1.5, "n": None, "b": True, "nan": float("nan")},
    "keys": {1: "int key", None: "none key", 2.5: "float key"},
    "list": [1, "two", 3.0, None, False],
    "nested": {"a": {"b": [1, {"c": ["d", {}]}]}, "e": []},
    "deep": _deep(30),  # 60 levels: past the fast path's bound, within the general one's
    "tuple": {"t": (1, 2)},  # not plain: converted to a list by the general path
}


def _app(filtered: bool) -> CorePost:
    app = CorePost(filters=(_Untouched(),) if filtered else ())

    def make(value: Any, code: int | None) -> Any:
        async def handler(request: Any, **kwargs: Any) -> Any:
            if code is not None:
                request.setResponseCode(code)
            return value

        return handler

    for name, value in RESULTS.items():
        app.route(f"/{name}", (Http.GET, Http.POST))(make(value, None))
    for code in (202, 204, 304):
        app.route(f"/set/{code}", Http.GET)(make("body", code))
    return app


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("accept", [None, "*/*", "application/json", "text/yaml;q=0.1, */*"])
@pytest.mark.parametrize("name", list(RESULTS))
def test_fast_path_matches_general_path(name: str, method: str, accept: str | None) -> None:
    headers = {"Accept": accept} if accept is not None else {}
    with Client(_app(False)) as fast, Client(_app(True)) as general:
        one = fast.request(method, f"/{name}", headers=headers)
        other = general.request(method, f"/{name}", headers=headers)
    assert one.status_code == other.status_code == (201 if method == "POST" else 200)
    assert one.content == other.content
    assert sorted(one.headers.items()) == sorted(other.headers.items())


@pytest.mark.parametrize("code", [202, 204, 304])
def test_fast_path_keeps_status_rules(code: int) -> None:
    with Client(_app(False)) as fast, Client(_app(True)) as general:
        one, other = fast.get(f"/set/{code}"), general.get(f"/set/{code}")
    assert one.status_code == other.status_code == code
    assert one.content == other.content == (b"body" if code == 202 else b"")
    assert sorted(one.headers.items()) == sorted(other.headers.items())
