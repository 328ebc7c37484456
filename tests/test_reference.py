"""The API reference: every public class and function documents when to use it with an example, and
docs/reference.md is what the docstrings say now (`python -m monitoring.docs.reference` rewrites it)."""

from __future__ import annotations

import inspect
import re

from monitoring.docs.reference import main, own_docstring, public_objects, reference
from tests.conftest import ROOT

# An example is an indented code line (Markdown renders it as code) or a doctest prompt.
EXAMPLE = re.compile(r"^( {4,}\S|>>> )", re.M)


def test_every_public_class_and_function_has_a_docstring_with_an_example() -> None:
    missing = []
    for module, name, obj in public_objects():
        if not (inspect.isclass(obj) or inspect.isfunction(obj)):
            continue
        doc = own_docstring(obj)
        first = doc.split("\n", 1)[0]
        if len(first) < 20 or not EXAMPLE.search(doc):
            missing.append(f"{module}.{name}")
    assert missing == [], "public names without a docstring that says when to use them, with an example"


def test_reference_page_is_fresh() -> None:
    text = (ROOT / "docs" / "reference.md").read_text(encoding="utf-8")
    assert text == reference(), "docs/reference.md is stale: run `python -m monitoring.docs.reference`"


def test_reference_lists_every_public_name_and_model_field() -> None:
    text = reference()
    for _module, name, _obj in public_objects():
        assert f"\n## `{name}`\n" in text
    assert "| `for_ (YAML: for)` |" in text  # Alert's fields, with the YAML spelling


def test_check_mode_reports_staleness(tmp_path, monkeypatch, capsys) -> None:
    assert main(["--check"]) == 0
    assert "is up to date" in capsys.readouterr().out
