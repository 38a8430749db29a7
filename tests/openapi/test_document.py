"""The OpenAPI 3.1 document: valid, and describing every style's routes from the route table."""

from __future__ import annotations

import dataclasses
import re
from typing import Any, Literal, NotRequired, TypedDict

import pytest
from openapi_spec_validator import validate

import microrest.adapters.webpy as web
from microrest import App, ConfigurationError, Request
from microrest.adapters import pyservice, vestespy
from microrest.adapters.corepost.enums import Http
from microrest.adapters.corepost.web import CorePost
from microrest.openapi import describe, openapi_document


def operations(document: dict[str, Any]) -> list[dict[str, Any]]:
    return [op for item in document["paths"].values() for op in item.values()]


def path_parameter(document: dict[str, Any], path: str, name: str) -> dict[str, Any]:
    item = document["paths"][path]
    operation = next(iter(item.values()))
    return next(p for p in operation["parameters"] if p["name"] == name and p["in"] == "path")


def test_the_showcase_document_is_valid_openapi_31(showcase: Any) -> None:
    from examples.items import STYLES

    document = showcase.openapi()
    validate(document)  # raises on any violation of the OpenAPI 3.1 schema
    assert document["openapi"] == "3.1.0"
    assert [tag["name"] for tag in document["tags"]] == list(STYLES)
    ids = [op["operationId"] for op in operations(document)]
    assert len(ids) == len(set(ids))
    assert all(len(op["tags"]) == 1 for op in operations(document))
    # the docs routes do not describe themselves
    assert "/openapi.json" not in document["paths"] and "/docs" not in document["paths"]


def test_core_converters_type_path_parameters() -> None:
    app = App()

    @app.get("/users/{id:int}/scores/{score:float}/{token:uuid}/{rest:path}")
    def user(request: Request) -> None: ...

    @app.get("/v{major:int}.{minor:int}/{slug}")
    def version(request: Request) -> None: ...

    document = app.openapi()
    validate(document)
    path = "/users/{id}/scores/{score}/{token}/{rest}"
    assert path_parameter(document, path, "id")["schema"]["type"] == "integer"
    assert path_parameter(document, path, "score")["schema"]["type"] == "number"
    assert path_parameter(document, path, "token")["schema"] == {
        "type": "string",
        "format": "uuid",
    }
    assert "'/'" in path_parameter(document, path, "rest")["description"]
    assert path_parameter(document, "/v{major}.{minor}/{slug}", "minor")["schema"]["type"] == (
        "integer"
    )


def test_corepost_routes_are_typed_and_documented_from_docstrings() -> None:
    app = CorePost()

    @app.route("/test/<int:numericid>/test2/<stringid>", Http.GET)
    def resource(request: Any, numericid: int, stringid: str, **kwargs: Any) -> str:
        """Fetch one resource.

        By its numeric and string ids.
        """
        return "x"

    @app.route("/scores/<float:value>/<uuid:token>", (Http.PUT, Http.POST))
    def score(request: Any, value: float, token: Any, **kwargs: Any) -> None: ...

    document = App.openapi(app.__microrest_app__)
    validate(document)
    path = "/test/{numericid}/test2/{stringid}"
    operation = document["paths"][path]["get"]
    assert path_parameter(document, path, "numericid")["schema"]["type"] == "integer"
    assert path_parameter(document, path, "stringid")["schema"]["type"] == "string"
    assert operation["summary"] == "Fetch one resource."
    assert operation["description"] == "By its numeric and string ids."
    assert operation["tags"] == ["corepost"]
    assert operation["responses"]["200"]["content"]["application/json"]["schema"] == {
        "type": "string"
    }
    assert set(document["paths"]["/scores/{value}/{token}"]) == {"put", "post"}
    assert path_parameter(document, "/scores/{value}/{token}", "value")["schema"]["type"] == (
        "number"
    )


def test_webpy_regex_groups_and_do_methods() -> None:
    class Item(web.HTTPHandler):
        """One item."""

        def do_get(self) -> Any:
            """Read the item.

            Its value, as stored.
            """
            return 200, ""

        @describe(body={"type": "string"}, responses={200: str, 201: str})
        def do_put(self) -> Any:
            return 200, ""

        @describe(include=False)
        def do_delete(self) -> Any:
            return 204, None

    class Anything(web.HTTPHandler):
        def do_get(self) -> Any:
            return 200, ""

    routes = {"/items/(?P<key>[a-z]+)": Item, "/any/(.*)": Anything, "/x/(a|b)?": Anything}
    server = web.HTTPServer(("localhost", 8080), routes)
    document = openapi_document(server.__microrest_app__)
    validate(document)
    item = document["paths"]["/items/{key}"]
    assert set(item) == {"get", "put"}  # the do_ methods (do_delete left out by describe)
    assert item["get"]["summary"] == "Read the item."
    assert item["get"]["description"] == "Its value, as stored."
    assert item["put"]["summary"] == "One item."  # no docstring: the class's
    put_body = item["put"]["requestBody"]["content"]["application/json"]["schema"]
    assert put_body == {"type": "string"}  # the do_ method's own describe()
    assert {"200", "201"} <= set(item["put"]["responses"])
    assert path_parameter(document, "/items/{key}", "key")["schema"] == {
        "type": "string",
        "pattern": "^(?:[a-z]+)$",
    }
    assert path_parameter(document, "/any/{arg1}", "arg1")["schema"]["pattern"] == "^(?:.*)$"
    # not literal text and groups: described as a catch-all, with its regex
    catch_all = document["paths"]["/x/{path}"]["get"]
    assert catch_all["x-microrest-regex"] == "/x/(a|b)?"
    assert "catch-all" in catch_all["description"]


def test_vestespy_patterns_and_the_catch_all_are_described_honestly() -> None:
    server = vestespy.Server(("localhost", 8080))
    dispatcher = vestespy.tools.Dispatcher()

    def home(ev: Any, req: Any, res: Any) -> None:
        """The home page."""

    def test(ev: Any, req: Any, res: Any, id: Any = None) -> None: ...

    dispatcher.register("/", home)
    dispatcher.register("/test/:id", test)
    server.on("request", dispatcher.as_handler())
    document = openapi_document(server.__microrest_app__)
    validate(document)
    parameter = path_parameter(document, "/test/{id}", "id")
    assert parameter["schema"]["type"] == "string" and "pattern" in parameter["schema"]
    assert re.fullmatch(parameter["schema"]["pattern"], "42")
    # a VestesPy handler takes any method: every method OpenAPI can name, and it says so
    test_item = document["paths"]["/test/{id}"]
    assert set(test_item) == {"get", "put", "post", "delete", "patch", "head", "options"}
    assert test_item["get"]["x-microrest-any-method"] is True
    assert "any HTTP method" in test_item["get"]["description"]
    assert document["paths"]["/"]["get"]["summary"] == "The home page."
    catch_all = document["paths"]["/{path}"]["get"]
    assert catch_all["x-microrest-regex"] == "(?:/.*)?"
    assert "catch-all" in catch_all["description"]
    assert catch_all["responses"]["default"]


def test_an_any_method_handler_can_name_its_methods() -> None:
    server = vestespy.Server(("localhost", 8080))
    dispatcher = vestespy.tools.Dispatcher()

    @describe(methods=["GET", "DELETE"], responses={200: list[str]})
    def items(ev: Any, req: Any, res: Any) -> None: ...

    dispatcher.register("/items", items)
    server.on("request", dispatcher.as_handler())
    document = openapi_document(server.__microrest_app__)
    assert set(document["paths"]["/items"]) == {"get", "delete"}
    assert "x-microrest-any-method" not in document["paths"]["/items"]["get"]


def test_pyservice_operations_are_posts_with_the_exception_envelope() -> None:
    endpoint = {"scheme": "http", "host": "localhost", "port": 8080}
    api = {
        "endpoint": {**endpoint, "path": "/api/{version}/{operation}"},
        "operations": ["get_item", "put_item"],
        "exceptions": ["IDRequired", "DoesNotExist"],
    }
    service = pyservice.Service(**api)

    @service.operation("get_item")
    def get_item(request: Any, response: Any, context: Any) -> None:
        """Read one item by its id."""

    @service.operation("put_item")
    @describe(body={"type": "object", "required": ["item"], "properties": {"item": {}}})
    def put_item(request: Any, response: Any, context: Any) -> None: ...

    document = openapi_document(service.__microrest_app__)
    validate(document)
    get = document["paths"]["/api/0/get_item"]
    assert set(get) == {"post"}
    operation = get["post"]
    assert operation["summary"] == "Read one item by its id."
    assert operation["tags"] == ["pyservice"]
    assert operation["requestBody"]["content"]["application/json"]["schema"]["type"] == "object"
    answer = operation["responses"]["200"]["content"]["application/json"]["schema"]["oneOf"]
    envelope = answer[1]["properties"]["__exception__"]
    assert envelope["properties"]["cls"]["enum"] == ["IDRequired", "DoesNotExist"]
    assert operation["x-pyservice-exceptions"] == ["IDRequired", "DoesNotExist"]
    assert {"400", "413", "415"} <= set(operation["responses"])
    # the handler's own word wins over the adapter's generic body
    put_body = document["paths"]["/api/0/put_item"]["post"]["requestBody"]
    assert put_body["content"]["application/json"]["schema"]["required"] == ["item"]


@dataclasses.dataclass
class Pet:
    """A pet."""

    name: str
    kind: Literal["cat", "dog"]
    tags: list[str] = dataclasses.field(default_factory=list)
    age: int | None = None


class Owner(TypedDict):
    name: str
    pets: list[Pet]
    nickname: NotRequired[str]


def test_core_bodies_and_answers_from_dataclasses_typeddicts_and_schema_dicts() -> None:
    app = App()

    @app.post("/pets")
    @describe(body=Pet, responses={201: Pet, 409: {"description": "That name is taken."}})
    async def create_pet(request: Request) -> Any:
        """Create a pet."""

    @app.get("/owners/{name}")
    def owner(request: Request) -> Owner: ...

    @app.put("/raw")
    @describe(body={"type": "array", "items": {"type": "integer"}}, query={"dry": bool})
    def raw(request: Request) -> None: ...

    @app.get("/hidden")
    @describe(include=False)
    def hidden(request: Request) -> str: ...

    document = app.openapi(title="Pets", version="2.0")
    validate(document)
    assert document["info"] == {"title": "Pets", "version": "2.0"}
    schemas = document["components"]["schemas"]
    assert schemas["Pet"] == {
        "type": "object",
        "properties": {
            "name": {"type": "string"},
            "kind": {"enum": ["cat", "dog"]},
            "tags": {"type": "array", "items": {"type": "string"}},
            "age": {"anyOf": [{"type": "integer"}, {"type": "null"}]},
        },
        "required": ["name", "kind"],
        "description": "A pet.",
    }
    assert schemas["Owner"]["required"] == ["name", "pets"]
    assert schemas["Owner"]["properties"]["pets"]["items"] == {"$ref": "#/components/schemas/Pet"}
    create = document["paths"]["/pets"]["post"]
    assert create["requestBody"]["required"] is True
    assert create["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Pet"
    }
    assert create["responses"]["409"] == {"description": "That name is taken."}
    assert "200" not in create["responses"]  # declared answers replace the annotation's
    assert document["paths"]["/owners/{name}"]["get"]["responses"]["200"]["content"][
        "application/json"
    ]["schema"] == {"$ref": "#/components/schemas/Owner"}
    raw_op = document["paths"]["/raw"]["put"]
    assert raw_op["responses"]["204"] == {"description": "No Content."}  # -> None
    assert raw_op["parameters"] == [{"name": "dry", "in": "query", "schema": {"type": "boolean"}}]
    assert "/hidden" not in document["paths"]


def test_an_undescribable_type_says_what_to_use() -> None:
    app = App()

    @app.post("/x")
    @describe(body=complex)
    def x(request: Request) -> None: ...

    with pytest.raises(ConfigurationError, match="dataclass, a TypedDict"):
        app.openapi()


def test_operation_ids_stay_unique_across_styles_and_mounts() -> None:
    app = App()
    for prefix in ("/one", "/two"):
        inner = App()

        @inner.get("/a")
        def same(request: Request) -> str: ...

        app.mount(prefix, inner)

    @app.get("/b", name="same")
    def other(request: Request) -> str: ...

    ids = [op["operationId"] for op in operations(app.openapi())]
    assert ids == ["core_same", "core_same_2", "core_same_3"]


def test_xio_bound_names_are_string_parameters() -> None:
    xio = pytest.importorskip("microrest.adapters.xio")
    app = xio.app()

    @app.bind("www/items/:id")
    def item(req: Any) -> str:
        """One item."""
        return "x"

    document = openapi_document(app)  # a style's object is accepted as it is
    validate(document)
    params = [
        p
        for item in document["paths"].values()
        for op in item.values()
        for p in op.get("parameters", ())
        if p["name"] == "id"
    ]
    assert params and all(p["schema"]["type"] == "string" for p in params)
    assert any(tag["name"] == "xio" for tag in document["tags"])
