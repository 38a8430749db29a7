"""HTTPHeaders (the original's W-M1 cases, plus the multi-value extension)."""

from __future__ import annotations

import pytest

from microrest.adapters.webpy import HTTPHeaders


def test_add_parses_a_raw_line() -> None:
    headers = HTTPHeaders()
    headers.add("Magical: header\r\n")
    assert headers.get("Magical") == "header"
    assert headers.retrieve("Magical") == "Magical: header\r\n"
    headers.add("not:good")
    assert headers.get("not") == "good"
    assert len(headers) == 2


def test_set_get_remove_clear() -> None:
    headers = HTTPHeaders()
    headers.set("Test", "one")
    headers.set("test", "two")
    assert headers.get("TEST") == "two"
    assert len(headers) == 1
    headers.remove("Test")
    assert headers.get("Test") is None
    assert headers.get("Test", "default") == "default"
    with pytest.raises(KeyError):
        headers.remove("Test")
    headers.set("a", "1")
    headers.clear()
    assert len(headers) == 0


def test_case_is_remembered_but_lookups_ignore_it() -> None:
    headers = HTTPHeaders()
    headers.set("wEIrd", "cAse")
    assert headers.get("Weird") == "cAse"
    assert headers.retrieve("Weird") == "wEIrd: cAse\r\n"


def test_iteration_yields_wire_lines_without_a_bare_terminator() -> None:
    headers = HTTPHeaders()
    headers.set("A", "1")
    headers.set("B", "2")
    assert list(headers) == ["A: 1\r\n", "B: 2\r\n"]


def test_non_str_keys_and_values_are_type_errors() -> None:
    headers = HTTPHeaders()
    with pytest.raises(TypeError):
        headers.set(1, "x")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        headers.set("x", 1)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        headers.get(None)  # type: ignore[arg-type]


def test_multiple_values_for_set_cookie() -> None:
    headers = HTTPHeaders()
    headers.append("Set-Cookie", "a=1")
    headers.set("Set-Cookie", "b=2", overwrite=False)
    assert headers.getlist("set-cookie") == ["a=1", "b=2"]
    assert headers.retrieve("Set-Cookie") == "Set-Cookie: a=1\r\nSet-Cookie: b=2\r\n"
    assert "set-cookie" in headers
    headers["Set-Cookie"] = "c=3"
    assert headers.getlist("Set-Cookie") == ["c=3"]
    del headers["Set-Cookie"]
    assert "Set-Cookie" not in headers
