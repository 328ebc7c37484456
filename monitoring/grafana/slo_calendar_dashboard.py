"""Error budgets over calendar periods: for the SLOs of a service with a `CalendarPeriod`, one dashboard per
calendar (month or week, time zone) whose time range is Grafana's "this month so far" (`now/M` to `now`) or "this
week so far" (`now/w`, weeks starting on Monday), in the calendar's time zone.

PromQL ranges are fixed durations, so no recording rule can follow a calendar. Here the range comes from Grafana:
each panel is an instant query at the end of the time range over `[$__range]`, which is exactly the time since
the period began.

- Occurrences: the sums of the SLO's recorded 5m bad and total event rates over the range, divided (traffic-
  weighted, as the rolling period's ratio). The 5m rates recorded in the period's first 5 minutes also hold
  events from just before it: at most 5 minutes of the previous period leak in.
- Timeslices: the share of good slices, one subquery step per slice (`[$__range:<slice>]`, steps aligned to the
  slice length, so to the period's start); the step on the range's left edge reads the slice that ended as the
  period began, and is dropped (`time() > ${__from:date:seconds}`).
"""

from __future__ import annotations

from collections.abc import Iterator

from monitoring import conventions
from monitoring.grafana import trusted
from monitoring.model.dashboards import Dashboard, DashboardRow
from monitoring.model.service import Service
from monitoring.model.slo import SLO, CalendarPeriod, Timeslices
from monitoring.slo import rules as slo_rules
from monitoring.slo.windows import decimal_text

RANGE = "$__range"
RANGE_START = "${__from:date:seconds}"  # the time range's start, in epoch seconds
TIME_FROM = {"month": "now/M", "week": "now/w"}
BUDGET_THRESHOLDS = (trusted.threshold(0.25, color="orange"), trusted.threshold(0.5, color="green"))


def error_ratio_expr(slo: SLO, over: str = RANGE) -> str:
    """Bad over all events in the range, from the recorded 5m rates (sums, so weighted by traffic)."""
    sel = slo_rules.selector(slo)
    window = conventions.SLO_CURRENT_WINDOW
    return (f"sum_over_time({conventions.slo_bad_events_rate(window)}{sel}[{over}])\n/\n"
            f"sum_over_time({conventions.slo_total_events_rate(window)}{sel}[{over}])")


def good_slices_expr(slo: SLO, slices: Timeslices, over: str = RANGE, start: str = RANGE_START) -> str:
    return slo_rules.good_slices_expr(slo, slices, over, after=start)


def grafana_timezone(timezone: str) -> str:
    return "utc" if timezone == "UTC" else timezone


def slo_row(slo: SLO, unit: str) -> DashboardRow:
    budget = decimal_text(slo.error_budget)
    objective = float(slo.objective_ratio)
    ratio = error_ratio_expr(slo)
    panels = [
        trusted.panel(title=f"SLI this {unit}", type="stat", unit="percentunit", decimals=3, width=6, height=5,
                      base_color="red", thresholds=(trusted.threshold(objective, color="green"),),
                      description=f"Good events over all events since the {unit} began; green at or above the "
                                  f"objective of {decimal_text(slo.objective)}%.",
                      queries=(trusted.query(f"1 - (\n{ratio}\n)", instant=True),)),
        trusted.panel(title=f"Error budget left this {unit}", type="gauge", unit="percentunit", decimals=1,
                      min=0, max=1, width=6, height=5, base_color="red", thresholds=BUDGET_THRESHOLDS,
                      description=f"Share of the error budget ({decimal_text(slo.error_budget * 100)}% of the "
                                  f"{unit}'s events) not yet spent, counting the {unit} so far.",
                      queries=(trusted.query(f"1 - (\n{ratio}\n) / {budget}", instant=True),)),
    ]
    slices = slo.timeslices
    if slices is not None:
        good = good_slices_expr(slo, slices)
        panels += [
            trusted.panel(title=f"Good {slices.window} slices this {unit}", type="stat", unit="percentunit",
                          decimals=3, width=6, height=5, base_color="red",
                          thresholds=(trusted.threshold(objective, color="green"),),
                          description=f"Slices of {slices.window} whose good events are at least "
                                      f"{decimal_text(slices.target * 100)}%, over the slices with events since the "
                                      f"{unit} began.",
                          queries=(trusted.query(good, instant=True),)),
            trusted.panel(title=f"Slice budget left this {unit}", type="gauge", unit="percentunit", decimals=1,
                          min=0, max=1, width=6, height=5, base_color="red", thresholds=BUDGET_THRESHOLDS,
                          description=f"Share of the bad-slice budget ({decimal_text(slo.error_budget * 100)}% of "
                                      f"the slices) not yet spent this {unit}.",
                          queries=(trusted.query(f"1 - (1 - {good}) / {budget}", instant=True),)),
        ]
    return trusted.row(title=f"{slo.name}: {decimal_text(slo.objective)}% this {unit}", panels=tuple(panels))


def build(service: Service, slos: tuple[SLO, ...]) -> Iterator[Dashboard]:
    """One dashboard per calendar the service's SLOs use, in order of first use."""
    calendars: dict[tuple[str, str], list[SLO]] = {}
    for slo in slos:
        if slo.calendar is not None:
            calendars.setdefault(_key(slo.calendar), []).append(slo)
    for (unit, timezone), members in calendars.items():
        yield trusted.dashboard(
            name=conventions.slo_calendar_dashboard_title(service.name, unit, timezone),
            uid=conventions.slo_calendar_dashboard_uid(service.name, unit, timezone),
            description=f"Error budgets of {service.name}'s SLOs over the calendar {unit} so far, in {timezone}.",
            tags=("slo", service.name), link_tags=(service.name,),
            time_from=TIME_FROM[unit], timezone=grafana_timezone(timezone), week_start="monday",
            rows=tuple(slo_row(slo, unit) for slo in members),
        )


def _key(calendar: CalendarPeriod) -> tuple[str, str]:
    return calendar.unit, calendar.timezone
