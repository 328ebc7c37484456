"""SLOs -> Prometheus rules: per-window SLI rates, metadata, and multi-window multi-burn-rate alerts.

One rule group per SLO, evaluated in order: SLI rates (total, bad, ratio per window), the error ratio over the
period, metadata, then one alert per enabled tier. Bad and total events are summed separately and divided
afterwards, so every window is traffic-weighted; ratios are never averaged.
"""

from __future__ import annotations

import re
from decimal import Decimal
from fractions import Fraction
from functools import lru_cache
from typing import Any

from monitoring import conventions as names
from monitoring.model.common import duration_ms
from monitoring.model.slo import SLO, BooleanSLI, LatencySLI, QuerySLI, Timeslices, with_matchers
from monitoring.model.stack import Stack
from monitoring.render.numbers import go_float, python_float
from monitoring.slo.naming import SLOTH_INFO
from monitoring.slo.windows import Tier, decimal_text, exact_text, human_hours, human_number

CURRENT_WINDOW = names.SLO_CURRENT_WINDOW
TIMES = "\u00d7"  # the multiplication sign: "burning 14.4\u00d7 faster"


def le_spellings(threshold: Decimal) -> tuple[str, ...]:
    """Every way exporters write this bucket boundary: Go and Python clients differ for whole numbers."""
    value = float(threshold)
    return tuple(sorted({go_float(value), python_float(value)}))


def le_matcher(threshold: Decimal) -> str:
    """le="0.5", or le=~"5|5\\\\.0" where Go (5) and Python (5.0) clients spell the boundary differently."""
    spellings = le_spellings(threshold)
    if len(spellings) == 1:
        return f'le="{spellings[0]}"'
    # A PromQL string: the regex escape backslash is itself escaped.
    return 'le=~"' + "|".join(re.escape(s).replace("\\", "\\\\") for s in spellings) + '"'


def selector(slo: SLO) -> str:
    return slo.plan.naming.selector(slo.service, slo.name)


def series_labels(slo: SLO) -> dict[str, str]:
    """The labels of every series (and so every alert) of an SLO."""
    return slo.plan.naming.series_labels(slo.service, slo.name, slo.labels)


def window_labels(slo: SLO, window: str) -> dict[str, str]:
    """The labels of a per-window SLI series: the SLO's, and Sloth's sloth_window under Sloth's naming."""
    return {**series_labels(slo), **slo.plan.naming.window_labels(window)}


def _sum_rate(series: str, window: str, by: tuple[str, ...] = ()) -> str:
    """sum(rate(x[w])), or sum by (route) (rate(x[w])) for a grouped SLO."""
    if by:
        return f"sum by ({', '.join(by)}) (rate({series}[{window}]))"
    return f"sum(rate({series}[{window}]))"


def _sum(expr: str, by: tuple[str, ...] = ()) -> str:
    return f"sum by ({', '.join(by)}) ({expr})" if by else f"sum({expr})"


def _native_rate(slo: SLO, sli: LatencySLI, window: str) -> str:
    """The native histogram's rate summed over everything the SLI selects (per group): one histogram sample."""
    return _sum(f"rate({with_matchers(sli.histogram, sli.selector, slo.filter)}[{window}])", slo.group_by)


def _samples(slo: SLO, sli: BooleanSLI, function: str, window: str) -> str:
    """count_over_time or sum_over_time of the gauge, summed, per second of the window (samples per second)."""
    return _sum(f"{function}({with_matchers(sli.gauge, slo.filter)}[{window}])", slo.group_by)


def total_expr(slo: SLO, window: str) -> str:
    if isinstance(slo.sli, QuerySLI):
        return slo.sli.total_at(window)
    if isinstance(slo.sli, BooleanSLI):
        return f"{_samples(slo, slo.sli, 'count_over_time', window)} / {duration_ms(window) // 1000}"
    if isinstance(slo.sli, LatencySLI):
        if slo.sli.native:
            return f"histogram_count({_native_rate(slo, slo.sli, window)})"
        return _sum_rate(with_matchers(f"{slo.sli.histogram}_count", slo.sli.selector, slo.filter), window,
                         slo.group_by)
    return _sum_rate(with_matchers(slo.sli.total, slo.filter), window, slo.group_by)


def bad_expr(slo: SLO, window: str) -> str:
    if isinstance(slo.sli, BooleanSLI):
        # Samples that are 0: all samples minus the sum of the 0/1 values.
        return (f"(\n  {_samples(slo, slo.sli, 'count_over_time', window)}\n-\n  "
                f"{_samples(slo, slo.sli, 'sum_over_time', window)}\n) / {duration_ms(window) // 1000}")
    if isinstance(slo.sli, LatencySLI) and slo.sli.native:
        rate = _native_rate(slo, slo.sli, window)
        return (f"histogram_count({rate})\n*\n"
                f"(1 - histogram_fraction(0, {decimal_text(slo.sli.threshold)}, {rate}))")
    if isinstance(slo.sli, LatencySLI):
        sli = slo.sli
        good = with_matchers(f"{sli.histogram}_bucket", sli.selector, slo.filter, le_matcher(sli.threshold))
        return f"{total_expr(slo, window)}\n-\n{_sum_rate(good, window, slo.group_by)}"
    # With no error series yet, bad events are 0, not absent: dashboards and budgets stay defined.
    # `or on()` adds the right side only when the left is empty.
    errors = (slo.sli.errors_at(window) if isinstance(slo.sli, QuerySLI)
              else _sum_rate(with_matchers(slo.sli.errors, slo.filter), window, slo.group_by))
    return (f"{errors}\nor on ({', '.join(slo.group_by)})\n"
            f"0 * {names.slo_total_events_rate(window)}{selector(slo)}")


def _record(name: str, expr: str, labels: dict[str, str]) -> dict[str, Any]:
    return {"record": name, "expr": expr, "labels": labels}


def sli_rules(slo: SLO) -> list[dict[str, Any]]:
    sel = selector(slo)
    rules: list[dict[str, Any]] = []
    for window in slo.rate_windows:
        labels = window_labels(slo, window)
        rules += [
            _record(names.slo_total_events_rate(window), total_expr(slo, window), labels),
            _record(names.slo_bad_events_rate(window), bad_expr(slo, window), labels),
            _record(names.slo_error_ratio(window),
                    f"{names.slo_bad_events_rate(window)}{sel}\n/\n{names.slo_total_events_rate(window)}{sel}",
                    labels),
        ]
    # Over the period: sums of the 5m rates, so the ratio stays weighted by traffic.
    bad, total = names.slo_bad_events_rate(CURRENT_WINDOW), names.slo_total_events_rate(CURRENT_WINDOW)
    rules.append(_record(names.slo_error_ratio(slo.period),
                         f"sum_over_time({bad}{sel}[{slo.period}])\n/\nsum_over_time({total}{sel}[{slo.period}])",
                         window_labels(slo, slo.period)))
    return rules


def metadata_rules(slo: SLO) -> list[dict[str, Any]]:
    labels = series_labels(slo)
    sel = selector(slo)
    budget = decimal_text(slo.error_budget)
    return [
        _record(names.slo_objective(), f"vector({decimal_text(slo.objective_ratio)})", labels),
        _record(names.slo_error_budget(), f"vector({budget})", labels),
        _record(names.slo_period_days(), f"vector({slo.period_days})", labels),
        _record(names.slo_current_burn_rate(), f"{names.slo_error_ratio(CURRENT_WINDOW)}{sel} / {budget}", labels),
        _record(names.slo_period_burn_rate(), f"{names.slo_error_ratio(slo.period)}{sel} / {budget}", labels),
        _record(names.slo_error_budget_remaining(), f"1 - {names.slo_period_burn_rate()}{sel}", labels),
        *([_record(SLOTH_INFO, "vector(1)", dict(sorted({**labels, **info}.items())))]
          if (info := slo.plan.naming.info_labels(decimal_text(slo.objective))) else []),
    ]


def good_slices_expr(slo: SLO, slices: Timeslices, over: str, after: str | None = None) -> str:
    """The share of good slices over `over`: each subquery step reads the error ratio recorded over the slice
    that ends there. `ratio == ratio` drops slices without events (0/0 is NaN); `after` (an epoch-seconds
    expression) drops the step on the range's left edge, which belongs to the slice before the range."""
    ratio = f"{names.slo_error_ratio(slices.window)}{selector(slo)}"
    good = f"({ratio} == {ratio}) <= bool {decimal_text(slices.bad_above)}"
    if after is not None:
        good = f"({good}) and on () (vector(time()) > {after})"
    return f"avg_over_time(\n  ({good})[{over}:{slices.window}]\n)"


def alert_expr(slo: SLO, tier: Tier) -> str:
    """Each enabled window pair of the tier: both windows above the threshold (and enough traffic), OR-ed.

    The minimum-traffic guard reads the short window's rate: the long window's rate is diluted while the service
    has less history than the window (7h of data in a 1d window reads as 7/24 of the real traffic), and would
    silence a fresh service's alerts; the short window is full within minutes to hours.
    """
    sel = selector(slo)
    plan = slo.plan
    branches = []
    for planned in plan.tier_pairs(tier):
        pair = planned.window
        conditions = [f"{names.slo_error_ratio(w)}{sel} > ({planned.threshold_text})" for w in (pair.long, pair.short)]
        if plan.guard is not None:
            conditions.append(f"{names.slo_total_events_rate(pair.short)}{sel} >= {exact_text(plan.guard)}")
        conditions = [plan.naming.without_window(condition) for condition in conditions]
        branches.append("(\n  " + "\nand\n  ".join(conditions) + "\n)")
    return "\nor\n".join(branches)


def summary(slo: SLO, tier: Tier) -> str:
    custom = slo.alerting.tier(tier).summary or slo.alerting.summary
    if custom:
        return custom
    return f"The {slo.name} SLO of {slo.service} is burning its error budget too fast ({tier})."


def description(slo: SLO, tier: Tier) -> str:
    """What fired, in words: each window pair's burn rate and how long the budget lasts at that rate."""
    windows = tuple((p.window.long, p.window.short, p.window.burn.numerator, p.window.burn.denominator)
                    for p in slo.plan.tier_pairs(tier))
    burning = _burning_text(slo.period_days, windows)
    guard = slo.alerting.min_events_per_second
    traffic = f" Only with at least {decimal_text(guard)} events/s." if guard is not None else ""
    intro = slo.description.rstrip(".") + ". " if slo.description else ""
    return (f"{intro}{slo.service} {slo.name} ({decimal_text(slo.objective)}% over {slo.period}) is burning "
            f"its error budget {burning}." + traffic)


@lru_cache(maxsize=1024)
def _burning_text(period_days: int, windows: tuple[tuple[str, str, int, int], ...]) -> str:
    """The window pairs in words; the same for every SLO of one shape, so worked out once per shape."""
    parts = []
    for long, short, numerator, denominator in windows:
        burn = Fraction(numerator, denominator)
        lasts = human_hours(Fraction(period_days * 24) / burn)
        if not parts:
            parts.append(f"{human_number(burn)}{TIMES} faster than sustainable over {long} and "
                         f"{short} (at that rate the {period_days}-day budget is gone in {lasts})")
        else:
            parts.append(f"{human_number(burn)}{TIMES} over {long} and {short} (gone in {lasts})")
    return ", or ".join(parts)


def runbook_url(stack: Stack, slo: SLO, tier: Tier) -> str | None:
    if slo.alerting.runbook_url or stack.runbook_url_pattern is None:
        return slo.alerting.runbook_url
    return stack.runbook_url_pattern.format(service=slo.service, alertname=slo.alert_name(tier))


def alert_labels(slo: SLO, tier: Tier) -> dict[str, str]:
    """The labels the alerting rule adds (the series add service, slo and the SLO's labels)."""
    settings = slo.alerting.tier(tier)
    return {"severity": settings.severity, slo.plan.naming.tier_label: str(tier), **slo.alerting.labels,
            **settings.labels}


def alert_annotations(stack: Stack, slo: SLO, tier: Tier) -> dict[str, str]:
    settings = slo.alerting.tier(tier)
    title = settings.title or slo.alerting.title
    return {
        "summary": summary(slo, tier),
        **({"title": title} if title else {}),
        "description": description(slo, tier),
        **({"runbook_url": url} if (url := runbook_url(stack, slo, tier)) else {}),
        **({"dashboard_url": url} if (url := stack.dashboard_url(slo.service, slo=True)) else {}),
        **dict(sorted({**slo.alerting.annotations, **settings.annotations}.items())),
    }


def alert_rule(stack: Stack, slo: SLO, tier: Tier) -> dict[str, Any]:
    data: dict[str, Any] = {"alert": slo.alert_name(tier), "expr": alert_expr(slo, tier)}
    settings = slo.alerting.tier(tier)
    if settings.for_:
        data["for"] = settings.for_
    data["labels"] = alert_labels(slo, tier)
    data["annotations"] = alert_annotations(stack, slo, tier)
    return data


def inhibit_rules(stack: Stack) -> list[dict[str, Any]]:
    """A firing page inhibits the ticket of the same SLO: one rule covers every SLO whose plan has both tiers
    (one per naming: Sloth's labels need their own)."""
    namings = {slo.plan.naming.style: slo.plan.naming for slo in stack.slos if set(slo.plan.tiers) == set(Tier)}
    return [{"source_matchers": [f'{naming.tier_label}="{Tier.PAGE}"'],
             "target_matchers": [f'{naming.tier_label}="{Tier.TICKET}"'],
             "equal": [naming.service_label, naming.slo_label]}
            for _, naming in sorted(namings.items())]


def rule_group(stack: Stack, slo: SLO) -> dict[str, Any]:
    rules = sli_rules(slo) + metadata_rules(slo) + [alert_rule(stack, slo, tier) for tier in slo.plan.tiers]
    return {"name": names.slo_rule_group(slo.service, slo.name), "rules": rules}


def render(stack: Stack, slo: SLO) -> dict[str, Any]:
    """The rule file of one SLO, as plain data."""
    return {"groups": [rule_group(stack, slo)]}


# Traffic assumed by the "single error pages" warning when an SLO sets no minimum-traffic guard.
ASSUMED_EVENTS_PER_SECOND = Decimal(1)


def warnings(slo: SLO) -> list[str]:
    """Advice that does not stop generation: the plan's (a pair that fires only once the budget is spent), and
    an objective so tight that one bad event pages."""
    advice = list(slo.plan.warnings)
    pages = [p.window for p in slo.plan.tier_pairs(Tier.PAGE)]
    if not pages:
        return advice
    fastest = min(pages, key=lambda p: p.long_ms)
    threshold = slo.threshold(fastest)
    guard = slo.alerting.min_events_per_second
    rate = Fraction(guard if guard is not None else ASSUMED_EVENTS_PER_SECOND)
    events = rate * fastest.long_ms / 1000
    if 1 / events <= threshold:
        return advice
    needed = 1 / (threshold * fastest.long_ms / 1000)
    at = f"at the minimum traffic of {decimal_text(rate)} events/s" if guard is not None else (
        f"at {decimal_text(rate)} event/s (no alerting.min_events_per_second set)")
    return [
        *advice,
        f"slo {slo.name!r}: objective {decimal_text(slo.objective)}% is so tight that a single bad event pages: "
        f"{at} the {fastest.long} window holds {decimal_text(events)} events and the page threshold is an error "
        f"ratio of {exact_text(threshold)}; set alerting.min_events_per_second above "
        f"{human_number(needed).lstrip('~')} or loosen the objective"
    ]
