"""Dashboards agree with the alerts and the model: each test fails on a defect the dashboards used to have."""

from __future__ import annotations

import json
from typing import Any

import pytest

from alerts.stack import stack as mcp_stack
from monitoring import (
    SLO,
    AlertTier,
    Counter,
    ErrorEvents,
    Gauge,
    Histogram,
    Receiver,
    Route,
    Routing,
    ScrapeJob,
    Service,
    SLOAlerting,
    Stack,
    StaticConfig,
    Webhook,
)
from monitoring import RatioSLI as Ratio
from monitoring.errors import DefinitionError
from monitoring.grafana import dashboards
from monitoring.grafana.variables import PLACEHOLDER, substitute
from monitoring.output.emitters import GenerateContext, emit_grafana
from monitoring.packs.catalogs import kube_state_metrics
from monitoring.promql import selected_metrics
from tests.e2e.stack import example as e2e_stack
from tests.stacks.example import stack as example_stack
from tests.test_slo_stacks import variety

ROUTING = Routing(route=Route(receiver="r"), receivers=(Receiver(name="r", webhooks=(Webhook(url="http://h:9/"),)),))


def worker(**fields: Any) -> Service:
    """A worker whose jobs end `ok` or `failed`: a `status` label that is no HTTP code."""
    return Service(name="worker", metrics=(
        Counter(name="worker_jobs_total", help="Jobs.", labels=("status",), label_values={"status": ("ok", "failed")}),
        Histogram(name="worker_session_duration_seconds", unit="seconds", help="Sessions.", buckets=(1, 10)),
        Gauge(name="worker_resource_limits", help="Limits.", labels=("resource", "unit"),
              unit_labels=("resource", "unit")),
    ), scrape_jobs=(ScrapeJob(name="worker", static_configs=(StaticConfig(
        targets=("w:9",), labels={"cluster": "eu", "namespace": "jobs"}),)),), **fields)


def board(stack: Stack, uid: str) -> dict[str, Any]:
    return next(d.data for d in dashboards.render(stack) if d.uid == uid)


def panels(data: dict[str, Any]) -> list[dict[str, Any]]:
    return [p for top in data["panels"] for p in (top, *top.get("panels", [])) if p["type"] != "row"]


def exprs(data: dict[str, Any]) -> list[str]:
    return [t["expr"] for p in panels(data) for t in p.get("targets", [])]


def by_title(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {p["title"]: p for p in panels(data)}


def test_no_label_name_is_taken_to_mean_failure() -> None:
    """`status` over ok/failed was read as an HTTP code: the error ratio matched 5.. and was always 0."""
    data = board(Stack(name="s", services=(worker(),), routing=ROUTING), "worker-service")
    assert "Error ratio" not in by_title(data)
    assert not any('=~"5.."' in e for e in exprs(data))


def test_the_error_ratio_is_what_the_service_declares() -> None:
    errors = ErrorEvents(errors='worker_jobs_total{status="failed"}', total="worker_jobs_total")
    data = board(Stack(name="s", services=(worker(errors=errors),), routing=ROUTING), "worker-service")
    expr = by_title(data)["Error ratio"]["targets"][0]["expr"]
    assert 'worker_jobs_total{status="failed", job=~"$job"' in expr


def test_declared_errors_must_count_the_services_own_events() -> None:
    with pytest.raises(DefinitionError, match=r"errors\.total"):
        worker(errors=ErrorEvents(errors='worker_jobs_total{status="failed"}', total="other_total"))


def test_the_mcp_service_dashboard_counts_server_faults_like_its_slo() -> None:
    """It counted any error_type, so the panel went red while the alert and the SLO stayed silent."""
    availability = next(s for s in mcp_stack.slos if isinstance(s.sli, Ratio))
    expr = by_title(board(mcp_stack, "mcp-server-service"))["Error ratio"]["targets"][0]["expr"]
    assert availability.sli.errors.partition("{")[2].rstrip("}") in expr
    assert 'error_type!=""' not in expr


def test_thresholds_are_explicit_or_absent_never_red_at_80() -> None:
    for stack in (mcp_stack, example_stack):
        for rendered in dashboards.render(stack):
            for panel in panels(rendered.data):
                if panel["type"] == "text":
                    continue
                steps = panel["fieldConfig"]["defaults"]["thresholds"]["steps"]
                assert steps[0]["value"] is None, (rendered.uid, panel["title"])
                assert {"color": "red", "value": 80.0} not in steps, (rendered.uid, panel["title"])
    top_tools = by_title(board(mcp_stack, "mcp-server-overview"))["Top tools"]
    assert len(top_tools["fieldConfig"]["defaults"]["thresholds"]["steps"]) == 1


def test_units_follow_the_metric_and_histograms_are_titled_by_it() -> None:
    data = by_title(board(Stack(name="s", services=(worker(),), routing=ROUTING), "worker-service"))
    assert data["worker_jobs_total rate"]["fieldConfig"]["defaults"]["unit"] == "ops"
    sessions = data["worker_session_duration_seconds rate"]
    assert sessions["fieldConfig"]["defaults"]["unit"] == "ops"
    assert "Request rate" not in data
    assert data["worker_session_duration_seconds quantiles"]["fieldConfig"]["defaults"]["unit"] == "s"
    assert data["Targets up"]["fieldConfig"]["defaults"]["unit"] == "percentunit"


def test_series_of_unlike_units_are_never_added_up() -> None:
    data = by_title(board(Stack(name="s", services=(worker(),), routing=ROUTING), "worker-service"))
    now = data["worker_resource_limits now"]["targets"][0]["expr"]
    assert now.startswith("sum by (resource, unit) (worker_resource_limits{")
    limits = next(m for m in kube_state_metrics().metrics if m.name == "kube_pod_container_resource_limits")
    assert limits.unit_labels == ("resource", "unit")  # CPU cores beside memory bytes


def test_targets_up_replaces_availability_and_is_scoped_to_the_services_jobs() -> None:
    data = board(mcp_stack, "mcp-server-service")
    assert "Availability" not in by_title(data)
    assert 'job=~"$job"' in by_title(data)["Targets up"]["targets"][0]["expr"]
    job = next(v for v in data["templating"]["list"] if v["name"] == "job")
    assert job["query"] != "label_values(up, job)"  # every target in Prometheus
    catalog_only = Service(name="lib", metrics=(Counter(name="lib_calls_total", help="Calls."),))
    lib = board(Stack(name="s", services=(catalog_only,), routing=ROUTING), "lib-service")
    job = next(v for v in lib["templating"]["list"] if v["name"] == "job")
    assert job["query"] == "label_values(lib_calls_total, job)"


def test_overview_service_and_slo_dashboards_link_to_each_other() -> None:
    tagged = {d.uid: d.data for d in dashboards.render(mcp_stack)}
    for uid in ("mcp-server-overview", "mcp-server-service", "mcp-server-slos"):
        links = tagged[uid]["links"]
        assert [link["tags"] for link in links] == [["mcp-server"]], uid
        assert "mcp-server" in tagged[uid]["tags"], uid
        assert links[0]["includeVars"] and links[0]["keepTime"]


def test_cluster_and_namespace_variables_where_the_labels_exist() -> None:
    data = board(Stack(name="s", services=(worker(),), routing=ROUTING), "worker-service")
    names = [v["name"] for v in data["templating"]["list"]]
    assert {"cluster", "namespace"} <= set(names)
    assert all('cluster=~"$cluster"' in e and 'namespace=~"$namespace"' in e for e in exprs(data))
    plain = Service(name="lib", metrics=(Counter(name="lib_calls_total", help="Calls."),),
                    scrape_jobs=(ScrapeJob(name="lib", static_configs=(StaticConfig(targets=("l:9",)),)),))
    data = board(Stack(name="s", services=(plain,), routing=ROUTING), "lib-service")
    assert not {"cluster", "namespace"} & {v["name"] for v in data["templating"]["list"]}
    assert not any("cluster" in e or "namespace" in e for e in exprs(data))


def test_the_service_dashboard_marks_the_services_firing_alerts() -> None:
    annotations = board(mcp_stack, "mcp-server-service")["annotations"]["list"]
    assert len(annotations) == 1
    assert 'alertname=~"MCPElevatedErrorRate|MCPHighCPUUsage|' in annotations[0]["expr"]
    assert 'service="mcp-server"' in annotations[0]["expr"]


def test_the_slo_dashboard_draws_only_the_enabled_tiers_windows() -> None:
    slo = SLO(name="jobs", service="worker", objective="99", period="30d",
              sli=Ratio(errors='worker_jobs_total{status="failed"}', total="worker_jobs_total"),
              alerting=SLOAlerting(page=AlertTier(severity="critical", enabled=False)))
    stack = Stack(name="s", services=(worker(),), routing=ROUTING, slos=(slo,))
    burn = by_title(board(stack, "worker-slos"))["Burn rate"]
    legends = [t["legendFormat"] for t in burn["targets"]]
    assert legends and all("ticket" in legend for legend in legends)
    assert not any(":ratio_rate1h" in t["expr"] or ":ratio_rate6h" in t["expr"] for t in burn["targets"])


STACKS = {"mcp-production": mcp_stack, "example": example_stack, "e2e": e2e_stack(), "slo-variety": variety(),
          "worker": Stack(name="s", services=(worker(errors=ErrorEvents(
              errors='worker_jobs_total{status="failed"}', total="worker_jobs_total")),), routing=ROUTING)}


@pytest.mark.parametrize("name", STACKS)
def test_every_series_a_dashboard_queries_is_recorded_or_in_a_catalog(name: str) -> None:
    stack = STACKS[name]
    known = stack.known_series()
    files = dict(emit_grafana(stack, GenerateContext(name)))
    for path, text in files.items():
        data = json.loads(text)
        if not isinstance(data, dict):
            continue
        queries = exprs(data) + [a["expr"] for a in data["annotations"]["list"] if "expr" in a]
        queries += [v["query"] for v in data["templating"]["list"] if v.get("type") == "query"]
        for expr in queries:
            inner = expr.removeprefix("label_values(").rsplit(",", 1)[0] if expr.startswith("label_values(") else expr
            unknown = selected_metrics(substitute(inner)) - known - {PLACEHOLDER}
            assert not unknown, (path, expr, unknown)
