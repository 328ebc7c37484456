"""SLO rule and test files are written in parts (test files from texts planned once per SLO shape, with each
SLO's names put in); they must be byte for byte the YAML of the plain data (`rules.render`,
`promtool_tests.render`), for every SLO: the repository's stacks, the benchmark's fleet, and SLOs with awkward
names, labels and texts under both namings."""

from __future__ import annotations

import re
import sys
from functools import partial
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from monitoring import SLO, AlertTier, BooleanSLI, LatencySLI, QuerySLI, RatioSLI, SLOAlerting, Stack
from monitoring.errors import DefinitionError
from monitoring.output.files import to_yaml
from monitoring.project import load_stack
from monitoring.slo import promtool_tests as slo_tests
from monitoring.slo import rules as slo_rules
from monitoring.slo import stand_ins
from monitoring.slo.windows import Tier
from tests.test_slo_stacks import stack_with, variety

ROOT = Path(__file__).resolve().parent.parent
HEADER = "# generated\n"


def _same(stack: Stack, slo: SLO) -> None:
    """Three times: texts written once per key are only written (and then used) for keys seen before."""
    rules = to_yaml(slo_rules.render(stack, slo), HEADER)
    data = slo_tests.render(stack, slo)
    tests = None if data is None else to_yaml(data, HEADER)
    for _ in range(3):
        assert slo_rules.render_text(stack, slo, HEADER) == rules
        assert slo_tests.render_text(stack, slo, HEADER) == tests


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
# An SLO's labels and its alerts' texts are written as they are, so never hold a template ('{{' is refused).
static = texts.filter(lambda t: "{{" not in t)
one_line = static.filter(lambda t: "\n" not in t)  # label values


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
@given(name=slugs, alert=st.from_regex(r"\A[A-Z][a-zA-Z0-9]{0,10}\Z"), description=st.just("") | static,
       label=one_line, annotation=static, note=st.sampled_from(["note", "a"]),
       summary=st.just("") | static, kind=st.sampled_from(sorted(SLIS)),
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


# Slugs YAML would read as something else on their own (booleans, null, numbers, a date), and the texts the
# test files are written with in place of names.
SPECIAL_SLUGS = ["yes", "no", "on", "off", "null", "true", "y", "n", "123", "1e3", "0x1f", "0o17", "2001-12-14", "1-2",
                 "inf", "nan", "servicez", "sloza"]
odd_slugs = st.sampled_from(SPECIAL_SLUGS) | slugs
# Label values with quotes, backslashes, non-ASCII, YAML's special words and the stand-ins for names.
odd_values = st.sampled_from(["SERVICEzA", "SLOzA", "XSERVICEzB0-1", "x XSLOzB2-3", "AlertBasezA", "yes", "null",
                              "1e3", "~", "'", '"', "\\", 'a\\"b', "\u00e9t\u00e9", "\u2603", "a: b", "# c",
                              "- d"]) | one_line


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(service=odd_slugs, name=odd_slugs, label=odd_values, group=odd_values,
       naming=st.sampled_from(["default", "sloth"]), objective=st.sampled_from(["99.9", "99", "95.5", "99.95"]),
       period=st.sampled_from(["30d", "28d", "7d"]),
       kind=st.sampled_from(sorted(SLIS)), grouped=st.booleans())
def test_metadata_checks_are_written_as_their_plain_data(service: str, name: str, label: str, group: str,
                                                          naming: str, objective: str, period: str, kind: str,
                                                          grouped: bool) -> None:
    """The metadata checks are written once per key with stand-ins for the names: for any names and labels they
    are the YAML of the plain checks."""
    grouped = grouped and not kind.startswith("query")
    slo = SLO(name=name, service=service, objective=objective, period=period, sli=SLIS[kind], naming=naming,
              labels={"team": label}, group_by=("route",) if grouped else ())
    groups = {"route": group} if grouped else {}
    stack = stack_with()
    for at in ("1h9m13s500ms", "2m", "1h9m13s500ms", "2m", "2m"):  # texts are written for keys seen before
        assert slo_tests.metadata_text(stack, slo, at, groups) == slo_tests.under(
            "promql_expr_test", slo_tests.metadata_checks(slo, at, groups), "  ")


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(service=odd_slugs, name=odd_slugs, alert=st.none() | st.from_regex(r"\A[A-Z][a-zA-Z0-9]{0,10}\Z"),
       label=odd_values, kind=st.sampled_from(sorted(SLIS)), naming=st.sampled_from(["default", "sloth"]),
       period=st.sampled_from(["30d", "28d", "7d"]), grouped=st.booleans())
def test_any_names_are_written_as_the_plain_data(service: str, name: str, alert: str | None, label: str, kind: str,
                                                 naming: str, period: str, grouped: bool) -> None:
    """Test files put together from templates (and the fallback that sorts each case's series itself) are the
    YAML of the plain data, whatever the service's and the SLO's names."""
    grouped = grouped and not kind.startswith("query")
    slo = SLO(name=name, service=service, objective="99.9", period=period, sli=SLIS[kind], naming=naming,
              labels={"team": label}, group_by=("route",) if grouped else (),
              alerting=SLOAlerting(name=alert, page=AlertTier(severity="critical", labels={"room": label})))
    _same(stack_with(), slo)
    _same_case_by_case(stack_with(), slo)


def _same_case_by_case(stack: Stack, slo: SLO) -> None:
    head = slo_tests._file_head(slo)
    if head is not None:
        step, data = head
        assert slo_tests._case_by_case(stack, slo, HEADER, step, data, slo_tests.both_series(slo)) == to_yaml(
            slo_tests.render(stack, slo), HEADER)


@pytest.mark.parametrize("stack", [variety, lambda: load_stack("alerts.stack:stack", ROOT), _fleet],
                         ids=["variety", "alerts", "fleet"])
def test_templates_and_the_case_by_case_writing_agree_for_the_stacks(stack: object) -> None:
    """The fallback for series that share a name writes every SLO of the stacks as its plain data too, and the
    templates are what the stacks' files are written with (their series names differ)."""
    built = stack()  # type: ignore[operator]
    for slo in built.slos:
        _same_case_by_case(built, slo)
        if slo_tests._file_head(slo) is not None:
            assert all(order is not None for order in map(slo_tests._order, slo_tests.both_series(slo).values()))


def test_the_test_step_is_the_chosen_one() -> None:
    """slo_step keeps choose_step's answers per set of windows, testable its answers per query SLI: each equals
    a fresh one, for every SLO."""
    from monitoring.render.promtool_timing import choose_step

    slos = [slo for stack in (variety(), load_stack("alerts.stack:stack", ROOT), _fleet()) for slo in stack.slos]
    for slo in slos:
        if slo.tiers:
            assert slo_tests.slo_step(slo) == choose_step(slo_tests.slo_windows(slo))
        if isinstance(slo.sli, QuerySLI):  # whether its queries can be fed, kept per SLI
            assert slo_tests.testable(slo) == any(form(slo.sli, slo.group_by) is not None for form in (
                slo_tests.query_selectors, slo_tests.good_total_selectors))


# Runbook URL patterns that put the names in as they are, and ones that cut, pad or quote them.
PATTERNS = [None, "https://runbooks.example.com/{service}/{alertname}", "https://r/{service:.3}/{alertname:.5}",
            "https://r/{service:>12}?a={alertname!r}", "https://r/{{service}}/{alertname}#SLOzA"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(service=odd_slugs, name=odd_slugs, alert=st.none() | st.from_regex(r"\A[A-Z][a-zA-Z0-9]{0,10}\Z"),
       label=odd_values, text=odd_values, kind=st.sampled_from(sorted(SLIS)),
       naming=st.sampled_from(["default", "sloth"]), pattern=st.sampled_from(PATTERNS),
       grafana=st.sampled_from([None, "https://grafana.example.com", "http://g:3000/sub%20path/it's"]),
       dashboards=st.booleans(), grouped=st.booleans(), guard=st.sampled_from([None, "0.5"]))
def test_alerts_written_once_per_key_are_the_plain_data(service: str, name: str, alert: str | None, label: str,
                                                        text: str, kind: str, naming: str, pattern: str | None,
                                                        grafana: str | None, dashboards: bool, grouped: bool,
                                                        guard: str | None) -> None:
    """Alerts, expected alerts and metadata checks are written once per key with stand-ins for the names: for
    any names, labels, annotations, runbook pattern and Grafana link, rule and test files are their plain data."""
    grouped = grouped and not kind.startswith("query")
    slo = SLO(name=name, service=service, objective="99.5", sli=SLIS[kind], naming=naming, description=text,
              labels={"team": label}, group_by=("route",) if grouped else (),
              alerting=SLOAlerting(name=alert, annotations={"note": text}, labels={"owner": label},
                                   min_events_per_second=None if kind == "boolean" else guard,
                                   page=AlertTier(severity="critical", labels={"room": label}, summary=text or None),
                                   ticket=AlertTier(severity="warning", annotations={"extra": label})))
    stack = stack_with().model_copy(update={
        "runbook_url_pattern": pattern, "grafana_url": grafana,
        "dashboard_settings": stack_with().dashboard_settings.model_copy(update={"slo_dashboards": dashboards})})
    _same(stack, slo)


def test_the_alert_key_covers_every_alerting_setting() -> None:
    """alert_key names each field of SLOAlerting and AlertTier but the alert name: a new field must join it."""
    assert set(SLOAlerting.model_fields) == {"name", "page", "ticket", "min_events_per_second", "runbook_url",
                                             "labels", "annotations", "summary", "title"}
    assert set(AlertTier.model_fields) == {"enabled", "severity", "for_", "labels", "annotations", "summary",
                                           "title"}


def _alert_of(stack: Stack, slo: SLO, tier: Tier) -> str:
    return slo_rules._plain_alert_text(stack, slo, tier)


def test_the_fleet_is_written_from_the_texts_of_its_keys() -> None:
    """The shortcut is taken: every alert, expected alert and metadata check of the benchmark's SLOs has a text
    of its key (none of them is written plainly for want of one)."""
    fleet = _fleet()
    for slo in fleet.slos:
        for tier in slo.tiers:
            assert stand_ins._pieces(fleet, slo, partial(_alert_of, tier=tier))
        assert stand_ins._plain_names(slo.service, slo.name, slo.alert_base, fleet.dashboard_url(slo.service,
                                                                                                  slo=True))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(objective=st.sampled_from(["99.9", "99.90", "99", "99.0", "95.5", "90", "50", "99.999", "75"]),
       period=st.sampled_from(["30d", "28d", "7d", "14d", "1d", "90d"]),
       policy=st.sampled_from(["default", "workbook", "scaled"]), page=st.booleans(), ticket=st.booleans(),
       naming=st.sampled_from(["default", "sloth"]))
def test_kept_plans_are_the_worked_out_ones(objective: str, period: str, policy: str, page: bool, ticket: bool,
                                            naming: str) -> None:
    """Window pairs and their warnings, kept per built-in policy, period, objective and tiers, and recorded series
    kept per windows, period and naming: each equals a fresh one, however the SLOs before it were planned (an
    unsound pair is refused each time)."""
    from monitoring.model.slo import BUILT_IN_POLICIES
    from monitoring.slo import plan as slo_plan

    tiers = tuple(t for t, on in ((Tier.PAGE, page), (Tier.TICKET, ticket)) if on)
    fields = {"name": "a", "service": "api", "objective": objective, "period": period, "window_policy": policy,
              "naming": naming, "sli": SLIS["ratio"],
              "alerting": SLOAlerting(page=AlertTier(severity="critical", enabled=page),
                                      ticket=AlertTier(severity="warning", enabled=ticket))}
    try:
        slo = SLO(**fields)
    except DefinitionError as exc:
        with pytest.raises(DefinitionError) as again:
            SLO(**fields)
        assert re.sub(r":\d+\)", ")", str(again.value)) == re.sub(r":\d+\)", ")", str(exc))  # but the line
        return
    windows = BUILT_IN_POLICIES[policy](slo.period_days)
    pairs, late = slo_plan.planned_pairs(slo.period, slo.error_budget, slo.objective, windows, tiers)
    assert slo.plan.pairs == pairs
    assert slo.plan.warnings == tuple(f"slo 'a': {text}" for text in late)
    assert slo.plan.recorded_series == slo_plan._recorded_series.__wrapped__(
        slo.plan.rate_windows, slo.period, naming == "sloth")


@settings(max_examples=200, deadline=None)
@given(pattern=st.sampled_from(["5..|timeout", "a|b", "[0-9]+", "x{2,3}", "(?:get|post)/.*", "[^a]b?", "a\\.b",
                                "", ".*", "(", "[z-a]"]) | st.text(alphabet="ab.|*+?()^-0", max_size=8))
def test_kept_regex_examples_are_the_worked_out_ones(pattern: str) -> None:
    """regex_example keeps its answers per pattern: each equals a fresh one, the same before and after."""
    from monitoring.render.series_labels import regex_example

    assert regex_example(pattern) == regex_example.__wrapped__(pattern) == regex_example(pattern)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(objective=st.sampled_from(["99.9", "99.90", "99.99", "99.999", "99", "95"]),
       period=st.sampled_from(["30d", "28d", "7d"]), guard=st.sampled_from([None, "0.01", "0.010", "1", "50"]),
       name=slugs)
def test_kept_warnings_are_the_worked_out_ones(objective: str, period: str, guard: str | None, name: str) -> None:
    """An objective too tight for the traffic is found once per plan, objective and guard: the warnings equal
    fresh ones, with the SLO's own name."""
    slo = SLO(name=name, service="api", objective=objective, period=period, sli=SLIS["ratio"],
              alerting=SLOAlerting(min_events_per_second=guard))
    tight = slo_rules.tight_objective(slo)
    assert slo_rules.warnings(slo) == [*slo.plan.warnings, *([f"slo {name!r}: {tight}"] if tight else [])]


def test_texts_of_keys_are_bounded_and_keep_the_recurring_ones() -> None:
    """NamedTexts holds at most `kept` keys, however many SLOs are unlike any other; a key that recurs keeps
    its text (the least recently used goes), and every text is still the plain one."""
    fleet = _fleet()
    slo = fleet.slos[0]
    texts = stand_ins.NamedTexts(kept=8)
    calls: list[str] = []

    def write(stack: Stack, slo: SLO) -> str:
        calls.append(slo.name)
        return slo_rules._plain_alert_text(stack, slo, Tier.PAGE)

    plain = slo_rules._plain_alert_text(fleet, slo, Tier.PAGE)
    for number in range(50):
        assert texts.text(("recurring",), fleet, slo, write) == plain
        assert texts.text(("once", number), fleet, slo, write) == slo_rules._plain_alert_text(fleet, slo, Tier.PAGE)
        assert len(texts._pieces) <= 8
    # Written plainly the first time, then for both sets of stand-ins once, then never again.
    assert calls.count(slo.name) == 1 + 50 and calls.count("SLOzA") == 1 and calls.count("XSLOzB2-3") == 1


def test_one_slo_in_stacks_of_other_settings_is_written_as_each_stacks_plain_data() -> None:
    """What is kept of an SLO's names is kept for its stack: the same SLOs in stacks that link other dashboards
    (another Grafana, none) and name runbooks otherwise, asked in turns, are each written as that stack's data."""
    base = variety()
    stacks = [base.model_copy(update={"grafana_url": url, "runbook_url_pattern": pattern})
              for url, pattern in (("https://grafana.one", None), (None, None),
                                   ("https://grafana.two", "https://runbooks/{service}/{alertname}"))]
    for slo in base.slos:
        for stack in [*stacks, *stacks]:
            assert slo_rules.render_text(stack, slo, HEADER) == to_yaml(slo_rules.render(stack, slo), HEADER)
            data = slo_tests.render(stack, slo)
            assert slo_tests.render_text(stack, slo, HEADER) == (None if data is None else to_yaml(data, HEADER))
