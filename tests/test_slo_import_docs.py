"""The examples of docs/slo-import.md run: each spec imports, and the module shown is exactly what is written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from monitoring.cli import main

DOC = Path(__file__).resolve().parent.parent / "docs" / "slo-import.md"
_PAIR = re.compile(r"<!-- spec: (?P<file>\S+) -->\n```yaml\n(?P<spec>.*?)```.*?"
                   r"<!-- fragment: the module import-slo writes for the spec above -->\n```python\n(?P<module>.*?)```",
                   re.S)
PAIRS = [(m["file"], m["spec"], m["module"]) for m in _PAIR.finditer(DOC.read_text(encoding="utf-8"))]


def test_the_document_shows_an_example_of_each_new_source() -> None:
    assert [name for name, _, _ in PAIRS] == ["openslo.yaml", "pyrra.yaml"]


@pytest.mark.parametrize(("name", "spec", "module"), PAIRS, ids=[p[0] for p in PAIRS])
def test_each_spec_imports_into_the_module_shown(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str], name: str, spec: str,
                                                 module: str) -> None:
    monkeypatch.chdir(tmp_path)
    Path(name).write_text(spec, encoding="utf-8")
    assert main(["import-slo", name]) == 0, capsys.readouterr().err
    assert (tmp_path / "slos" / "slos_shop.py").read_text(encoding="utf-8") == module
