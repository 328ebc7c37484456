"""The writer: deterministic YAML/JSON, and an out/ directory that is replaced whole or not at all."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from monitoring.errors import MonitoringError
from monitoring.output import files
from monitoring.output.files import read_tree, to_json, to_yaml, write_tree


def test_yaml_keeps_renderer_key_order_and_literal_blocks() -> None:
    text = to_yaml({"b": 1, "a": {"expr": "sum(x)\n/ sum(y)"}}, "# header\n")
    assert text == "# header\nb: 1\na:\n  expr: |-\n    sum(x)\n    / sum(y)\n"
    assert yaml.safe_load(text) == {"b": 1, "a": {"expr": "sum(x)\n/ sum(y)"}}  # the text exactly, no newline added


def test_yaml_does_not_fold_long_lines() -> None:
    long = "x" * 300
    assert to_yaml({"k": long}).count("\n") == 1


def test_json_sorted_with_trailing_newline() -> None:
    assert to_json({"b": 1, "a": [2]}) == '{\n  "a": [\n    2\n  ],\n  "b": 1\n}\n'


def test_write_tree_replaces_the_whole_directory(tmp_path: Path) -> None:
    out = tmp_path / "out"
    write_tree({"a/one.yml": "1\n", "two.yml": "2\n"}, out)
    write_tree({"a/three.yml": "3\n"}, out)
    assert read_tree(out) == {"a/three.yml": "3\n"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"], "no staging or old directory left behind"


def test_failure_mid_write_leaves_previous_output_untouched(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    write_tree({"keep.yml": "old\n"}, out)
    real_write = files._write_file
    calls = {"n": 0}

    def failing_write(path: str, text: str) -> object:
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError(28, "No space left on device")
        return real_write(path, text)

    monkeypatch.setattr(files, "_write_file", failing_write)
    with pytest.raises(MonitoringError, match=r"cannot write the output to .*: No space left on device"):
        write_tree({"a.yml": "new\n", "b.yml": "new\n", "c.yml": "new\n"}, out)
    monkeypatch.undo()
    assert read_tree(out) == {"keep.yml": "old\n"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_refuses_to_replace_a_directory_it_did_not_write(tmp_path: Path) -> None:
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "notes.txt").write_text("mine")
    with pytest.raises(MonitoringError, match="not written by this tool"):
        write_tree({"a.yml": "1\n"}, precious)
    assert (precious / "notes.txt").read_text() == "mine"
