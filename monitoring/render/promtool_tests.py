"""promtool unit tests for a service's plain alerts (those with a test scenario).

Each alert is proven three ways: it fires with its exact labels and annotations under a failure; it does not
fire before its `for` has elapsed, nor just below its threshold; it stays silent while the system is healthy.
The timing rules are in `promtool_timing`; SLO burn-rate alerts are tested by `monitoring.slo.promtool_tests`.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from monitoring import conventions, promql
from monitoring.errors import DefinitionError
from monitoring.model.common import duration_ms, format_duration
from monitoring.model.rules import Alert
from monitoring.model.scenario import AlertScenario, InputSeries
from monitoring.model.service import Service
from monitoring.model.stack import Stack
from monitoring.render import alert_templates, shape_cache
from monitoring.render.promtool_timing import (
    choose_step,
    eval_time,
    expr_windows,
    number_text,
    relative_rule_file,
)
from monitoring.render.promtool_timing import steps as _steps


def service_windows(service: Service) -> set[int]:
    return {w for alert in service.alerts for w in expr_windows(alert.expr)}


# --- plain alerts -------------------------------------------------------------------------------------------------


def _series_values(series: InputSeries, steps: int, step: int) -> str:
    if series.value is not None:
        return f"{number_text(series.value)}x{steps}"
    increment = series.rate * Decimal(step) / 1000  # type: ignore[operator]
    return f"0+{number_text(increment)}x{steps}"


def _plain_series(series: tuple[InputSeries, ...], steps: int, step: int) -> list[dict[str, str]]:
    return [{"series": s.series, "values": _series_values(s, steps, step)}
            for s in sorted(series, key=lambda s: s.series)]


def expected_plain_alert(stack: Stack, service: Service, alert: Alert, scenario: AlertScenario) -> dict[str, Any]:
    labels = {**service.alert_labels(alert), **scenario.labels}
    value = float(scenario.value) if scenario.value is not None else None
    annotations = stack.alert_annotations(service, alert)
    rendered = {}
    for key, text in annotations.items():
        if key in scenario.annotations:
            rendered[key] = scenario.annotations[key]
            continue
        try:
            rendered[key] = alert_templates.render(text, scenario.labels, value)
        except alert_templates.UnsupportedTemplate as exc:
            raise alert.error(f"annotation {key!r}: {exc}", field=f"annotations.{key}", value=text) from None
    return {"exp_labels": dict(sorted(labels.items())), "exp_annotations": rendered}


def plain_alert_tests(stack: Stack, service: Service, alert: Alert, step: int,
                      scenario: AlertScenario | None = None, windows: set[int] | None = None,
                      expected: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """fires (after `for`), silent just below the threshold, silent when healthy: each from the first sample on.

    Rates need two samples to exist and a full window to be exact, so the alert may become active anywhere from
    the second step to the first full window: it must not fire before the earliest moment plus `for`, and must
    fire (with its exact value) at the latest moment plus `for`.
    """
    scenario = scenario or alert.test
    assert scenario is not None
    windows = expr_windows(alert.expr) if windows is None else windows
    earliest = 1 if windows else 0
    full = _steps(max(windows), step) if windows else 0
    hold = _steps(duration_ms(alert.for_ or "0s"), step)
    steps = full + hold + 2
    fires_at = full + hold
    fired = [expected or expected_plain_alert(stack, service, alert, scenario)]

    def test(name: str, series: tuple[InputSeries, ...], checks: list[tuple[int, bool]]) -> dict[str, Any]:
        return {
            "name": f"{alert.name}: {name}",
            "interval": format_duration(step),
            "input_series": _plain_series(series, steps, step),
            "alert_rule_test": [{"eval_time": eval_time(step, at), "alertname": alert.name,
                                 "exp_alerts": fired if firing else []} for at, firing in checks],
        }

    firing_checks = [(earliest + hold - 1, False)] if hold else []
    tests = [test("fires under failure" + (f", not before its for of {alert.for_}" if hold else ""),
                  scenario.firing, [*firing_checks, (fires_at, True), (steps - 1, True)])]
    if scenario.below is not None:
        tests.append(test("silent just below its threshold", scenario.below, [(fires_at, False), (steps - 1, False)]))
    tests.append(test("silent when healthy", scenario.healthy, [(fires_at, False), (steps - 1, False)]))
    return tests


# --- files --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Planned:
    """An alert as its tests see it: its windows, and its scenario with the alert that then fires (both None
    when it has neither a scenario nor a recognised shape: why says what is not recognised)."""

    alert: Alert
    windows: set[int]
    scenario: AlertScenario | None
    expected: dict[str, Any] | None
    why: str


def _planned(stack: Stack, service: Service) -> list[_Planned]:
    """Each alert of the service with its scenario: its own, or read from the shape of its expression."""
    catalog = {m.name: m for m in stack.service_metrics(service)}
    planned = []
    for alert in service.alerts:
        if alert.test is not None:  # (its expected alert is checked by Stack.check, and made with its tests)
            planned.append(_Planned(alert, expr_windows(alert.expr), alert.test, None, ""))
            continue
        scenario, why, windows = shape_cache.scenario_of(promql.parse(alert.expr), alert.expr, catalog)
        expected = None
        if scenario is not None:
            try:  # an annotation the test cannot predict (a query template, say) needs a hand-written scenario
                expected = expected_plain_alert(stack, service, alert, scenario)
            except DefinitionError as exc:
                scenario, why = None, f"the shape is recognised, but {exc.problem}"
        planned.append(_Planned(alert, windows, scenario, expected, why))
    return planned


def scenarios(stack: Stack, service: Service) -> tuple[dict[str, AlertScenario], dict[str, str]]:
    """Each alert's scenario (its own, or read from the shape of its expression), and why the alerts without
    either have none: alert name -> the part of the expression that is not a recognised shape."""
    found, unrecognised = {}, {}
    for p in _planned(stack, service):
        if p.scenario is not None:
            found[p.alert.name] = p.scenario
        else:
            unrecognised[p.alert.name] = p.why
    return found, unrecognised


def render(stack: Stack, service: Service) -> dict[str, Any] | None:
    """The test file of a service's alerts that have a scenario or a recognised shape, or None when none has."""
    planned = _planned(stack, service)
    found = {p.alert.name: p for p in planned if p.scenario is not None}  # (the last of one name, as before)
    tested = [(a, found[a.name]) for a in service.alerts if a.name in found]
    if not tested:
        return None
    step = choose_step({w for p in planned for w in p.windows})
    tests = [t for alert, p in tested
             for t in (plain_alert_tests(stack, service, alert, step, p.scenario, p.windows, p.expected)
                       if p.alert is alert else plain_alert_tests(stack, service, alert, step, p.scenario))]
    return {"rule_files": [relative_rule_file(conventions.rules_file(service.name))],
            "evaluation_interval": format_duration(step), "tests": tests}
