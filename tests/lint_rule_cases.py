"""Rules for the rule check tables: a small metric catalog, and alerts and recording rules over it."""

from __future__ import annotations

from monitoring.checks.lint import Check, LintContext, RuleDocument
from monitoring.model import Alert, Counter, Gauge, Histogram, RecordingRule, Summary

SERVICE = "api"
GROUP = "api.alerts"
CATALOG = (
    Counter(name="http_requests_total", help="Requests.", labels=("code",)),
    Histogram(name="http_request_duration_seconds", unit="seconds", help="Latency.", buckets=(0.1, 1)),
    Summary(name="rpc_duration_seconds", unit="seconds", help="RPC latency."),
    Gauge(name="queue_depth", help="Jobs waiting."),
)
CONTEXT = LintContext(frozenset(s for m in CATALOG for s in m.series_names()), CATALOG)


def alert(expr: str, name: str = "APIProblem") -> RuleDocument:
    rule = Alert(name=name, expr=expr, severity="warning", summary="Something is wrong.", description="Details.")
    return RuleDocument.of(SERVICE, GROUP, rule)


def record(expr: str, name: str = "job:http_requests:rate5m") -> RuleDocument:
    return RuleDocument.of(SERVICE, GROUP, RecordingRule(name=name, expr=expr))


def messages(check: Check[RuleDocument], doc: RuleDocument) -> list[str]:
    return [p.message for p in check.run(doc, CONTEXT)]
