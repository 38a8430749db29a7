"""Template parsing: segments, shapes, validation messages, formatting for url_path_for."""

from __future__ import annotations

import uuid

import pytest

from microrest.errors import ConfigurationError
from microrest.routing import parse_template
from microrest.routing.converters import CONVERTERS


def test_static_template_is_static() -> None:
    template = parse_template("/about/team")
    assert template.is_static
    assert template.param_names == ()
    assert [s.static for s in template.segments] == ["about", "team"]
    assert template.shape == "/about/team"


def test_placeholders_get_converters_and_names() -> None:
    template = parse_template("/users/{id:int}/posts/{slug}")
    assert not template.is_static
    assert template.param_names == ("id", "slug")
    users, ident, posts, slug = template.segments
    assert users.static == "users" and posts.static == "posts"
    assert ident.name == "id" and ident.converter is CONVERTERS["int"]
    assert slug.name == "slug" and slug.converter is CONVERTERS["str"]


def test_shape_erases_names_so_equal_shapes_collide() -> None:
    a = parse_template("/users/{id:int}/posts/{slug}")
    b = parse_template("/users/{user:int}/posts/{title:str}")
    c = parse_template("/users/{id:str}/posts/{slug}")
    assert a.shape == b.shape == "/users/{:int}/posts/{:str}"
    assert c.shape != a.shape


def test_mixed_segment_compiles_to_regex() -> None:
    template = parse_template("/files/{name}.{ext}")
    segment = template.segments[1]
    params: dict[str, object] = {}
    assert segment.match("report.pdf", params)
    assert params == {"name": "report", "ext": "pdf"}
    assert not segment.match("report", {})
    assert template.shape == "/files/{:str}.{:str}"


def test_mixed_segment_with_typed_converter() -> None:
    segment = parse_template("/v{major:int}.{minor:int}").segments[0]
    params: dict[str, object] = {}
    assert segment.match("v2.10", params)
    assert params == {"major": 2, "minor": 10}
    assert not segment.match("vx.1", {})


def test_path_converter_must_be_last() -> None:
    with pytest.raises(ConfigurationError, match="last segment"):
        parse_template("/files/{rest:path}/tail")
    with pytest.raises(ConfigurationError, match="whole segment"):
        parse_template("/files/x{rest:path}")
    assert parse_template("/files/{rest:path}").param_names == ("rest",)


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("users", "must start with '/'"),
        ("/users/{id:nope}", "unknown converter 'nope'"),
        ("/users/{1id}", "must be a Python identifier"),
        ("/users/{id", "unbalanced brace"),
        ("/users/id}", "unbalanced brace"),
        ("/a/{x}/b/{x}", "placeholder name twice"),
    ],
)
def test_invalid_templates_explain_the_fix(template: str, message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        parse_template(template)


def test_unknown_converter_message_lists_known_ones() -> None:
    with pytest.raises(ConfigurationError) as info:
        parse_template("/x/{a:nope}")
    text = str(info.value)
    assert "register_converter" in text
    for name in ("int", "float", "uuid", "str", "path"):
        assert repr(name) in text


def test_format_fills_each_converter() -> None:
    ident = uuid.UUID("12345678-1234-5678-1234-567812345678")
    template = parse_template("/u/{id:int}/{key:uuid}/{score:float}/{slug}/{rest:path}")
    url = template.format({"id": 7, "key": ident, "score": 1.5, "slug": "s", "rest": "/a/b"})
    assert url == f"/u/7/{ident}/1.5/s/a/b"


def test_format_reports_missing_params() -> None:
    with pytest.raises(ConfigurationError, match=r"lacks \['slug'\]"):
        parse_template("/u/{id:int}/{slug}").format({"id": 1})


def test_format_refuses_negative_int() -> None:
    with pytest.raises(ValueError, match="non-negative"):
        parse_template("/u/{id:int}").format({"id": -1})


def test_url_path_for_percent_encodes_and_refuses_slashes_in_one_segment() -> None:
    from microrest import App

    app = App()
    app.add_route("/u/{slug}/{rest:path}", lambda request: "x", name="n")
    assert app.url_path_for("n", slug="x y%", rest="a b/c") == "/u/x%20y%25/a%20b/c"
    with pytest.raises(ConfigurationError, match=r"declare it as \{slug:path\}"):
        app.url_path_for("n", slug="a/b", rest="c")
