"""SLO rule and test files are written in parts (test files from texts planned once per SLO shape, with each
SLO's names put in); they must be byte for byte the YAML of the plain data (`rules.render`,
`promtool_tests.render`), for every SLO: the repository's stacks, the benchmark's fleet, and SLOs with awkward
names, labels and texts under both namings."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from monitoring import SLO, AlertTier, BooleanSLI, LatencySLI, QuerySLI, RatioSLI, SLOAlerting, Stack
from monitoring.output.files import to_yaml
from monitoring.project import load_stack
from monitoring.slo import promtool_tests as slo_tests
from monitoring.slo import rules as slo_rules
from tests.test_slo_stacks import stack_with, variety

ROOT = Path(__file__).resolve().parent.parent
HEADER = "# generated\n"


def _same(stack: Stack, slo: SLO) -> None:
    assert slo_rules.render_text(stack, slo, HEADER) == to_yaml(slo_rules.render(stack, slo), HEADER)
    data = slo_tests.render(stack, slo)
    assert slo_tests.render_text(stack, slo, HEADER) == (None if data is None else to_yaml(data, HEADER))


def _fleet() -> Stack:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        from bench_slo import synthetic_stack
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    return synthetic_stack(40)


@pytest.mark.parametrize("stack", [variety, lambda: load_stack("alerts.stack:stack", ROOT), _fleet],
                         ids=["variety", "alerts", "fleet"])
def test_every_slo_of_the_stacks_is_written_as_its_plain_data(stack: object) -> None:
    built = stack()  # type: ignore[operator]
    assert built.slos
    for slo in built.slos:
        _same(built, slo)


slugs = st.from_regex(r"\A[a-z][a-z0-9-]{0,12}[a-z0-9]\Z")
# Texts YAML must quote, escape or write as blocks: colons, quotes, '#', non-ASCII, leading spaces, newlines.
texts = st.text(alphabet=st.sampled_from(list("ab :#'\"-\u00e9\n{}[]%@")), min_size=1, max_size=12).filter(
    lambda t: t.strip() == t and "\n\n" not in t)
one_line = texts.filter(lambda t: "\n" not in t)  # label values


# SLIs of every kind the rules write, grouped or not; filters whose text YAML writes as it is, and one it does
# not (': ' and ' #' would change how YAML writes the rules: those SLOs' rules are written from plain data).
SLIS = {
    "ratio": RatioSLI(errors='api_requests_total{code=~"5.."}', total="api_requests_total"),
    "latency": LatencySLI(histogram="api_latency_seconds", threshold=5, selector='route="/a b"'),
    "boolean": BooleanSLI(gauge='up{job="api"}'),
    "query": QuerySLI(errors='sum(rate(api_requests_total{code=~"5.."}[{{window}}]))',
                      total="sum(rate(api_requests_total[{{window}}]))"),
    # A total YAML must quote ('- ' starts a list item); errors with ': ' in a label value.
    "query-quoted": QuerySLI(errors='sum(rate(api_requests_total{code=~"5.."}[{{window}}]))',
                             total="- -sum(rate(api_requests_total[{{window}}]))"),
    "query-colon": QuerySLI(errors='sum(rate(api_requests_total{code=~"5..", route!="a: b"}[{{window}}]))',
                            total="sum(rate(api_requests_total[{{window}}]))"),
}


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=slugs, alert=st.from_regex(r"\A[A-Z][a-zA-Z0-9]{0,10}\Z"), description=st.just("") | texts,
       label=one_line, annotation=texts, note=st.sampled_from(["note", "a"]),
       summary=st.just("") | texts, kind=st.sampled_from(sorted(SLIS)),
       objective=st.sampled_from(["99.9", "99", "95.5"]), period=st.sampled_from(["30d", "28d", "7d"]),
       for_=st.sampled_from([None, "2m"]), naming=st.sampled_from(["default", "sloth"]),
       grouped=st.booleans(), filter=st.sampled_from([None, 'route!="/healthz"', 'route!~"a: b #c|x\'y"']))
def test_any_slo_is_written_as_its_plain_data(name: str, alert: str, description: str, label: str,
                                               annotation: str, note: str, summary: str, kind: str, objective: str,
                                               period: str, for_: str | None, naming: str, grouped: bool,
                                               filter: str | None) -> None:
    sli = SLIS[kind]
    if kind.startswith("query"):
        filter, grouped = None, False  # a query SLI carries its own matchers and aggregation
    slo = SLO(name=name, service="api", objective=objective, period=period, sli=sli, description=description,
              labels={"team": label}, naming=naming, filter=filter, group_by=("route",) if grouped else (),
              alerting=SLOAlerting(name=alert, summary=summary, annotations={note: annotation},
                                   page=AlertTier(severity="critical", for_=for_, labels={"room": label})))
    _same(stack_with(slo), slo)


def test_kept_sli_series_are_the_worked_out_ones() -> None:
    """sli_series keeps its results (keyed on the SLI, the filter and group_by): each equals a fresh one, for
    every SLO of the stacks, Go's and Python's bucket spelling, however the SLOs share SLIs."""
    slos = [slo for stack in (variety(), load_stack("alerts.stack:stack", ROOT), _fleet()) for slo in stack.slos]
    for slo in slos:
        if slo_tests.testable(slo):
            for python_le in (False, True):
                assert slo_tests.sli_series(slo, python_le) == slo_tests.plain_sli_series(slo, python_le)
