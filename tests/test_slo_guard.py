"""The minimum-traffic guard on a fresh service: it reads the short window's rate, which is full within hours.

The case: 7 hours of history at 2 events/s, the last hour a total outage. The 1d error ratio is 1/7 (14%, far above
the ticket's 3 x 0.001), but the 1d rate reads 7/24 x 2 = 0.58 events/s, under a guard of 1 event/s: a guard on
the long window would keep the ticket silent. The short windows carry the full 2 events/s, so it fires.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest
import yaml

from monitoring import SLOAlerting
from monitoring.checks.tools import Tool
from monitoring.render.promtool_timing import choose_step, eval_time, values_text
from monitoring.slo import promtool_tests as slo_tests
from monitoring.slo import rules as slo_rules
from monitoring.slo.simulation import Phase, Traffic, simulate, total_rate
from monitoring.units import duration_ms
from tests.test_slo_stacks import availability, stack_with

HOUR = 3_600_000


def _fresh_service() -> tuple[object, int, Traffic]:
    slo = availability(alerting=SLOAlerting(min_events_per_second=1))
    step = choose_step(slo_tests.slo_windows(slo))
    per_step = 2 * step // 1000
    healthy = -(-6 * HOUR // step)
    steps = -(-7 * HOUR // step)
    return slo, step, Traffic(step, steps, (Phase(0, per_step, Fraction(0)), Phase(healthy + 1, per_step, Fraction(1))))


def test_the_long_window_rate_is_diluted_but_the_short_one_is_not() -> None:
    _, step, traffic = _fresh_service()
    _, total = traffic.counters
    at = traffic.steps
    assert total_rate(total, step, at, duration_ms("1d")) < 1  # what a long-window guard would read
    assert total_rate(total, step, at, duration_ms("2h")) == 2
    bad, _ = traffic.counters
    assert Fraction(bad[at] - bad[0], total[at] - total[0]) > Fraction(1, 8)  # 1d error ratio ~14%


def test_the_ticket_and_the_page_fire_after_seven_hours_of_history() -> None:
    slo, _, traffic = _fresh_service()
    timelines = simulate(slo.plan, traffic)
    assert timelines["ticket"].firing[-1] is True
    assert timelines["page"].firing[-1] is True
    assert 'slo:sli_total_events:rate2h{service="api", slo="availability"} >= 1' in slo_rules.alert_expr(
        slo, "ticket")


@pytest.mark.integration
def test_promtool_agrees_on_the_short_history_case(tmp_path: Path, promtool: Tool) -> None:
    slo, step, traffic = _fresh_service()
    stack = stack_with(slo)
    timelines = simulate(slo.plan, traffic)
    bad, total = traffic.counters
    good = [t - b + bad[0] for t, b in zip(total, bad, strict=True)]
    last = traffic.steps - 1
    expected = {tier: [slo_tests._expected_alert(stack, slo, tier)] for tier in slo.tiers}
    checks = [(at, tier) for tier in slo.tiers for at in (last - 60, last) if timelines[tier].firing[at] is not None]
    assert any(timelines[tier].firing[at] for at, tier in checks)
    test = {
        "name": "7h of history at 2 events/s, the last hour a total outage",
        "interval": f"{step // 1000}s",
        "input_series": [{"series": 'api_requests_total{code="500"}', "values": values_text(list(bad))},
                         {"series": 'api_requests_total{code="200"}', "values": values_text(good)}],
        "alert_rule_test": [{"eval_time": eval_time(step, at), "alertname": slo.alert_name(tier),
                             "exp_alerts": expected[tier] if timelines[tier].firing[at] else []}
                            for at, tier in checks],
    }
    (tmp_path / "guard.rules.yml").write_text(yaml.safe_dump(slo_rules.render(stack, slo), sort_keys=False))
    (tmp_path / "guard.test.yml").write_text(yaml.safe_dump(
        {"rule_files": ["guard.rules.yml"], "evaluation_interval": f"{step // 1000}s", "tests": [test]},
        sort_keys=False))
    proc = promtool.run("test", "rules", str(tmp_path / "guard.test.yml"))
    assert proc.returncode == 0, proc.stdout + proc.stderr
