"""README.md lists every page of docs/ and every style that exists."""

from __future__ import annotations

from tests.docs.test_snippets import ADAPTERS, ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_docs_page_is_linked_from_the_readme() -> None:
    pages = sorted(str(path.relative_to(ROOT)) for path in (ROOT / "docs").rglob("*.md"))
    missing = [page for page in pages if f"]({page})" not in README]
    assert not missing, f"README.md does not link {missing}"


def test_every_style_in_the_tree_has_a_row() -> None:
    styles = sorted(path.name for path in ADAPTERS.iterdir() if (path / "__init__.py").exists())
    assert styles
    for style in styles:
        assert f"](docs/styles/{style}.md) |" in README, f"no README row for the {style} style"


def test_the_readme_says_where_the_commands_are() -> None:
    assert ".venv/bin" in README and "microrest routes" in README
