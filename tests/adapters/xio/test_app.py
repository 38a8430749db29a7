"""Apps in-process: identity, ABOUT/API, the www client view, docstring options and params."""

from __future__ import annotations

import builtins
from typing import Any

import pytest

from microrest import ConfigurationError
from microrest.adapters import xio


def test_about_carries_the_app_id() -> None:
    app = xio.app()
    assert app.about().content["id"] == app.id
    app.put("www", lambda req: "ok")
    for result in (
        app.about("www"),
        app.request("ABOUT", "www"),
        xio.resource(app).about(),
        xio.resource(app).request("ABOUT", ""),
    ):
        assert result.content["id"] == app.id
        assert result.content["type"] == "app"


def test_ids_are_random_unless_seeded() -> None:
    assert xio.app().id != xio.app().id
    assert xio.app(seed="s").id == xio.app(seed="s").id
    assert xio.app().id.startswith("0x") and len(xio.app().id) == 42


@pytest.mark.parametrize("register", ["put", "bind"])
def test_www_and_the_client_view(register: str) -> None:
    app = xio.app()
    getattr(app, register)("www", lambda req: "ok" if req.GET else req.PASS)
    getattr(app, register)("www/test", "test")
    assert (app.get("www").status, app.get("www").content) == (200, "ok")
    assert app.get("www/test").content == "test"
    assert app.get("www").get("test").content == "test"
    client = xio.app(app)
    assert client.request("GET").content == "ok"
    assert client.request("GET", "test").content == "test"
    assert client.get("").get("test").content == "test"


def test_client_sees_www_only() -> None:
    app = xio.app()
    app.put("www/test1", lambda req: "ok test1")
    app.put("etc/secret", "private")
    client = xio.app(app)
    assert (client.get("test1").status, client.get("test1").content) == (200, "ok test1")
    assert client.get("etc/secret").status == 404
    assert client.get("../etc/secret").status == 404
    assert app.get("etc/secret").content == "private"  # in-process, the whole tree


def test_handler_path_through_app_and_client() -> None:
    app = xio.app()
    app.put("www", lambda req: req.path)
    assert app.get("www").content == ""
    assert app.get("www/test1").content == "test1"
    assert app.get("www/test1/test2").content == "test1/test2"
    assert app.get("www").get("test1").get("test2").content == "test1/test2"
    client = xio.client(app)
    assert client.get("").content == ""
    assert client.get("test1/test2").content == "test1/test2"
    assert client.get("test1").get("test2").content == "test1/test2"


def test_routing_by_method_and_parameters() -> None:
    app = xio.app()
    app.bind("www", lambda req: req.method)
    app.bind("www/:container", lambda req: f"{req.method} {req.context[':container']}")
    app.bind(
        "www/:container/:id",
        lambda req: f"{req.method} {req.context[':container']} {req.context[':id']}",
    )
    client = xio.client(app)
    for method in ("GET", "POST", "PUT"):
        assert app.request(method, "www").content == method
        assert app.request(method, "www/1234").content == f"{method} 1234"
        assert app.request(method, "www/1234/5678").content == f"{method} 1234 5678"
        assert client.request(method, "").content == method
        assert client.request(method, "1234/5678").content == f"{method} 1234 5678"


def xmethod_handler(req: Any) -> Any:
    """
    options: ABOUT,GET,POST,XMETHOD1,XMETHOD2
    """
    return req.xmethod or req.method


def test_custom_methods_reach_handlers_as_xmethod() -> None:
    app = xio.app()
    app.bind("www", xmethod_handler)
    assert app.get("www").content == "GET"
    assert app.post("www").content == "POST"
    assert app.get("www").post().content == "POST"
    assert app.request("XMETHOD1", "www").content == "XMETHOD1"
    assert app.request("XMETHOD3", "www").status == 405
    client = xio.client(app)
    assert client.request("xmethod2").content == "XMETHOD2"


def checkpoint(req: Any) -> str:
    """
    description: a checked resource
    options: GET, POST
    input:
      params:
        - name: param1
          required: true
        - name: param2
          type: integer
        - name: param3
          type: float
        - name: param4
          pattern: OK(.*)OK
        - name: param5
          default: five
    """
    return f"{req.input['param1']} {req.input.get('param5')}"


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ({}, 400),
        ({"param1": "value1"}, 200),
        ({"param1": "v", "param2": "value2"}, 400),
        ({"param1": "v", "param2": 123}, 200),
        ({"param1": "v", "param2": "123"}, 200),  # query strings are converted first
        ({"param1": "v", "param3": "value2"}, 400),
        ({"param1": "v", "param3": 5.5}, 200),
        ({"param1": "v", "param4": "test"}, 400),
        ({"param1": "v", "param4": "OKtestOK"}, 200),
    ],
)
def test_docstring_parameters(query: dict[str, Any], status: int) -> None:
    app = xio.app()
    app.bind("www/check", checkpoint)
    assert app.get("www/check", query).status == status


def test_docstring_messages_defaults_and_options() -> None:
    app = xio.app()
    app.bind("www/check", checkpoint)
    assert app.get("www/check").content == "400 Missing required parameter : param1"
    assert app.get("www/check", {"param1": "v", "param2": "x"}).content == (
        "400 Wrong datatype parameter : param2"
    )
    assert app.get("www/check", {"param1": "v", "param4": "x"}).content == (
        "400 Wrong format parameter : param4"
    )
    assert app.get("www/check", {"param1": "v"}).content == "v five"
    deleted = app.delete("www/check", {"param1": "v"})
    assert (deleted.status, deleted.content) == (405, "405")
    assert deleted.headers["Allow"] == "GET, HEAD, OPTIONS, POST"
    about = app.about("www/check").content
    assert about["options"] == ["GET", "POST"]
    assert about["description"] == "a checked resource"
    assert app.get("www/check/deeper").status == 500  # below it: no checks, KeyError param1


def test_typed_parameter_doubling() -> None:
    def double(req: Any) -> int:
        """
        input:
          params:
            - name: param1
              required: true
              type: integer
        """
        return req.input["param1"] * 2

    app = xio.app()
    app.bind("www/test3", double)
    result = app.get("www/test3", {"param1": 300})
    assert (result.status, result.content) == (200, 600)
    assert app.get("www/test3", {"param1": "300"}).content == 600


def test_per_method_params_and_custom_method_resources() -> None:
    def per_method(req: Any) -> str:
        """
        options: GET,POST
        methods:
          POST:
            input:
              params:
                - name: param2
                  required: true
        """
        return "ok"

    def custom(req: Any) -> str:
        """
        options: MYCUSTOMMETHOD
        """
        return "ok2"

    root = xio.resource()
    root.bind("test1", per_method)
    root.bind("test2", custom)
    assert root.get("test1").status == 200
    assert root.post("test1").status == 400
    assert root.post("test1", {"param2": "x"}).status == 200
    assert "POST" in root.about("test1").content["options"]
    assert "param2" in str(root.about("test1").content["methods"]["POST"])
    assert root.mycustommethod("test2").content == "ok2"
    assert root.get("test2").status == 405


def test_api_lists_public_paths() -> None:
    app = xio.app()
    app.put("www/test1", "one")
    app.bind("www/test2", checkpoint)
    assert "www" in app.about().content["resources"]
    assert set(app.get("www").about().content["resources"]) == {"test1", "test2"}
    api = app.api("www").content
    assert api["test2"] == {"description": "a checked resource", "methods": ["GET", "POST"]}
    assert api["test1"]["methods"] == ["*"]


def test_yaml_docstring_without_pyyaml_says_how_to_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    real_import = builtins.__import__

    def no_yaml(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "yaml":
            raise ImportError("No module named 'yaml'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_yaml)
    app = xio.app()
    with pytest.raises(ConfigurationError, match=r"microrest\[formats\]"):
        app.bind("www/check", checkpoint)

    def prose(req: Any) -> str:
        """Just a description, no YAML needed."""
        return "ok"

    app.bind("www/prose", prose)
    assert app.about("www/prose").content["description"] == "Just a description, no YAML needed."


def test_broken_yaml_that_declares_options_is_refused() -> None:
    def broken(req: Any) -> str:
        """
        options: [GET
        """
        return "x"

    with pytest.raises(ConfigurationError, match="not valid YAML"):
        xio.app().bind("www/x", broken)
