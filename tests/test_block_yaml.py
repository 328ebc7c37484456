"""monitoring.checks.block_yaml reads exactly what PyYAML reads, or declines (None).

The reference is yaml.safe_load, and libyaml's loader, which `validate` used alone before (the same data for
every valid document). Declining is always allowed; reading anything else is the mistake these tests look for:
over this repository's out/, over documents the writers produce from generated data, and over those documents
after random edits (most of which PyYAML reads differently or refuses).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from monitoring.checks import block_yaml, yaml_files
from monitoring.errors import OutputError
from monitoring.output import yaml_writer

ROOT = Path(__file__).resolve().parent.parent
OUT_FILES = sorted(p for p in (ROOT / "out").rglob("*") if p.suffix in (".yml", ".yaml"))
_C_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def pyyaml(text: str) -> tuple[bool, Any]:
    """(True, data) as PyYAML reads text, or (False, None) when it refuses it."""
    try:
        data = yaml.safe_load(text)
    except (yaml.YAMLError, ValueError, TypeError):
        return False, None
    assert data == yaml.load(text, Loader=_C_LOADER)  # the safe loader, in C
    return True, data


def same_or_declined(text: str) -> Any:
    fast = block_yaml.load(text)
    if fast is not None:
        ok, data = pyyaml(text)
        assert ok, f"read a document PyYAML refuses:\n{text}"
        assert fast == data and _types(fast) == _types(data), text
    return fast


def _types(data: Any) -> Any:
    """The shape with every scalar's type (1 == 1.0 == True in Python, not in YAML)."""
    if isinstance(data, dict):
        return [(_types(k), _types(v)) for k, v in data.items()]
    if isinstance(data, list):
        return [_types(v) for v in data]
    return type(data).__name__


@pytest.mark.parametrize("path", OUT_FILES, ids=lambda p: str(p.relative_to(ROOT / "out")))
def test_reads_every_generated_file_as_pyyaml_does(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert block_yaml.load(text) is not None, "generated YAML should not need PyYAML"
    assert same_or_declined(text) == yaml.safe_load(text)


def test_out_has_yaml_files() -> None:
    assert len(OUT_FILES) > 20


@pytest.mark.parametrize("text", [
    "a: yes\nb: No\nc: off\nd: null\ne: ~\nf: nullx\ng: Yess\n",
    "n: 12\nm: -3\nf: 0.25\ng: -0.5\nz: 0\nw: -0\n",
    "o: 012\nh: 0x1f\nb: 0b11\ns: 1:30\nu: 1_000\nt: 2001-12-14\nts: 2001-12-14 21:59:43.10 -5\ne: 1.0e+3\n",
    "d: 5m\nd2: 1h30m\nv: 0+140000x363\nw: 1x10\np: ../rules/x.yml\ni: .inf\nn: .5\nq: +1\nr: +x\n",
    "sp: 1 - x\nsp2: 2001-12-14 x\nurl: http://x:9093/a#b\nk: a:b\n",
    "a: 'it''s'\nb: ''\nc: '''\nd: 'x' y\ne: \"q\"\n",
    "a: [1]\nb: []\nc: {}\nd: {a: 1}\ne: &x 1\nf: *x\ng: !!str 1\nh: >\n  folded\n",
    "a: |\n  one\n\n  two\n\n\nb: |-\n  x\nc: |+\n  y\n\nd: |2-\n    indented\n  e\n",
    "a: |\n  x\n # not a comment\nb: 1\n",
    "a: |\n\n  leading empty\n",
    "a: |\n  x\n\n b: 1\n",
    "a:\n- 1\n- b: 2\n  c:\n  - 3\n- - 4\nd:\n  - 5\n  e: 6\n",
    "a:\nb:\n  c:\nd: 1\n",
    "- a\n- b: 1\n  c: 2\n-\n",
    "a: 1\n  b: 2\n",
    "a: b: c\n",
    "a: x #c\nb: y\n",
    "a:  two spaces\n",
    "a: 1\n\nb: 2\n",
    "a: 1\n---\nb: 2\n",
    "---\na: 1\n",
    "# only a comment\n",
    "a: 1",
    "a: 1 \n",
    "a:\tb\n",
    "a: \x85b\n",
    "? a\n: b\n",
    "<<: {a: 1}\n",
    "a: =\n",
    "1: a\ntrue: b\nnull: c\n1.5: d\n",
    "a: 1\na: 2\n",
    "x" * 1100 + ": 1\n",
    "a: " + "9" * 5000 + "\n",
    "a: â€™ · ≥ 😀\n",
    "a\n",
    "-1: a\n",
    "- |\n  x\n- |-\n  y\n",
])
def test_examples(text: str) -> None:
    same_or_declined(text)


_RESOLVED_WORDS = [spell(word) for word in ("yes", "no", "true", "false", "on", "off", "null", "y", "n", "nan", "inf")
                   for spell in (str.lower, str.title, str.upper, lambda w: w + "x")]


@pytest.mark.parametrize("word", [*_RESOLVED_WORDS, "~", "~x", ".inf", ".NaN", ".nan", "-.inf", "+.inf"])
def test_words_resolve_as_in_pyyaml(word: str) -> None:
    for text in (f"a: {word}\n", f"{word}: a\n", f"- {word}\n"):
        same_or_declined(text)


# Generated data: the scalars that make YAML interesting (words PyYAML resolves, numbers, indicators, quotes,
# spaces, line breaks, non-ASCII), in the mappings and lists generated files are made of.
_WORDS = st.sampled_from([
    "yes", "No", "on", "OFF", "true", "null", "~", "", "0", "-1", "012", "0x1f", "1_0", "1.5", ".5", "1e3",
    "1.0e+3", "5m", "1h30m", "0+1x2", "2001-12-14", "1:30", "<<", "=", "- a", "a: b", "a #b", "#a", "'", "''",
    '"', "a'b", "{x}", "[x]", "|", ">", "&a", "*a", "!x", "%x", "@x", "`x", "?", ":", "a:", " a", "a ", "..",
    "...", "---", "é", "≥ 1", "a\nb", "a\n\nb\n", " a\nb", "a\nb\n\n", "a \nb", "\ta",
])
_TEXT = st.text(alphabet=st.sampled_from("ab0-9 :#'\"|>-.\n_x/é"), max_size=12)
_SCALARS = st.one_of(_WORDS, _TEXT, st.integers(-10**6, 10**6), st.booleans(), st.none(),
                     st.floats(allow_nan=False, allow_infinity=False, width=32))
_KEYS = st.one_of(st.sampled_from(["name", "expr", "labels", "for", "a.b/c-d", "job_name", "on", "1", "1m"]),
                  _WORDS, _TEXT)
_DATA = st.recursive(_SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                       st.dictionaries(_KEYS, inner, max_size=4)), max_leaves=25)
_DOCUMENTS = st.dictionaries(_KEYS, _DATA, min_size=1, max_size=5)


def _dumps(data: Any) -> list[str]:
    return [yaml_writer.dump(data, "# header\n"),
            yaml.safe_dump(data, sort_keys=False, allow_unicode=True),
            yaml.safe_dump(data, sort_keys=False, default_flow_style=False, indent=4, width=20)]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_DOCUMENTS)
def test_reads_what_the_writers_write_as_pyyaml_does(data: dict[Any, Any]) -> None:
    for text in _dumps(data):
        same_or_declined(text)


_EDITS = st.sampled_from([" ", "  ", "\n", "- ", ": ", ":", "#", " #", "'", '"', "|", "|-", "|+", "|2", "\t",
                          "-", "? ", "&a ", "*a", "!!int ", "[", "{}", "yes", "1", ".", "---\n", "a", "\n\n"])


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_DOCUMENTS, st.lists(st.tuples(st.floats(0, 1), st.integers(0, 3), _EDITS), min_size=1, max_size=3))
def test_edited_documents_are_read_as_pyyaml_reads_them_or_declined(data: dict[Any, Any],
                                                                    edits: list[tuple[float, int, str]]) -> None:
    text = yaml_writer.dump(data)
    for where, removed, inserted in edits:
        at = int(where * len(text))
        text = text[:at] + inserted + text[at + removed:]
    same_or_declined(text)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(OUT_FILES), st.floats(0, 1), st.integers(0, 3), _EDITS)
def test_edited_generated_files_are_read_as_pyyaml_reads_them_or_declined(path: Path, where: float, removed: int,
                                                                         inserted: str) -> None:
    text = path.read_text(encoding="utf-8")
    at = int(where * len(text))
    same_or_declined(text[:at] + inserted + text[at + removed:])


def test_yaml_files_fall_back_to_pyyaml_and_its_errors(tmp_path: Path) -> None:
    flow = tmp_path / "flow.yml"
    flow.write_text("a: [1, {b: c}]\n")
    assert yaml_files.read(flow) == {"a": [1, {"b": "c"}]}
    with pytest.raises(yaml.YAMLError):
        yaml_files.load("a: [\n")
    broken = tmp_path / "broken.yml"
    broken.write_text("a: [\n")
    with pytest.raises(OutputError, match=r"broken.yml: not YAML \(did not find expected node content at line 2, "):
        yaml_files.read(broken)
