"""Rules for the rule check tables: a small stack (catalog, scrape jobs), and alerts and recording rules over it."""

from __future__ import annotations

from typing import Any

from monitoring.checks.lint import Check, DashboardDocument, LintContext, PanelQuery, RuleDocument
from monitoring.model import (
    Alert,
    Counter,
    Gauge,
    Histogram,
    KubernetesSDConfig,
    Receiver,
    RecordingRule,
    RelabelConfig,
    Route,
    Routing,
    RuleGroup,
    ScrapeJob,
    Service,
    Stack,
    StaticConfig,
    Summary,
)

SERVICE = "api"
GROUP = "api.alerts"
CATALOG = (
    Counter(name="http_requests_total", help="Requests.", labels=("code",)),
    Histogram(name="http_request_duration_seconds", unit="seconds", help="Latency.", buckets=(0.1, 1)),
    Summary(name="rpc_duration_seconds", unit="seconds", help="RPC latency."),
    Gauge(name="queue_depth", help="Jobs waiting."),
    Counter(name="jobs_total", help="Jobs run, by outcome.", labels=("status", "queue"),
            label_values={"status": ("ok", "failed")}),
)
STACK = Stack(
    name="cases", scrape_interval="30s", external_labels={"cluster": "eu"},
    services=(
        Service(name=SERVICE, metrics=CATALOG[:3],
                scrape_jobs=(ScrapeJob(name="api", scrape_interval="15s", static_configs=(
                    StaticConfig(targets=("api:80",), labels={"tier": "web"}),)),),
                rule_groups=(RuleGroup(name="api.recording", rules=(
                    RecordingRule(record="job:http_requests:rate5m",
                                  expr="sum by (job) (rate(http_requests_total[5m]))"),
                    # The name an HPA reads through prometheus-adapter: declared, so not held to the convention.
                    RecordingRule(record="http_requests_per_second", name_fixed_by="the HPA's Pods metric",
                                  expr="sum by (job) (rate(http_requests_total[2m]))"),
                )),)),
        # A worker scraped as a static target and as annotated pods, whose pod labels are copied.
        Service(name="worker", metrics=CATALOG[3:],
                scrape_jobs=(ScrapeJob(name="worker", static_configs=(StaticConfig(targets=("worker:80",)),)),
                             ScrapeJob(name="worker-pods", kubernetes_sd_configs=(
                                 KubernetesSDConfig(app="worker", port="metrics"),), relabel_configs=(
                                 RelabelConfig(action="labelmap", regex="__meta_kubernetes_pod_label_(.+)"),)))),
    ),
    routing=Routing(route=Route(receiver="default"), receivers=(Receiver(name="default"),)),
)
CONTEXT = LintContext.of(STACK)


def alert(expr: str, name: str = "APIProblem", *, for_: str | None = None, interval: str | None = None,
          description: str = "Details.", annotations: dict[str, str] | None = None,
          labels: dict[str, str] | None = None) -> RuleDocument:
    rule = Alert(name=name, expr=expr, severity="warning", summary="Something is wrong.", description=description,
                 for_=for_, annotations=annotations or {}, labels=labels or {})
    return RuleDocument.of(SERVICE, GROUP, rule, interval)


def record(expr: str, name: str = "job:http_requests:rate5m", name_fixed_by: str | None = None) -> RuleDocument:
    return RuleDocument.of(SERVICE, GROUP, RecordingRule(name=name, expr=expr, name_fixed_by=name_fixed_by))


def messages(check: Check[Any], doc: RuleDocument | PanelQuery) -> list[str]:
    return [p.message for p in check.run(doc, CONTEXT)]


# Where a dashboard query's finding points: the file, the dashboard and the panel.
PANEL = "d.json: dashboard 'D', panel 1 'Requests', field targets[0].expr"


def panel_query(expr: str, *, variables: tuple[str, ...] = ("datasource", "job"),
                interval: str | None = None, **extra: Any) -> PanelQuery:
    """expr as the only query of a dashboard's only panel, read as the dashboard checks read it; `interval`
    adds an interval variable `$interval` with those options."""
    from tests.lint_cases import dashboard, panel, target

    data = dashboard(panel(targets=[target(expr)]), variables=variables, **extra)
    if interval is not None:
        data["templating"]["list"].append({"name": "interval", "type": "interval", "query": interval})
    (query,) = DashboardDocument("d.json", data).panel_queries(CONTEXT)
    return query
