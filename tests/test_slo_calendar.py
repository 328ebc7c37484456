"""Calendar periods and timeslice budgeting (OpenSLO), for budget reporting: the calendar dashboard's queries,
evaluated by promtool over the SLO's generated rules.

promtool's clock starts at 1970-01-01T00:00Z, the start of a month (and 1970-01-05, a Monday, starts a week): a
dashboard opened at 1h30s into the month has `$__range` = 1h30s and `${__from:date:seconds}` = 0, which is what
the tests put in for Grafana.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest
import yaml

from monitoring import SLO, CalendarPeriod, RatioSLI, Timeslices
from monitoring.checks.tools import Tool
from monitoring.grafana.variables import substitute
from monitoring.output.emitters import GenerateContext, render_files
from monitoring.output.files import write_tree
from monitoring.render.promtool_timing import values_text
from monitoring.slo.budget import calendar_queries, period_start
from tests.test_slo_stacks import stack_with

SAMPLE_SECONDS = 15
SLICE_SAMPLES = 4  # 1m slices
NOW = "1h30s"  # the dashboard is opened 1h30s into the month
MONTH_SO_FAR = {"__range": NOW, "__from": "0"}
# A period that began 10 minutes after promtool's clock: data exists before it, so its left edge matters.
LATER_START = {"__range": "50m30s", "__from": "600"}


def sliced_slo(**overrides: object) -> SLO:
    fields: dict[str, object] = dict(
        name="sliced", service="api", objective="96", calendar=CalendarPeriod(unit="month"),
        budgeting=Timeslices(window="1m", target="0.95"),
        sli=RatioSLI(errors='api_requests_total{code=~"5.."}', total="api_requests_total"))
    fields.update(overrides)
    return SLO(**fields)


def _board(files: dict[str, str], unit: str) -> dict:
    return json.loads(next(text for path, text in files.items() if f"-slo-budget-{unit}-" in path))


def _panels(board: dict) -> dict[str, str]:
    found = {}
    for panel in board["panels"]:
        for inner in [panel, *panel.get("panels", [])]:
            for target in inner.get("targets", []):
                found[inner["title"]] = target["expr"]
    return found


def _counters(error_per_minute: dict[int, int], empty: set[int], minutes: int) -> tuple[str, str]:
    """Bad (code="500") and good (code="200") counters sampled every 15s: 100 requests per sample in minute k
    (the interval ((k-1)m, km]) of which error_per_minute[k] bad, none in the empty minutes."""
    bad, good = [1_000_000], [1_000_000]
    for sample in range(1, minutes * SLICE_SAMPLES + 1):
        minute = -(-sample // SLICE_SAMPLES)
        total = 0 if minute in empty else 100
        errors = 0 if minute in empty else error_per_minute.get(minute, 0)
        bad.append(bad[-1] + errors)
        good.append(good[-1] + total - errors)
    return values_text(bad), values_text(good)


def _check(expr: str, expected: float, slo: SLO) -> dict:
    """A promql_expr_test that passes when expr is within 1e-9 of expected (avg_over_time is not exact)."""
    return {"expr": f"abs(({expr}) - {expected!r}) < bool 1e-9", "eval_time": NOW,
            "exp_samples": [{"labels": f'{{service="{slo.service}", slo="{slo.name}"}}', "value": 1}]}


def _run(tmp_path: Path, promtool: Tool, slo: SLO, series: tuple[str, str], checks: list[dict]) -> None:
    files = render_files(stack_with(slo), GenerateContext("tests"))
    out = tmp_path / "out"
    write_tree(files, out)
    bad, good = series
    test = {"rule_files": [f"../rules/api.slo.{slo.name}.rules.yml"], "evaluation_interval": "1m",
            "tests": [{"interval": f"{SAMPLE_SECONDS}s",
                       "input_series": [{"series": 'api_requests_total{code="500"}', "values": bad},
                                        {"series": 'api_requests_total{code="200"}', "values": good}],
                       "promql_expr_test": checks}]}
    path = out / "prometheus" / "tests" / "calendar.test.yml"
    path.write_text(yaml.safe_dump(test, sort_keys=False))
    proc = promtool.run("test", "rules", str(path))
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]


@pytest.mark.integration
def test_good_slices_this_month_count_each_slice_once_and_skip_empty_ones(tmp_path: Path, promtool: Tool) -> None:
    """The period begins at 10m. 61 minutes: minutes 10 and 11 at 10% errors (bad slices), minute 20 at 4% (good:
    at most 5% bad), minutes 31-40 without requests (no slice), the rest without errors. From 10m to 1h: 50
    slices, 40 with events, 39 good: 0.975. The objective of 96% allows 4% bad slices; 2.5% are spent, so 0.375
    of the slice budget is left. Minute 10 (the slice ending as the period began) is the previous period's; the
    slice ending at 1h01m is not over yet."""
    slo = sliced_slo()
    board = _board(render_files(stack_with(slo), GenerateContext("tests")), "month")
    panels = _panels(board)
    good = substitute(panels["Good 1m slices this month"], LATER_START)
    left = substitute(panels["Slice budget left this month"], LATER_START)
    errors = {10: 10, 11: 10, 20: 4}
    series = _counters(errors, set(range(31, 41)), 61)
    _run(tmp_path, promtool, slo, series, [_check(good, 0.975, slo), _check(left, 0.375, slo)])


@pytest.mark.integration
def test_error_budget_this_month_is_the_event_ratio_since_the_month_began(tmp_path: Path, promtool: Tool) -> None:
    """A steady 2% error ratio (2 of 100 requests per sample): SLI 0.98. At a 99% objective the budget of 1% is
    overspent: 1 - 0.02 / 0.01 = -1 left. At 97% (a budget of 3%), one third is left."""
    for objective, left in (("99", -1.0), ("97", 1 / 3)):
        slo = sliced_slo(objective=objective, budgeting="occurrences")
        panels = _panels(_board(render_files(stack_with(slo), GenerateContext("tests")), "month"))
        sli = substitute(panels["SLI this month"], MONTH_SO_FAR)
        budget = substitute(panels["Error budget left this month"], MONTH_SO_FAR)
        series = _counters(dict.fromkeys(range(1, 62), 2), set(), 61)
        _run(tmp_path / objective, promtool, slo, series, [_check(sli, 0.98, slo), _check(budget, left, slo)])


def test_calendar_dashboards_use_grafanas_calendar_ranges() -> None:
    slos = (sliced_slo(), sliced_slo(name="weekly", period="7d", budgeting="occurrences",
                                     calendar=CalendarPeriod(unit="week", timezone="Europe/Berlin")))
    files = render_files(stack_with(*slos), GenerateContext("tests"))
    month, week = _board(files, "month"), _board(files, "week")
    assert (month["time"], month["timezone"]) == ({"from": "now/M", "to": "now"}, "utc")
    assert (week["time"], week["timezone"], week["weekStart"]) == ({"from": "now/w", "to": "now"},
                                                                   "Europe/Berlin", "monday")
    for board in (month, week):
        targets = [t for p in board["panels"] for i in [p, *p.get("panels", [])] for t in i.get("targets", [])]
        assert targets and all(t["instant"] and "[$__range" in t["expr"] for t in targets)
    # Only the timeslice SLO draws slices; the rolling SLO dashboard shows its slices over the period.
    assert "Good 1m slices this month" in _panels(month) and not any("slices" in t for t in _panels(week))
    slo_board = json.loads(next(text for path, text in files.items() if path.endswith("api-slos.json")))
    assert "Good 1m slices over 30d" in _panels(slo_board)
    # The slice ratio is recorded once per slice length; no rule claims a calendar period.
    rules = yaml.safe_load(files["prometheus/rules/api.slo.sliced.rules.yml"])["groups"][0]["rules"]
    assert any(r.get("record") == "slo:sli_error:ratio_rate1m" for r in rules)
    assert slos[0].plan.recorded_series >= {"slo:sli_error:ratio_rate1m"}
    assert "slo:sli_error:ratio_rate1m" not in slos[1].plan.recorded_series


@pytest.mark.parametrize(("calendar", "at", "start"), [
    (CalendarPeriod(unit="month"), "2026-11-30T08:00:00+00:00", "2026-11-01T00:00:00+00:00"),
    # Berlin's month began on 1 November at midnight, still 23:00 UTC the day before (CET, +1).
    (CalendarPeriod(unit="month", timezone="Europe/Berlin"), "2026-10-31T23:30:00+00:00",
     "2026-11-01T00:00:00+01:00"),
    # A week that crosses the end of summer time (25 October 2026): Monday 19 October was still CEST (+2).
    (CalendarPeriod(unit="week", timezone="Europe/Berlin"), "2026-10-25T12:00:00+00:00",
     "2026-10-19T00:00:00+02:00"),
    (CalendarPeriod(unit="week"), "1970-01-05T00:00:00+00:00", "1970-01-05T00:00:00+00:00"),
])
def test_a_calendar_period_starts_at_midnight_in_its_zone(calendar: CalendarPeriod, at: str, start: str) -> None:
    found = period_start(calendar, datetime.fromisoformat(at))
    assert found.isoformat() == start
    assert found.utcoffset() == datetime.fromisoformat(start).utcoffset()


def test_the_report_asks_prometheus_the_dashboards_queries_over_the_exact_range() -> None:
    slo = sliced_slo()
    start = datetime.fromisoformat("2026-11-01T00:00:00+00:00").timestamp()
    queries = calendar_queries(slo, start, start + 3600.5)
    panels = _panels(_board(render_files(stack_with(slo), GenerateContext("tests")), "month"))
    grafana = {"__range": "3600s", "__from": str(int(start))}
    assert queries["good_slices"] == substitute(panels["Good 1m slices this month"], grafana)
    assert queries["budget_left"] == substitute(panels["Error budget left this month"], grafana)
    assert queries["slice_budget_left"] == substitute(panels["Slice budget left this month"], grafana)
    assert queries["sli"] == substitute(panels["SLI this month"], grafana)


class _RefusesZeroRanges:
    """A Prometheus that answers every query with no samples, and refuses a range of 0s as Prometheus does."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    def query(self, expr: str, time: float | None = None) -> list[dict[str, object]]:
        self.asked.append(expr)
        if "[0s]" in expr:
            raise AssertionError("a range of 0s: Prometheus answers 400 (duration must be greater than 0)")
        return []


@pytest.mark.parametrize("after_start", [0, 0.5, 1, 60])
def test_the_budget_report_in_the_first_second_of_a_period_has_no_data_yet(after_start: float) -> None:
    """A monthly report job runs at midnight on the 1st: there is nothing to count yet, and no query may ask
    Prometheus for a range of 0s."""
    from monitoring.slo.budget import budget_report

    slo = sliced_slo(calendar=CalendarPeriod(unit="month", timezone="UTC"))
    start = datetime.fromisoformat("2024-03-01T00:00:00+00:00").timestamp()
    client = _RefusesZeroRanges()
    [row] = budget_report(client, (slo,), at=start + after_start)  # type: ignore[arg-type]
    assert row.period == "month from 2024-03-01T00:00:00+00:00" and row.sli is None
    assert bool(client.asked) == (after_start >= 1)
