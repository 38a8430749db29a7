"""``body.read_body``: JSON bodies, blank ones included, reach ``request.json`` and kwargs."""

from __future__ import annotations

from typing import Any

import pytest

from microrest.adapters.corepost.enums import Http
from microrest.adapters.corepost.web import CorePost
from microrest.testing import Client


def _app() -> CorePost:
    app = CorePost()

    @app.route("/doc", Http.POST)
    async def doc(request: Any, **kwargs: Any) -> dict[str, Any]:
        return {"json": request.json, "kwargs": kwargs}

    @app.route("/doc/<int:id>", Http.POST)
    async def doc_with_id(request: Any, id: int, **kwargs: Any) -> dict[str, Any]:
        return {"id": id, "kwargs": kwargs}

    return app


@pytest.mark.parametrize("body", [b"", b" ", b"\t\r\n", b"\x0b\x0c "])
def test_a_blank_json_body_is_an_empty_document(body: bytes) -> None:
    with Client(_app()) as client:
        answer = client.post("/doc", content=body, headers={"Content-Type": "application/json"})
    assert answer.status_code == 201
    assert answer.json() == {"json": {}, "kwargs": {}}


@pytest.mark.parametrize("body", [b'{"a": 1}', b' \n{"a": 1} ', b'\t{"a": 1}'])
def test_a_json_body_around_spaces_is_parsed(body: bytes) -> None:
    with Client(_app()) as client:
        answer = client.post("/doc", content=body, headers={"Content-Type": "application/json"})
    assert answer.status_code == 201
    assert answer.json() == {"json": {"a": 1}, "kwargs": {"a": 1}}


def test_document_keys_never_replace_path_or_query_arguments() -> None:
    with Client(_app()) as client:
        answer = client.post(
            "/doc/7?q=query",
            content=b'{"id": 99, "q": "body", "b": 2}',
            headers={"Content-Type": "application/json"},
        )
    assert answer.status_code == 201
    assert answer.json() == {"id": 7, "kwargs": {"q": "query", "b": 2}}
