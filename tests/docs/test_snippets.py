"""Every ```python and ```sh block of README.md and docs/**/*.md runs, as a reader would run it.

- A Python block runs in its own interpreter (a fresh process: blocks define apps, register
  routes and may start servers that stop by themselves), with the repository importable and a
  temporary working directory, and must exit 0 within ``TIMEOUT`` seconds.
- A shell block runs under ``bash -euo pipefail`` from the repository root, with the running
  environment's ``bin`` first on ``PATH`` and standing for ``.venv/bin/`` in the block. In a
  block written as a terminal session (``$ `` prompts), only the prompted
  lines (and their backslash continuations) run; the other lines are their output.
- A block of either kind that talks to ``127.0.0.1:8000`` or ``localhost:8000`` (the port
  ``make run`` serves the showcase on) runs against the showcase, served by the test on a free
  port for the duration of the block; the port in the block is rewritten to that one.
- A Python block whose first line is ``# examples/<path>.py`` is an excerpt of that file: it
  must appear there line for line and in order (``...`` skips lines); the file itself runs in
  tests/examples.
- A block that uses a style adapter not in this tree yet (``microrest.adapters.<name>``) is
  skipped, naming the adapter: it runs as soon as the adapter lands.
- A block that cannot run carries ``<!-- not-run: <reason> -->`` on the line directly before its
  opening fence. It is reported as skipped with its reason; a marker without a reason fails.

Blocks run four at a time (they mostly wait on their interpreter's start-up).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from tests.helpers import ROOT, free_port, run_process

TIMEOUT = 60
PARALLEL = 4
RUN_LANGUAGES = {"python": "python", "py": "python", "sh": "sh", "bash": "sh", "shell": "sh"}
NOT_RUN = re.compile(r"^\s*<!--\s*not-run:(?P<reason>.*?)-->\s*$")
FENCE = re.compile(r"^(?P<indent>\s*)(?P<fence>`{3,}|~{3,})\s*(?P<info>[^`\s]*)")
SHOWCASE_URL = re.compile(r"\b(127\.0\.0\.1|localhost):8000\b")
ADAPTER = re.compile(r"microrest\.adapters(?:\.(\w+)|\s+import\s+([\w, ]+))")
ADAPTERS = ROOT / "src" / "microrest" / "adapters"
EXCERPT = re.compile(r"^# (examples/[\w/]+\.py)\n")


@dataclass(frozen=True)
class Block:
    path: Path
    line: int  # 1-based line of the opening fence
    language: str  # "python" or "sh"
    code: str
    not_run: str | None  # the reason, when marked

    @property
    def name(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line}"

    @property
    def needs_showcase(self) -> bool:
        return bool(SHOWCASE_URL.search(self.code))

    @property
    def excerpt_of(self) -> str | None:
        found = EXCERPT.match(self.code) if self.language == "python" else None
        return found[1] if found else None

    @property
    def missing_adapters(self) -> list[str]:
        names: set[str] = set()
        for dotted, imported in ADAPTER.findall(self.code):
            for name in [dotted] if dotted else imported.split(","):
                names.add(name.strip().split(" ")[0])
        return sorted(name for name in names if name and not (ADAPTERS / name).is_dir())

    @property
    def script(self) -> str:
        """The code to run: for a terminal session, its prompted commands only."""
        lines = self.code.splitlines()
        if self.language != "sh" or not any(line.startswith("$ ") for line in lines):
            return self.code
        commands: list[str] = []
        continued = False
        for line in lines:
            if line.startswith("$ ") or continued:
                commands.append(line[2:] if line.startswith("$ ") and not continued else line)
                continued = line.rstrip().endswith("\\")
        return "\n".join(commands) + "\n"


def documents() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


def blocks_of(path: Path) -> Iterator[Block]:
    lines = path.read_text(encoding="utf-8").splitlines()
    index = 0
    while index < len(lines):
        opening = FENCE.match(lines[index])
        if opening is None:
            index += 1
            continue
        fence, indent = opening["fence"], len(opening["indent"])
        language = opening["info"].lower()
        body: list[str] = []
        end = index + 1
        while end < len(lines) and not lines[end].strip().startswith(fence):
            line = lines[end]
            body.append(line[indent:] if line[:indent].strip() == "" else line)
            end += 1
        if language in RUN_LANGUAGES:
            marker = NOT_RUN.match(lines[index - 1]) if index > 0 else None
            yield Block(
                path,
                index + 1,
                RUN_LANGUAGES[language],
                "\n".join(body) + "\n",
                marker["reason"].strip() if marker else None,
            )
        index = end + 1


BLOCKS = [block for path in documents() for block in blocks_of(path)]


@contextmanager
def showcase(directory: Path) -> Iterator[int]:
    port = free_port()
    command = [sys.executable, "-m", "microrest", "run", "examples.showcase:app"]
    command += ["--port", str(port), "--log-level", "warning"]
    env = {"MICROREST_DB": str(directory / "showcase.sqlite3")}
    with run_process(command, port, env):
        yield port


def execute(block: Block, directory: Path) -> subprocess.CompletedProcess[str]:
    directory.mkdir(parents=True, exist_ok=True)
    bin_dir = str(Path(sys.executable).parent)
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "PATH": bin_dir + os.pathsep + os.environ.get("PATH", ""),
        "MICROREST_DB": str(directory / "items.sqlite3"),
    }
    with ExitStack() as stack:
        code = block.script
        if block.needs_showcase:
            port = stack.enter_context(showcase(directory))
            code = SHOWCASE_URL.sub(lambda found: f"{found[1]}:{port}", code)
        if block.language == "sh":  # .venv/bin/ stands for the environment running the tests
            code = code.replace(".venv/bin/", bin_dir + os.sep)
        if block.language == "python":
            script = directory / "snippet.py"
            script.write_text(code, encoding="utf-8")
            command = [sys.executable, str(script)]
        else:
            command = ["bash", "-euo", "pipefail", "-c", code]
        try:
            return subprocess.run(
                command,
                cwd=directory if block.language == "python" else ROOT,
                env=env,
                capture_output=True,
                text=True,
                timeout=TIMEOUT,
                check=False,
                stdin=subprocess.DEVNULL,
            )
        except subprocess.TimeoutExpired as expired:
            return subprocess.CompletedProcess(
                command, -1, str(expired.stdout or ""), f"timed out after {TIMEOUT}s"
            )


def lines_not_in(excerpt: str, source: str) -> list[str]:
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


@pytest.fixture(scope="session")
def results(
    tmp_path_factory: pytest.TempPathFactory,
) -> dict[str, subprocess.CompletedProcess[str]]:
    runnable = [
        block
        for block in BLOCKS
        if block.not_run is None and not block.missing_adapters and not block.excerpt_of
    ]
    root = tmp_path_factory.mktemp("snippets")
    with ThreadPoolExecutor(PARALLEL) as pool:
        futures = {
            block.name: pool.submit(execute, block, root / f"block{number}")
            for number, block in enumerate(runnable)
        }
        return {name: future.result() for name, future in futures.items()}


def test_the_documents_have_blocks_to_run() -> None:
    assert len(documents()) >= 5
    assert sum(block.not_run is None for block in BLOCKS) >= 40


@pytest.mark.parametrize("block", BLOCKS, ids=[block.name for block in BLOCKS])
def test_block_runs(block: Block, results: dict[str, subprocess.CompletedProcess[str]]) -> None:
    if block.not_run is not None:
        assert block.not_run, f"{block.name}: 'not-run:' needs a reason"
        pytest.skip(f"not-run: {block.not_run}")
    if block.excerpt_of:
        source = (ROOT / block.excerpt_of).read_text(encoding="utf-8")
        missing = lines_not_in(block.code.split("\n", 1)[1], source)
        assert not missing, f"{block.name}: not in {block.excerpt_of}, in order: {missing}"
        return
    if block.missing_adapters:
        pytest.skip(f"needs microrest.adapters.{', '.join(block.missing_adapters)}, not here yet")
    result = results[block.name]
    assert result.returncode == 0, (
        f"{block.name} ({block.language}) exited {result.returncode}\n"
        f"--- code ---\n{block.code}--- stdout ---\n{result.stdout}\n"
        f"--- stderr ---\n{result.stderr}"
    )


def test_a_marker_must_sit_directly_above_its_fence(tmp_path: Path) -> None:
    document = tmp_path / "sample.md"
    document.write_text(
        "<!-- not-run: needs a database server -->\n"
        "```python\nraise SystemExit(1)\n```\n\n"
        "<!-- not-run: too far -->\n\n"
        "```sh\ntrue\n```\n"
        "  ```python\n  print('indented')\n  ```\n"
        "```ini\n[not code]\n```\n",
        encoding="utf-8",
    )
    found = list(blocks_of(document))
    assert [(b.language, b.not_run) for b in found] == [
        ("python", "needs a database server"),
        ("sh", None),
        ("python", None),
    ]
    assert found[2].code == "print('indented')\n"
