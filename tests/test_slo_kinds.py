"""The SLI kinds beyond counter ratios: boolean gauges (`up`, `probe_success`) and native-histogram latency.

Boolean gauges are proven with promtool: the recorded error ratio is the share of 0 samples, and the generated
tests fire and stay silent for every tier. Native histograms cannot be written as promtool 2.42 input series (its
series notation has no histogram samples), so their rules are checked here for shape and proven on a real
Prometheus in tests/e2e/test_native_histograms.py.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from monitoring import SLO, AlertTier, BooleanSLI, Histogram, LatencySLI, Service, SLOAlerting, Stack
from monitoring.checks.tools import Tool
from monitoring.output.emitters import GenerateContext, render_files
from monitoring.output.files import write_tree
from monitoring.slo import promtool_tests as slo_tests
from monitoring.slo import rules as slo_rules
from tests.test_slo_stacks import api_service, routing, stack_with


def up_slo(**overrides: object) -> SLO:
    fields: dict[str, object] = dict(name="up", service="api", objective="99.9",
                                     sli=BooleanSLI(gauge='up{job="api"}'))
    fields.update(overrides)
    return SLO(**fields)


def test_a_boolean_sli_counts_zero_samples_over_all_samples() -> None:
    slo = up_slo(group_by=("instance",))
    assert slo_rules.total_expr(slo, "1h") == 'sum by (instance) (count_over_time(up{job="api"}[1h])) / 3600'
    assert slo_rules.bad_expr(slo, "1h") == (
        '(\n  sum by (instance) (count_over_time(up{job="api"}[1h]))\n-\n'
        '  sum by (instance) (sum_over_time(up{job="api"}[1h]))\n) / 3600')


@pytest.mark.integration
def test_the_recorded_ratio_is_the_share_of_time_the_gauge_is_zero(tmp_path: Path, promtool: Tool) -> None:
    """Two targets sampled every 70s: one down for its samples 8, 9 and 10, the other always up. The 5m window of
    the evaluation at sample 10 (700s) holds samples 6..10 of each (10 samples, 3 of them 0): ratio 0.3. 70s
    does not divide 5m, so no sample sits on the window's edge, where Prometheus 2 and 3 differ."""
    stack = stack_with(up_slo())
    out = tmp_path / "out"
    write_tree(render_files(stack, GenerateContext("tests")), out)
    test = {
        "rule_files": ["../rules/api.slo.up.rules.yml"],
        "evaluation_interval": "70s",
        "tests": [{
            "interval": "70s",
            "input_series": [{"series": 'up{job="api", instance="a"}', "values": "1x7 0 0 0"},
                             {"series": 'up{job="api", instance="b"}', "values": "1x10"}],
            "promql_expr_test": [
                {"expr": 'slo:sli_error:ratio_rate5m{slo="up"}', "eval_time": "12m15s",
                 "exp_samples": [{"labels": 'slo:sli_error:ratio_rate5m{service="api", slo="up"}', "value": 0.3}]},
                {"expr": 'slo:sli_error:ratio_rate5m{slo="up"}', "eval_time": "7m35s",
                 "exp_samples": [{"labels": 'slo:sli_error:ratio_rate5m{service="api", slo="up"}', "value": 0}]},
            ],
        }],
    }
    path = out / "prometheus" / "tests" / "ratio.test.yml"
    path.write_text(yaml.safe_dump(test))
    proc = promtool.run("test", "rules", str(path))
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.parametrize("slo", [
    up_slo(),
    up_slo(name="up-7d", period="7d", group_by=("instance",),
           alerting=SLOAlerting(page=AlertTier(severity="critical", for_="2m"))),
    up_slo(name="probe", sli=BooleanSLI(gauge='probe_success{job="blackbox"}'), period="28d",
           alerting=SLOAlerting(ticket=AlertTier(severity="warning", enabled=False))),
], ids=["30d", "7d-grouped-held", "28d-probe-page-only"])
@pytest.mark.integration
def test_generated_boolean_tests_fire_and_stay_silent(tmp_path: Path, promtool: Tool, slo: SLO) -> None:
    stack = stack_with(slo)
    files = render_files(stack, GenerateContext("tests"))
    tests = yaml.safe_load(files[f"prometheus/tests/api.slo.{slo.name}.test.yml"])["tests"]
    for tier in slo.tiers:
        checks = [c for t in tests for c in t["alert_rule_test"] if c["alertname"] == slo.alert_name(tier)]
        assert any(c["exp_alerts"] for c in checks), f"{tier} never fires"
        assert any(not c["exp_alerts"] for c in checks), f"{tier} is never checked silent"
    # The gauge itself is the input: 0/1 values, no counters.
    values = {s["values"] for t in tests for s in t["input_series"]}
    assert all(set(v.replace("x", " ").replace("+", " ").split()) <= {"0", "1"} | {str(n) for n in range(10_000)}
               for v in values)
    assert all(s["series"].startswith(("up{", "probe_success{")) for t in tests for s in t["input_series"])
    out = tmp_path / "out"
    write_tree(files, out)
    proc = promtool.run("test", "rules", str(out / "prometheus" / "tests" / f"api.slo.{slo.name}.test.yml"))
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]


def test_the_boolean_tests_go_silent_after_a_short_outage() -> None:
    slo = up_slo()
    step = 70_000
    case = next(c for c in slo_tests.slo_cases(slo, step) if "then 1 again" in c.name)
    planned = slo_tests._plan_case(slo, case, step)
    page = [firing for _, tier, firing in planned.checks if tier == "page"]
    assert True in page and page[-1] is False


def test_probe_success_is_a_known_series_once_an_slo_reads_it() -> None:
    stack = stack_with(up_slo(sli=BooleanSLI(gauge='probe_success{job="blackbox"}')))
    assert "probe_success" in stack.known_series()
    assert "probe_success" not in stack_with().known_series()


def native_stack(**overrides: object) -> Stack:
    web = Service(name="web", metrics=(Histogram(name="web_duration_seconds", unit="seconds", help="Latency.",
                                                 native=True, labels=("route",)),))
    fields: dict[str, object] = dict(name="latency", service="web", objective="99",
                                     sli=LatencySLI(histogram="web_duration_seconds", threshold="0.5", native=True))
    fields.update(overrides)
    return Stack(name="native", services=(api_service(), web), routing=routing(), slos=(SLO(**fields),))


def test_a_native_latency_sli_reads_histogram_fraction() -> None:
    stack = native_stack(group_by=("route",), filter='route!="/healthz"')
    [slo] = stack.slos
    rate = 'sum by (route) (rate(web_duration_seconds{route!="/healthz"}[1h]))'
    assert slo_rules.total_expr(slo, "1h") == f"histogram_count({rate})"
    assert slo_rules.bad_expr(slo, "1h") == (f"histogram_count({rate})\n*\n"
                                             f"(1 - histogram_fraction(0, 0.5, {rate}))")
    files = render_files(stack, GenerateContext("tests"))
    assert "prometheus/rules/web.slo.latency.rules.yml" in files
    assert "prometheus/tests/web.slo.latency.test.yml" not in files  # promtool 2.42 cannot feed it
    assert any("native histogram" in w for w in slo_tests.warnings(slo))
    assert "web_duration_seconds" in stack.known_series()
    board = next(text for path, text in files.items() if path.endswith("/web-service.json"))
    assert "web_duration_seconds_bucket" not in board and "histogram_quantile(0.95, sum(rate(" in board


@pytest.mark.parametrize(("histogram", "native", "message"), [
    (Histogram(name="web_duration_seconds", unit="seconds", help="x", buckets=(0.5,)), True,
     "is a classic histogram: sli.native=True needs Histogram(native=True)"),
    (Histogram(name="web_duration_seconds", unit="seconds", help="x", native=True), False,
     "is a native histogram; set sli.native=True"),
])
def test_native_and_classic_must_agree(histogram: Histogram, native: bool, message: str) -> None:
    web = Service(name="web", metrics=(histogram,))
    slo = SLO(name="latency", service="web", objective="99",
              sli=LatencySLI(histogram="web_duration_seconds", threshold="0.5", native=native))
    with pytest.raises(Exception, match=re.escape(message)):
        Stack(name="native", services=(web,), routing=routing(), slos=(slo,))
