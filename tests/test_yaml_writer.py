"""The fast YAML writer writes exactly what PyYAML writes, for every generated file and tricky scalars."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from monitoring.output.yaml_writer import dump, pyyaml_dump
from monitoring.project import load_stack
from monitoring.render import promtool_tests
from monitoring.slo import promtool_tests as slo_tests
from monitoring.slo import rules as slo_rules
from tests.test_slo_stacks import variety

ROOT = Path(__file__).resolve().parent.parent
HEADER = "# header\n"

TRICKY = [
    "plain", "a: b", "ends with:", "{starts with a brace", "[x]", "- dash", "-5", "true", "yes", "No", "null", "~",
    "", " leading", "trailing ", "1.5", "1e3", "0x1F", "1:20", "2001-01-01", "a #comment", "a#b", "it's", '"q"',
    "%pct", "@at", "`tick`", "---doc", "...end", "?x", "? x", ":x", "14.4\u00d7 faster", "tab\there", "a:b",
    'sum(rate(x{a="b"}[5m])) > (14.4 * 0.001)', "https://runbooks.example.com/x", "*alias", "&anchor", "!tag",
    "| pipe", "> fold", "caf\u00e9",
]


@pytest.mark.parametrize("value", TRICKY)
def test_scalars_are_spelled_as_pyyaml_spells_them(value: str) -> None:
    data = {"key": value, "list": [value], "nested": {"key": value}}
    assert dump(data, HEADER) == pyyaml_dump(data, HEADER)


@pytest.mark.parametrize("data", [
    {"floats": [0.999, 30.0, 1.0, 0.0, 1e-05, 1e17, 0.1], "ints": [0, 5, -3], "flags": [True, False, None]},
    {"empty_list": [], "empty_map": {}, "items": [{"a": 1, "b": [{"c": "d"}]}, {"e": []}]},
    {"expr": "(\n  a\n/\n  b\n) > 0.05\n", "trailing": "x  \ny\n", "no_newline_end": "a\nb"},
    {"blank_line": "a\n\nb\n", "indented_first": "  a\nb\n"},  # not handled: falls back to PyYAML
    {"lists_in_lists": [[1, 2], [3]]},
    {"weird key: yes": 1},
])
def test_structures_and_fallbacks(data: dict) -> None:
    assert dump(data, HEADER) == pyyaml_dump(data, HEADER)


def test_every_generated_slo_file_is_identical() -> None:
    documents = []
    for stack in (variety(), load_stack("alerts.stack:stack", ROOT)):
        for slo in stack.slos:
            documents += [slo_rules.render(stack, slo), slo_tests.render(stack, slo)]
        documents += [d for d in (promtool_tests.render(stack, s) for s in stack.services) if d]
    assert len(documents) == 20
    for document in documents:
        assert dump(document, HEADER) == pyyaml_dump(document, HEADER)


def test_core_documents_are_identical() -> None:
    from monitoring.render import alertmanager, prometheus_config, rules
    from tests.stacks.example import stack

    documents = [prometheus_config.render(stack), alertmanager.render(stack)]
    documents += [rules.render(stack, service) for service in stack.services]
    for document in documents:
        assert dump(document, HEADER) == pyyaml_dump(document, HEADER)


def test_a_list_repeated_in_one_document_is_written_where_it_appears() -> None:
    """The writer writes a list object that repeats (a test file's expected alert) once per indentation."""
    expected = [{"exp_labels": {"severity": "page"}, "exp_annotations": {"summary": "it's down: now"}}]
    data = {"tests": [{"name": "a", "exp_alerts": expected}, {"name": "b", "exp_alerts": expected}],
            "top": expected, "nested": {"deeper": {"again": expected}}}
    assert dump(data, HEADER) == pyyaml_dump(data, HEADER)


def test_printable_ascii_that_cannot_be_plain_is_quoted_as_pyyaml_quotes_it() -> None:
    import random

    generator = random.Random(9)
    alphabet = "ab1.-_ :#'\"?!&*%@`[]{},|>~="
    values = {"".join(generator.choice(alphabet) for _ in range(generator.randint(0, 8))) for _ in range(3000)}
    for value in sorted(values):
        data = {"k": value, "l": [value]}
        assert dump(data) == pyyaml_dump(data), value


_KEYS = st.sampled_from(["name", "expr", "labels", "a", "series", "values", "exp_alerts", "weird key: yes", "true",
                         "x y", "-", "caf\u00e9"])
_SCALARS = st.one_of(
    st.sampled_from(TRICKY), st.text(alphabet="ab1 .:-#'\"\n{}[]", max_size=12),
    st.integers(-10**6, 10**6), st.floats(allow_nan=False), st.booleans(), st.none(),
)


def _documents() -> st.SearchStrategy[dict]:
    def children(inner: st.SearchStrategy) -> st.SearchStrategy:
        return st.one_of(st.dictionaries(_KEYS, inner, max_size=4),
                         st.lists(st.one_of(_SCALARS, st.dictionaries(_KEYS, inner, max_size=3)), max_size=4))
    return st.dictionaries(_KEYS, st.recursive(_SCALARS, children, max_leaves=12), max_size=5)


@settings(max_examples=400, deadline=None)
@given(_documents(), st.booleans())
def test_any_document_is_spelled_as_pyyaml_spells_it(data: dict, repeat: bool) -> None:
    if repeat:  # the same list object in several places, as test files repeat an expected alert
        shared = [{"exp_labels": {"severity": "page"}}, "x"]
        data = {**data, "one": shared, "two": {"again": shared}, "three": [{"deeper": shared}]}
    assert dump(data, HEADER) == pyyaml_dump(data, HEADER)
    assert dump(data, HEADER) == dump(data, HEADER)  # the second time from the spelled keys and values
