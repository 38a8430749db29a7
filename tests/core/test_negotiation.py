"""microrest.negotiation: Accept parsing with q-values (added for CorePost, general)."""

from __future__ import annotations

import pytest

from microrest.negotiation import best_match, parse_accept

OFFERS = ("application/json", "text/yaml", "application/xml")


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, "application/json"),
        ("", "application/json"),
        ("*/*", "application/json"),
        ("text/yaml", "text/yaml"),
        ("application/xml;q=0.9, */*;q=0.8", "application/xml"),
        ("text/*;q=0.5, application/json;q=0.4", "text/yaml"),
        ("application/json;q=0, text/yaml;q=0", None),
        ("application/json;q=0, text/yaml;q=0, */*;q=0.1", "application/xml"),
        ("image/png", None),
        ("APPLICATION/XML", "application/xml"),
        ("garbage, text/yaml;q=x", None),
    ],
)
def test_best_match(accept: str | None, expected: str | None) -> None:
    assert best_match(accept, OFFERS) == expected


def test_default_when_nothing_is_acceptable() -> None:
    assert best_match("image/png", OFFERS, default="application/json") == "application/json"
    assert best_match("*/*", ()) is None


def test_most_specific_range_decides() -> None:
    assert best_match("application/*;q=1, application/json;q=0", OFFERS) == "application/xml"
    assert parse_accept("text/html;level=1;q=0.5") == (("text/html", 0.5),)


def test_a_named_type_beats_a_wildcard_of_equal_quality() -> None:
    offers = ["text/plain", "application/json"]
    assert best_match("application/json, */*", offers) == "application/json"
    assert best_match("*/*", offers) == "text/plain"  # full tie: the server's order
    assert best_match("application/json;q=0.5, */*", offers) == "text/plain"
