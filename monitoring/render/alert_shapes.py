"""Test scenarios read from an alert's expression, for the common shapes, so most alerts need no AlertScenario.

Recognised shapes, each compared with a number (`>`, `>=`, `<`, `<=`; `== 0` for up):

- `up == 0` (a target down), and `absent(selector)` (nothing reports);
- a gauge against a threshold: `queue_depth > 100`, `max by (job) (queue_depth) > 100`;
- a rate against a threshold: `sum by (job) (rate(errors_total[5m])) > 1` (rate, irate or increase);
- a ratio against a limit, each side a gauge or a rate, summed the same way: errors over requests, memory over
  its limit (a denominator filtered with `> 0` is read through);
- `histogram_quantile(q, sum by (le, ...) (rate(x_bucket[5m])))` against a threshold, with the buckets of the
  histogram in the catalog.

From the shape and the catalog come three sets of input series: one that fires (with the labels and `$value`
the alert then has), one just on the silent side of the threshold, and a healthy one. `shape_of` says why an
expression is not recognised, which `monitoring test` repeats for an alert that has neither a shape nor an
AlertScenario.

The derivation reads metric names and label values only through `Names`, and the catalog only through
`Facts`, and it keeps the series it plans as a name and a label dict (`ScenarioPlan`) until `instantiate`
spells them: so that `shape_cache` can derive a scenario once for every alert of one shape.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple, Protocol

import promql_parser
from pydantic import TypeAdapter, ValidationError

from monitoring import promql
from monitoring.model.common import Labels
from monitoring.model.metrics import AnyMetric, Counter, Gauge, Histogram, Summary
from monitoring.model.scenario import AlertScenario, InputSeries
from monitoring.render.numbers import go_float
from monitoring.render.series_labels import (
    FILLERS,
    Matcher,
    example_labels,
    selects,
    series_text,
    sorted_series_text,
)

_OPS = {"MatchOp.Equal": "=", "MatchOp.NotEqual": "!=", "MatchOp.Re": "=~", "MatchOp.NotRe": "!~"}
_AGGREGATIONS = frozenset({"sum", "max", "min", "avg"})
_RATES = frozenset({"rate", "irate", "increase"})
_ABOVE, _BELOW = frozenset({">", ">="}), frozenset({"<", "<="})
TRAFFIC = Decimal(10)  # events per second behind a ratio or a histogram
SYNTHETIC = {"instance": "synthetic:9100", "job": "synthetic"}
# Label values the derivation writes or compares with itself (besides regex examples and `le` bounds): a
# label value equal to one of these is not a placeholder's stand-in (see shape_cache).
OWN_VALUES = frozenset({*FILLERS, *SYNTHETIC.values(), "+Inf"})
# Metric names the derivation compares with itself.
OWN_METRICS = frozenset({"up", ""})


class Unrecognised(Exception):
    """The expression is not one of the shapes; the message says what was not understood."""


class Names(Protocol):
    """How the derivation reads metric names and label values: as written, or as a shape's placeholders."""

    def metric(self, name: str) -> str: ...

    def value(self, label: str, value: str) -> str: ...


class Facts(Protocol):
    """What the derivation knows of a metric name from the catalog."""

    def kind(self, name: str) -> str | None:
        """'gauge' or 'counter' for a series name the catalog (or Prometheus) defines, else None."""

    def buckets(self, name: str) -> tuple[float, ...] | None:
        """The bucket bounds when name is the _bucket series of a catalog histogram, else None."""


class _AsWritten:
    def metric(self, name: str) -> str:
        return name

    def value(self, label: str, value: str) -> str:
        return value


AS_WRITTEN: Names = _AsWritten()


class CatalogFacts:
    """Facts read from a catalog of metrics by name."""

    def __init__(self, catalog: Mapping[str, AnyMetric]) -> None:
        self.catalog = catalog

    def kind(self, name: str) -> str | None:
        catalog = self.catalog
        if name == "up":
            return "gauge"
        if isinstance(catalog.get(name), Gauge):
            return "gauge"
        if isinstance(catalog.get(name), Counter):
            return "counter"
        for suffix in ("_count", "_sum", "_bucket"):
            base = catalog.get(name.removesuffix(suffix)) if name.endswith(suffix) else None
            if isinstance(base, Histogram | Summary) and not (suffix == "_bucket" and isinstance(base, Summary)):
                return "counter"
        return None

    def buckets(self, name: str) -> tuple[float, ...] | None:
        histogram = self.catalog.get(name.removesuffix("_bucket"))
        return tuple(histogram.buckets) if name.endswith("_bucket") and isinstance(histogram, Histogram) else None


@dataclass(frozen=True)
class SeriesPlan:
    """An input series before it is spelt: a gauge at value, or a counter rising by rate per second."""

    metric: str
    labels: dict[str, str]
    value: Decimal | None = None
    rate: Decimal | None = None


@dataclass(frozen=True)
class ScenarioPlan:
    """An AlertScenario whose series are not spelt yet (see AlertScenario for the fields)."""

    firing: tuple[SeriesPlan, ...]
    labels: dict[str, str]
    value: Decimal | None
    below: tuple[SeriesPlan, ...] | None
    healthy: tuple[SeriesPlan, ...]


@dataclass(frozen=True)
class Term:
    """A gauge or a rate of a counter, optionally aggregated `by` some labels (None: not aggregated)."""

    metric: str
    kind: str  # "gauge" or "rate"
    matchers: tuple[Matcher, ...]
    by: tuple[str, ...] | None
    factor: Decimal = Decimal(1)  # increase() reads rate x window seconds

    def series(self, labels: dict[str, str], value: Decimal) -> SeriesPlan:
        """The input series under which the term has value."""
        if self.kind == "gauge":
            return SeriesPlan(self.metric, labels, value=value)
        return SeriesPlan(self.metric, labels, rate=value / self.factor)

    def result_labels(self, labels: dict[str, str]) -> dict[str, str]:
        return dict(labels) if self.by is None else {k: v for k, v in labels.items() if k in self.by}


def _input_series(text: str, *, value: Decimal | None = None, rate: Decimal | None = None) -> InputSeries:
    """An input series this module spelt itself (series_text of a parsed selector's name and example labels):
    concrete by construction, so the model's validation, which parses the text again, is skipped. A series
    it would refuse (no metric name, a falling counter) still goes through it, for its message."""
    if _refused(text, rate):
        return InputSeries(series=text, value=value, rate=rate)
    return InputSeries._unchecked(series=text, value=value) if rate is None \
        else InputSeries._unchecked(series=text, rate=rate)


def _refused(text: str, rate: Decimal | None) -> bool:
    """Whether the model refuses an input series: no metric name first, or a counter that falls."""
    return (not text[:1].isalpha() and text[:1] not in "_:") or (rate is not None and rate < 0)


def instantiate(plan: ScenarioPlan, metrics: Mapping[str, str] | None = None,
                values: Mapping[str, str] | None = None) -> AlertScenario:
    """The scenario of a plan, its placeholders (if any) replaced: metric names by metrics, label values by
    values; a name or value that is not a key is kept."""
    metrics, values = metrics or {}, values or {}

    def spelt(series: tuple[SeriesPlan, ...]) -> tuple[InputSeries, ...]:
        return tuple(_input_series(series_text(metrics.get(s.metric, s.metric),
                                               {k: values.get(v, v) for k, v in s.labels.items()}),
                                   value=s.value, rate=s.rate) for s in series)

    value = plan.value
    return AlertScenario(firing=spelt(plan.firing), labels={k: values.get(v, v) for k, v in plan.labels.items()},
                         value=value.normalize() if value is not None else None,
                         below=spelt(plan.below) if plan.below is not None else None, healthy=spelt(plan.healthy))


class Series(NamedTuple):
    """An input series of a derived scenario: the fields of InputSeries that tests read."""

    series: str
    value: Decimal | None
    rate: Decimal | None


_NO_ANNOTATIONS: dict[str, str] = {}


class Scenario(NamedTuple):
    """A derived scenario as tests read it: the fields of AlertScenario, without building the model's objects
    for every alert of a large stack (`spell` makes it only where the model would accept the same scenario)."""

    firing: tuple[Series, ...]
    labels: dict[str, str]
    value: Decimal | None
    below: tuple[Series, ...] | None
    healthy: tuple[Series, ...]
    annotations: dict[str, str] = _NO_ANNOTATIONS


_LABELS: TypeAdapter[dict[str, str]] = TypeAdapter(Labels)  # the model's rule for AlertScenario.labels
# A series of a compiled plan: which distinct series text, and its value and rate.
_Use = tuple[int, Decimal | None, Decimal | None]


class Spelling:
    """A plan compiled for `spell`: its distinct series (a name and labels sorted by name, as series_text
    writes them) each spelt once per alert, however many of its series share them (a histogram's buckets
    under each of the three scenarios)."""

    def __init__(self, plan: ScenarioPlan) -> None:
        self.plan = plan
        distinct: dict[tuple[str, tuple[tuple[str, str], ...]], int] = {}

        def uses(series: tuple[SeriesPlan, ...]) -> tuple[_Use, ...]:
            return tuple((distinct.setdefault((s.metric, tuple(sorted(s.labels.items()))), len(distinct)),
                          s.value, s.rate) for s in series)

        self.firing, self.healthy = uses(plan.firing), uses(plan.healthy)
        self.below = uses(plan.below) if plan.below is not None else None
        self.series = tuple(distinct)
        # The same for every alert of the shape: a falling counter (which the model refuses), the value shown.
        self.falling = any(rate is not None and rate < 0 for uses in (self.firing, self.below or (), self.healthy)
                           for _, _, rate in uses)
        self.value = plan.value.normalize() if plan.value is not None else None


def spell(spelling: Spelling, metrics: Mapping[str, str], values: Mapping[str, str]) -> Scenario | AlertScenario:
    """What `instantiate` returns, as a Scenario; the AlertScenario itself (or the model's error) where the
    model has something to say: labels it refuses, a series it checks (see _input_series)."""
    plan = spelling.plan
    try:
        labels = _LABELS.validate_python({k: values.get(v, v) for k, v in plan.labels.items()})
    except ValidationError:
        return instantiate(plan, metrics, values)
    texts = [sorted_series_text(metrics.get(metric, metric), [(k, values.get(v, v)) for k, v in items])
             for metric, items in spelling.series]
    if spelling.falling or any(_refused(text, None) for text in texts):
        return instantiate(plan, metrics, values)

    def spelt(uses: tuple[_Use, ...]) -> tuple[Series, ...]:
        return tuple(Series(texts[i], value, rate) for i, value, rate in uses)

    return Scenario(spelt(spelling.firing), labels, spelling.value,
                    spelt(spelling.below) if spelling.below is not None else None, spelt(spelling.healthy))


def _matchers(selector: promql_parser.VectorSelector, names: Names) -> tuple[str, tuple[Matcher, ...]]:
    if selector.offset or selector.at is not None:
        # The test's series and times are planned for the present: read in the past (or at a fixed time), the
        # alert would fire at other times than the test expects.
        raise Unrecognised("a selector with an `offset` or `@` modifier")
    name = names.metric(promql.selector_name(selector) or "")
    return name, tuple(Matcher(m.name, _OPS[str(m.op)], names.value(m.name, m.value))
                       for m in selector.matchers.matchers if m.name != "__name__")


def _term(node: promql_parser.Expr, facts: Facts, names: Names) -> Term:
    node = promql.unwrap(node)
    by: tuple[str, ...] | None = None
    if isinstance(node, promql_parser.AggregateExpr):
        if str(node.op) not in _AGGREGATIONS:
            raise Unrecognised(f"{node.op}() is not one of sum, max, min or avg")
        modifier = node.modifier
        if modifier is not None and modifier.type != promql_parser.AggModifierType.By:
            raise Unrecognised("an aggregation `without` labels")
        by = tuple(modifier.labels) if modifier else ()
        node = promql.unwrap(node.expr)
    if isinstance(node, promql_parser.VectorSelector):
        name, matchers = _matchers(node, names)
        if facts.kind(name) != "gauge":
            raise Unrecognised(f"{name or 'a selector'!r} read as it is is not a gauge of the catalog")
        return Term(name, "gauge", matchers, by)
    if isinstance(node, promql_parser.Call) and node.func.name in _RATES:
        arg = promql.unwrap(node.args[0])
        if not isinstance(arg, promql_parser.MatrixSelector):
            raise Unrecognised(f"{node.func.name}() of something other than a range selector")
        name, matchers = _matchers(arg.vector_selector, names)
        if facts.kind(name) != "counter":
            raise Unrecognised(f"{node.func.name}() of {name or 'a selector'!r}, which is not a counter of the catalog")
        factor = Decimal(int(arg.range.total_seconds())) if node.func.name == "increase" else Decimal(1)
        return Term(name, "rate", matchers, by, factor)
    if isinstance(node, promql_parser.Call):
        raise Unrecognised(f"{node.func.name}() where a gauge, a rate, or their sum, max, min or avg was expected")
    raise Unrecognised(f"{type(node).__name__} where a gauge, a rate, or their sum, max, min or avg was expected")


def _labels(term: Term, *, extra: tuple[Matcher, ...] = (), exclude: tuple[Matcher, ...] | None = None,
            base: dict[str, str] | None = None) -> dict[str, str]:
    """Series labels the term selects: its matchers, the by labels set, and job/instance where free."""
    labels = example_labels(term.matchers + extra, exclude)
    if labels is None:
        raise Unrecognised(f"no series satisfies the matchers of {term.metric!r}")
    wanted = {**SYNTHETIC, **{label: "synthetic" for label in term.by or ()}, **(base or {})}
    for key, value in wanted.items():
        trial = {**labels, key: value} if key not in labels else labels
        if selects(term.matchers + extra, trial) and (exclude is None or not selects(exclude, trial)):
            labels = trial
    return labels


def _number(node: promql_parser.Expr) -> Decimal:
    node = promql.unwrap(node)
    if not isinstance(node, promql_parser.NumberLiteral):
        raise Unrecognised("a comparison with something other than a number")
    return Decimal(repr(node.val)).normalize()


def _levels(op: str, limit: Decimal, *, ratio: bool = False) -> tuple[Decimal, Decimal | None, Decimal]:
    """(firing, just silent, healthy) values of the compared side."""
    if op in _ABOVE:
        firing = min(limit * 2, (limit + 1) / 2) if ratio and limit < 1 else (limit * 2 if limit > 0 else Decimal(1))
        below = limit * Decimal("0.9") if limit > 0 else None
        return firing, below, Decimal(0)
    if limit <= 0:
        raise Unrecognised(f"`{op} {limit}`: nothing is below a limit of zero or less")
    return limit / 2, limit * Decimal("1.1"), limit * 2


def _single(term: Term, op: str, limit: Decimal) -> ScenarioPlan:
    labels = _labels(term)
    firing, below, healthy = _levels(op, limit)
    return ScenarioPlan((term.series(labels, firing),), term.result_labels(labels), firing,
                     (term.series(labels, below),) if below is not None else None, (term.series(labels, healthy),))


def _ratio(numerator: Term, denominator: Term, op: str, limit: Decimal) -> ScenarioPlan:
    if numerator.by != denominator.by:
        raise Unrecognised("a ratio whose sides are aggregated by different labels")
    same = numerator.metric == denominator.metric
    if same and numerator.kind == "rate":
        # errors / all requests of one counter: bad events, and the others.
        bad = _labels(numerator, extra=denominator.matchers)
        good = _labels(denominator, exclude=numerator.matchers,
                       base={k: v for k, v in bad.items() if k in (numerator.by or SYNTHETIC)})
        if numerator.result_labels(bad) != denominator.result_labels(good):
            raise Unrecognised("no pair of series of one counter falls on both sides of the ratio")

        def series(ratio: Decimal) -> tuple[SeriesPlan, ...]:
            return (numerator.series(bad, ratio * TRAFFIC), denominator.series(good, (1 - ratio) * TRAFFIC))
    else:
        top = _labels(numerator)
        bottom = _labels(denominator, base={k: v for k, v in top.items() if k in (numerator.by or SYNTHETIC)})
        if numerator.result_labels(top) != denominator.result_labels(bottom):
            raise Unrecognised("the two sides of the ratio keep different labels")
        if same:
            raise Unrecognised("a ratio of one gauge to itself")

        def series(ratio: Decimal) -> tuple[SeriesPlan, ...]:
            return (numerator.series(top, ratio * TRAFFIC), denominator.series(bottom, TRAFFIC))
        bad = top
    firing, below, healthy = _levels(op, limit, ratio=True)
    if firing > 1 and same:
        raise Unrecognised(f"a ratio of one counter cannot exceed 1 (limit {limit})")
    return ScenarioPlan(series(firing), numerator.result_labels(bad), firing,
                     series(below) if below is not None else None, series(healthy))


def _quantile(node: promql_parser.Call, op: str, limit: Decimal, facts: Facts, names: Names) -> ScenarioPlan:
    q = _number(node.args[0])
    term = _term(node.args[1], facts, names)
    buckets = facts.buckets(term.metric)
    if buckets is None or term.kind != "rate":
        raise Unrecognised("histogram_quantile() over something other than rated buckets of a catalog histogram")
    if term.by is None or "le" not in term.by or op not in _ABOVE:
        raise Unrecognised("histogram_quantile() not summed by le, or compared with `<`")
    bounds = [Decimal(repr(float(b))).normalize() for b in buckets]
    labels = _labels(Term(term.metric, term.kind, term.matchers, tuple(b for b in term.by if b != "le")))

    def within(lo: Decimal, hi: Decimal) -> tuple[tuple[SeriesPlan, ...], Decimal]:
        """Every observation in (lo, hi]: the quantile is lo + (hi - lo) * q."""
        series = (*(term.series({**labels, "le": go_float(float(b))}, TRAFFIC if b >= hi else Decimal(0))
                    for b in bounds), term.series({**labels, "le": "+Inf"}, TRAFFIC))
        return series, lo + (hi - lo) * q

    above = [i for i in range(len(bounds) - 1) if bounds[i] >= limit]
    if not above:
        raise Unrecognised(f"no bucket of {term.metric.removesuffix('_bucket')!r} lies above {limit}")
    firing, value = within(bounds[above[0]], bounds[above[0] + 1])
    under = [i for i in range(len(bounds)) if bounds[i] <= limit]
    below = within(bounds[under[-1] - 1] if under[-1] else Decimal(0), bounds[under[-1]])[0] if under else None
    healthy = within(Decimal(0), bounds[0])[0]
    result = {k: v for k, v in labels.items() if k in term.by}
    return ScenarioPlan(firing, result, value, below, healthy)


def plan(node: promql_parser.Expr, facts: Facts, names: Names) -> ScenarioPlan:
    """The scenario plan of a recognised shape; Unrecognised says what is not understood."""
    node = promql.unwrap(node)
    if isinstance(node, promql_parser.Call) and node.func.name == "absent":
        selector = promql.unwrap(node.args[0])
        if not isinstance(selector, promql_parser.VectorSelector):
            raise Unrecognised("absent() of something other than a selector")
        name, matchers = _matchers(selector, names)
        labels = example_labels(matchers)
        if labels is None or not name:
            raise Unrecognised("absent() of a selector no series satisfies")
        present = {**SYNTHETIC, **labels} if selects(matchers, {**SYNTHETIC, **labels}) else labels
        kept = {m.name: m.value for m in matchers if m.op == "="}
        return ScenarioPlan((), kept, Decimal(1), None, (SeriesPlan(name, present, value=Decimal(1)),))
    if not isinstance(node, promql_parser.BinaryExpr) or str(node.op) not in _ABOVE | _BELOW | {"=="}:
        raise Unrecognised("the expression is not a comparison with a number, nor absent()")
    if node.modifier is not None and node.modifier.return_bool:
        raise Unrecognised("a comparison with `bool`, which never filters")
    op, limit, lhs = str(node.op), _number(node.rhs), promql.unwrap(node.lhs)
    if op == "==":
        if not (isinstance(lhs, promql_parser.VectorSelector)
                and names.metric(promql.selector_name(lhs) or "") == "up" and limit == 0):
            raise Unrecognised("`==` other than `up == 0`")
        term = _term(lhs, facts, names)
        labels = _labels(term)
        return ScenarioPlan((term.series(labels, Decimal(0)),), labels, Decimal(0), None,
                         (term.series(labels, Decimal(1)),))
    if isinstance(lhs, promql_parser.Call) and lhs.func.name == "histogram_quantile":
        return _quantile(lhs, op, limit, facts, names)
    if isinstance(lhs, promql_parser.BinaryExpr) and str(lhs.op) == "/":
        if lhs.modifier is not None and (lhs.modifier.matching is not None or lhs.modifier.card !=
                                         promql_parser.VectorMatchCardinality.OneToOne):
            raise Unrecognised("a ratio with on(), ignoring() or group_left()")
        denominator = promql.unwrap(lhs.rhs)
        if isinstance(denominator, promql_parser.BinaryExpr) and str(denominator.op) == ">" \
                and _number(denominator.rhs) == 0:
            denominator = denominator.lhs  # `(limit > 0)`: leaves out series without a limit
        return _ratio(_term(lhs.lhs, facts, names), _term(denominator, facts, names), op, limit)
    return _single(_term(lhs, facts, names), op, limit)


def derive(expr: str, catalog: Mapping[str, AnyMetric]) -> AlertScenario:
    """The scenario of a recognised shape; Unrecognised says what is not understood."""
    return instantiate(plan(promql.parse(expr), CatalogFacts(catalog), AS_WRITTEN))


def shape_of(expr: str, catalog: Mapping[str, AnyMetric]) -> tuple[AlertScenario | None, str]:
    """(scenario, "") for a recognised shape, else (None, why not)."""
    try:
        return derive(expr, catalog), ""
    except Unrecognised as exc:
        return None, str(exc)
    except ValueError as exc:  # a derived series the model refuses
        return None, str(exc).splitlines()[0]
