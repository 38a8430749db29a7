"""arguments.feature (14-20) and validate.feature (21-28), both dialects, both modes."""

from __future__ import annotations

import pytest
from tests.adapters.corepost.corepost_apps import FORM, JSON, XML, YAML

from microrest.testing import Client


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/int/1/float/1.1/string/TEST", [("int", 1), ("float", 1.1), ("str", "TEST")]),  # 14
        ("/int/1/float/1/string/TEST", [("int", 1), ("float", 1.0), ("str", "TEST")]),  # 15
        ("/int/1/float/1/string/23", [("int", 1), ("float", 1.0), ("str", "23")]),  # 16
    ],
)
def test_typed_path_arguments(arguments: Client, path: str, expected: list[object]) -> None:
    response = arguments.get(path)
    assert response.status_code == 200
    assert response.text == repr(expected)


@pytest.mark.parametrize(
    "path", ["/int/WRONG/float/1.1/string/TEST", "/int/1/float/WRONG/string/TEST"]
)
def test_unconvertible_path_is_404(arguments: Client, path: str) -> None:  # 17, 18
    response = arguments.get(path)
    assert response.status_code == 404
    assert f"URL '{path}' not found" in response.text


BODIES = [
    (FORM, "first=John&last=Doe", "John Doe"),  # a
    (JSON, '{"first":"Jane","last":"Doeovskaya"}', "Jane Doeovskaya"),  # b
    (JSON, '{"first":"Jane","middle":"Oksana","last":"Doeovskaya"}', "Jane Doeovskaya"),  # c
    (YAML, "first: Oksana\nlast: Dolovskaya\n", "Oksana Dolovskaya"),  # d
    (YAML, "first: Svetlana\nmiddle: Jane\nlast: Gingrychnoya\n", "Svetlana Gingrychnoya"),  # e
    (XML, '<root first="John" last="Doe" middle="Jim"/>', "John Doe"),  # f
    (XML, '<root first="Jan" middle="Jim"><last>Dolowski</last></root>', "Jan Dolowski"),  # g
    (
        XML,
        "<root><first>Grzegorz</first><middle>Jim</middle><last>Brzeczyszczykiewicz</last></root>",
        "Grzegorz Brzeczyszczykiewicz",
    ),  # h
]


@pytest.mark.parametrize(("method", "status"), [("POST", 201), ("PUT", 200)])
@pytest.mark.parametrize(("headers", "body", "expected"), BODIES)
def test_form_or_document_arguments(
    arguments: Client,
    created: int,
    method: str,
    status: int,
    headers: dict[str, str],
    body: str,
    expected: str,
) -> None:  # 19 a-h
    response = arguments.request(method, "/formOrJson", content=body, headers=headers)
    status = created if status == 201 else status
    assert (response.status_code, response.text) == (status, expected)


def test_query_arguments(arguments: Client) -> None:  # 20
    response = arguments.get("/formOrJson?first=John&last=Doe")
    assert (response.status_code, response.text) == (200, "John Doe")


def test_missing_mandatory_argument(arguments: Client) -> None:
    response = arguments.get("/formOrJson?first=John")
    assert response.status_code == 400
    assert response.text == "Missing mandatory argument 'last'"


def test_query_and_body_document_merge(arguments: Client) -> None:
    """The original dropped JSON keys when a query string was present; they merge here."""
    response = arguments.post("/formOrJson?first=Q", content='{"last": "L"}', headers=JSON)
    assert response.text == "Q L"


def test_path_wins_over_query(arguments: Client) -> None:
    response = arguments.get("/int/1/float/2/string/path?stringarg=query")
    assert "'path'" in response.text


@pytest.mark.parametrize("kind", ["custom", "schema"])
@pytest.mark.parametrize(
    ("body", "status", "expected"),
    [
        ("childId=jacekf", 201, "23 - jacekf - {}"),  # 21, 25
        ("childId=jacekf&otherId=test", 201, "23 - jacekf - {'otherId': 'test'}"),  # 22, 26
        ("childId=test", 201, "23 - test - {}"),  # 23, 27
    ],
)
def test_validate_passes(
    arguments: Client, created: int, kind: str, body: str, status: int, expected: str
) -> None:
    response = arguments.post(f"/validate/23/{kind}", content=body, headers=FORM)
    assert (response.status_code, response.text) == (created, expected)


@pytest.mark.parametrize("kind", ["custom", "schema"])
def test_validate_fails(arguments: Client, kind: str) -> None:  # 24, 28
    response = arguments.post(f"/validate/23/{kind}", content="childId=wrong", headers=FORM)
    assert response.status_code == 400
    assert "childId: The input is not valid ('wrong')" in response.text
