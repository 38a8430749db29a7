"""docs/migration.md shows the real items modules: every excerpt headed ``# examples/...py``
must still be in that file, line for line and in order (``...`` marks skipped lines)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from examples.items import STYLES

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "migration.md"
BLOCK = re.compile(r"```python\n# (examples/[\w/]+\.py)\n(.*?)```", re.DOTALL)


def excerpts() -> list[tuple[str, str]]:
    return [(match[1], match[2]) for match in BLOCK.finditer(DOC.read_text())]


def missing_lines(excerpt: str, source: str) -> list[str]:
    """The excerpt's lines not found, in order, among the source's lines."""
    lines = [line.rstrip() for line in source.splitlines()]
    position = 0
    missing = []
    for wanted in excerpt.splitlines():
        if not wanted.strip() or wanted.strip() == "...":
            continue
        try:
            position = lines.index(wanted.rstrip(), position) + 1
        except ValueError:
            missing.append(wanted)
    return missing


@pytest.mark.parametrize(("path", "excerpt"), excerpts())
def test_excerpt_is_in_its_module(path: str, excerpt: str) -> None:
    assert missing_lines(excerpt, (ROOT / path).read_text()) == []


def test_every_style_is_shown() -> None:
    shown = {path for path, _ in excerpts()}
    assert {f"examples/items/{style}.py" for style in STYLES} <= shown
