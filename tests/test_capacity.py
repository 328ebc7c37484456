"""The capacity plan's rules and the trend fit (the live report is proven end to end in tests/e2e)."""

from __future__ import annotations

import numpy as np
import pytest

from monitoring.capacity.forecast import fit
from monitoring.capacity.history import requests_needed, resources
from monitoring.capacity.plan import CapacityPlan, Forecasts, recommend
from monitoring.capacity.report import parse_growth
from monitoring.errors import UsageError
from monitoring.promql import parse


def kinds(forecast: Forecasts) -> list[tuple[str, str]]:
    return [(r.kind, r.recommended) for r in recommend(CapacityPlan(), forecast)]


def test_the_plan_is_the_deployment_guides() -> None:
    plan = CapacityPlan()
    assert (plan.cpu_target, plan.memory_target, plan.fleet_rps, plan.replicas, plan.memory_limit_gi) == (
        0.70, 0.80, 1000, 3, 2)


@pytest.mark.parametrize(("forecast", "expected"), [
    (Forecasts(0.70, 0.80, 1000), []),  # at the thresholds: the plan holds
    (Forecasts(0.71, 0.5, 500), [("replicas", "4 replicas")]),  # ceil(3 * 0.71 / 0.7) = 4
    (Forecasts(1.40, 0.5, 500), [("replicas", "6 replicas")]),  # exactly 6, not 7
    (Forecasts(0.5, 0.81, 500), [("memory", "2.5Gi limit")]),  # 2 * 0.81 / 0.8 = 2.025 -> 2.5Gi
    (Forecasts(0.5, 1.20, 500), [("memory", "3Gi limit")]),  # exactly 3Gi
    (Forecasts(0.5, 0.5, 1001), [("scale-out", "4 replicas")]),
    (Forecasts(0.9, 1.05, 1350), [("replicas", "4 replicas"), ("memory", "3Gi limit"), ("scale-out", "5 replicas")]),
])
def test_recommendations(forecast: Forecasts, expected: list[tuple[str, str]]) -> None:
    assert kinds(forecast) == expected


def test_fit_recovers_a_line() -> None:
    times = np.arange(0, 30 * 86400 + 1, 3600.0) + 1.7e9
    values = 0.2 + 0.2 * (times - times[0]) / (30 * 86400)
    trend = fit(times, values)
    assert float(trend.at(times[-1] + 30 * 86400)) == pytest.approx(0.6)


@pytest.mark.parametrize(("text", "growth"), [("50%", 0.5), ("0%", 0.0), ("12.5%", 0.125), (" 200% ", 2.0)])
def test_growth_is_a_percentage(text: str, growth: float) -> None:
    assert parse_growth(text) == growth


@pytest.mark.parametrize("text", ["50", "0.5", "-5%", "fifty%", "%", ""])
def test_growth_that_is_not_a_percentage(text: str) -> None:
    with pytest.raises(UsageError, match="must be a percentage such as 50%"):
        parse_growth(text)


def test_history_queries_parse_and_are_fetched_in_five_day_chunks() -> None:
    for resource in resources():
        parse(resource.query)
    assert requests_needed(30) == 3 * 6  # six chunks of at most five days (and 31 hourly points) per resource
