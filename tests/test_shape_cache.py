"""Scenarios derived once per shape equal the scenarios derived for each alert on its own.

Every alert of this repository's stack, of the packs and of the benchmarks' synthetic stacks, then
Hypothesis-made variations of every shape (metric names, label values with quotes and regex characters,
values the derivation itself writes, thresholds, windows, catalog types), each after another instance of its
shape has filled the cache.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable, Iterator, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from monitoring import Counter, Gauge, Histogram, Stack, promql
from monitoring.model.metrics import AnyMetric
from monitoring.packs import mcp, mcp_capacity, mcp_probes
from monitoring.render import alert_shapes, promtool_tests, shape_cache
from monitoring.render.alert_shapes import Series
from monitoring.render.series_labels import FILLERS
from monitoring.slo import windows
from monitoring.slo.windows import decimal_text

ROOT = Path(__file__).resolve().parent.parent


def _benchmark(name: str) -> Any:
    sys.path.insert(0, str(ROOT / "benchmarks"))  # the benchmarks import each other by name
    try:
        spec = importlib.util.spec_from_file_location(name, ROOT / "benchmarks" / f"{name}.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))


def _cached(expr: str, catalog: Mapping[str, AnyMetric]) -> object:
    """What the cached derivation returns or raises, as plain data (equal fields and series, in order)."""
    return _outcome(lambda: shape_cache.scenario_of(expr, catalog)[:2])


def _direct(expr: str, catalog: Mapping[str, AnyMetric]) -> object:
    return _outcome(lambda: alert_shapes.shape_of(expr, catalog))


def _outcome(derive: Callable[[], tuple[Any, str]]) -> object:
    try:
        scenario, why = derive()
    except Exception as exc:  # a series or labels the model refuses: both ways must refuse them alike
        return type(exc), getattr(exc, "problem", str(exc))  # (not where: the line of this test's lambda)
    return _fields(scenario), why


def _fields(scenario: Any) -> object:
    """An AlertScenario, or a derived Scenario, as the fields tests read: numbers as written (1.0 is not 1)."""
    if scenario is None:
        return None

    def series(items: Any) -> object:
        return None if items is None else [(s.series, str(s.value), str(s.rate)) for s in items]

    return {"firing": series(scenario.firing), "labels": list(scenario.labels.items()), "value": str(scenario.value),
            "annotations": dict(scenario.annotations), "below": series(scenario.below),
            "healthy": series(scenario.healthy)}


def _stacks() -> Iterator[tuple[str, Stack]]:
    from alerts.stack import stack

    yield "repository", stack
    from tests.test_alert_shapes import MCP_STACK, SHAPES_STACK, UNRECOGNISED_STACK

    yield "shapes", SHAPES_STACK
    yield "unrecognised", UNRECOGNISED_STACK
    yield "mcp", MCP_STACK
    yield "bench_generate", _benchmark("bench_generate").synthetic_stack(30, dashboards=False)


@pytest.mark.parametrize(("name", "stack"), list(_stacks()), ids=lambda v: v if isinstance(v, str) else "")
def test_every_alert_of_the_stacks_gets_the_scenario_derived_on_its_own(name: str, stack: Stack) -> None:
    shape_cache.clear()
    checked = 0
    for service in stack.services:
        catalog = {m.name: m for m in stack.service_metrics(service)}
        for alert in service.alerts:
            assert _cached(alert.expr, catalog) == _direct(alert.expr, catalog)
            checked += 1
    assert checked > 0


def test_the_packs_under_other_names_share_their_shapes_exactly() -> None:
    """Two instances of each pack (other names, jobs, namespaces): the second is spelt from the first's plans."""
    services = [
        *(mcp.service(targets=("a:1",), kubernetes=False, name=n) for n in ("mcp-one", "mcp-two")),
        *(mcp_capacity.service(name=n, container=c, namespace=s)
          for n, c, s in (("cap-one", "server", "prod"), ("cap-two", "synthetic", "x"))),
        *(mcp_probes.service(("a.example:443",), name=n) for n in ("probes-one", "probes-two")),
    ]
    catalog: dict[str, AnyMetric] = {m.name: m for c in mcp.shared_catalogs() for m in c.metrics}
    shape_cache.clear()
    for service in services:
        metrics = {**catalog, **{m.name: m for m in service.metrics}}
        for alert in service.alerts:
            assert _cached(alert.expr, metrics) == _direct(alert.expr, metrics)
    assert shape_cache.size() > 0


def test_service_tests_are_those_of_the_direct_derivation() -> None:
    stack = _benchmark("bench_generate").synthetic_stack(3, dashboards=False)
    for service in stack.services:
        found, unrecognised = promtool_tests.scenarios(stack, service)
        catalog = {m.name: m for m in stack.service_metrics(service)}
        for alert in service.alerts:
            direct, why = alert_shapes.shape_of(alert.expr, catalog)
            expected_why = promtool_tests.unrecognised_why(why) if why else ""
            assert (_fields(found.get(alert.name)), unrecognised.get(alert.name, "")) == (_fields(direct), expected_why)


# --- Hypothesis: every shape, with names and values that could confuse placeholders -------------------------

# Slots: {a}, {b} metric names; {x}, {y} label values; {n} a threshold; {w} a window; {op} a comparison.
TEMPLATES = [
    'sum by (job) (rate({a}{{code=~"5..", job="{x}"}}[{w}])) / sum by (job) (rate({a}{{job="{x}"}}[{w}])) {op} {n}',
    'sum by (job) (rate({a}{{code="{y}", job="{x}"}}[{w}])) / sum by (job) (rate({a}{{job="{x}"}}[{w}])) {op} {n}',
    'sum(rate({a}{{route="{x}"}}[{w}])) / sum(rate({b}{{route="{x}"}}[{w}])) {op} {n}',
    'sum by (instance) ({a}{{pod="{x}"}}) / (sum by (instance) ({b}{{pod="{y}"}}) > 0) {op} {n}',
    'histogram_quantile(0.95, sum by (le, job) (rate({a}{{job="{x}"}}[{w}]))) {op} {n}',
    'histogram_quantile(0.5, sum by (le) (rate({a}{{job="{x}", le="{y}"}}[{w}]))) {op} {n}',
    'up{{job="{x}", instance="{y}"}} == 0',
    'absent({a}{{job="{x}", env="{y}"}})',
    'absent(up{{job="{x}"}})',
    'max by (queue) ({a}{{queue!="{x}", job="{y}"}}) {op} {n}',
    '{a}{{job="{x}", job="{y}"}} {op} {n}',
    'increase({a}{{job="{x}"}}[{w}]) {op} {n}',
    'sum by (job) (rate({a}{{job=~"{x}"}}[{w}])) {op} {n}',
    'sum(rate({a}{{job="{x}"}}[{w}])) == 0',
    'predict_linear({a}{{job="{x}"}}[{w}], 3600) < 0',
    'sum without (job) ({a}{{job="{x}"}}) {op} {n}',
]
_NAME = st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True)
_SUFFIXES = st.sampled_from(["", "_total", "_bucket", "_count", "_sum", "_seconds"])
# Printable ASCII with the characters that matter to PromQL strings, regexes and YAML; and the values the
# derivation writes itself, which must not stand in for placeholders.
_VALUE = st.one_of(st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=8),
                   st.sampled_from([*FILLERS, *alert_shapes.SYNTHETIC.values(), "+Inf", "5..", 'a"b', "a\\b"]))
_KIND = st.sampled_from(["counter", "gauge", "histogram", None])


def _metric(name: str, kind: str | None, buckets: tuple[float, ...]) -> AnyMetric | None:
    """A catalog entry of a drawn name; built without the naming rules (a counter need not end in _total
    here): the derivation reads only its type, name and buckets."""
    if kind == "counter":
        return Counter._unchecked(name=name, help="x.")
    if kind == "gauge":
        return Gauge._unchecked(name=name, help="x.")
    if kind == "histogram":
        return Histogram._unchecked(name=name, help="x.", buckets=buckets)
    return None


def _quoted(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"')


def _expression(template: str, names: tuple[str, str], values: tuple[str, str], n: str, w: str, op: str) -> str:
    return template.format(a=names[0], b=names[1], x=_quoted(values[0]), y=_quoted(values[1]), n=n, w=w, op=op)


@st.composite
def _instances(draw: st.DrawFn) -> tuple[list[str], list[dict[str, AnyMetric]]]:
    """Instances of one template, with one catalog shape (each name's type) but their own names and values."""
    template = draw(st.sampled_from(TEMPLATES))
    n = draw(st.sampled_from(["0", "1", "0.05", "0.9", "100", "2.5", "-1"]))
    w = draw(st.sampled_from(["1m", "5m", "1h"]))
    op = draw(st.sampled_from([">", ">=", "<", "<="]))
    kinds = (draw(_KIND), draw(_KIND))
    buckets = draw(st.sampled_from([(0.1, 0.5, 1.0, 5.0), (0.25, 2.5), (1.0,)]))
    exprs, catalogs = [], []
    for _ in range(3):
        base = (draw(_NAME), draw(_NAME))
        suffixes = (draw(_SUFFIXES), draw(_SUFFIXES))
        names = (base[0] + suffixes[0], base[1] + suffixes[1])
        values = (draw(_VALUE), draw(_VALUE))
        exprs.append(_expression(template, names, values, n, w, op))
        catalog: dict[str, AnyMetric] = {}
        for name, kind in zip(names, kinds, strict=True):
            # The histogram is the base name of a _bucket series; the other types are the name itself.
            metric_name = name.removesuffix("_bucket") if kind == "histogram" else name
            metric = _metric(metric_name, kind, buckets)
            if metric is not None:
                catalog.setdefault(metric.name, metric)
        catalogs.append(catalog)
    return exprs, catalogs


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_instances())
def test_shapes_spelt_from_another_instance_equal_the_direct_derivation(
        instances: tuple[list[str], list[dict[str, AnyMetric]]]) -> None:
    exprs, catalogs = instances
    for expr in exprs:
        try:
            promql.parse(expr)
        except ValueError:
            assume(False)
    shape_cache.clear()
    for expr, catalog in zip(exprs, catalogs, strict=True):
        assert _cached(expr, catalog) == _direct(expr, catalog), expr


def test_the_cache_holds_shapes_not_alerts() -> None:
    """A thousand services of five alerts each: a handful of plans, whatever the number of services."""
    shape_cache.clear()
    stack = _benchmark("bench_generate").synthetic_stack(200, dashboards=False)
    for service in stack.services:
        promtool_tests.scenarios(stack, service)
    assert 0 < shape_cache.size() <= 5


def test_thresholds_windows_and_catalog_types_are_part_of_the_shape() -> None:
    counters = {n: _metric(n, "counter", ()) for n in ("a_total", "b_total")}
    gauge = {"a_total": _metric("a_total", "gauge", ())}
    shape_cache.clear()
    for expr, catalog in [('sum(rate(a_total{job="p"}[5m])) > 1', counters),
                          ('sum(rate(b_total{job="q"}[5m])) > 1', counters),  # the shape of the first
                          ('sum(rate(a_total{job="q"}[5m])) > 2', counters),
                          ('sum(increase(a_total{job="q"}[5m])) > 2', counters),
                          ('sum(increase(a_total{job="q"}[1h])) > 2', counters),
                          ('sum(a_total{job="q"}) > 2', gauge),
                          ('sum(a_total{job="q"}) > 2', counters)]:
        assert _cached(expr, catalog) == _direct(expr, catalog)
    assert shape_cache.size() == 6


_NUMBERS = st.one_of(st.decimals(allow_nan=False, allow_infinity=False, places=3, min_value=-1000, max_value=1000),
                     st.sampled_from([Decimal("0"), Decimal("-0"), Decimal("0.0"), Decimal("-0.00"), Decimal("1"),
                                      Decimal("1.0"), Decimal("1E+1"), Decimal("10"), Decimal("0.050")]))


def _uncached(number: Decimal) -> str:
    return windows._decimal_text.__wrapped__(number)  # type: ignore[attr-defined]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.booleans(), _NUMBERS), min_size=1, max_size=20),
       st.integers(1, 50), st.integers(1, 120))
def test_values_text_cache_spells_each_number_as_written(series: list[tuple[bool, Decimal]], steps: int,
                                                          seconds: int) -> None:
    """Equal numbers share cache entries (1.0 and 1); each must still come out as the uncached text (-0 too)."""
    step = seconds * 1000
    for gauge, number in series:
        shown = Series("x", number, None) if gauge else Series("x", None, number)
        plain = f"{_uncached(number)}x{steps}" if gauge else f"0+{_uncached(number * Decimal(step) / 1000)}x{steps}"
        assert promtool_tests._series_values(shown, steps, step) == plain


@settings(max_examples=200, deadline=None)
@given(st.lists(_NUMBERS, min_size=1, max_size=20))
def test_decimal_text_spells_each_number_as_written_whatever_came_first(numbers: list[Decimal]) -> None:
    """decimal_text is cached by value, and equal numbers are one key: -0 after 0 (or 0 after -0) must still
    be spelt as written, or the output would depend on what was rendered before."""
    for number in numbers:
        assert decimal_text(number) == _uncached(number)
        assert decimal_text(-number) == _uncached(-number)


# --- shapes found from the text alone ------------------------------------------------------------------------

def _shape_fields(found: shape_cache.Shape | None) -> object:
    return None if found is None else (found.key, found.metrics, found.values, found.windows)


# Names and values that stand in other roles too: a label named as a metric, a value spelt as a label or a
# metric, values the derivation keeps as written, strings with quotes and backslashes.
_AWKWARD = st.one_of(_VALUE, st.sampled_from(["job", "code", "le", "up", "a", "a_total", "5..", "x'y", "sum"]))
_AWKWARD_TEMPLATES = [
    *TEMPLATES,
    '{a}{{{a}="{x}"}} {op} {n}',
    'sum by ({a}) ({b}{{job="{x}", {a}="{y}"}}) {op} {n}',
    "{a}{{job='{x}', env=\"{y}\"}} {op} {n}",
    'sum(rate({a}{{job="{x}"}}[{w}])) / sum(rate({a}{{job="{x}", code!="{x}"}}[{w}])) {op} {n}',
    'label_replace({a}{{job="{x}"}}, "dst", "{y}", "src", "(.*)") {op} {n}',
    'count_values("{x}", {a}{{job="{y}"}}) {op} {n}',
]


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(_AWKWARD_TEMPLATES), st.lists(st.tuples(_NAME, _SUFFIXES, _AWKWARD, _AWKWARD, _KIND),
                                                      min_size=2, max_size=4),
       st.sampled_from(["0", "0.05", "100"]), st.sampled_from(["1m", "5m"]), st.sampled_from([">", "<="]))
def test_a_shape_found_from_the_text_is_the_shape_of_the_tree(
        template: str, instances: list[tuple[str, str, str, str, str | None]], n: str, w: str, op: str) -> None:
    shape_cache.clear()
    for base, suffix, x, y, kind in instances:
        names = (base + suffix, base + "_b" + suffix)
        expr = _expression(template, names, (x, y), n, w, op)
        try:
            node = promql.parse(expr)
        except ValueError:
            continue
        metric = _metric(names[0].removesuffix("_bucket") if kind == "histogram" else names[0], kind, (0.5, 1.0))
        catalog = {} if metric is None else {metric.name: metric}
        facts = alert_shapes.CatalogFacts(catalog)
        found, _ = shape_cache._shape_of_text(expr, catalog)
        assert _shape_fields(found) == _shape_fields(shape_cache.shape(node, facts)), expr


def test_most_expressions_of_a_large_stack_are_shaped_without_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    stack = _benchmark("bench_generate").synthetic_stack(40, dashboards=False)
    shape_cache.clear()
    parsed = []
    real = promql.parse.__wrapped__

    def counting(expr: str) -> object:
        parsed.append(expr)
        return real(expr)

    monkeypatch.setattr(promql, "parse", counting)
    alerts = 0
    for service in stack.services:
        catalog = {m.name: m for m in stack.service_metrics(service)}
        for alert in service.alerts:
            shape_cache.scenario_of(alert.expr, catalog)
            alerts += 1
    assert len(parsed) <= alerts // 10  # the first of each kind, not each alert
