"""promtool unit tests for SLO burn-rate alerts, with expectations from the exact replay (`simulation`).

Each SLO is proven under synthetic traffic: healthy, steady error ratios just above and just below each tier's
burn rate, an outage after hours of healthy history, recovery, and the minimum-traffic guard. SLOs with the same
arithmetic share their planned cases, so a fleet of SLOs costs little more than one.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from decimal import Decimal
from fractions import Fraction
from functools import lru_cache, partial
from itertools import pairwise
from typing import Any

import promql_parser

from monitoring import conventions, promql
from monitoring.bounded import keep, kept_for
from monitoring.errors import DefinitionError
from monitoring.model.slo import SLO, BooleanSLI, LatencySLI, QuerySLI, with_matchers
from monitoring.model.stack import Stack
from monitoring.output.files import to_yaml
from monitoring.output.yaml_parts import scalar, under
from monitoring.render.numbers import go_float, python_float, simplest_fraction
from monitoring.render.promtool_timing import (
    choose_step,
    eval_time,
    relative_rule_file,
    too_long,
    values_text,
)
from monitoring.render.promtool_timing import steps as _steps
from monitoring.render.series_labels import example_labels, parse_selector, selects, series_text
from monitoring.slo import rules as slo_rules
from monitoring.slo import stand_ins
from monitoring.slo.simulation import Phase, Traffic, counter_base, simulate
from monitoring.slo.windows import BurnWindow, Tier, decimal_text
from monitoring.units import duration_ms, format_duration

TRAFFIC_PER_SECOND = 10  # events per second in SLO scenarios (more when a minimum-traffic guard asks for it)


def slo_windows(slo: SLO) -> set[int]:
    """The windows the test step must not divide: the alerting windows and the period (the timeslice window is
    recorded but no generated test reads it)."""
    slices = slo.plan.slice_window
    return {duration_ms(w) for w in (*slo.rate_windows, slo.period) if w != slices or w in _alert_windows(slo)}


def _alert_windows(slo: SLO) -> set[str]:
    return {w for p in slo.windows for w in (p.long, p.short)} | {conventions.SLO_CURRENT_WINDOW}


Phases = tuple[tuple[int, int, Fraction], ...]  # (first interval, traffic x normal, error ratio)


@dataclass(frozen=True)
class SLOCase:
    """Synthetic traffic for one SLO test: phases of error ratios, how long, and what to look at."""

    name: str
    phases: Phases
    horizon: int  # steps to simulate
    stop_after: str | None = None  # end two steps after this tier first fires
    probes: tuple[int, ...] = ()  # steps to check besides the last one and both sides of every change
    events: int | None = None  # events per step instead of the normal traffic
    python_le: bool = False  # write bucket boundaries as Python clients do (5.0), not as Go clients (5)
    metadata: bool = False  # also check the metadata series
    silent: tuple[str, ...] = ()  # tiers that must never fire (stop_after is the one that must)
    # The same case at an error ratio of few digits near this one's, tried when this one cannot be checked
    # exactly (its counters would pass float64's 2**53, or a window's ratio is within float rounding of the
    # threshold): an objective of 15 digits makes ratios whose denominators would need that many events per step.
    simpler: SLOCase | None = None


# Steady cases need no long history: every window holds the same ratio from the first step on.
STEADY_MS = 65 * 60_000
BELOW_MS = 35 * 60_000
# Page timing cases emulate 6h of steady healthy traffic; all but the last hour is packed into a few steps
# (heavier traffic, same events), so that the slow window sees a full history at a fraction of the test cost.
PACKED_STEPS = 5


def _steady(ratio: Fraction) -> Phases:
    return ((0, 1, ratio),)


def _with_simpler(make: Callable[[Fraction], SLOCase], ratio: Fraction, toward: Fraction) -> SLOCase:
    """make(ratio), with the case at the simplest ratio between `ratio` and halfway to `toward` (the threshold it
    stays clear of) as its simpler alternative, when that ratio differs."""
    halfway = (ratio + toward) / 2
    simple = simplest_fraction(min(ratio, halfway), max(ratio, halfway))
    case = make(ratio)
    return case if simple == ratio else replace(case, simpler=make(simple))


def slo_cases(slo: SLO, step: int) -> list[SLOCase]:
    if isinstance(slo.sli, BooleanSLI):
        return _gauge_cases(slo, step)
    steady = _steps(STEADY_MS, step) + 3
    cases = [SLOCase("healthy: no errors", _steady(Fraction(0)), steady, probes=(1,), metadata=True,
                     silent=tuple(map(str, slo.tiers)))]
    for tier in slo.tiers:
        pairs = [p for p in slo.windows if p.tier == tier]
        slowest = min(pairs, key=slo.threshold)
        threshold = slo.threshold(slowest)
        above = min(threshold * Fraction(25, 24), (threshold + 1) / 2)
        cases.append(_with_simpler(
            lambda ratio, tier=tier, slowest=slowest: SLOCase(
                f"{tier}: steady error ratio {_pct(ratio)}, just above the {slowest.long}/{slowest.short} burn "
                "rate", _steady(ratio), _steps(slowest.long_ms, step) + 3, stop_after=tier, python_le=True),
            above, threshold))
        cases.append(_with_simpler(
            lambda ratio, tier=tier: SLOCase(f"{tier}: steady error ratio {_pct(ratio)}, just below every burn rate",
                                             _steady(ratio), _steps(BELOW_MS, step) + 3, probes=(1,),
                                             silent=(str(tier),)),
            threshold * Fraction(35, 36), threshold))
    if Tier.PAGE in slo.tiers:
        cases += _page_timing_cases(slo, step)
    guard = slo.alerting.min_events_per_second
    if guard is not None:
        low = math.floor(Fraction(guard) * step / 1000 / 2)
        if low >= 1:
            cases.append(SLOCase(f"below the minimum traffic: {low} events per step, all of them errors",
                                 _steady(Fraction(1)), steady, probes=(1, 2), events=low))
    return cases


def _page_timing_cases(slo: SLO, step: int) -> list[SLOCase]:
    """After the equivalent of the slow page window (6h) of healthy traffic, errors start at a steady ratio."""
    pairs = sorted((p for p in slo.windows if p.tier == Tier.PAGE), key=lambda p: p.long_ms)
    fast, slow = pairs[0], pairs[-1]
    normal = _steps(fast.long_ms, step) + 2  # the fast windows see only steady traffic when errors start
    packed = -(-(_steps(slow.long_ms, step) + 1 - normal) // PACKED_STEPS)
    warm = PACKED_STEPS + normal  # the last healthy sample; errors from the next interval on
    saturated = warm + _steps(fast.long_ms + fast.short_ms, step) + 1  # the fast windows hold only errors
    history = f"after {slow.long} of healthy traffic"

    def errors(ratio: Fraction) -> Phases:
        return ((0, packed, Fraction(0)), (PACKED_STEPS + 1, 1, Fraction(0)), (warm + 1, 1, ratio))

    fast_threshold = slo.threshold(fast)
    above = min(fast_threshold * Fraction(25, 24), Fraction(1))
    below = fast_threshold * Fraction(35, 36)
    until_slow = warm + _steps(slow.long_ms, step) + 3
    cases = [
        SLOCase(f"page: 100% errors {history}", errors(Fraction(1)), warm + _steps(fast.long_ms, step) + 3,
                stop_after="page", probes=(warm,)),
        _with_simpler(lambda ratio: SLOCase(
            f"page: steady error ratio {_pct(ratio)} {history}, just above the {fast.long}/{fast.short} burn rate",
            errors(ratio), until_slow, stop_after="page", probes=(warm,)), above, fast_threshold),
        _with_simpler(lambda ratio: SLOCase(
            f"page: steady error ratio {_pct(ratio)} {history}, just below the {fast.long}/{fast.short} burn rate",
            errors(ratio), saturated + 2, probes=(warm, saturated)), below, fast_threshold),
    ]
    cases += _recovery_cases(slo, step, fast, slow, errors)
    middle = round((fast.burn + slow.burn) / 2)
    if len(pairs) > 1 and slow.burn < middle < fast.burn:
        budget = Fraction(slo.error_budget)
        cases.append(_with_simpler(lambda ratio: SLOCase(
            f"page: steady error ratio {_pct(ratio)} ({_times(ratio / budget)} the budget) {history}, between "
            f"the burn rates: never fires the {fast.long}/{fast.short} pair", errors(ratio), saturated + 2,
            probes=(warm, saturated)), middle * budget, slo.threshold(slow)))
    return cases


def _times(factor: Fraction) -> str:
    """'10x', or '9.975x' for a factor that is not whole."""
    return f"{factor.numerator}x" if factor.denominator == 1 else f"{float(factor):.4g}x"


def _gauge_cases(slo: SLO, step: int) -> list[SLOCase]:
    """A 0/1 gauge (one series, one sample per step): always 1; down after healthy history (every tier fires);
    down briefly, then up again (the page resolves once its short windows no longer hold the outage)."""
    steady = _steps(STEADY_MS, step) + 3
    cases = [SLOCase("healthy: the gauge is always 1", _steady(Fraction(0)), steady, probes=(1,), metadata=True)]
    if not slo.tiers:
        return cases
    # Healthy history as long as the slowest page window (as the counter cases have): the fast windows then see
    # only healthy samples when the gauge drops.
    slowest = max([p for p in slo.windows if p.tier == Tier.PAGE] or slo.windows, key=lambda p: p.long_ms)
    warm = _steps(slowest.long_ms, step) + 1  # the last healthy sample

    def down(steps: int | None) -> Phases:
        phases: Phases = ((0, 1, Fraction(0)), (warm + 1, 1, Fraction(1)))
        return phases if steps is None else (*phases, (warm + 1 + steps, 1, Fraction(0)))

    for tier in slo.tiers:
        fastest = min((p for p in slo.windows if p.tier == tier), key=lambda p: p.long_ms)
        cases.append(SLOCase(f"{tier}: the gauge drops to 0 after {slowest.long} at 1", down(None),
                             warm + _steps(fastest.long_ms, step) + 3, stop_after=tier, probes=(warm,)))
    if Tier.PAGE in slo.tiers:
        pairs = [p for p in slo.windows if p.tier == Tier.PAGE]
        short = max(p.short_ms for p in pairs)
        cases.append(SLOCase(f"page: the gauge is 0 for {format_duration(2 * step)}, then 1 again: resolves once "
                             "the short windows no longer hold it", down(2),
                             warm + 2 + _steps(short, step) + 4, probes=(warm,)))
    return cases


def _recovery_cases(slo: SLO, step: int, fast: BurnWindow, slow: BurnWindow,
                    errors: Callable[[Fraction], Phases]) -> list[SLOCase]:
    """A short outage: the page fires, then resolves once the short window no longer holds it.

    The smallest outage that fires the fast pair but not the slow one resolves after the fast short window (5m);
    one that also fires the slow pair resolves after the slow short window (30m), though both long windows still
    hold it. A short window of the wrong length fails these.
    """
    cases = []
    warm = errors(Fraction(1))[-1][0] - 1
    fast_only = math.floor(slo.threshold(fast) * (fast.long_ms // step)) + 1
    # Enough that the slow long window stays above its threshold well after the short one has cleared.
    both = math.floor(slo.threshold(slow) * (slow.long_ms + slow.short_ms) // step * Fraction(5, 4)) + 1
    for outage, pair, which in ((fast_only, fast, "fast"), (both, slow, "both")):
        if which == "fast" and outage >= both:
            continue  # the fast pair never fires alone at this objective
        phases = (*errors(Fraction(1))[:-1], (warm + 1, 1, Fraction(1)), (warm + 1 + outage, 1, Fraction(0)))
        cases.append(SLOCase(
            f"page: {format_duration(outage * step)} outage, then healthy: resolves once the {pair.short} window "
            f"no longer holds it", phases, warm + outage + _steps(pair.short_ms, step) + 4, probes=(warm,)))
    return cases


def _pct(ratio: Fraction) -> str:
    text = decimal_text(ratio * 100) if (ratio * 100 * 10**6).denominator == 1 else f"{float(ratio * 100):.4g}"
    return f"{text}%"


def _events_per_step(slo: SLO, step: int, ratios: Iterable[Fraction], lean: bool = False) -> int:
    """Normal traffic per step, a multiple of every ratio's denominator (whole bad events); `lean`: the smallest
    such multiple that is at least the normal traffic, not a multiple of it (fewer events: counters stay within
    float64's exact integers for longer)."""
    per_second = max(Fraction(TRAFFIC_PER_SECOND), 2 * Fraction(slo.alerting.min_events_per_second or 0))
    normal = math.ceil(per_second * step / 1000)
    whole = math.lcm(*(ratio.denominator for ratio in ratios))
    return whole * -(-normal // whole) if lean else math.lcm(normal, whole)


@dataclass(frozen=True)
class SLISeries:
    """Concrete series for an SLI: which carry bad events, which good ones, which all of them."""

    bad: list[str]
    good: list[str]
    total: list[str]
    group: dict[str, str] = field(default_factory=dict)  # the group_by labels of every series
    gauge: list[str] = field(default_factory=list)  # 0/1 gauges: 1 when good


# label_replace(v, dst, replacement, src, regex) with these copies src's whole value into dst (Prometheus anchors
# the regex, and "(.*)" matches every value, the empty one too): a test feeds src and expects dst.
_WHOLE_VALUE = frozenset({"(.*)", "^(.*)$"})
_FIRST_GROUP = frozenset({"$1", "${1}"})
_LABEL_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*\Z")


class _NotFed(Exception):
    """A query tests cannot feed; the message, when there is one, says which part of it."""


@dataclass(frozen=True)
class RateSum:
    """A query tests can feed: sum(rate(<selector>[{{window}}])) by the group labels, label_replace() copies of
    whole label values allowed between the sum and the rate."""

    selector: str
    sources: tuple[tuple[str, str], ...] = ()  # (group label, the selector's label whose value it holds), if others


@dataclass(frozen=True)
class QueryForm:
    """How tests feed a query SLI: bad and total selectors, or good and total ones (errors = total - good), and
    which label of the input series each group label's value comes from where label_replace() copies it."""

    errors: str | None
    good: str | None
    total: str
    sources: tuple[tuple[str, str], ...] = ()

    def source(self, label: str) -> str:
        return dict(self.sources).get(label, label)


def _rate_sum(node: promql_parser.Expr, by: tuple[str, ...], where: str) -> RateSum:
    """The RateSum of a parsed query, else _NotFed."""
    node = promql.unwrap(node)
    if not (isinstance(node, promql_parser.AggregateExpr) and str(node.op) == "sum" and node.param is None):
        raise _NotFed
    modifier = node.modifier
    if modifier is not None and not (str(modifier.type).endswith("By") and set(modifier.labels) == set(by)):
        raise _NotFed
    inner = promql.unwrap(node.expr)
    copies = []
    while isinstance(inner, promql_parser.Call) and inner.func.name == "label_replace":
        copies.append(_copy(inner, where))
        inner = promql.unwrap(inner.args[0])
    if not (isinstance(inner, promql_parser.Call) and inner.func.name == "rate"):
        raise _NotFed
    matrix = promql.unwrap(inner.args[0])
    if not isinstance(matrix, promql_parser.MatrixSelector):
        raise _NotFed
    selector = matrix.vector_selector
    if selector.offset is not None or selector.at is not None:
        raise _NotFed
    sources: dict[str, str] = {}
    matched = {m.name for m in selector.matchers.matchers}
    for dst, src in reversed(copies):  # innermost first: a copy may read what an inner one wrote
        if dst in matched:
            # The series a test feeds differ in the labels their selectors match on: overwritten, two of them
            # could become one.
            raise _NotFed(f"{where}: label_replace() overwrites {dst!r}, which its selector matches on")
        sources[dst] = sources.get(src, src)
    return RateSum(str(selector), tuple(sorted((label, source) for label, source in sources.items()
                                              if label in by and source != label)))


def _copy(call: promql_parser.Call, where: str) -> tuple[str, str]:
    """(dst, src) of a label_replace() that copies a whole label value, else _NotFed saying why not."""
    args = [promql.unwrap(arg) for arg in call.args[1:]]
    texts = [arg.val if isinstance(arg, promql_parser.StringLiteral) else None for arg in args]
    if len(texts) != 4 or None in texts:
        raise _NotFed(f"{where}: label_replace() with arguments other than string literals")
    dst, replacement, src, regex = texts
    if replacement not in _FIRST_GROUP or regex not in _WHOLE_VALUE:
        raise _NotFed(f"{where}: label_replace() into {dst!r} with replacement {replacement!r} and regex {regex!r} "
                      "is not a copy of a whole label value (replacement \"$1\", regex \"(.*)\")")
    for label in (dst, src):
        if not _LABEL_NAME.match(label) or label.startswith("__"):
            raise _NotFed(f"{where}: label_replace() of {label!r}, which is not a label a test series carries")
    return dst, src


def _query_form(sli: QuerySLI, by: tuple[str, ...]) -> QueryForm:
    """The QueryForm of a query SLI, else _NotFed."""
    errors_node, total_node = promql.parse(sli.errors_at("5m")), promql.parse(sli.total_at("5m"))
    total = _rate_sum(total_node, by, "sli.total")
    errors_node = promql.unwrap(errors_node)
    if isinstance(errors_node, promql_parser.BinaryExpr) and str(errors_node.op) == "-":
        if errors_node.modifier is not None:
            raise _NotFed
        minuend = _rate_sum(errors_node.lhs, by, "sli.errors")
        good = _rate_sum(errors_node.rhs, by, "sli.errors")
        if minuend != total:
            raise _NotFed
        _same_sources(good, total)
        return QueryForm(errors=None, good=good.selector, total=total.selector, sources=total.sources)
    errors = _rate_sum(errors_node, by, "sli.errors")
    _same_sources(errors, total)
    return QueryForm(errors=errors.selector, good=None, total=total.selector, sources=total.sources)


def _same_sources(one: RateSum, total: RateSum) -> None:
    if one.sources != total.sources:
        raise _NotFed("sli.errors and sli.total copy their group labels from different labels")


@lru_cache(maxsize=4096)
def query_form(sli: QuerySLI, by: tuple[str, ...] = ()) -> tuple[QueryForm | None, str]:
    """(form, "") when tests can feed the queries; else (None, what about them tests cannot follow, or "" when
    they are simply of another form). Kept: each query is parsed to find out."""
    try:
        return _query_form(sli, by), ""
    except _NotFed as exc:
        return None, str(exc)


def query_selectors(sli: QuerySLI, by: tuple[str, ...] = ()) -> tuple[str, str] | None:
    """(errors, total) selectors when both queries are sum(rate(<selector>[{{window}}])): what tests can feed."""
    form = query_form(sli, by)[0]
    return None if form is None or form.errors is None else (form.errors, form.total)


def good_total_selectors(sli: QuerySLI, by: tuple[str, ...] = ()) -> tuple[str, str] | None:
    """(good, total) selectors when the errors are all events but the good ones,
    sum(rate(<total>[{{window}}])) - sum(rate(<good>[{{window}}])), and the total query is the same sum(rate(...))
    (how OpenSLO good/total and Pyrra latency SLIs are imported)."""
    form = query_form(sli, by)[0]
    return None if form is None or form.good is None else (form.good, form.total)


def testable(slo: SLO) -> bool:
    """Whether test series can be planned for the SLO's SLI (query SLIs only in the sum(rate(...)) forms, label
    copies allowed (see query_form); native histograms not at all: promtool 2.42's input series notation has no
    native histogram samples)."""
    if isinstance(slo.sli, LatencySLI) and slo.sli.native:
        return False
    if isinstance(slo.sli, QuerySLI) and query_form(slo.sli, slo.group_by)[0] is None:
        return False
    return too_long_why(slo) is None


# too_long_why of recent SLO shapes: asked for each SLO by Stack.check, the warnings and the test file.
_TOO_LONG: dict[tuple[object, ...], str | None] = {}


def too_long_why(slo: SLO) -> str | None:
    """Why the SLO's tests would run too long to generate (a period of years makes windows of months), or None.
    The longest case runs past the slowest window: promtool_timing.MAX_TEST_STEPS bounds it."""
    if not slo.tiers:
        return None
    return kept_for(_WHYS, slo, _too_long_why, _PER_SLO_KEPT)


def _too_long_why(slo: SLO) -> str | None:
    step = slo_step(slo)
    key = _plan_key(slo, step)
    if key not in _TOO_LONG:
        steps = max(case.horizon for case in slo_cases(slo, step)) + 1
        longest = max(slo.windows, key=lambda pair: pair.long_ms).long
        keep(_TOO_LONG, key, too_long(steps, step, f"its {longest} window, of its period {slo.period}"),
             _SERIES_KEPT)
    return _TOO_LONG[key]


# Each SLO's too_long_why and slo_step, kept per SLO: each is asked in its check, in its rules' warnings and in its
# tests, units of work that run apart (see bounded.kept_for). Definitions are immutable.
_PER_SLO_KEPT = 4096
_WHYS: dict[int, tuple[SLO, str | None]] = {}
_STEPS: dict[int, tuple[SLO, int]] = {}


def warnings(slo: SLO) -> list[str]:
    """What generate says of the SLO's tests: why none was generated for its alerts, if none was, or which of
    its cases were left out."""
    why = untested_why(slo)
    return [why] if why is not None else [f"slo {slo.name!r}: {text}" for text in left_out(slo)]


def untested_why(slo: SLO) -> str | None:
    """Why no promtool test is generated for the SLO's alerts, naming the SLO (as generate warns, and as `monitoring
    test` says of each of them), or None when one is (or it has no alerts)."""
    if not slo.tiers:
        return None
    if isinstance(slo.sli, LatencySLI) and slo.sli.native:
        return (f"slo {slo.name!r}: promtool 2.42 cannot write native histogram input series, so no promtool test "
                "was generated for its alerts (the end-to-end suite proves native-histogram SLOs on Prometheus)")
    if why := too_long_why(slo):
        return (f"slo {slo.name!r}: {why}, so no promtool test was generated for its alerts (a period up to 365d "
                "keeps its tests within it)")
    if not testable(slo):
        detail = query_form(slo.sli, slo.group_by)[1] if isinstance(slo.sli, QuerySLI) else ""
        return (f"slo {slo.name!r}: its query SLI is not of the form sum(rate(<selector>[{{{{window}}}}]))"
                f"{f' ({detail})' if detail else ''}, so no promtool test was generated for its alerts")
    return None


# sli_series of recent SLIs: Stack.check works them out for every SLO before anything renders, and the test files
# need them again. Keyed on all the SLO fields they depend on; bounded, oldest out first.
_SERIES: dict[tuple[object, ...], SLISeries] = {}
_SERIES_KEPT = 8192


def sli_series(slo: SLO, python_le: bool = False) -> SLISeries:
    """Concrete test series for the SLO's SLI (bucket boundaries as Python clients write them if `python_le`).
    The result is shared: do not change it."""
    key = (slo.sli, slo.filter, slo.group_by, python_le)
    found = _SERIES.get(key)
    if found is None:
        found = keep(_SERIES, key, plain_sli_series(slo, python_le), _SERIES_KEPT)
    return found


def plain_sli_series(slo: SLO, python_le: bool = False) -> SLISeries:
    """sli_series, worked out."""
    if isinstance(slo.sli, BooleanSLI):
        name, matchers = parse_selector(with_matchers(slo.sli.gauge, slo.filter))
        labels = _grouped(slo, example_labels(matchers))
        if labels is None:
            raise slo.error("no test series satisfies the gauge selector", field="sli.gauge", value=slo.sli.gauge)
        return SLISeries(bad=[], good=[], total=[], group=_group(slo, labels), gauge=[series_text(name, labels)])
    if isinstance(slo.sli, LatencySLI) and slo.sli.native:
        raise ValueError(f"slo {slo.name!r}: promtool 2.42 cannot write native histogram input series")
    if isinstance(slo.sli, LatencySLI):
        sli = slo.sli
        name, matchers = parse_selector(with_matchers(f"{sli.histogram}_count", sli.selector, slo.filter))
        labels = _grouped(slo, example_labels(matchers))
        if labels is None:
            raise slo.error("no test series satisfies the latency selector", field="sli.selector", value=sli.selector)
        le = (python_float if python_le else go_float)(float(sli.threshold))
        return SLISeries(bad=[], good=[series_text(f"{sli.histogram}_bucket", {**labels, "le": le})],
                         total=[series_text(name, labels)], group=_group(slo, labels))
    form = None
    if isinstance(slo.sli, QuerySLI):
        form = query_form(slo.sli, slo.group_by)[0]
        if form is None:
            raise ValueError(f"slo {slo.name!r}: no test series can be planned for its query SLI")
        if form.good is not None:
            return _good_total_series(slo, form, form.good, form.total)
        assert form.errors is not None
        errors, total = form.errors, form.total
    else:
        errors = with_matchers(slo.sli.errors, slo.filter)
        total = with_matchers(slo.sli.total, slo.filter)
    bad_name, bad_matchers = parse_selector(errors)
    total_name, total_matchers = parse_selector(total)
    bad_labels = _grouped(slo, example_labels(bad_matchers), form)
    if bad_labels is None:
        raise slo.error(f"no test series satisfies sli.errors {errors!r}", field="sli.errors", value=errors)
    same_metric = bad_name == total_name
    other = example_labels(total_matchers, bad_matchers if same_metric else None)
    if other is not None and bad_labels is not None:
        inputs = _inputs(slo, form)
        other = {**{k: bad_labels[k] for k in inputs if k not in other}, **other}
    if other is None:
        raise slo.error(f"no test series is selected by sli.total {total!r} but not by sli.errors {errors!r}",
                        field="sli.total", value=total)
    group = _group(slo, bad_labels, form)
    if _group(slo, other, form) != group:
        raise slo.error("no test series pair shares its group_by labels", field="group_by", value=slo.group_by)
    if same_metric and selects(total_matchers, bad_labels):
        return SLISeries(bad=[series_text(bad_name, bad_labels)], good=[series_text(total_name, other)], total=[],
                         group=group)
    return SLISeries(bad=[series_text(bad_name, bad_labels)], good=[], total=[series_text(total_name, other)],
                     group=group)


def _good_total_series(slo: SLO, form: QueryForm, good: str, total: str) -> SLISeries:
    """Series for errors = total - good: of one metric, a good series and one the total selects but good does not
    (the bad one); of two (a histogram's bucket and count), a good series and a total one."""
    good_name, good_matchers = parse_selector(good)
    total_name, total_matchers = parse_selector(total)
    good_labels = _grouped(slo, example_labels(good_matchers), form)
    if good_labels is None:
        raise slo.error(f"no test series satisfies the good events {good!r}", field="sli.errors", value=good)
    group = _group(slo, good_labels, form)
    fed = {k: good_labels[k] for k in _inputs(slo, form)}  # the group labels as the input series carry them
    if good_name == total_name:
        bad_labels = example_labels(total_matchers, good_matchers)
        if bad_labels is None or not selects(total_matchers, good_labels):
            raise slo.error(f"no test series is counted by the total {total!r} but not by the good events {good!r}",
                            field="sli.total", value=total)
        bad_labels = {**fed, **bad_labels}
        return SLISeries(bad=[series_text(total_name, bad_labels)], good=[series_text(good_name, good_labels)],
                         total=[], group=group)
    total_labels = example_labels(total_matchers)
    if total_labels is None:
        raise slo.error(f"no test series satisfies sli.total {total!r}", field="sli.total", value=total)
    return SLISeries(bad=[], good=[series_text(good_name, good_labels)],
                     total=[series_text(total_name, {**fed, **total_labels})], group=group)


def _inputs(slo: SLO, form: QueryForm | None = None) -> tuple[str, ...]:
    """The labels of the input series that the group labels' values come from (the group labels themselves,
    but where label_replace() copies one from another label)."""
    if form is None or not form.sources:
        return slo.group_by
    return tuple(dict.fromkeys(form.source(label) for label in slo.group_by))


def _grouped(slo: SLO, labels: dict[str, str] | None, form: QueryForm | None = None) -> dict[str, str] | None:
    """Example labels with a value for every group_by label (or the label it is copied from) the matchers leave
    open."""
    if labels is None:
        return None
    return {**{label: "group-a" for label in _inputs(slo, form)}, **labels}


def _group(slo: SLO, labels: dict[str, str], form: QueryForm | None = None) -> dict[str, str]:
    """The group labels of the queries' results over input series of these labels."""
    if form is None or not form.sources:
        return {label: labels[label] for label in slo.group_by}
    return {label: labels[form.source(label)] for label in slo.group_by}


@dataclass(frozen=True)
class PlannedCase:
    """What one case checks, independent of the SLO's names: SLOs with the same arithmetic share it."""

    case: SLOCase
    steps: int
    checks: tuple[tuple[int, str, bool], ...]  # (step, tier, firing), in eval-time order
    bad: str  # promtool values of the bad, good and total counters
    good: str
    total: str
    gauge: str  # promtool values of a 0/1 gauge (1 when good)
    # The same, written as YAML once for every SLO of the shape: each check's eval_time line, the interval line
    # and the values as YAML scalars.
    eval_lines: tuple[str, ...] = ()
    interval_line: str = ""
    name_line: str = ""  # "- name: 'slo <SLO_NAME>: <case>'": the SLO's name goes where SLO_NAME stands
    values_yaml: dict[str, str] = field(default_factory=dict)


_PLANS: dict[tuple[object, ...], tuple[PlannedCase, ...]] = {}
# The cases of a plan left out, as the warning's text after "slo '<name>': ".
_LEFT_OUT: dict[tuple[object, ...], tuple[str, ...]] = {}


class _Inexact(Exception):
    """The case's intent cannot be checked exactly: float64 could not tell its error ratios from the threshold."""


def _plan_key(slo: SLO, step: int) -> tuple[object, ...]:
    """Everything the planned cases depend on."""
    return (slo.plan.shape, slo.error_budget, step, isinstance(slo.sli, BooleanSLI))


def plan(slo: SLO, step: int) -> tuple[PlannedCase, ...]:
    """The cases of an SLO with their predicted checks and input values, planned once per SLO shape."""
    key = _plan_key(slo, step)
    if key not in _PLANS:
        planned, left_out = [], []
        for case in slo_cases(slo, step):
            try:
                planned.append(_plan_exact(slo, case, step))
            except _Inexact as exc:
                left_out.append(f"test case {case.name!r} left out: {exc}")
        _PLANS[key], _LEFT_OUT[key] = tuple(planned), tuple(left_out)
    return _PLANS[key]


def left_out(slo: SLO) -> tuple[str, ...]:
    """Why cases of the SLO's tests were left out (each to follow "slo '<name>': "); none for most objectives."""
    if not slo.tiers or not testable(slo):
        return ()
    step = slo_step(slo)
    plan(slo, step)
    return _LEFT_OUT[_plan_key(slo, step)]


def _plan_exact(slo: SLO, case: SLOCase, step: int) -> PlannedCase:
    """The case planned as written; else its simpler alternative with as few events per step as its ratios
    allow (what keeps counters within float64's exact integers); else _Inexact."""
    try:
        return _plan_case(slo, case, step)
    except _Inexact:
        return _plan_case(slo, case.simpler or case, step, lean=True)


def _plan_case(slo: SLO, case: SLOCase, step: int, lean: bool = False) -> PlannedCase:
    sampled = isinstance(slo.sli, BooleanSLI)  # one gauge series: one sample per step
    normal = 1 if sampled else _events_per_step(slo, step, [ratio for _, _, ratio in case.phases], lean)
    phases = tuple(Phase(start, case.events or normal * scale, ratio) for start, scale, ratio in case.phases)
    base = counter_base(phases)
    traffic = Traffic(step, case.horizon, phases, sampled, base)
    timelines = simulate(slo.plan, traffic)
    steps = case.horizon + 1
    if case.stop_after:
        first = timelines[case.stop_after].first_firing()
        if first is None and None in timelines[case.stop_after].firing:
            raise _Inexact(_inexact_why(traffic, f"whether the {case.stop_after} alert fires"))
        if first is None:
            raise slo.error(f"scenario {case.name!r} never fires the {case.stop_after} alert")
        steps = min(first + 2, case.horizon + 1)
    for tier in case.silent:
        if any(timelines[tier].firing[:steps]):
            raise _Inexact(_inexact_why(traffic, f"that the {tier} alert stays silent"))
    checks = []
    for tier, timeline in timelines.items():
        firing = timeline.firing[:steps]
        if all(on is None for on in firing):
            raise _Inexact(_inexact_why(traffic, f"the {tier} alert"))
        # Check the last step, the probes, and both sides of every change; never a step too close to call.
        known = [at for at in range(steps) if firing[at] is not None]
        moments = {known[-1], *(p for p in case.probes if p in known)}
        moments |= {k for a, b in pairwise(known) if firing[a] != firing[b] for k in (a, b)}
        checks += [(at, tier, bool(firing[at])) for at in moments]
    traffic = Traffic(step, steps, phases, sampled, base)
    bad, total = traffic.counters
    good = [t - b + bad[0] for t, b in zip(total, bad, strict=True)]
    gauge = [1 - flag for flag in traffic.gauge] if sampled else [0]
    checks.sort(key=lambda c: (c[0], slo.alert_name(c[1])))
    name_line = f"- name: {scalar(f'slo {SLO_NAME}: {case.name}')}\n"
    assert name_line.count(SLO_NAME) == 1
    values = {"bad": values_text(list(bad)), "good": values_text(good), "total": values_text(list(total)),
              "gauge": values_text(gauge)}
    return PlannedCase(case, steps, tuple(checks), values["bad"], values["good"], values["total"], values["gauge"],
                       eval_lines=tuple(f"  - eval_time: {scalar(eval_time(step, at))}\n" for at, _, _ in checks),
                       interval_line=f"  interval: {scalar(format_duration(step))}\n",
                       name_line=name_line,
                       values_yaml={value: scalar(value) for value in values.values()})


def _inexact_why(traffic: Traffic, what: str) -> str:
    """Why float64 arithmetic cannot check `what` in a case of this traffic."""
    if traffic.exact_until <= traffic.steps:
        return (f"checking {what} needs counters above 2**53 (at {traffic.largest_increment:,} events per step), "
                "which float64 does not hold exactly")
    return (f"checking {what} needs an error ratio closer to the burn-rate threshold than float64 arithmetic "
            "tells apart")


def _input_series(series: SLISeries, planned: PlannedCase) -> list[dict[str, str]]:
    return [{"series": s, "values": values} for s, values in sorted(_rows(series, planned))]


def _expected_alert(stack: Stack, slo: SLO, tier: str, group: dict[str, str] | None = None) -> dict[str, Any]:
    return {"exp_labels": _expected_labels(slo, tier, group),
            "exp_annotations": slo_rules.alert_annotations(stack, slo, tier)}


def _expected_labels(slo: SLO, tier: str, group: dict[str, str] | None = None) -> dict[str, str]:
    labels = {**slo_rules.series_labels(slo), **(group or {}), **slo_rules.alert_labels(slo, tier)}
    return dict(sorted(labels.items()))


def slo_case_test(slo: SLO, planned: PlannedCase, step: int, series: dict[bool, SLISeries],
                  expected: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    names = {tier: slo.alert_name(tier) for tier in slo.tiers}
    test: dict[str, Any] = {
        "name": f"slo {slo.name}: {planned.case.name}",
        "interval": format_duration(step),
        "input_series": _input_series(series[planned.case.python_le], planned),
        "alert_rule_test": [{"eval_time": eval_time(step, at), "alertname": names[tier],
                             "exp_alerts": expected[tier] if firing else []} for at, tier, firing in planned.checks],
    }
    if planned.case.metadata:
        test["promql_expr_test"] = metadata_checks(slo, eval_time(step, planned.steps - 1),
                                                   series[planned.case.python_le].group)
    return test


# Metadata series derived from the SLI carry the group labels (and, under Sloth's naming, the sloth_window of
# the SLI series they divide: 5m, or the period); the configured constants do not.
_PER_GROUP = (conventions.slo_current_burn_rate(), conventions.slo_error_budget_remaining())


def metadata_checks(slo: SLO, at: str, group: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """With no errors: the configured objective, budget and period; no burn; the whole budget left."""
    labels = slo_rules.series_labels(slo)
    values = {
        conventions.slo_objective(): slo.objective_ratio,
        conventions.slo_error_budget(): slo.error_budget,
        conventions.slo_period_days(): Decimal(slo.period_days),
        conventions.slo_current_burn_rate(): Decimal(0),
        conventions.slo_error_budget_remaining(): Decimal(1),
    }
    windows = {conventions.slo_current_burn_rate(): conventions.SLO_CURRENT_WINDOW,
               conventions.slo_error_budget_remaining(): slo.period}
    return [{"expr": f"{name}{slo_rules.selector(slo)}", "eval_time": at,
             "exp_samples": [{"labels": series_text(name, {
                 **labels, **(group if name in _PER_GROUP else {}),
                 **(slo.plan.naming.window_labels(windows[name]) if name in windows else {})}),
                              "value": float(value)}]}
            for name, value in values.items()]


def metadata_text(stack: Stack, slo: SLO, at: str, group: dict[str, str]) -> str:
    """`promql_expr_test:` with the metadata checks under it, at indent 2: exactly
    `under("promql_expr_test", metadata_checks(slo, at, group), "  ")`, written once per key with the SLO's
    names put in."""
    key = ("metadata", slo.plan.naming, tuple(slo.labels.items()), tuple(group.items()), at, slo.objective,
           slo.period)
    return _TEXTS.text(key, stack, slo,
                        lambda stack, slo: under("promql_expr_test", metadata_checks(slo, at, group), "  "))


def both_series(slo: SLO) -> dict[bool, SLISeries]:
    """The SLI's series with Go's and with Python's spelling of bucket boundaries (only latency SLIs differ)."""
    series = sli_series(slo)
    return {False: series, True: sli_series(slo, True) if isinstance(slo.sli, LatencySLI) else series}


def slo_tests(stack: Stack, slo: SLO, step: int) -> list[dict[str, Any]]:
    series = both_series(slo)
    expected = {tier: [_expected_alert(stack, slo, tier, series[False].group)] for tier in slo.tiers}
    return [slo_case_test(slo, planned, step, series, expected) for planned in plan(slo, step)]


def render(stack: Stack, slo: SLO) -> dict[str, Any] | None:
    """The test file of one SLO as plain data, or None when both of its tiers are off."""
    head = _file_head(slo)
    if head is None:
        return None
    step, data = head
    return {**data, "tests": slo_tests(stack, slo, step)}


def slo_step(slo: SLO) -> int:
    """The step of the SLO's tests: choose_step of its windows (a DefinitionError naming the SLO, and the window of
    its policy that leaves no step, when none fits)."""
    return kept_for(_STEPS, slo, _slo_step, _PER_SLO_KEPT)


def _slo_step(slo: SLO) -> int:
    windows = slo_windows(slo)
    try:
        step = _step(frozenset(windows))
    except DefinitionError as exc:
        shortest = min(w for w in windows if w > 0)
        own = next((w for pair in slo.windows for w in (pair.short, pair.long) if duration_ms(w) == shortest), None)
        raise slo.error(f"{'window_policy: ' if own else ''}{exc.problem}, the shortest being "
                        f"{format_duration(shortest)}: a test step is whole seconds, under half of every window",
                        field="window_policy" if own else None, value=own) from None
    return step


@lru_cache(maxsize=1024)
def _step(windows: frozenset[int]) -> int:
    return choose_step(windows)


def _file_head(slo: SLO) -> tuple[int, dict[str, Any]] | None:
    """The test step, and what the file says before its tests; None when the SLO has no tests."""
    if not slo.tiers or not testable(slo):
        return None
    step = slo_step(slo)
    return step, {"rule_files": [relative_rule_file(conventions.slo_rules_file(slo.service, slo.name))],
                  "evaluation_interval": format_duration(step)}


# --- the test file as text -----------------------------------------------------------------------------------------
# SLOs of one shape share their planned cases: steps, checks and input values, written as YAML once (PlannedCase).
# Each SLO's file is those texts with its own names, series and expected alerts put in; the parts that are the
# SLO's own go through the YAML writer. `render` is the same file as plain data: `render_text` must equal its YAML
# (tests compare them over many stacks).


# Stands for the SLO's name in a test name written once per shape. SLO names are slugs (a-z, 0-9, '-'), which
# YAML writes as they are in every quoting style and which never change the style a string needs (a test name
# holds ': ', so it is never plain): putting the name in afterwards gives what writing the whole name would.
SLO_NAME = "slo-name-0"


def render_text(stack: Stack, slo: SLO, header: str = "") -> str | None:
    """The test file of one SLO as YAML after `header` (exactly `to_yaml(render(stack, slo), header)`), or None
    when both of its tiers are off."""
    head = _file_head(slo)
    if head is None:
        return None
    step, data = head
    series = both_series(slo)
    order = {python_le: _order(kind) for python_le, kind in series.items()}
    if None in order.values():
        return _case_by_case(stack, slo, header, step, data, series)
    layout = (tuple(kind for _, kind in order[False]), tuple(kind for _, kind in order[True]))  # type: ignore[union-attr]
    key = (_plan_key(slo, step), layout)
    template = _TEMPLATES.get(key)
    if template is None:
        template = keep(_TEMPLATES, key, _template(plan(slo, step), layout), _TEMPLATES_KEPT)
    fields = _alert_fields(stack, slo, series[False].group)
    fields["name"] = slo.name
    for python_le, rows in order.items():
        for rank, (name, _) in enumerate(rows):  # type: ignore[union-attr]
            fields[f"s{int(python_le)}_{rank}"] = scalar(name)
    for index, planned in enumerate(plan(slo, step)):
        if planned.case.metadata:
            fields[f"meta_{index}"] = metadata_text(stack, slo, eval_time(step, planned.steps - 1),
                                                    series[planned.case.python_le].group)
    head = (f"rule_files:\n- {scalar(data['rule_files'][0])}\n"
            f"evaluation_interval: {scalar(data['evaluation_interval'])}\ntests:\n")  # to_yaml(data), "tests:"
    return "".join((header, head, template.format_map(fields)))


# The test files of one plan whose input series come in one order of kinds (bad, good, total, gauge): a str.format
# template of the YAML, written once, with fields for what is each SLO's own (its name, its series, its alerts'
# checks and its metadata checks). Bounded, oldest out first: a stack of odd SLOs makes many.
_TEMPLATES: dict[tuple[object, ...], str] = {}
_TEMPLATES_KEPT = 512
_KINDS = ("bad", "good", "total", "gauge")


def _order(series: SLISeries) -> tuple[tuple[str, str], ...] | None:
    """The series with their kinds in the order a test lists them (by name), or None when two share a name (the
    values then decide, which differ from case to case)."""
    rows = sorted((name, kind) for kind in _KINDS for name in getattr(series, kind))
    return None if len({name for name, _ in rows}) < len(rows) else tuple(rows)


def _escaped(text: str) -> str:
    return text.replace("{", "{{").replace("}", "}}")


def _template(planned_cases: tuple[PlannedCase, ...], layout: tuple[tuple[str, ...], ...]) -> str:
    """The cases as YAML, with fields for the SLO's own texts (see render_text)."""
    out = []
    for index, planned in enumerate(planned_cases):
        case = planned.case
        values = {"bad": planned.bad, "good": planned.good, "total": planned.total, "gauge": planned.gauge}
        kinds = layout[case.python_le]
        out += [_escaped(planned.name_line).replace(SLO_NAME, "{name}"), _escaped(planned.interval_line),
                "  input_series:\n" if kinds else "  input_series: []\n"]
        out += [f"  - series: {{s{int(case.python_le)}_{rank}}}\n    values: "
                f"{_escaped(planned.values_yaml[values[kind]])}\n" for rank, kind in enumerate(kinds)]
        out.append("  alert_rule_test:\n" if planned.checks else "  alert_rule_test: []\n")
        for line, (_, tier, on) in zip(planned.eval_lines, planned.checks, strict=True):
            out += [_escaped(line), f"{{{tier}_{int(on)}}}"]
        if case.metadata:
            out.append(f"{{meta_{index}}}")
    return "".join(out)


def _alert_fields(stack: Stack, slo: SLO, group: dict[str, str]) -> dict[str, str]:
    """What a check says after its eval_time, per tier: the alert, and either no alert ('<tier>_0') or the
    expected one ('<tier>_1'); written once per key with the SLO's names put in."""
    fields = {}
    groups = tuple(group.items())
    for tier in slo.tiers:
        key = stand_ins.alert_key(slo, tier)
        fields[f"{tier}_0"] = _TEXTS.text(("quiet", tier), stack, slo, partial(_quiet_check, tier=tier))
        fields[f"{tier}_1"] = _TEXTS.text(("firing", key, groups), stack, slo,
                                           partial(_firing_check, tier=tier, group=group))
    return fields


_TEXTS = stand_ins.NamedTexts()


def _quiet_check(stack: Stack, slo: SLO, tier: Tier) -> str:
    return f"    alertname: {scalar(slo.plan.alert_names[tier])}\n    exp_alerts: []\n"


def _firing_check(stack: Stack, slo: SLO, tier: Tier, group: dict[str, str]) -> str:
    return (f"    alertname: {scalar(slo.plan.alert_names[tier])}\n    exp_alerts:\n    - "
            + under("exp_labels", _expected_labels(slo, tier, group), "      ")[6:]
            + slo_rules.annotations_text(stack, slo, tier, "exp_annotations", "      "))


def _case_by_case(stack: Stack, slo: SLO, header: str, step: int, data: dict[str, Any],
                  series: dict[bool, SLISeries]) -> str:
    """render_text for SLOs whose series share a name: each case's input series sorted on their own."""
    blocks = _alert_fields(stack, slo, series[False].group)
    spelled = {name: scalar(name) for kind in series.values() for name in _names(kind)}
    out = [header, to_yaml(data), "tests:\n"]
    for planned in plan(slo, step):
        case = planned.case
        out += [planned.name_line.replace(SLO_NAME, slo.name), planned.interval_line]
        rows = sorted(_rows(series[case.python_le], planned))
        out.append("  input_series:\n" if rows else "  input_series: []\n")
        out += [f"  - series: {spelled[name]}\n    values: {planned.values_yaml[values]}\n"
                for name, values in rows]
        out.append("  alert_rule_test:\n" if planned.checks else "  alert_rule_test: []\n")
        for line, (_, tier, on) in zip(planned.eval_lines, planned.checks, strict=True):
            out += [line, blocks[f"{tier}_{int(on)}"]]
        if case.metadata:
            out.append(metadata_text(stack, slo, eval_time(step, planned.steps - 1), series[case.python_le].group))
    return "".join(out)


def _names(series: SLISeries) -> list[str]:
    return series.bad + series.good + series.total + series.gauge


def _rows(series: SLISeries, planned: PlannedCase) -> list[tuple[str, str]]:
    return ([(s, planned.bad) for s in series.bad] + [(s, planned.good) for s in series.good]
            + [(s, planned.total) for s in series.total] + [(s, planned.gauge) for s in series.gauge])
