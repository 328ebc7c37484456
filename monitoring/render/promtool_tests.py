"""promtool unit tests for a service's plain alerts (those with a test scenario).

Each alert is proven three ways: it fires with its exact labels and annotations under a failure; it does not
fire before its `for` has elapsed, nor just below its threshold; it stays silent while the system is healthy.
The timing rules are in `promtool_timing`; SLO burn-rate alerts are tested by `monitoring.slo.promtool_tests`.
"""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache
from typing import Any, NamedTuple

from monitoring import conventions
from monitoring.errors import DefinitionError
from monitoring.model.rules import Alert, RecordingRule
from monitoring.model.scenario import AlertScenario, InputSeries
from monitoring.model.service import Service
from monitoring.model.stack import Stack
from monitoring.output.files import to_yaml
from monitoring.output.yaml_parts import under
from monitoring.output.yaml_writer import NotOneLine, one_line
from monitoring.promql import selected_metrics
from monitoring.render import alert_templates, shape_cache
from monitoring.render.alert_shapes import Scenario, Series
from monitoring.render.promtool_timing import (
    choose_step,
    eval_time,
    expr_windows,
    number_text,
    relative_rule_file,
    too_long,
)
from monitoring.render.promtool_timing import steps as _steps
from monitoring.units import duration_ms, format_duration


def service_windows(service: Service) -> set[int]:
    return {w for alert in service.alerts for w in alert_windows(service, alert.expr)}


def service_step(service: Service) -> int:
    """The step of the service's tests, from the windows of all its alerts (a DefinitionError naming the alert
    whose window leaves no step when none fits)."""
    return alerts_step([(alert, alert_windows(service, alert.expr)) for alert in service.alerts])


def alert_windows(service: Service, expr: str) -> set[int]:
    """The windows (ms) an alert's value waits for: its expression's own, and those of the service's recording
    rules it reads, which its test's rule file evaluates beside it. A recorded rate is exact only once its own
    window is full, and a window over it fills after that: so the longest wait along each chain of rules is one
    of the windows too, and the tests wait for it before they expect the alert."""
    recorded = {rule.name: rule.expr for group in service.rule_groups for rule in group.rules
                if isinstance(rule, RecordingRule)}
    if not recorded:  # most services: the expression's own (and no second walk of it)
        return expr_windows(expr)
    windows: set[int] = set()

    def wait(text: str, reading: frozenset[str]) -> int:
        own = expr_windows(text)
        windows.update(own)
        read = [wait(recorded[name], reading | {name}) for name in selected_metrics(text)
                if name in recorded and name not in reading]  # a rule that reads itself waits for nothing more
        return max(own, default=0) + max(read, default=0)

    longest = wait(expr, frozenset())
    if longest:
        windows.add(longest)
    return windows


def alerts_step(windows: list[tuple[Alert, set[int]]]) -> int:
    """choose_step over the windows of the alerts of one test file. When no step fits, the alert with the shortest
    window is named, at its expr: a test step is whole seconds, under half of every window."""
    try:
        return choose_step({w for _, own in windows for w in own})
    except DefinitionError as exc:
        alert = min(((min(w for w in own if w > 0), index) for index, (_, own) in enumerate(windows)
                     if any(w > 0 for w in own)), default=None)
        if alert is None:
            raise
        culprit = windows[alert[1]][0]
        raise culprit.error(f"expr: {exc.problem}, the shortest being {format_duration(alert[0])} of this alert: a "
                            "test step is whole seconds, under half of every window", field="expr",
                            value=culprit.expr) from None


# --- plain alerts -------------------------------------------------------------------------------------------------


def _series_values(series: InputSeries | Series, steps: int, step: int) -> str:
    number = series.value if series.value is not None else series.rate
    assert number is not None
    return _values_text(series.value is not None, number, number.is_signed(), steps, step)


@lru_cache(maxsize=4096)
def _values_text(gauge: bool, number: Decimal, signed: bool, steps: int, step: int) -> str:
    """A gauge's constant value or a counter's steady rise; cached because most series of a large stack hold one
    of a few numbers. Decimals that are equal (1.0 and 1) are written alike, so they may share an entry, but
    -0 and 0 are not (hence the sign in the key)."""
    if gauge:
        return f"{number_text(number)}x{steps}"
    increment = number * Decimal(step) / 1000
    return f"0+{number_text(increment)}x{steps}"


def _plain_series(series: tuple[InputSeries | Series, ...], steps: int, step: int) -> list[dict[str, str]]:
    return [{"series": s.series, "values": _series_values(s, steps, step)}
            for s in sorted(series, key=lambda s: s.series)]


def expected_plain_alert(stack: Stack, service: Service, alert: Alert, scenario: AlertScenario | Scenario
                         ) -> dict[str, Any]:
    value = float(scenario.value) if scenario.value is not None else None
    # Prometheus expands templates in an alert's label values as in its annotations ($labels: the series').
    labels = {}
    for key, text in service.alert_labels(alert).items():
        if key in scenario.labels:
            continue  # the scenario states the label's value
        try:
            labels[key] = alert_templates.render(text, scenario.labels, value, stated_in="labels")
        except alert_templates.UnsupportedTemplate as exc:
            raise alert.error(f"label {key!r}: {exc}", field=f"labels.{key}", value=text) from None
    labels.update(scenario.labels)
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


class _Case(NamedTuple):
    """One promtool test of an alert: what its name says, its input series, and its checks (step, fires?)."""

    name: str
    series: tuple[InputSeries | Series, ...]
    checks: tuple[tuple[int, bool], ...]


def _cases(alert: Alert, step: int, scenario: AlertScenario | Scenario, windows: set[int]
           ) -> tuple[int, list[_Case]]:
    """The steps each test runs, and the tests: fires (after `for`), silent just below the threshold, silent
    when healthy; each from the first sample on.

    Rates need two samples to exist and a full window to be exact, so the alert may become active anywhere from
    the second step to the first full window: it must not fire before the earliest moment plus `for`, and must
    fire (with its exact value) at the latest moment plus `for`.
    """
    earliest = 1 if windows else 0
    full = _steps(max(windows), step) if windows else 0
    hold = _steps(duration_ms(alert.for_ or "0s"), step)
    steps = full + hold + 2
    fires_at = full + hold
    firing = ((earliest + hold - 1, False),) if hold else ()
    cases = [_Case("fires under failure" + (f", not before its for of {alert.for_}" if hold else ""),
                   scenario.firing, (*firing, (fires_at, True), (steps - 1, True)))]
    silent = ((fires_at, False), (steps - 1, False))
    if scenario.below is not None:
        cases.append(_Case("silent just below its threshold", scenario.below, silent))
    cases.append(_Case("silent when healthy", scenario.healthy, silent))
    return steps, cases


def plain_alert_tests(stack: Stack, service: Service, alert: Alert, step: int,
                      scenario: AlertScenario | Scenario | None = None, windows: set[int] | None = None,
                      expected: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """The tests of one alert (see `_cases`) as promtool's data."""
    scenario = scenario or alert.test
    assert scenario is not None
    steps, cases = _cases(alert, step, scenario, alert_windows(service, alert.expr) if windows is None else windows)
    fired = [expected or expected_plain_alert(stack, service, alert, scenario)]
    interval = format_duration(step)
    # One list per distinct set of checks: the YAML writer writes a list it has seen once (yaml_writer._Seen).
    checks: dict[tuple[tuple[int, bool], ...], list[dict[str, Any]]] = {}
    for case in cases:
        if case.checks not in checks:
            checks[case.checks] = [{"eval_time": eval_time(step, at), "alertname": alert.name,
                                    "exp_alerts": fired if firing else []} for at, firing in case.checks]
    return [{"name": f"{alert.name}: {case.name}", "interval": interval,
             "input_series": _plain_series(case.series, steps, step), "alert_rule_test": checks[case.checks]}
            for case in cases]


def _alert_text(stack: Stack, service: Service, planned: _Planned, step: int, interval: str) -> list[str]:
    """The tests of one alert as the YAML lines `plain_alert_tests` would be written as, in a file's tests."""
    alert, scenario = planned.alert, planned.scenario
    assert scenario is not None
    steps, cases = _cases(alert, step, scenario, planned.windows)
    expected = planned.expected or expected_plain_alert(stack, service, alert, scenario)
    name = f"    alertname: {one_line(alert.name)}\n"
    quiet = name + "    exp_alerts: []\n"
    fired = (name + "    exp_alerts:\n    - " + under("exp_labels", expected["exp_labels"], "      ")[6:]
             + under("exp_annotations", expected["exp_annotations"], "      "))
    out: list[str] = []
    for case in cases:
        out += [f"- name: {one_line(f'{alert.name}: {case.name}')}\n", interval]
        rows = sorted(case.series, key=lambda s: s.series)
        out.append("  input_series:\n" if rows else "  input_series: []\n")
        out += [f"  - series: {one_line(s.series)}\n    values: {one_line(_series_values(s, steps, step))}\n"
                for s in rows]
        out.append("  alert_rule_test:\n")
        for at, firing in case.checks:
            out += [f"  - eval_time: {one_line(eval_time(step, at))}\n", fired if firing else quiet]
    return out


# --- files --------------------------------------------------------------------------------------------------------


class _Planned(NamedTuple):
    """An alert as its tests see it: its windows, and its scenario with the alert that then fires (both None
    when it has neither a scenario nor a recognised shape: why says what is not recognised)."""

    alert: Alert
    windows: set[int]
    scenario: AlertScenario | Scenario | None
    expected: dict[str, Any] | None
    why: str


def _planned(stack: Stack, service: Service, warnings: list[str] | None = None) -> list[_Planned]:
    """Each alert of the service with its scenario: its own, or read from the shape of its expression (see
    `_bounded` for `warnings`)."""
    catalog = {m.name: m for m in stack.service_metrics(service)}
    planned = []
    for alert in service.alerts:
        if alert.test is not None:  # (its expected alert is checked by Stack.check, and made with its tests)
            planned.append(_Planned(alert, alert_windows(service, alert.expr), alert.test, None, ""))
            continue
        scenario, shape, windows = shape_cache.scenario_of(alert.expr, catalog)
        expected = None
        why = unrecognised_why(shape)
        if scenario is not None:
            try:  # an annotation the test cannot predict (a query template, say) needs a hand-written scenario
                expected = expected_plain_alert(stack, service, alert, scenario)
            except DefinitionError as exc:
                scenario = None
                why = f"it has no AlertScenario, and the shape of its expression is recognised, but {exc.problem}"
        planned.append(_Planned(alert, windows, scenario, expected, why))
    return _bounded(planned, service, warnings)


def unrecognised_why(shape: str) -> str:
    """Why an alert gets no generated test when its expression's shape is not recognised (`shape` says which
    part is not)."""
    return f"it has no AlertScenario, and its expression is not a shape tests are generated for: {shape}"


def _bounded(planned: list[_Planned], service: Service, warnings: list[str] | None = None) -> list[_Planned]:
    """planned without the scenarios whose tests would run too long (a `for` of years, a window of months):
    those alerts are untested, why says so, and so does a line added to `warnings` (when given): generate prints
    it, as it does for an SLO whose test is left out."""
    if not any(p.scenario is not None for p in planned):
        return planned
    step = alerts_step([(p.alert, p.windows) for p in planned])
    bounded = []
    for p in planned:
        steps = _cases(p.alert, step, p.scenario, p.windows)[0] if p.scenario is not None else 0
        waits = f"its for of {p.alert.for_} and its windows" if p.alert.for_ else "its windows"
        why = too_long(steps, step, waits)
        bounded.append(p._replace(scenario=None, expected=None, why=why) if why else p)
        if why and warnings is not None:
            warnings.append(f"alert {p.alert.name!r} of service {service.name!r}: {why}, so no promtool test was "
                            "generated for it")
    return bounded


def scenarios(stack: Stack, service: Service) -> tuple[dict[str, AlertScenario | Scenario], dict[str, str]]:
    """Each alert's scenario (its own, or read from the shape of its expression), and why the alerts without
    either have none: alert name -> the part of the expression that is not a recognised shape."""
    planned = _planned(stack, service)
    return {p.alert.name: p.scenario for p in planned if p.scenario is not None}, _untested(planned)


def _untested(planned: list[_Planned]) -> dict[str, str]:
    return {p.alert.name: p.why for p in planned if p.scenario is None}


def _file(stack: Stack, service: Service, untested: dict[str, str] | None = None,
          warnings: list[str] | None = None) -> tuple[list[_Planned], int, dict[str, Any]] | None:
    """The alerts a service's test file tests (those with a scenario or a recognised shape, in the service's
    order), its step, and its head (rule files, evaluation interval); None when no alert has a scenario.
    `untested`, if given, receives why each of the others has no tests (see `scenarios`); `warnings`, a line
    for each whose test is left out as too long."""
    planned = _planned(stack, service, warnings)
    if untested is not None:
        untested.update(_untested(planned))
    tested = [p for p in planned if p.scenario is not None]
    if not tested:
        return None
    step = alerts_step([(p.alert, p.windows) for p in planned])
    return tested, step, {"rule_files": [relative_rule_file(conventions.rules_file(service.name))],
                          "evaluation_interval": format_duration(step)}


def render(stack: Stack, service: Service) -> dict[str, Any] | None:
    """The test file of a service's alerts that have a scenario or a recognised shape, or None when none has."""
    found = _file(stack, service)
    if found is None:
        return None
    tested, step, head = found
    return {**head, "tests": [t for p in tested for t in plain_alert_tests(stack, service, p.alert, step, p.scenario,
                                                                           p.windows, p.expected)]}


def render_text(stack: Stack, service: Service, header: str = "", untested: dict[str, str] | None = None,
                warnings: list[str] | None = None) -> str | None:
    """The test file of a service's alerts as YAML after `header`: exactly `to_yaml(render(stack, service),
    header)`, written from its parts (a large stack's tests are most of its YAML), or None as `render`.
    `untested`, if given, receives why each alert the file leaves out has no tests: alert name -> the part of
    its expression that is not a recognised shape (what `scenarios` says, worked out once); `warnings`, a line
    for each alert whose test is left out as too long."""
    found = _file(stack, service, untested, warnings)
    if found is None:
        return None
    tested, step, head = found
    try:
        interval = f"  interval: {one_line(head['evaluation_interval'])}\n"
        return "".join([header, to_yaml(head), "tests:\n",
                        *(line for p in tested for line in _alert_text(stack, service, p, step, interval))])
    except NotOneLine:  # a series or name on several lines: a block, which the writer places itself
        return to_yaml(render(stack, service), header)
