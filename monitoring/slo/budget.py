"""Error budgets over calendar periods, from a running Prometheus: this month (or week) so far, exactly.

A PromQL range is a fixed duration, so the calendar is worked out here: the period's start in the calendar's time
zone (midnight on the 1st, or on Monday), then the same queries as the calendar dashboard with `$__range` set to
the seconds since that start and evaluated at the end of the range.

    report = budget_report(PrometheusClient("http://prometheus:9090"), stack.slos, at=time.time())
    for row in report: print(row.slo, row.sli, row.budget_left)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from monitoring.grafana import slo_calendar_dashboard as calendar_board
from monitoring.live.client import PrometheusClient
from monitoring.model.slo import SLO, CalendarPeriod
from monitoring.slo.windows import decimal_text


def period_start(calendar: CalendarPeriod, at: datetime) -> datetime:
    """The start of the calendar month or week (Monday) that holds `at`, at midnight in the calendar's zone."""
    local = at.astimezone(ZoneInfo(calendar.timezone))
    if calendar.unit == "week":
        local -= timedelta(days=local.weekday())  # wall-clock arithmetic: midnight stays midnight across DST
    else:
        local = local.replace(day=1)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def calendar_queries(slo: SLO, start: float, at: float) -> dict[str, str]:
    """The calendar dashboard's queries with Grafana's range put in: name -> PromQL, to evaluate at `at`."""
    over = f"{int(at - start)}s"
    ratio = calendar_board.error_ratio_expr(slo, over)
    budget = decimal_text(slo.error_budget)
    queries = {"sli": f"1 - (\n{ratio}\n)", "budget_left": f"1 - (\n{ratio}\n) / {budget}"}
    if slo.timeslices is not None:
        good = calendar_board.good_slices_expr(slo, slo.timeslices, over, start=str(int(start)))
        queries |= {"good_slices": good, "slice_budget_left": f"1 - (1 - {good}) / {budget}"}
    return queries


@dataclass(frozen=True)
class BudgetRow:
    """One SLO (one group of a grouped SLO) over its calendar period so far; None where there is no data yet."""

    slo: str
    service: str
    group: dict[str, str]
    period: str  # e.g. "month from 2026-11-01T00:00:00+01:00"
    sli: float | None
    budget_left: float | None
    good_slices: float | None = None
    slice_budget_left: float | None = None


def budget_report(client: PrometheusClient, slos: tuple[SLO, ...], at: float) -> list[BudgetRow]:
    """Every SLO with a calendar period, its budget this period so far, evaluated at `at` (epoch seconds)."""
    rows = []
    for slo in slos:
        if slo.calendar is None:
            continue
        start = period_start(slo.calendar, datetime.fromtimestamp(at, UTC))
        values: dict[tuple[tuple[str, str], ...], dict[str, float]] = {}
        # In the period's first second there is nothing to count yet, and PromQL refuses a range of 0s: no data.
        queries = calendar_queries(slo, start.timestamp(), at) if at - start.timestamp() >= 1 else {}
        for name, expr in queries.items():
            for sample in client.query(expr, time=at):
                group = tuple(sorted((k, v) for k, v in sample["metric"].items() if k in slo.group_by))
                values.setdefault(group, {})[name] = float(sample["value"][1])
        for group, found in sorted(values.items()) or [((), {})]:
            rows.append(BudgetRow(slo.name, slo.service, dict(group), f"{slo.calendar.unit} from {start.isoformat()}",
                                  found.get("sli"), found.get("budget_left"), found.get("good_slices"),
                                  found.get("slice_budget_left")))
    return rows


def budget_lines(rows: list[BudgetRow]) -> list[str]:
    """The report as text, one line per SLO (and group)."""
    if not rows:
        return ["no SLO has a calendar period (SLO(calendar=CalendarPeriod(unit='month')))"]

    def percent(value: float | None) -> str:
        return "no data" if value is None else f"{value * 100:.3f}%"

    lines = []
    for row in rows:
        group = "".join(f" {k}={v}" for k, v in row.group.items())
        text = (f"{row.service}/{row.slo}{group} ({row.period}): SLI {percent(row.sli)}, "
                f"error budget left {percent(row.budget_left)}")
        if row.good_slices is not None or row.slice_budget_left is not None:
            text += f", good slices {percent(row.good_slices)}, slice budget left {percent(row.slice_budget_left)}"
        lines.append(text)
    return lines
