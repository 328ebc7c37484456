"""Every Python code block in README.md and docs/ runs: whole examples through generate, validate and test.

A block is one of three kinds, said by the HTML comment on the line before it:
- no comment: a whole example that defines `stack`;
- `<!-- example: continues ... -->`: run after the first whole example of the same document (which also runs on
  its own);
- `<!-- fragment: <reason> -->`: a piece shown on its own (a catalog entry, a call), run after
  `from monitoring import *` so that it at least builds with the current API (library calls on the current
  project only compile).
"""

from __future__ import annotations

import re
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

from monitoring.cli import main
from monitoring.project import Project

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
_BLOCK = re.compile(r"(?:<!--\s*(?P<kind>example|fragment):\s*(?P<why>.*?)\s*-->\s*\n)?```python\n(?P<code>.*?)```",
                    re.S)


@dataclass(frozen=True)
class Example:
    where: str  # file:line of the block
    code: str
    fragment: str | None  # the reason it is only a fragment


def examples() -> list[Example]:
    found: list[Example] = []
    for document in DOCUMENTS:
        text = document.read_text(encoding="utf-8")
        first: Example | None = None
        for match in _BLOCK.finditer(text):
            where = f"{document.relative_to(ROOT)}:{text[:match.start('code')].count(chr(10))}"
            code = textwrap.dedent(match["code"])
            if match["kind"] == "example":
                assert first is not None, f"{where}: continues no example"
                found.append(Example(where, first.code + "\n" + code, None))
            else:
                found.append(Example(where, code, match["why"] if match["kind"] == "fragment" else None))
                if first is None and match["kind"] is None:
                    first = found[-1]
    return found


EXAMPLES = examples()


def test_every_block_is_an_example_or_a_fragment_with_a_reason() -> None:
    assert any(e.fragment is None for e in EXAMPLES)
    for example in EXAMPLES:
        assert example.fragment is None or example.fragment.strip(), f"{example.where}: a fragment needs a reason"
        if example.fragment is None:
            assert re.search(r"^stack\s*=", example.code, re.M), f"{example.where}: a whole example defines stack"


@pytest.mark.parametrize("example", [e for e in EXAMPLES if e.fragment], ids=lambda e: e.where)
def test_fragment_builds(example: Example) -> None:
    exec(compile("from monitoring import *\n" + example.code, example.where, "exec"), {})


@pytest.mark.parametrize("example", [e for e in EXAMPLES if not e.fragment], ids=lambda e: e.where)
def test_example_generates_validates_and_passes_its_tests(example: Example, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture[str], promtool: object,
                                                          amtool: object) -> None:
    module = "docs_example_" + re.sub(r"\W", "_", example.where)
    (tmp_path / f"{module}.py").write_text(example.code, encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text(f'[tool.monitoring]\nstack = "{module}:stack"\n', encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    sys.modules.pop(module, None)
    for command in ("generate", "validate", "test"):
        if command == "test" and not any((tmp_path / "out" / "prometheus" / "tests").glob("*.yml")):
            continue  # a stack without alerts: nothing for promtool to prove
        status = main([command], project=Project.find(tmp_path))
        printed = capsys.readouterr()
        assert status == 0, f"{example.where}: monitoring {command} failed:\n{printed.out}{printed.err}"
