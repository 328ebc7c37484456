"""An expression's facts found from another expression of its text (promql.text_facts) equal its own: whether it
parses (and the parser's words when it does not), what it evaluates to, and the metrics it selects.

Every rule of this repository's stack, of the packs and of the benchmarks' stacks, then Hypothesis-made
instances of templates whose names and strings are drawn from hostile ones (keywords of this parser and of
newer ones, number words, `__name__`, colons and dots, empty strings, regular expressions that do not
compile, control and non-ASCII characters, quotes and backslashes), each after another instance of its
template made the recipe.
"""

from __future__ import annotations

import doctest
from collections.abc import Callable
from types import ModuleType

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from monitoring import promql
from monitoring.promql import cuts, text_facts
from monitoring.promql.cuts import RESERVED, cut
from tests.test_shape_cache import _benchmark


def _outcome(find: Callable[[str], object], expr: str) -> object:
    """What find(expr) returns, or the error it raises, as data."""
    try:
        found = find(expr)
    except ValueError as exc:
        return "error", str(exc)
    return found


def _direct(expr: str) -> object:
    tree = promql.parse(expr)
    return text_facts.Facts(promql.value_type(tree), promql.selected_in(tree))


def _agree(exprs: list[str]) -> None:
    text_facts.clear()
    for expr in exprs:
        assert _outcome(text_facts.facts, expr) == _outcome(_direct, expr), expr


TEMPLATES = [
    '{w0}{{{w1}="{s0}"}} == 0',
    'absent({w0}{{{w1}="{s0}"}})',
    '{{{w1}="{s0}"}}',
    '{{{w1}!="{s0}"}}',
    '{w0}{{{w1}="{s0}", {w2}="{s1}"}}',
    '{w0}{{{w1}="{s0}", {w1}="{s0}"}} > 1',
    'sum by ({w1}) (rate({w0}{{{w2}=~"{s0}"}}[5m])) / sum by ({w1}) (rate({w0}[5m])) > 0.05',
    'sum by ({w1}, {w2}) ({w0}) > 0',
    'sum without ({w1}) ({w0}{{{w2}="{s0}"}})',
    'histogram_quantile(0.95, sum by (le, {w1}) (rate({w0}_bucket{{{w2}="{s0}"}}[5m]))) > 1',
    'label_replace({w0}, "{s0}", "$1", "{s1}", "(.*)")',
    'count_values("{s0}", {w0}{{{w1}="{s1}"}})',
    '{w0} or {{__name__="{s0}"}}',
    '{{__name__="{s0}", {w1}="{s1}"}}',
    '{{"{s0}", {w1}="{s1}"}}',
    '{w0}{{"{s0}"="{s1}"}}',
    'sum by ("{s0}") ({w0}{{{w1}="{s0}"}})',
    'rate({w0}[5m] {w1})',
    '{w0} offset 5m > {w1}',
    '{w0} and on ({w1}) {w2}',
    '{w0} / ignoring ({w1}) group_left ({w2}) {w3}',
    'topk(5, {w0}) > bool {w1}',
    '{w0}[5m]',
    '{w0}[5m:1m]',
    '"{s0}"',
    '{w0} {w1}',
    '{w0}{{{w1}="{s0}"}} # {w2} "{s1}"',
    '{w0}{{{w1}=`{s0}`, {w2}="{s1}"}}',
    '{w0}{{{w1}="{s0}" or {w2}="{s1}"}}',
    '-{w0} + {w1} * {w0}',
    'vector(1) + {w0}',
    '{w0}:{w1}{{{w2}="{s0}"}}',
    '{w0} @ 100 offset -5m',
    'sum_over_time({w0}{{{w1}="{s0}"}}[5m:]) unless on () {w2}',
    'scalar({w0}) > bool 1',
    '{w0} % {w1} ^ 2',
    'limitk(2, {w0}{{{w1}!="{s0}"}})',
    'count_values without ({w1}) ("{s0}", {w0})',
    '{w0}{{{w1}="{s0}"}} * on ({w1}) group_right ({w2}) {w3}{{{w1}="{s1}"}}',
]
# One text in two places: a matcher's value in one, a name in another.
SHARED_TEXT_TEMPLATES = [
    '{{{w1}="{w0}"}} + {w0}',
    '{{{w1}="{w0}"}} / sum by ({w0}) ({w2})',
    'absent({{{w1}="{w0}", {w2}="{s0}"}}) * {w0}',
    '{w0}{{{w1}="{w0}"}}',
]
# Words the parser does not read alone as a metric name, or that change what a matcher's value is.
_HOSTILE_WORDS = ["smoothed", "anchored", "Inf", "NaN", "inF", "__name__", "__x", "a.b", "a:b", "é", "", "bool",
                  "offset", "by"]
# Names: plain, with colons, hostile ones, keywords, and function words.
_WORD = st.one_of(
    st.from_regex(r"[a-z_][a-z0-9_]{0,6}", fullmatch=True),
    st.from_regex(r"[a-z_][a-z0-9_:]{0,6}", fullmatch=True),
    st.sampled_from(_HOSTILE_WORDS),
    st.sampled_from(_HOSTILE_WORDS),  # twice: as likely as a plain name
    st.sampled_from([*sorted(RESERVED), "rate", "time", "vector", "le", "e", "E1", "x1", "job", "svc1", "svc2",
                     "_", "ab", "svc1_requests_total"]),
)
# Values: printable ASCII, empty, regexes that do not compile, quotes, backslashes, control and other characters.
_STRING = st.one_of(
    st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=6),
    st.sampled_from(["", "(", "5..", "a\\b", 'a"b', "\t", "\n", "\x01", "\x7f", "ü", "\u2028", "svc1", "job",
                     "svc1_requests_total", "__name__", ".*"]),
)


@st.composite
def _instances(draw: st.DrawFn, templates: list[str]) -> list[str]:
    """Three instances of one template: the first drawn whole, each other one with some of its names and strings
    drawn again (as a stack writes them, mostly alike: the recipe of the first then applies or is refused)."""
    template = draw(st.sampled_from(templates))
    first = {**{f"w{i}": draw(_WORD) for i in range(4)}, **{f"s{i}": draw(_STRING) for i in range(2)}}
    exprs = [template.format(**first)]
    for _ in range(2):
        other = {slot: (draw(_WORD if slot[0] == "w" else _STRING) if draw(st.booleans()) else text)
                 for slot, text in first.items()}
        exprs.append(template.format(**other))
    return exprs


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_instances(TEMPLATES))
def test_facts_from_another_instance_equal_the_parsers(exprs: list[str]) -> None:
    _agree(exprs)


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_instances(SHARED_TEXT_TEMPLATES))
def test_a_text_both_value_and_name_gets_the_parsers_facts(exprs: list[str]) -> None:
    _agree(exprs)


@pytest.mark.parametrize(("first", "second"), [
    ('up{job="svc1"} == 0', 'smoothed{job="svc1"} == 0'),  # a keyword of this parser's
    ('up{job="svc1"} == 0', 'Inf{job="svc1"} == 0'),  # a number word
    ('{job="svc1"}', '{__name__="svc1"}'),  # the value becomes a metric name
    ('{job="svc1"}', '{job=""}'),  # no matcher left that does not match the empty string
    ('sum by (job) (up)', 'sum by (a:b) (up)'),  # a colon where a label name stands
    ('sum by (job, instance) (up)', 'sum by (job, job) (up)'),  # two names that were two become one
    ('up{job="svc1"}', 'up{job="\x01"}'),  # a control character
    ('label_replace(up, "dst", "$1", "src", "(.*)")', 'label_replace(up, "9dst", "$1", "src", "(.*)")'),
    ('up{job=~"svc1"}', 'up{job=~"("}'),  # a regex that does not compile
    ('count_values("code", up)', 'count_values("not a label", up)'),
    ('rate(up[5m] smoothed)', 'rate(up[5m] anchored)'),
    ('up{job="a"} + up{job="a"}', 'up{job="a"} + up{job="b"}'),
    ('up', 'up[5m]'),
    ('a_total + a_total', 'a_total + b_total'),  # two names where there was one: both are selected
    ('up or {__name__="up"}', 'foo or {__name__="up"}'),
    ('up{a=~"x", b=`x`}', 'up{a=~"(", b=`x`}'),  # "x" is a regex: the value "x" is another string's
    ("up", "u" * 300),  # a name longer than any the recipes ask the parser about
    ('{job="up"} + up', '{job="smoothed"} + smoothed'),  # one text, first as a value, then as a name
])
def test_a_second_text_the_first_cannot_vouch_for_gets_the_parsers_own_verdict(first: str, second: str) -> None:
    _agree([first, second])


def test_the_next_expression_of_a_text_is_not_parsed(monkeypatch: pytest.MonkeyPatch) -> None:
    text_facts.clear()
    first = 'sum by (job) (rate(svc1_requests_total{job="svc1", code=~"5.."}[5m])) > 0.05'
    assert text_facts.facts(first).selected == {"svc1_requests_total"}

    def refuse(expr: str) -> object:
        raise AssertionError(f"parsed {expr!r}")

    monkeypatch.setattr(promql, "parse", refuse)
    found = text_facts.facts('sum by (job) (rate(svc2_requests_total{job="svc2", code=~"5.."}[5m])) > 0.05')
    assert found == text_facts.Facts("vector", frozenset({"svc2_requests_total"}))


def test_a_word_the_tree_does_not_hold_as_a_name_is_kept_as_written() -> None:
    """A word the parser reads as a keyword in its place (a modifier of a newer parser's, say) is no name in the
    tree: its recipe keeps it as written, whatever the parser makes of the word alone. Here the tree of
    `up + 1` stands for such a parse of `up + foo`."""
    first = cut("up + foo")
    assert first is not None
    recipe = text_facts._Recipe.of(first, promql.parse("up + 1"), text_facts.Facts("vector", frozenset({"up"})))
    assert recipe is not None and recipe.kept == (None, "foo")


def test_a_long_text_keeps_no_recipe() -> None:
    """Each recipe keeps its text as its key: a text past MAX_TEXT is parsed each time, and not kept; nor is a
    word past MAX_WORD."""
    text_facts.clear()
    long = " + ".join(f'up{{job="j{i}"}}' for i in range(text_facts.MAX_TEXT // 10))
    assert len(long) > text_facts.MAX_TEXT
    assert _outcome(text_facts.facts, long) == _outcome(_direct, long)
    assert not text_facts._recipes
    text_facts.facts('up{job="a"}')
    assert len(text_facts._recipes) == 1
    assert text_facts.facts('u' * 300 + '{job="b"}').selected == {"u" * 300}  # too long a name to ask about
    assert text_facts._words and all(len(word) <= text_facts.MAX_WORD for word in text_facts._words)


def _rule_exprs() -> list[str]:
    """Every rule's expression of the stacks the shape cache is tested on, and of two instances of each pack."""
    from monitoring.packs import mcp, mcp_capacity, mcp_probes
    from tests.test_shape_cache import _stacks

    services = [service for _, stack in _stacks() for service in stack.services]
    services += [
        *(mcp.service(targets=("a:1",), kubernetes=False, name=n) for n in ("mcp-one", "mcp-two")),
        *(mcp_capacity.service(name=n, container=c, namespace=s)
          for n, c, s in (("cap-one", "server", "prod"), ("cap-two", "synthetic", "x"))),
        *(mcp_probes.service(("a.example:443",), name=n) for n in ("probes-one", "probes-two")),
    ]
    services += _benchmark("bench_slo").synthetic_stack(8).services
    return [rule.expr for service in services for group in service.rule_groups for rule in group.rules]


def test_every_rule_of_the_stacks_and_packs_has_its_own_facts() -> None:
    exprs = _rule_exprs()
    assert len(exprs) > 200
    # Each after the others: every instance of a text meets the recipe of another.
    _agree(exprs)
    _agree(list(reversed(exprs)))


@pytest.mark.parametrize("module", [cuts, text_facts], ids=lambda m: m.__name__)
def test_the_modules_examples_run(module: ModuleType) -> None:
    text_facts.clear()
    assert doctest.testmod(module).failed == 0
