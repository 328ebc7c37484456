"""Generated promtool tests: timing rules, the SLO arithmetic of the SRE Workbook, and the real promtool agreeing."""

from __future__ import annotations

import re
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
import yaml

from monitoring import Alert, AlertScenario, InputSeries
from monitoring.checks.tools import Tool
from monitoring.errors import DefinitionError
from monitoring.output.emitters import GenerateContext, render_files
from monitoring.render import alert_templates, promtool_tests, promtool_timing
from monitoring.render.series_labels import example_labels, parse_selector, regex_example
from monitoring.slo import promtool_tests as slo_tests
from monitoring.slo.simulation import Phase, Traffic, simulate
from monitoring.units import duration_ms
from tests.test_slo_stacks import SOURCE, availability, stack_with, variety

MINUTE = 60_000
SLO_TESTS = ("availability", "checkout-latency", "errors", "queue-free")


def expand(values: str) -> list[float]:
    """promtool's expanding notation, for the forms the generator writes: 'a', 'axn', 'a+bxn'."""
    out: list[float] = []
    for token in values.split():
        match = re.fullmatch(r"(-?[\d.]+)(?:([+-][\d.]+)?x(\d+))?", token)
        assert match, token
        start, increment, count = match.groups()
        if count is None:
            out.append(float(start))
            continue
        step = float(increment or 0)
        out += [float(start) + step * i for i in range(int(count) + 1)]
    return out


@pytest.fixture(scope="module")
def files() -> dict[str, str]:
    return render_files(variety(), GenerateContext(SOURCE))


def test_values_text_round_trips() -> None:
    values = [5, 5, 5, 7, 9, 11, 11, 100, 100]
    assert promtool_timing.values_text(values) == "5 5+0x1 7+2x2 11 100 100"
    assert expand(promtool_timing.values_text(values)) == values
    assert promtool_timing.values_text([Decimal("0"), Decimal("34.3"), Decimal("68.6")]) == "0 34.3+34.3x1"


def test_step_divides_no_window() -> None:
    assert promtool_timing.choose_step({duration_ms(w) for w in ("5m", "30m", "1h", "2h", "6h", "1d", "3d", "30d")}) \
        == 70_000
    assert promtool_timing.choose_step({duration_ms("28d"), duration_ms("1h")}) == 71_000  # 28d is 34560 x 70s
    assert promtool_timing.choose_step({duration_ms("1m")}) == 29_000  # two samples in the shortest window


@pytest.mark.parametrize(("selector", "exclude", "labels"), [
    ('x{error_type=~"-32603|-320[0-9][0-9]|timeout", job="a"}', None, {"error_type": "-32603", "job": "a"}),
    ('x{job="a", method!~"notifications/.*"}', 'x{job="a", error_type=~".+"}', {"job": "a"}),
    ('x{method="tools/call"}', 'x{method="tools/call", error_type!=""}', {"method": "tools/call"}),
    ('x{method="tools/call", error_type!=""}', None, {"method": "tools/call", "error_type": "synthetic"}),
    ('x{code=~"5.."}', None, {"code": "5aa"}),
    ('x', 'x{code=~"5.."}', {}),
    ('x{a="1"}', 'x{a="1"}', None),  # nothing is selected by one and not the other
])
def test_example_labels(selector: str, exclude: str | None, labels: dict[str, str] | None) -> None:
    _, include = parse_selector(selector)
    excluded = parse_selector(exclude)[1] if exclude else None
    assert example_labels(include, excluded) == labels


def test_regex_examples_match() -> None:
    for pattern in ("initialize|tools/list", "[^a]+b?", "(foo|bar)\\d{2,3}", ".+", "5[0-9][0-9]", "a*"):
        example = regex_example(pattern)
        assert example is not None and re.fullmatch(pattern, example), pattern


@pytest.mark.parametrize(("function", "value", "text"), [
    (alert_templates.humanize_percentage, 0.1, "10%"),
    (alert_templates.humanize_percentage, 0.0512, "5.12%"),
    (alert_templates.humanize_duration, 2.425, "2.425s"),
    (alert_templates.humanize_duration, 90, "1m 30s"),
    (alert_templates.humanize_duration, 0.05, "50ms"),
    (alert_templates.humanize_duration, 2 * 86400 + 3600, "2d 1h 0m 0s"),
    (alert_templates.humanize, 1234567, "1.235M"),
    (alert_templates.humanize, 0.002, "2m"),
    (alert_templates.go_value, 0.25, "0.25"),
    (alert_templates.go_value, 1e6, "1e+06"),
    (alert_templates.go_value, 90, "90"),
])
def test_template_functions(function, value: float, text: str) -> None:
    assert function(value) == text


def test_unpredictable_templates_are_an_error_naming_the_alert() -> None:
    alert = Alert(name="QueueDeep", severity="warning", expr="api_queue_depth > 90", summary="Deep.",
                  description='{{ printf "%.1f" $value }} queued.',
                  test=AlertScenario(firing=(InputSeries(series="api_queue_depth", value=100),),
                                     healthy=(InputSeries(series="api_queue_depth", value=1),)))
    with pytest.raises(DefinitionError, match=r"alert 'QueueDeep' \(\S+test_promtool_tests.py:\d+\): "
                       r"annotation 'description': .* cannot be predicted"):
        render_files(stack_with(alerts=(alert,)), GenerateContext(SOURCE))
    without_value = alert.model_copy(update={"description": "{{ $value }} queued."})
    with pytest.raises(DefinitionError, match="set the scenario's value"):
        render_files(stack_with(alerts=(without_value,)), GenerateContext(SOURCE))


def test_templated_alert_labels_are_expected_as_prometheus_expands_them() -> None:
    """Prometheus expands templates in an alert's label values too ($labels: the series'): the generated tests
    expect the expanded value; one that cannot be predicted is an error naming the label, or the scenario states
    the value itself."""
    scenario = AlertScenario(firing=(InputSeries(series='api_queue_depth{queue="orders"}', value=100),),
                             labels={"queue": "orders"}, value=100,
                             healthy=(InputSeries(series='api_queue_depth{queue="orders"}', value=1),))
    alert = Alert(name="QueueDeep", severity="warning", expr="api_queue_depth > 90", summary="Deep.",
                  description="Deep.", labels={"owner": "team-{{ $labels.queue }}", "level": "{{ $value | humanize }}"},
                  test=scenario)
    expected = promtool_tests.expected_plain_alert(stack_with(alerts=(alert,)), stack_with(alerts=(alert,)).services[0],
                                                   alert, scenario)
    assert expected["exp_labels"]["owner"] == "team-orders" and expected["exp_labels"]["level"] == "100"
    unpredictable = alert.model_copy(update={"labels": {"owner": "{{ if true }}a{{ end }}"}})
    with pytest.raises(DefinitionError, match=r"alert 'QueueDeep' \(\S+test_promtool_tests.py:\d+\): label 'owner': "
                       r".* cannot be predicted: set the scenario's labels"):
        render_files(stack_with(alerts=(unpredictable,)), GenerateContext(SOURCE))
    stated = unpredictable.model_copy(update={"test": scenario.model_copy(update={"labels": {"queue": "orders",
                                                                                              "owner": "a"}})})
    files = render_files(stack_with(alerts=(stated,)), GenerateContext(SOURCE))
    assert "owner: a\n" in files["prometheus/tests/api.test.yml"]


@pytest.mark.parametrize("name", SLO_TESTS)
def test_generated_slo_tests_match_golden(golden, files: dict[str, str], name: str) -> None:
    golden(f"slo/tests/api.slo.{name}.test.yml", files[f"prometheus/tests/api.slo.{name}.test.yml"])


def test_timing_rules_hold_for_every_generated_test(files: dict[str, str]) -> None:
    """interval set, evaluation = input interval, no window a multiple of it, checks half a step after an
    evaluation, input series running past every check."""
    stack = variety()
    windows = {f"prometheus/tests/api.slo.{slo.name}.test.yml": slo_tests.slo_windows(slo) for slo in stack.slos}
    windows["prometheus/tests/api.test.yml"] = promtool_tests.service_windows(stack.services[0])
    assert sorted(windows) == sorted(path for path in files if path.startswith("prometheus/tests/"))
    for path, used in windows.items():
        data = yaml.safe_load(files[path])
        step = duration_ms(data["evaluation_interval"])
        assert all(w % step for w in used | {duration_ms("5m")}), path
        for test in data["tests"]:
            assert duration_ms(test["interval"]) == step
            last_sample = max((len(expand(s["values"])) - 1 for s in test["input_series"]), default=None)
            for check in test["alert_rule_test"] + test.get("promql_expr_test", []):
                at = duration_ms(check["eval_time"])
                assert at % step == step // 2, (path, test["name"], check["eval_time"])
                if last_sample is not None:
                    assert at < last_sample * step, (path, test["name"])


def test_every_alert_is_checked_firing_and_silent(files: dict[str, str]) -> None:
    seen: dict[str, set[bool]] = {}
    for path, text in files.items():
        if path.startswith("prometheus/tests/"):
            for test in yaml.safe_load(text)["tests"]:
                for check in test["alert_rule_test"]:
                    seen.setdefault(check["alertname"], set()).add(bool(check["exp_alerts"]))
    stack = variety()
    alerts = [a.name for s in stack.services for a in s.alerts]
    alerts += [slo.alert_name(t) for slo in stack.slos for t in slo.tiers]
    assert {name: {True, False} for name in alerts} == seen


def test_plain_alert_waits_for_its_for(files: dict[str, str]) -> None:
    """APIDown (for 3m) on up == 0 from the first sample: pending through 2m20s, firing at 3m30s (70s steps)."""
    [fires, healthy] = yaml.safe_load(files["prometheus/tests/api.test.yml"])["tests"]
    assert fires["name"] == "APIDown: fires under failure, not before its for of 3m"
    checks = [(c["eval_time"], bool(c["exp_alerts"])) for c in fires["alert_rule_test"]]
    assert checks == [("2m55s", False), ("4m5s", True), ("5m15s", True)]
    assert fires["alert_rule_test"][1]["exp_alerts"][0] == {
        "exp_labels": {"instance": "api:8080", "job": "api", "severity": "critical"},
        "exp_annotations": {"summary": "An API target is down.", "description": "api:8080 is down.",
                            "runbook_url": "https://runbooks.example.com/api/APIDown"}}
    assert healthy["name"] == "APIDown: silent when healthy"
    assert all(not c["exp_alerts"] for c in healthy["alert_rule_test"])


# --- the arithmetic of a 99.9% objective over 30 days --------------------------------------------------------------


def _case(name_start: str) -> slo_tests.SLOCase:
    slo = availability()
    return next(c for c in slo_tests.slo_cases(slo, 70_000) if c.name.startswith(name_start))


def _first_page_after_errors(case: slo_tests.SLOCase) -> int:
    """ms from the first bad event to the evaluation where the page fires."""
    slo = availability()
    events = slo_tests._events_per_step(slo, 70_000, [r for _, _, r in case.phases])
    phases = tuple(Phase(start, events * scale, ratio) for start, scale, ratio in case.phases)
    page = simulate(slo.plan, Traffic(70_000, case.horizon, phases))["page"]
    errors_from = case.phases[-1][0] - 1  # the sample before the first bad interval
    first = page.first_firing()
    assert first is not None
    return (first - errors_from) * 70_000


def test_a_full_outage_pages_within_2_minutes() -> None:
    assert _first_page_after_errors(_case("page: 100% errors")) <= 2 * MINUTE


def test_a_steady_1_5_percent_error_ratio_pages_after_about_58_minutes_not_55() -> None:
    case = _case("page: steady error ratio 1.5% after 6h")
    assert 55 * MINUTE < _first_page_after_errors(case) <= 58 * MINUTE


def test_a_steady_1_percent_error_ratio_never_fires_the_fast_pair() -> None:
    """10x the budget is below 14.4x: the 1h/5m pair stays false however long it lasts."""
    slo = availability()
    case = _case("page: steady error ratio 1% (10x the budget)")
    assert case.phases[-1][2] == Fraction(1, 100)
    events = slo_tests._events_per_step(slo, 70_000, [r for _, _, r in case.phases])
    traffic = Traffic(70_000, 2000, tuple(Phase(s, events * k, r) for s, k, r in case.phases))
    bad, total = traffic.counters
    hour = duration_ms("1h") // 70_000
    assert all((bad[at] - bad[at - hour]) / (total[at] - total[at - hour]) <= Fraction(144, 10_000)
               for at in range(hour, 2001))
    # ... and the generated test checks the page silent once the 1h window holds nothing but errors.
    silent_at = max(case.probes)
    page = simulate(slo.plan, Traffic(70_000, case.horizon, tuple(Phase(s, events * k, r) for s, k, r in case.phases)))
    assert page["page"].firing[silent_at] is False
    assert (silent_at - case.phases[-1][0]) * 70_000 > duration_ms("1h") + duration_ms("5m")


def test_the_issue_cases_are_in_the_generated_availability_test(files: dict[str, str]) -> None:
    tests = {t["name"]: t for t in yaml.safe_load(files["prometheus/tests/api.slo.availability.test.yml"])["tests"]}
    steady = tests["slo availability: page: steady error ratio 1.5% after 6h of healthy traffic, just above the "
                   "1h/5m burn rate"]
    page = [(duration_ms(c["eval_time"]), bool(c["exp_alerts"])) for c in steady["alert_rule_test"]
            if c["alertname"] == "ApiAvailabilityErrorBudgetBurnPage"]
    start = (_case("page: steady error ratio 1.5% after 6h").phases[-1][0] - 1) * 70_000  # the last good sample
    silent = max(t for t, firing in page if not firing)
    fired = min(t for t, firing in page if firing)
    assert 55 * MINUTE <= silent - start < fired - start <= 58 * MINUTE


# --- promtool agrees -------------------------------------------------------------------------------------------------


def _write(tmp_path: Path, files: dict[str, str]) -> Path:
    for path, text in files.items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(text)
    return tmp_path / "prometheus"


@pytest.mark.integration
def test_promtool_passes_every_generated_test(tmp_path: Path, files: dict[str, str], promtool: Tool) -> None:
    prometheus = _write(tmp_path, files)
    tests = sorted((prometheus / "tests").glob("*.yml"))
    proc = promtool.run("test", "rules", *map(str, tests))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.count("SUCCESS") == len(tests) == 5


@pytest.mark.integration
@pytest.mark.parametrize(("rule_file", "test_file", "good", "bad"), [
    ("api.slo.availability.rules.yml", "api.slo.availability.test.yml", "(14.4 * 0.001)", "(15.4 * 0.001)"),
    ("api.slo.availability.rules.yml", "api.slo.availability.test.yml", "ratio_rate5m{service=\"api\", "
     "slo=\"availability\"} > (14.4", "ratio_rate30m{service=\"api\", slo=\"availability\"} > (14.4"),
    ("api.slo.availability.rules.yml", "api.slo.availability.test.yml", "ratio_rate30m{service=\"api\", "
     "slo=\"availability\"} > (6", "ratio_rate1h{service=\"api\", slo=\"availability\"} > (6"),
    # Only the Go spelling: the test that writes le="5.0", as Python clients do, must catch it.
    ("api.slo.checkout-latency.rules.yml", "api.slo.checkout-latency.test.yml", 'le=~"5|5\\\\.0"', 'le="5"'),
])
def test_generated_tests_catch_a_broken_rule(tmp_path: Path, files: dict[str, str], promtool: Tool,
                                             rule_file: str, test_file: str, good: str, bad: str) -> None:
    prometheus = _write(tmp_path, files)
    rules = prometheus / "rules" / rule_file
    assert good in rules.read_text()
    rules.write_text(rules.read_text().replace(good, bad))
    proc = promtool.run("test", "rules", str(prometheus / "tests" / test_file))
    assert proc.returncode == 1, proc.stdout
    assert "FAILED" in proc.stdout + proc.stderr


@pytest.mark.integration
def test_template_rendering_agrees_with_prometheus(tmp_path: Path, promtool: Tool) -> None:
    description = ("{{ $value }} | {{ $value | humanize }} | {{ $value | humanizeDuration }} | "
                   "{{ $value | humanizePercentage }} | {{ .Labels.job }}")
    alert = Alert(name="QueueDeep", severity="warning", expr='api_queue_depth{job="api"} > 90', summary="Deep.",
                  description=description,
                  test=AlertScenario(firing=(InputSeries(series='api_queue_depth{job="api"}', value="12345.678"),),
                                     labels={"job": "api"}, value="12345.678",
                                     healthy=(InputSeries(series='api_queue_depth{job="api"}', value=1),)))
    files = render_files(stack_with(alerts=(alert,)), GenerateContext(SOURCE))
    test = yaml.safe_load(files["prometheus/tests/api.test.yml"])["tests"][0]
    rendered = test["alert_rule_test"][-1]["exp_alerts"][0]["exp_annotations"]["description"]
    assert rendered == "12345.678 | 12.35k | 3h 25m 45s | 1.235e+06% | api"
    prometheus = _write(tmp_path, files)
    proc = promtool.run("test", "rules", str(prometheus / "tests" / "api.test.yml"))
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.integration
@pytest.mark.parametrize("alert_expr", [
    "route:api_requests_errors:ratio_rate5m > 0.1",
    # A window over the recorded rate: it is exact once both windows have filled, one after the other.
    "avg_over_time(route:api_requests_errors:ratio_rate5m[10m]) > 0.1",
], ids=["reads a recorded rate", "a window over a recorded rate"])
def test_an_alert_on_a_recording_rule_waits_for_the_rules_window(tmp_path: Path, promtool: Tool,
                                                                 alert_expr: str) -> None:
    """A recording rule of the alert's own rule file is evaluated beside it in the test: the alert's value waits
    for the rule's window too, and the generated test expects the alert only once it has."""
    from monitoring import RecordingRule, RuleGroup, Service, Stack
    from tests.test_slo_stacks import api_metrics, routing

    failing = (InputSeries(series='api_requests_total{code="500", route="/cart"}', rate=2),
               InputSeries(series='api_requests_total{code="200", route="/cart"}', rate=8))
    alert = Alert(name="RouteErrors", severity="critical", for_="5m", expr=alert_expr, summary="A route fails.",
                  description="Route {{ $labels.route }} fails.",
                  test=AlertScenario(firing=failing, labels={"route": "/cart"},
                                     healthy=(InputSeries(series='api_requests_total{code="200", route="/cart"}',
                                                          rate=10),)))
    rule = RecordingRule(record="route:api_requests_errors:ratio_rate5m",
                         expr='sum by (route) (rate(api_requests_total{code=~"5.."}[5m])) / '
                              'sum by (route) (rate(api_requests_total[5m]))')
    service = Service(name="api", metrics=api_metrics(), rule_groups=(RuleGroup(name="api", rules=(rule, alert)),))
    stack = Stack(name="recorded", services=(service,), routing=routing())
    files = render_files(stack, GenerateContext(SOURCE))
    waits = promtool_tests.alert_windows(service, alert_expr)
    assert max(waits) == duration_ms("5m") + sum(promtool_timing.expr_windows(alert_expr))
    fires = yaml.safe_load(files["prometheus/tests/api.test.yml"])["tests"][0]["alert_rule_test"][-2]
    assert duration_ms(fires["eval_time"]) >= max(waits) + duration_ms("5m")
    proc = promtool.run("test", "rules", str(_write(tmp_path, files) / "tests" / "api.test.yml"))
    assert proc.returncode == 0, proc.stdout + proc.stderr
