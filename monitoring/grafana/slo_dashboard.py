"""A service's SLO dashboard: for each SLO, the SLI against its objective, the error budget left, the
burn rate with the page and ticket thresholds drawn, and the state of its alerts.

Queries read the SLO recording rules (names from `conventions`), which are one series per SLO, so they
filter on the SLO's `service` and `slo` labels rather than on $job and $instance.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from monitoring import conventions
from monitoring.grafana import trusted
from monitoring.model.dashboards import Dashboard, DashboardRow, Panel, Threshold
from monitoring.model.service import Service
from monitoring.model.slo import SLO, BooleanSLI
from monitoring.model.stack import Stack
from monitoring.slo import rules as slo_rules
from monitoring.slo.windows import BurnWindow, Tier, decimal_text, human_number

TIER_COLORS = {"page": "red", "ticket": "orange"}
BUDGET_THRESHOLDS = (trusted.threshold(0.25, color="orange"), trusted.threshold(0.5, color="green"))


def slos_by_service(stack: Stack) -> list[tuple[Service, tuple[SLO, ...]]]:
    """Services that have SLOs, in the stack's order, each with its SLOs in definition order.

    One pass over the SLOs: scanning them once per service was quadratic (38 s at 20,000 SLOs)."""
    grouped: dict[str, list[SLO]] = {}
    for objective in stack.slos:
        grouped.setdefault(objective.service, []).append(objective)
    return [(service, tuple(grouped[service.name])) for service in stack.services if service.name in grouped]


def matchers(slo: SLO, *extra: str) -> str:
    """The SLO's series (and alerts) by the labels its naming gives them."""
    naming = slo.plan.naming
    pairs = (f'{naming.service_label}="{slo.service}"', f'{naming.slo_label}="{slo.name}"', *extra)
    return "{" + ", ".join(pairs) + "}"


def _percent(objective: Decimal) -> str:
    return decimal_text(objective) + "%"


def _timeslice_panels(slo: SLO) -> tuple[Panel, ...]:
    """Timeslice budgeting: the share of good slices over the rolling period, against the objective."""
    slices = slo.timeslices
    if slices is None:
        return ()
    return (trusted.panel(
        title=f"Good {slices.window} slices over {slo.period}", type="stat", unit="percentunit", decimals=3,
        width=24, height=4, base_color="red", thresholds=(trusted.threshold(float(slo.objective / 100), "green"),),
        description=f"Slices of {slices.window} whose good events are at least {decimal_text(slices.target * 100)}%,"
                    f" over the slices with events in the last {slo.period}; green at or above the objective.",
        queries=(trusted.query(slo_rules.good_slices_expr(slo, slices, slo.period), instant=True),)),)


def _good_share(slo: SLO) -> str:
    if isinstance(slo.sli, BooleanSLI):
        return f"the share of {slo.sli.gauge} samples that are 1"
    return "good events over all events"


@dataclass(frozen=True)
class _BurnParts:
    """What the burn-rate panels draw, from the enabled window pairs alone: SLOs with the same pairs share it."""

    legends: tuple[str, ...]  # per window pair, in plan order
    thresholds: tuple[Threshold, ...]  # the burn factors, lowest first
    current: tuple[Threshold, ...]  # the current burn rate's: 1, and the first pair's factor
    lines: str


@lru_cache(maxsize=256)
def _burn_parts(windows: tuple[BurnWindow, ...], tiers: tuple[Tier, ...]) -> _BurnParts:
    lines = ", ".join(f"{tier} at " + ", ".join(human_number(w.burn) for w in windows if w.tier == tier)
                      for tier in tiers) or "no alert tier is enabled"
    return _BurnParts(
        legends=tuple(f"{w.long} window ({w.tier} at {human_number(w.burn)})" for w in windows),
        thresholds=tuple(trusted.threshold(float(w.burn), TIER_COLORS[w.tier])
                         for w in sorted(windows, key=lambda w: w.burn)),
        current=(trusted.threshold(1, "orange"), *(trusted.threshold(float(w.burn), "red") for w in windows[:1])),
        lines=lines)


def row_key(slo: SLO) -> tuple[object, ...]:
    """Everything `slo_row` reads of the SLO but its service and name (see dashboards.render_json)."""
    gauge = slo.sli.gauge if isinstance(slo.sli, BooleanSLI) else None
    return (slo.plan.text_key, slo.period, slo.objective, slo.description, gauge, slo.budgeting, slo.group_by)


def _per_group(slo: SLO, legend: str) -> str:
    """A legend that tells a grouped SLO's series apart: each group's labels ({{route}}) before it."""
    return " ".join([*(f"{{{{{label}}}}}" for label in slo.group_by), legend])


def slo_row(slo: SLO) -> DashboardRow:
    sel = matchers(slo)
    firing = matchers(slo, 'alertstate="firing"')
    sli = f"1 - {conventions.slo_error_ratio(slo.period)}{sel}"
    naming = slo.plan.naming
    windows = slo.plan.windows  # the enabled pairs only: the dashboard draws what alerts
    burn = _burn_parts(windows, slo.plan.tiers)
    # A grouped SLO has an error ratio per group and one error budget: many to one, which Prometheus matches
    # only when told so (group_left); an ungrouped one keeps the one-to-one division.
    join = f"on ({naming.service_label}, {naming.slo_label}){' group_left' if slo.group_by else ''}"
    burn_queries = tuple(
        trusted.query(f"{conventions.slo_error_ratio(w.long)}{sel}\n/ {join}\n{conventions.slo_error_budget()}{sel}",
                      legend=_per_group(slo, legend))
        for w, legend in zip(windows, burn.legends, strict=True)
    )
    return trusted.row(title=f"{slo.name}: {_percent(slo.objective)} over {slo.period}", panels=(
        trusted.panel(title=f"SLI over {slo.period}", type="stat", unit="percentunit", decimals=3, width=6, height=5,
              base_color="red", thresholds=(trusted.threshold(float(slo.objective / 100), "green"),),
              description=f"{slo.description or slo.name}: {_good_share(slo)} in the last {slo.period}; "
                          f"green at or above the objective of {_percent(slo.objective)}.",
              queries=(trusted.query(sli),)),
        trusted.panel(title="Error budget remaining", type="gauge", unit="percentunit", decimals=1, min=0, max=1,
              width=6, height=5, base_color="red", thresholds=BUDGET_THRESHOLDS,
              description=f"Share of the {slo.period} error budget ({decimal_text(slo.error_budget * 100)}% of "
                          "events) not yet spent; below 0 the SLO is missed.",
              queries=(trusted.query(f"{conventions.slo_error_budget_remaining()}{sel}"),)),
        trusted.panel(title="Current burn rate", type="stat", unit="none", decimals=2, width=6, height=5,
              thresholds=burn.current,
              description="Error ratio over the last 5 minutes divided by the error budget: 1 spends the budget "
                          "exactly over the period.",
              queries=(trusted.query(f"{conventions.slo_current_burn_rate()}{sel}"),)),
        trusted.panel(title="Firing alerts", type="stat", unit="none", width=6, height=5,
              thresholds=(trusted.threshold(1, "red"),),
              description="Burn-rate alerts of this SLO that are firing now.",
              queries=(trusted.query(f"count(ALERTS{firing}) or vector(0)"),)),
        trusted.panel(title="SLI against objective", unit="percentunit", decimals=3,
              description=f"The SLI over a sliding {slo.period} window, and the objective.",
              queries=(trusted.query(sli, legend=f"SLI ({slo.period})"),
                       trusted.query(f"{conventions.slo_objective()}{sel}", legend="objective"))),
        *((trusted.panel(title="Burn rate", unit="none", show_thresholds=True, thresholds=burn.thresholds,
                         description=f"Burn rate over each alert window; dashed lines: {burn.lines}. "
                                     "An alert fires when both its long and its short window are above the line.",
                         queries=burn_queries),) if burn_queries else ()),
        *_timeslice_panels(slo),
        trusted.panel(title="Alert state", width=24, height=6, stacked=True,
              description="The SLO's alerts by state (pending, firing), from Prometheus' ALERTS series.",
              queries=(trusted.query(f"sum by (alertname, alertstate) (ALERTS{sel})",
                                  legend="{{alertname}} {{alertstate}}"),)),
    ))


def build(service: Service, slos: tuple[SLO, ...]) -> Dashboard:
    return trusted.dashboard(
        name=conventions.slo_dashboard_title(service.name),
        uid=conventions.slo_dashboard_uid(service.name),
        description=f"Service level objectives of {service.name}: SLI, error budget, burn rate and alerts.",
        tags=("slo", service.name),
        link_tags=(service.name,),
        rows=tuple(slo_row(slo) for slo in slos),
    )
