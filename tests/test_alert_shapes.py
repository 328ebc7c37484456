"""Tests generated from the shape of an alert's expression: every common shape, proven by promtool itself."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitoring import (
    Alert,
    Counter,
    Gauge,
    Histogram,
    Receiver,
    Route,
    Routing,
    RuleGroup,
    ScrapeJob,
    Service,
    Stack,
    StaticConfig,
)
from monitoring.checks import context
from monitoring.cli import main
from monitoring.output.manifest import Manifest
from monitoring.packs import mcp
from monitoring.project import Project
from monitoring.render.alert_shapes import shape_of

CATALOG = (
    Counter(name="api_requests_total", help="Requests.", labels=("code", "route")),
    Counter(name="api_errors_total", help="Errors.", labels=("route",)),
    Counter(name="worker_restarts_total", help="Restarts."),
    Histogram(name="api_latency_seconds", unit="seconds", help="Latency.", buckets=(0.1, 0.25, 0.5, 1, 2.5)),
    Gauge(name="queue_depth", help="Jobs waiting.", labels=("queue",)),
    Gauge(name="disk_free_bytes", unit="bytes", help="Free disk."),
    Gauge(name="memory_used_bytes", unit="bytes", help="Memory in use."),
    Gauge(name="memory_limit_bytes", unit="bytes", help="Memory limit."),
)


def _alert(name: str, expr: str, for_: str = "5m", description: str = "{{ $value | humanize }}") -> Alert:
    return Alert(name=name, expr=expr, for_=for_, severity="warning", summary=f"{name}.", description=description)


# name, expression, the shape it is
SHAPES = [
    ("RatioOfOneCounter", 'sum by (route) (rate(api_requests_total{code=~"5.."}[5m])) / '
                          "sum by (route) (rate(api_requests_total[5m])) > 0.05", "ratio of rates"),
    ("RatioOfTwoCounters", "sum(rate(api_errors_total[5m])) / sum(rate(api_requests_total[5m])) > 0.01",
     "ratio of rates"),
    ("SlowRequests", "histogram_quantile(0.99, sum by (le, job) (rate(api_latency_seconds_bucket[5m]))) > 0.3",
     "histogram_quantile"),
    ("TargetDown", 'up{job="api"} == 0', "up == 0"),
    ("NoTarget", 'absent(up{job="api"})', "absent()"),
    ("QueueLong", 'max by (queue) (queue_depth{queue!="dead"}) > 100', "gauge vs threshold"),
    ("DiskFull", "disk_free_bytes < 1000000000", "gauge vs threshold"),
    ("ManyErrors", "sum by (job) (rate(api_errors_total[5m])) > 2", "rate vs threshold"),
    ("Restarting", "increase(worker_restarts_total[1h]) > 3", "rate vs threshold"),
    ("MemoryNearLimit", "sum by (instance) (memory_used_bytes) / (sum by (instance) (memory_limit_bytes) > 0) > 0.9",
     "ratio of gauges"),
]
UNRECOGNISED = _alert("DiskFillsUp", "predict_linear(disk_free_bytes[1h], 4 * 3600) < 0")


def _stack(alerts: tuple[Alert, ...]) -> Stack:
    service = Service(name="api", metrics=CATALOG,
                      scrape_jobs=(ScrapeJob(name="api", static_configs=(StaticConfig(targets=("api:80",)),)),),
                      rule_groups=(RuleGroup(name="api.alerts", rules=alerts),))
    return Stack(name="shapes", services=(service,),
                 routing=Routing(route=Route(receiver="none"), receivers=(Receiver(name="none"),)))


SHAPES_STACK = _stack(tuple(_alert(name, expr) for name, expr, _ in SHAPES))
UNRECOGNISED_STACK = _stack((*SHAPES_STACK.services[0].alerts, UNRECOGNISED))
# The MCP pack's alerts without their hand-written scenarios: real expressions of every kind above.
_pack = mcp.service(targets=("mcp:9464",), kubernetes=False)
MCP_STACK = Stack(name="mcp", services=(_pack.model_copy(update={"rule_groups": tuple(
    g.model_copy(update={"rules": tuple(a.model_copy(update={"test": None}) for a in g.rules)})
    for g in _pack.rule_groups)}),), catalogs=mcp.shared_catalogs(),
    routing=Routing(route=Route(receiver="none"), receivers=(Receiver(name="none"),)))


@pytest.mark.parametrize(("name", "expr", "shape"), SHAPES, ids=[s[0] for s in SHAPES])
def test_each_shape_is_recognised(name: str, expr: str, shape: str) -> None:
    catalog = {m.name: m for m in CATALOG}
    scenario, why = shape_of(expr, catalog)
    assert scenario is not None, why
    assert scenario.healthy and (scenario.firing or shape == "absent()")


# Each shape above, reading its series in the past or at a fixed time: the test's times would be wrong.
SHIFTED = [
    ("gauge offset", "queue_depth offset 10m > 100"),
    ("rate offset", 'sum(rate(api_requests_total{code=~"5.."}[5m] offset 15m)) > 1'),
    ("ratio denominator offset",
     "sum(rate(api_errors_total[5m])) / sum(rate(api_requests_total[5m] offset 1h)) > 0.01"),
    ("histogram offset", "histogram_quantile(0.99, sum by (le) (rate(api_latency_seconds_bucket[5m] offset 5m))) > 1"),
    ("up at a time", 'up{job="api"} @ 1700000000 == 0'),
    ("negative offset", "disk_free_bytes offset -5m < 1000000000"),
]


@pytest.mark.parametrize(("name", "expr"), SHIFTED, ids=[s[0] for s in SHIFTED])
def test_a_shape_read_in_the_past_or_at_a_fixed_time_is_not_recognised(name: str, expr: str) -> None:
    scenario, why = shape_of(expr, {m.name: m for m in CATALOG})
    assert scenario is None and why == "a selector with an `offset` or `@` modifier"


def test_generated_tests_pass_promtool(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                       promtool: object) -> None:
    for stack in ("SHAPES_STACK", "MCP_STACK"):
        project = Project(tmp_path, stack=f"tests.test_alert_shapes:{stack}")
        out = tmp_path / stack
        assert main(["generate", "--out", str(out)], project=project) == 0
        status = main(["test", "--out", str(out)], project=project)
        printed = capsys.readouterr().out
        assert status == 0, printed
        assert "all alert tests passed" in printed


def test_coverage_error_names_the_unrecognised_shape(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                     promtool: object) -> None:
    why = ("it has no AlertScenario, and its expression is not a shape tests are generated for: predict_linear() where "
           "a gauge, a rate, or their sum, max, min or avg was expected")
    project = Project(tmp_path, stack="tests.test_alert_shapes:UNRECOGNISED_STACK")
    assert main(["generate"], project=project) == 0
    assert context.untested(Manifest.read(project.out_dir).checks) == {"DiskFillsUp": why}
    assert main(["test"], project=project) == 1
    printed = capsys.readouterr().out
    assert f"FAIL alert 'DiskFillsUp': {why}" in printed
