"""Every relative link in README.md and docs/**/*.md points at a file that exists, and every
``#anchor`` at a heading of that file (GitHub's anchor rules).

A link to ``docs/styles/<name>.md`` is excused only while ``microrest.adapters.<name>`` does not
exist in this tree either (a style being added in parallel brings both).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from tests.docs.test_snippets import ADAPTERS, ROOT, documents

LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)\)")
HEADING = re.compile(r"^#{1,6}\s+(.*?)\s*#*\s*$")
FENCE = re.compile(r"^\s*(`{3,}|~{3,})")


def anchors_of(path: Path) -> set[str]:
    found: set[str] = set()
    counts: dict[str, int] = {}
    in_code = False
    for line in path.read_text(encoding="utf-8").splitlines():
        if FENCE.match(line):
            in_code = not in_code
            continue
        heading = None if in_code else HEADING.match(line)
        if heading is None:
            continue
        text = re.sub(r"[`*_]|\[([^\]]*)\]\([^)]*\)", r"\1", heading[1]).strip().lower()
        slug = re.sub(r"[^\w\- ]", "", text).replace(" ", "-")
        number = counts.get(slug, 0)
        counts[slug] = number + 1
        found.add(slug if number == 0 else f"{slug}-{number}")
    return found


def links() -> list[tuple[Path, int, str]]:
    found = []
    for document in documents():
        in_code = False
        for number, line in enumerate(document.read_text(encoding="utf-8").splitlines(), 1):
            if FENCE.match(line):
                in_code = not in_code
                continue
            if in_code:
                continue
            for target in LINK.findall(line):
                if not re.match(r"^[a-z][a-z0-9+.-]*:", target):  # http:, mailto:...
                    found.append((document, number, target))
    return found


LINKS = links()


@pytest.mark.parametrize(
    ("document", "line", "target"),
    LINKS,
    ids=[f"{doc.relative_to(ROOT)}:{line}:{target}" for doc, line, target in LINKS],
)
def test_link_resolves(document: Path, line: int, target: str) -> None:
    path_part, _, anchor = target.partition("#")
    destination = (document.parent / path_part).resolve() if path_part else document
    style = destination.relative_to(ROOT).parts if destination.is_relative_to(ROOT) else ()
    if (
        not destination.exists()
        and style[:2] == ("docs", "styles")
        and not (ADAPTERS / destination.stem).is_dir()
    ):
        pytest.skip(f"the {destination.stem} style is not in this tree yet")
    assert destination.exists(), f"{document.relative_to(ROOT)}:{line}: {target} does not exist"
    if anchor and destination.suffix == ".md":
        assert anchor in anchors_of(destination), (
            f"{document.relative_to(ROOT)}:{line}: no heading #{anchor} in {path_part or 'itself'}"
        )


def test_there_are_links_to_check() -> None:
    assert len(LINKS) > 10
