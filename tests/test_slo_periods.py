"""Every period gets sound windows: a full outage pages within minutes, a steady burn of 1 never alerts.

For 7, 14, 28, 30 and 90 days: the exact replay predicts the alerts, and promtool checks the predictions against
the real rule engine, for the rule file the SLO generates.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest
import yaml

from monitoring.checks.tools import Tool
from monitoring.render.promtool_timing import choose_step, eval_time, values_text
from monitoring.slo import promtool_tests as slo_tests
from monitoring.slo import rules as slo_rules
from monitoring.slo.simulation import Phase, Traffic, simulate
from monitoring.units import duration_ms
from tests.test_slo_stacks import availability, stack_with

PERIODS = (7, 14, 28, 30, 90)
MINUTE = 60_000


def _slo(days: int):  # type: ignore[no-untyped-def]
    return availability(period=f"{days}d")


def _outage(days: int) -> tuple[int, slo_tests.PlannedCase, int]:
    """(step, the planned full-outage case, ms from the first bad event to the first page)."""
    slo = _slo(days)
    step = choose_step(slo_tests.slo_windows(slo))
    case = next(c for c in slo_tests.slo_cases(slo, step) if c.name.startswith("page: 100% errors"))
    planned = slo_tests._plan_case(slo, case, step)
    events = slo_tests._events_per_step(slo, step, [r for _, _, r in case.phases])
    phases = tuple(Phase(start, events * scale, ratio) for start, scale, ratio in case.phases)
    first = simulate(slo.plan, Traffic(step, case.horizon, phases))["page"].first_firing()
    assert first is not None
    return step, planned, (first - (case.phases[-1][0] - 1)) * step


@pytest.mark.parametrize("days", PERIODS)
def test_no_factor_below_one_and_a_full_outage_pages_within_minutes(days: int) -> None:
    slo = _slo(days)
    assert all(pair.window.burn >= 1 for pair in slo.plan.pairs)
    assert all(pair.window.long_ms <= duration_ms(slo.period) for pair in slo.plan.pairs)
    assert _outage(days)[2] <= 5 * MINUTE


def _steady_burn_of_one(days: int, step: int) -> dict[str, object]:
    """A promtool test: errors at exactly the budget (burn rate 1) from the first sample, long enough for the
    slowest short window to fill; no alert may fire at any of the checked evaluations."""
    slo = _slo(days)
    slowest_short = max(p.window.short_ms for p in slo.plan.pairs)
    steps = -(-slowest_short // step) + 4
    events = 10_000  # per step: 10 of them bad at 99.9%
    bad = Fraction(slo.error_budget) * events
    assert bad.denominator == 1
    traffic = Traffic(step, steps, (Phase(0, events, Fraction(slo.error_budget)),))
    timelines = simulate(slo.plan, traffic)
    assert not any(on for timeline in timelines.values() for on in timeline.firing)
    bad_values, total_values = traffic.counters
    good_values = [t - b + bad_values[0] for t, b in zip(total_values, bad_values, strict=True)]
    checks = sorted({1, steps // 4, steps // 2, steps - 2})
    return {
        "name": f"{days}d: steady burn rate of 1",
        "interval": f"{step // 1000}s",
        "input_series": [
            {"series": 'api_requests_total{code="500"}', "values": values_text(list(bad_values))},
            {"series": 'api_requests_total{code="200"}', "values": values_text(good_values)},
        ],
        "alert_rule_test": [{"eval_time": eval_time(step, at), "alertname": slo.alert_name(tier), "exp_alerts": []}
                            for at in checks for tier in slo.tiers],
    }


@pytest.mark.integration
def test_promtool_agrees_for_every_period(tmp_path: Path, promtool: Tool) -> None:
    test_files = []
    for days in PERIODS:
        slo = _slo(days)
        stack = stack_with(slo)
        step, planned, _ = _outage(days)
        rules = tmp_path / f"{days}d.rules.yml"
        rules.write_text(yaml.safe_dump(slo_rules.render(stack, slo), sort_keys=False))
        series = {python_le: slo_tests.sli_series(slo, python_le) for python_le in (False, True)}
        expected = {tier: [slo_tests._expected_alert(stack, slo, tier)] for tier in slo.tiers}
        outage = slo_tests.slo_case_test(slo, planned, step, series, expected)
        assert any(check["exp_alerts"] for check in outage["alert_rule_test"])
        test = tmp_path / f"{days}d.test.yml"
        test.write_text(yaml.safe_dump({"rule_files": [rules.name], "evaluation_interval": f"{step // 1000}s",
                                        "tests": [outage, _steady_burn_of_one(days, step)]}, sort_keys=False))
        test_files.append(str(test))
    proc = promtool.run("test", "rules", *test_files)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.count("SUCCESS") == len(PERIODS)
