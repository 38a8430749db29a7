"""url_routing.feature and issues.feature (cases 1-13, 40), both dialects, both modes."""

from __future__ import annotations

import pytest
from tests.adapters.corepost.corepost_apps import FORM

from microrest.testing import Client


def test_root_deferred_writes_kwargs(home: Client) -> None:  # 1
    response = home.get("/")
    assert response.status_code == 200
    assert "{}" in response.text


def test_root_with_query(home: Client) -> None:  # 2
    response = home.get("/?test=value")
    assert response.status_code == 200
    assert "{'test': 'value'}" in response.text


def test_query_arguments(home: Client) -> None:  # 3
    response = home.get("/test?query=test")
    assert response.status_code == 200
    assert "{'query': 'test'}" in response.text
    assert response.headers["content-type"].startswith("text/plain")


def test_path_arguments(home: Client) -> None:  # 4
    response = home.get("/test/23/resource/someid")
    assert response.status_code == 200
    assert "23 - someid" in response.text


def test_post_form(home: Client, created: int) -> None:  # 5
    response = home.post("/post", content="test=value&test2=value2", headers=FORM)
    assert response.status_code == created
    assert "{'test': 'value', 'test2': 'value2'}" in response.text


def test_put_form(home: Client) -> None:  # 6
    response = home.put("/put", content="test=value&test2=value2", headers=FORM)
    assert response.status_code == 200
    assert "{'test': 'value', 'test2': 'value2'}" in response.text


def test_delete(home: Client) -> None:  # 7
    assert home.delete("/delete").status_code == 200


def test_post_and_put_on_one_url(home: Client, created: int) -> None:  # 8
    response = home.post("/postput", content="test=value&test2=value2", headers=FORM)
    assert response.status_code == created
    assert "{'test': 'value', 'test2': 'value2'}" in response.text
    response = home.put("/postput", content="test=value&test3=value3", headers=FORM)
    assert response.status_code == 200
    assert "{'test': 'value', 'test3': 'value3'}" in response.text


def test_issue_1_service_state(home: Client) -> None:  # 40
    response = home.get("/issues/1")
    assert response.status_code == 200
    assert "issue 1" in response.text


def test_trailing_slash_is_ignored(home: Client) -> None:
    assert home.get("/test/").text == home.get("/test").text == "{}"


def test_unknown_url(home: Client) -> None:
    response = home.get("/nowhere/x?q=1")
    assert response.status_code == 404
    assert response.text == "URL '/nowhere/x' not found\n"


# --- wrong methods: compat pins the original's 501s (10-13) ---------------------------------


def test_compat_wrong_method_is_501(home_compat: Client) -> None:  # 10
    assert home_compat.delete("/postput").status_code == 501
    response = home_compat.get("/postput")
    assert response.status_code == 501
    assert response.text == ""


def test_compat_head_only_where_registered(home_compat: Client) -> None:  # 11
    assert home_compat.get("/methods/head").status_code == 501
    response = home_compat.head("/methods/head")
    assert response.status_code == 200
    assert response.content == b""
    assert home_compat.head("/test").status_code == 501


def test_compat_options_is_501(home_compat: Client) -> None:  # 12
    assert home_compat.get("/methods/options").status_code == 501
    assert home_compat.options("/methods/options").status_code == 501


def test_compat_patch_is_501(home_compat: Client) -> None:  # 13
    response = home_compat.patch("/methods/patch", content="tes1=value1&test2=value2", headers=FORM)
    assert response.status_code == 501


def test_compat_parameterised_url_wrong_method_is_501_too(home_compat: Client) -> None:
    assert home_compat.delete("/test/23/resource/someid").status_code == 501


# --- the same requests in modern mode ---------------------------------------------------------


def test_modern_wrong_method_is_405_with_allow(home_modern: Client) -> None:  # 10
    response = home_modern.delete("/postput")
    assert response.status_code == 405
    assert {m.strip() for m in response.headers["allow"].split(",")} >= {"POST", "PUT"}
    assert home_modern.get("/postput").status_code == 405


def test_modern_head_and_options_automatic(home_modern: Client) -> None:  # 11, 12
    assert home_modern.get("/methods/head").status_code == 405
    assert home_modern.head("/methods/head").status_code == 200
    response = home_modern.head("/test")
    assert response.status_code == 200
    assert response.content == b""
    response = home_modern.options("/test")
    assert response.status_code == 204
    assert "GET" in response.headers["allow"]


def test_modern_options_and_patch_routable(home_modern: Client) -> None:  # 12, 13
    assert home_modern.options("/methods/options").text == "OPTIONS"
    response = home_modern.patch("/methods/patch", content="tes1=value1&test2=value2", headers=FORM)
    assert response.status_code == 200
    assert response.text == "PATCH={'tes1': 'value1', 'test2': 'value2'}"


@pytest.mark.parametrize("path", ["/int/WRONG", "/test/x/resource/y/z"])
def test_not_found_body(home: Client, path: str) -> None:
    response = home.get(path)
    assert (response.status_code, response.text) == (404, f"URL '{path}' not found\n")
