"""End to end: the generated prometheus.yml, rules and alertmanager.yml on the real servers.

A fault in a demo MCP server must page the right receiver, with the right labels, in bounded time.
The scenarios run side by side (see scenarios.py); each test below waits for one and checks what it saw.
"""

from __future__ import annotations

import pytest
import yaml

from monitoring import conventions

from .environment import Environment
from .stack import CLUSTER, DOWN_JOB, ERRORS_JOB, GRAFANA_URL, INHIBIT_JOB, SLO_JOB, TEAM

pytestmark = pytest.mark.e2e


def test_every_scrape_target_is_up(e2e: Environment) -> None:
    expected = {(job.name, target) for service in e2e.stack.services for job in service.scrape_jobs
                for config in job.static_configs for target in config.targets}
    seen = {(t["labels"]["job"], t["labels"]["instance"]): t for t in e2e.baseline_targets}
    assert set(seen) == expected, f"targets {sorted(seen)} are not the stack's {sorted(expected)}\n{e2e.settle_error}"
    down = {key: (t["health"], t.get("lastError")) for key, t in seen.items() if t["health"] != "up"}
    assert not down, f"targets not up: {down}\n{e2e.settle_error}"


def test_every_rule_group_loads_and_evaluates_without_errors(e2e: Environment) -> None:
    rule_files = sorted((e2e.config_dir / conventions.RULES_DIR).glob("*.rules.yml"))
    generated = {group["name"]: [r.get("alert") or r.get("record") for r in group["rules"]]
                 for path in rule_files for group in yaml.safe_load(path.read_text())["groups"]}
    loaded = {group["name"]: [r["name"] for r in group["rules"]] for group in e2e.baseline_rules}
    assert loaded == generated, e2e.settle_error
    unhealthy = [(group["name"], rule["name"], rule["health"], rule.get("lastError"))
                 for group in e2e.baseline_rules for rule in group["rules"]
                 if rule["health"] != "ok" or rule.get("lastError")]
    assert not unhealthy, f"rules not evaluated cleanly: {unhealthy}\n{e2e.settle_error}"


def test_service_down_pages_then_resolves(e2e: Environment) -> None:
    result = e2e.result("service_down")
    expected = {**result.labels, "severity": "critical", "cluster": CLUSTER, "team": TEAM}
    firing = result.firing
    assert firing.notification.receiver == "pager"
    assert firing.alert["labels"] == expected
    # The webhook payload carries everything a Slack or PagerDuty notification shows.
    assert firing.alert["annotations"] == {
        "summary": "An MCP server target is down.",
        "description": f"Prometheus cannot scrape {result.labels['instance']} of {result.labels['job']}.",
        "runbook_url": "https://runbooks.example.com/mcp-server/MCPServiceDown",
        "dashboard_url": f"{GRAFANA_URL}/d/{conventions.service_dashboard_uid('mcp-server')}",
    }
    assert firing.after <= firing.bound.seconds, f"paged after {firing.after:.1f}s, bound {firing.bound}"
    resolved = result.resolved
    assert resolved.notification.receiver == "pager"
    assert resolved.alert["status"] == "resolved"
    assert resolved.alert["labels"] == expected
    assert resolved.after <= resolved.bound.seconds, f"resolved after {resolved.after:.1f}s, bound {resolved.bound}"
    assert not result.elsewhere, [n.summary() for n in result.elsewhere]
    print(f"MCPServiceDown paged after {firing.after:.1f}s (bound {firing.bound}); "
          f"resolved {resolved.after:.1f}s after the restart (bound {resolved.bound})")


def test_half_the_requests_failing_pages(e2e: Environment) -> None:
    result = e2e.result("high_error_rate")
    firing = result.firing
    assert firing.notification.receiver == "pager"
    assert firing.alert["labels"] == {"alertname": "MCPHighErrorRate", "job": ERRORS_JOB, "severity": "critical",
                                      "cluster": CLUSTER, "team": TEAM}
    assert firing.notification.payload["groupLabels"] == {"alertname": "MCPHighErrorRate", "job": ERRORS_JOB}
    assert firing.after <= firing.bound.seconds, f"paged after {firing.after:.1f}s, bound {firing.bound}"
    assert not result.elsewhere, [n.summary() for n in result.elsewhere]
    print(f"MCPHighErrorRate paged after {firing.after:.1f}s (bound {firing.bound})")


def test_warning_is_inhibited_while_service_down_fires(e2e: Environment) -> None:
    result = e2e.result("inhibition")
    assert result.source.notification.receiver == "pager"
    assert result.source.alert["labels"]["job"] == INHIBIT_JOB
    # The warning fired in Prometheus and reached Alertmanager ...
    assert result.firing_in_prometheus["labels"]["severity"] == "warning"
    assert result.suppressed_in_alertmanager["status"]["state"] == "suppressed"
    assert result.suppressed_in_alertmanager["status"]["inhibitedBy"]
    # ... and stayed undelivered past the time an uninhibited group is sent ...
    assert result.watched_seconds >= result.hold_needed
    assert not result.delivered_while_inhibited, [n.summary() for n in result.delivered_while_inhibited]
    # ... until MCPServiceDown resolved, when it went to chat: only the inhibition held it back.
    lifted = result.after_lift
    assert lifted.notification.receiver == "chat"
    assert lifted.alert["labels"] == {"alertname": "MCPHighLatency", "job": INHIBIT_JOB, "severity": "warning",
                                      "cluster": CLUSTER, "team": TEAM}
    assert lifted.after <= lifted.bound.seconds, f"delivered {lifted.after:.1f}s after the lift, bound {lifted.bound}"


def test_memory_near_the_limit_warns_in_chat(e2e: Environment) -> None:
    result = e2e.result("high_memory")
    assert {n.receiver for n in result.deliveries} == {"chat"}
    assert {a["labels"]["pod"] for a in result.alerts} == result.pods
    for alert in result.alerts:
        assert alert["labels"] == {"alertname": "MCPHighMemoryUsage", "severity": "warning", "namespace": "mcp",
                                   "pod": alert["labels"]["pod"], "container": "mcp-server", "cluster": CLUSTER,
                                   "team": TEAM}
    assert result.after <= result.bound.seconds, f"warned after {result.after:.1f}s, bound {result.bound}"


def test_server_faults_page_on_the_slo_and_drain_its_budget(e2e: Environment) -> None:
    result = e2e.result("slo_burn")
    page = result.page
    assert page.notification.receiver == "pager"
    assert page.alert["labels"] == {**result.labels, "severity": "critical", "tier": "page", "cluster": CLUSTER,
                                    "team": TEAM}
    slo_dashboard = conventions.slo_dashboard_uid("mcp-server")
    assert page.alert["annotations"]["dashboard_url"] == f"{GRAFANA_URL}/d/{slo_dashboard}"
    assert {"summary", "description", "runbook_url"} <= page.alert["annotations"].keys()
    assert page.after <= page.bound.seconds, f"paged after {page.after:.1f}s, bound {page.bound}"
    before, at_page, later = result.remaining
    assert before == 1, f"budget already spent before the fault: {result.remaining}"
    assert before > at_page > later, f"error budget left did not keep falling: {result.remaining}"
    burn_before, burn_at_page = result.burn
    assert burn_before == 0
    assert burn_at_page > result.page_burn, f"burn rate {result.burn}, pages above {result.page_burn}"
    assert result.untouched and all(v == pytest.approx(1) for v in result.untouched.values()), result.untouched
    print(f"SLO page after {page.after:.1f}s (bound {page.bound}); budget left {result.remaining}, "
          f"burn rate {result.burn}")


# Every (alertname, job) a receiver may get during the run; anything else is a false alarm. SLO alerts carry
# no job: the SLOs watch SLO_JOB, where half the requests fail, which also fails half of the tool calls.
EXPECTED_ALERTS = {
    ("MCPServiceDown", DOWN_JOB), ("MCPServiceDown", INHIBIT_JOB), ("MCPHighErrorRate", ERRORS_JOB),
    ("MCPHighLatency", INHIBIT_JOB), ("MCPHighMemoryUsage", None), ("MCPHighErrorRate", SLO_JOB),
    *((f"{base}ErrorBudgetBurn{tier}", None) for base in ("MCPAvailability", "MCPToolCallSuccess")
      for tier in ("Page", "Ticket")),
}


def test_no_false_alarms_and_no_failures(e2e: Environment) -> None:
    for name in e2e.scenarios:
        e2e.result(name)  # after every scenario, so that this covers the whole run
    delivered = {(a["labels"].get("alertname"), a["labels"].get("job"))
                 for n in e2e.sink.received() for a in n.alerts}
    assert delivered <= EXPECTED_ALERTS, f"unexpected alerts delivered: {sorted(delivered - EXPECTED_ALERTS)}"
    servers = e2e.servers
    counters = {
        "prometheus_rule_evaluation_failures_total": servers.metric(servers.prometheus,
                                                                   "prometheus_rule_evaluation_failures_total"),
        "prometheus_notifications_errors_total": servers.metric(servers.prometheus,
                                                               "prometheus_notifications_errors_total"),
        "prometheus_notifications_dropped_total": servers.metric(servers.prometheus,
                                                                "prometheus_notifications_dropped_total"),
        "alertmanager_notifications_failed_total": servers.metric(servers.alertmanager,
                                                                 "alertmanager_notifications_failed_total"),
    }
    assert all(value == 0 for value in counters.values()), counters
