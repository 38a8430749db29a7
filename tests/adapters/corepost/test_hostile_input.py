"""Hostile bodies and keys against a CorePost app, in process (issue 10, items 6, 7, 8, 12)."""

from __future__ import annotations

import logging
import time
from typing import Any
from urllib.parse import quote
from xml.etree import ElementTree

import anyio
import httpx
import pytest

from microrest.adapters.corepost import CorePost, DocumentLimits, NotFoundException, Response
from microrest.adapters.corepost.enums import Http
from microrest.errors import ConfigurationError
from microrest.testing import Client

XML = {"Content-Type": "application/xml"}
YAML = {"Content-Type": "text/yaml"}


def make(**options: Any) -> CorePost:
    app = CorePost(**options)

    @app.route("/xml", Http.POST)
    def xml(request: Any, **kwargs: Any) -> str:
        return ElementTree.tostring(request.xml, encoding="unicode")

    @app.route("/yaml", Http.POST)
    def yaml_doc(request: Any, **kwargs: Any) -> Any:
        return {"type": type(request.yaml).__name__}

    @app.route("/json", Http.POST)
    def json_doc(request: Any, **kwargs: Any) -> Any:
        return {"type": type(request.json).__name__}

    @app.route("/ping")
    def ping(request: Any, **kwargs: Any) -> str:
        return "pong"

    @app.route("/thing/<key>")
    def thing(request: Any, key: str, **kwargs: Any) -> Any:
        raise NotFoundException("Thing", key)

    @app.route("/bad-header")
    def bad_header(request: Any, **kwargs: Any) -> Any:
        return Response(200, "x", {"X-Echo": request.args["v"][0]})

    @app.route("/bad-set-header")
    def bad_set_header(request: Any, **kwargs: Any) -> str:
        request.setHeader("X-Echo", request.args["v"][0])
        return "x"

    @app.route("/bad-stream-header")
    async def bad_stream_header(request: Any, **kwargs: Any) -> None:
        request.setHeader("X-Echo", request.args["v"][0])
        await request.write("never sent")
        request.finish()

    return app


@pytest.fixture
def client() -> Any:
    with Client(make()) as c:
        yield c


# --- 6: XML: no DTD, no entity, whatever the encoding ----------------------------------------

BOMB = (
    '<?xml version="1.0" encoding="{encoding}"?>'
    '<!DOCTYPE r [<!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">'
    '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
    '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>'
    "<r>&c;&c;&c;&c;&c;&c;&c;&c;</r>"
)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16", "utf-16-le", "utf-16-be", "latin-1"])
def test_xml_dtd_and_entities_refused_in_any_encoding(client: Client, encoding: str) -> None:
    declared = "utf-16" if encoding.startswith("utf-16") else encoding
    body = BOMB.format(encoding=declared).encode(encoding)
    if encoding == "utf-16":
        assert body.startswith((b"\xff\xfe", b"\xfe\xff"))  # with a BOM, as the attack sent it
    answer = client.post("/xml", content=body, headers=XML)
    assert answer.status_code == 400
    assert answer.text == "Unable to parse XML body: DTDs and entity declarations are not accepted"


@pytest.mark.parametrize(
    "body",
    [
        b'<!DOCTYPE r SYSTEM "file:///etc/passwd"><r/>',
        b'<!DOCTYPE r [<!ENTITY % p SYSTEM "http://127.0.0.1/x">%p;]><r/>',
        b"<!DOCTYPE r><r/>",
    ],
)
def test_xml_external_and_parameter_entities_refused(client: Client, body: bytes) -> None:
    answer = client.post("/xml", content=body, headers=XML)
    assert answer.status_code == 400
    assert "DTDs and entity declarations are not accepted" in answer.text


def test_xml_undeclared_entity_is_a_400(client: Client) -> None:
    answer = client.post("/xml", content=b"<r>&x;</r>", headers=XML)
    assert (answer.status_code, answer.text) == (
        400,
        "Unable to parse XML body: undefined entity: line 1, column 3",
    )


def test_xml_utf16_document_without_dtd_parses(client: Client) -> None:
    body = '<?xml version="1.0" encoding="utf-16"?><r a="é"><b>ü</b></r>'.encode("utf-16")
    answer = client.post("/xml", content=body, headers=XML)
    assert (answer.status_code, answer.text) == (201, '<r a="é"><b>ü</b></r>')


def test_xml_namespaces_as_element_tree_names_them(client: Client) -> None:
    body = b'<r xmlns="urn:x" xmlns:y="urn:y" y:a="1"><y:b/></r>'
    answer = client.post("/xml", content=body, headers=XML)
    root = ElementTree.fromstring(answer.text)
    assert root.tag == "{urn:x}r"
    assert root.attrib == {"{urn:y}a": "1"}
    assert root[0].tag == "{urn:y}b"


def test_xml_too_deep_is_a_400(client: Client) -> None:
    body = b"<a>" * 5000 + b"</a>" * 5000
    answer = client.post("/xml", content=body, headers=XML)
    assert (answer.status_code, answer.text) == (
        400,
        "Unable to parse XML body: nested deeper than 100 levels",
    )


# --- 7: YAML and XML limits, and off the event loop ------------------------------------------


@pytest.mark.parametrize(("path", "headers"), [("/xml", XML), ("/yaml", YAML)])
def test_document_over_the_size_cap_is_a_413(path: str, headers: dict[str, str]) -> None:
    with Client(make(document_limits=DocumentLimits(max_size=1000))) as client:
        body = b"<r>" + b"x" * 1000 + b"</r>" if path == "/xml" else b"a: " + b"x" * 1000
        answer = client.post(path, content=body, headers=headers)
        assert answer.status_code == 413
        assert "limit for XML and YAML documents" in answer.text
        small = b"<r>x</r>" if path == "/xml" else b"a: x"
        assert client.post(path, content=small, headers=headers).status_code == 201


@pytest.mark.parametrize("body", [b"[" * 6000, b"- " * 3000 + b"x", b"{a: " * 3000])
def test_deep_yaml_is_a_400_not_a_recursion_error(client: Client, body: bytes) -> None:
    answer = client.post("/yaml", content=body, headers=YAML)
    assert answer.status_code == 400
    assert answer.text.startswith("Unable to parse YAML body: ")


def test_depth_limit_is_configurable() -> None:
    with Client(make(document_limits=DocumentLimits(max_depth=3))) as client:
        assert client.post("/yaml", content=b"[[[1]]]", headers=YAML).status_code == 201
        assert client.post("/yaml", content=b"[[[[1]]]]", headers=YAML).status_code == 400
        assert client.post("/xml", content=b"<a><b><c/></b></a>", headers=XML).status_code == 201
        deep = b"<a><b><c><d/></c></b></a>"
        assert client.post("/xml", content=deep, headers=XML).status_code == 400


@pytest.mark.parametrize("value", [0, -1, "1", True, None])
def test_document_limits_refuse_nonsense(value: Any) -> None:
    with pytest.raises(ConfigurationError, match="positive whole number"):
        DocumentLimits(max_size=value)


def test_deep_json_is_a_400(client: Client) -> None:
    answer = client.post(
        "/json", content=b"[" * 100_000, headers={"Content-Type": "application/json"}
    )
    assert answer.status_code == 400
    assert answer.text.startswith("Unable to parse JSON body: ")


@pytest.mark.anyio
async def test_large_yaml_does_not_block_other_requests() -> None:
    """A YAML document that takes a while to parse leaves the event loop free for others."""
    body = (
        "items:\n"
        + "".join(f"  - {{name: item{i}, value: {i}, tags: [a, b, c]}}\n" for i in range(1000))
    ).encode()
    assert len(body) < DocumentLimits().max_size
    transport = httpx.ASGITransport(app=make())
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        started = time.perf_counter()
        await client.post("/yaml", content=body, headers=YAML)
        alone = time.perf_counter() - started
        assert alone > 0.05, "the document must take a while to parse for this test to mean much"
        order: list[str] = []

        async def big() -> None:
            answer = await client.post("/yaml", content=body, headers=YAML)
            assert answer.status_code == 201
            order.append("yaml")

        async def small() -> None:
            await anyio.sleep(alone / 10)  # the YAML request is being parsed by now
            answer = await client.get("/ping")
            assert answer.text == "pong"
            order.append("ping")

        async with anyio.create_task_group() as group:
            group.start_soon(big)
            group.start_soon(small)
    assert order == ["ping", "yaml"]


# --- 8: REST exceptions never break on the key they echo -----------------------------------


@pytest.mark.parametrize(
    ("key", "header"),
    [
        ("plain-key_1", "plain-key_1"),
        ("a\x00b", "a%00b"),
        ("a\r\nSet-Cookie: x=1", "a%0D%0ASet-Cookie: x=1"),
        ("zażółć", "za%C5%BC%C3%B3%C5%82%C4%87"),
        ("100%\u2603", "100%25%E2%98%83"),
    ],
)
def test_not_found_key_header_is_encoded(client: Client, key: str, header: str) -> None:
    answer = client.get("/thing/" + quote(key, safe=""))
    assert answer.status_code == 404
    assert answer.headers["x-corepost-value"] == header
    assert answer.headers["x-corepost-resource"] == "Thing"
    assert answer.text == f"Unable to find Thing identified by '{key}'"
    assert "set-cookie" not in answer.headers


# --- 12: headers the handler builds from input ----------------------------------------------


@pytest.mark.parametrize("path", ["/bad-header", "/bad-set-header", "/bad-stream-header"])
@pytest.mark.parametrize("value", ["a\r\nSet-Cookie: x=1", "a\x00b", "snowman \u2603"])
def test_handler_built_bad_header_is_one_logged_500(
    path: str, value: str, caplog: pytest.LogCaptureFixture
) -> None:
    with Client(make(), raise_server_exceptions=False) as client, caplog.at_level(logging.ERROR):
        answer = client.get(path, params={"v": value})
    assert answer.status_code == 500
    assert answer.text == "Unexpected server error"
    assert "x-echo" not in answer.headers
    assert "set-cookie" not in answer.headers
    errors = [record for record in caplog.records if record.levelno >= logging.ERROR]
    assert len(errors) == 1, [record.getMessage() for record in errors]
