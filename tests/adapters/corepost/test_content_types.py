"""content_types.feature (29-37), both dialects, both modes."""

from __future__ import annotations

import json
from xml.etree import ElementTree

import pytest
import yaml
from tests.adapters.corepost.corepost_apps import JSON, XML, YAML, dump_yaml

from microrest.testing import Client

METHODS = [("POST", 201), ("PUT", 200)]

INVOICE = """--- !<tag:clarkevans.com,2002:invoice>
invoice: 34843
date   : 2001-01-23
bill-to: &id001
    given  : Chris
    family : Dumars
    address:
        lines: |
            458 Walkman Dr.
            Suite #292
        city    : Royal Oak
        state   : MI
        postal  : 48046
ship-to: *id001
product:
    - sku         : BL394D
      quantity    : 4
      description : Basketball
      price       : 450.00
    - sku         : BL4438H
      quantity    : 1
      description : Super Hoop
      price       : 2392.00
tax  : 251.42
total: 4443.52
comments:
    Late afternoon is best.
    Backup contact is Nancy
    Billsmer @ 338-4338.
""".replace("--- !<tag:clarkevans.com,2002:invoice>\n", "")


@pytest.mark.parametrize(("method", "status"), METHODS)
def test_json_body(home: Client, created: int, method: str, status: int) -> None:  # 29
    response = home.request(method, "/post/json", content='{"test":"test2"}', headers=JSON)
    assert response.status_code == (created if status == 201 else status)
    assert response.text == "{'test': 'test2'}"


@pytest.mark.parametrize(("method", "status"), METHODS)
def test_bad_json(home: Client, method: str, status: int) -> None:  # 30
    response = home.request(method, "/post/json", content="wrong_json", headers=JSON)
    assert response.status_code == 400
    assert response.text.startswith("Unable to parse JSON body: ")


@pytest.mark.parametrize(("method", "status"), METHODS)
def test_xml_body(home: Client, created: int, method: str, status: int) -> None:  # 31
    document = "<root><test>TEST</test><test2>Yo</test2></root>"
    response = home.request(method, "/post/xml", content=document, headers=XML)
    assert response.status_code == (created if status == 201 else status)
    assert document in response.text


@pytest.mark.parametrize(("method", "status"), METHODS)
def test_bad_xml(home: Client, method: str, status: int) -> None:  # 32
    response = home.request(method, "/post/xml", content="wrong xml", headers=XML)
    assert response.status_code == 400
    assert "Unable to parse XML body: syntax error: line 1, column 0" in response.text


@pytest.mark.parametrize(("method", "status"), METHODS)
def test_yaml_body(home: Client, created: int, method: str, status: int) -> None:  # 33
    response = home.request(method, "/post/yaml", content=INVOICE, headers=YAML)
    assert response.status_code == (created if status == 201 else status)
    assert response.text == dump_yaml(yaml.safe_load(INVOICE))
    assert "&id001" in response.text
    assert "*id001" in response.text
    assert "2001-01-23" in response.text


@pytest.mark.parametrize(("method", "status"), METHODS)
def test_bad_yaml(home: Client, method: str, status: int) -> None:  # 34
    response = home.request(method, "/post/yaml", content="- test\n{test}", headers=YAML)
    assert response.status_code == 400
    assert "Unable to parse YAML body: while scanning a simple key" in response.text


@pytest.mark.parametrize(("method", "status"), METHODS)
@pytest.mark.parametrize(
    ("content_type", "expected"),
    [
        ("application/json", "application/json"),
        ("application/xml", "application/xml"),
        ("text/xml", "text/xml"),
        ("text/yaml", "text/yaml"),
        ("text/plain", "*/*"),
        ("application/x-www-form-urlencoded", "*/*"),
    ],
)
def test_route_by_content_type(
    home: Client, created: int, method: str, status: int, content_type: str, expected: str
) -> None:  # 35
    body = {"application/json": "{}", "text/yaml": "a: 1"}.get(content_type, "")
    if "xml" in content_type:
        body = "<root/>"
    response = home.request(
        method, "/post/by/content", content=body, headers={"content-type": content_type}
    )
    assert response.status_code == (created if status == 201 else status)
    assert expected in response.text


def test_content_type_parameters_are_ignored(home: Client) -> None:
    """The original required an exact header; ``; charset=utf-8`` now still selects JSON."""
    response = home.post(
        "/post/json",
        content='{"a": 1}',
        headers={"content-type": "application/json; charset=utf-8"},
    )
    assert response.text == "{'a': 1}"


@pytest.mark.parametrize("suffix", ["", "/deferred", "/class"])
def test_return_by_accept(home: Client, suffix: str) -> None:  # 36, 37
    url = "/return/by/accept" + suffix
    response = home.get(url, headers={"Accept": "application/json"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.text == '[{"test1": "Test1"}, {"test2": "Test2"}]'

    response = home.get(url, headers={"Accept": "application/xml"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/xml"
    assert response.text == (
        "<list><item><test1>Test1</test1></item><item><test2>Test2</test2></item></list>"
    )

    response = home.get(url, headers={"Accept": "text/yaml"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/yaml")
    assert "- {test1: Test1}\n- {test2: Test2}" in response.text


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, "application/json"),
        ("*/*", "application/json"),
        ("text/html", "application/json"),
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "application/xml"),
        ("application/json;q=0.5, text/yaml", "text/yaml"),
        ("application/xml;q=0.1, application/json;q=0.2", "application/json"),
        ("text/*", "text/yaml"),
        ("application/json;q=0, */*", "text/yaml"),
    ],
)
def test_accept_q_values(home: Client, accept: str | None, expected: str) -> None:
    headers = {"Accept": accept} if accept is not None else {}
    response = home.get("/return/by/accept", headers=headers)
    assert response.headers["content-type"].split(";")[0] == expected


def test_json_result_parses(home: Client) -> None:
    response = home.get("/return/by/accept/class")
    assert json.loads(response.text) == [{"test1": "Test1"}, {"test2": "Test2"}]
    root = ElementTree.fromstring(
        home.get("/return/by/accept/class", headers={"Accept": "text/xml"}).text
    )
    assert [child.tag for child in root] == ["item", "item"]
