"""Stacks the SLO tests share (this module has no tests of its own).

`variety()` covers every shape the SLO generator handles: a ratio SLI on one counter, a ratio of two counters,
a latency SLI with a whole-number threshold (le="5" from Go clients, le="5.0" from Python ones), periods of
30, 28 and 7 days (so burn rates like 14/15 that have no finite decimal), a minimum-traffic guard, `for` on a
tier, a disabled tier, and a plain alert with a test scenario.
"""

from __future__ import annotations

from monitoring import (
    SLO,
    Alert,
    AlertScenario,
    AlertTier,
    Counter,
    Gauge,
    Histogram,
    InputSeries,
    LatencySLI,
    RatioSLI,
    Receiver,
    Route,
    Routing,
    RuleGroup,
    ScrapeJob,
    Service,
    SLOAlerting,
    Stack,
    StaticConfig,
    Webhook,
)

SOURCE = "tests.test_slo_stacks:variety"


def api_metrics() -> tuple[Counter | Gauge | Histogram, ...]:
    return (
        Counter(name="api_requests_total", help="Requests.", labels=("code", "route")),
        Counter(name="api_errors_total", help="Failed requests.", labels=("route",)),
        Histogram(name="api_latency_seconds", unit="seconds", help="Latency.", labels=("route",),
                  buckets=(0.1, 0.25, 0.5, 1, 2.5, 5, 10)),
        Gauge(name="api_queue_depth", help="Queued requests."),
    )


def api_down_alert() -> Alert:
    target = 'up{instance="api:8080", job="api"}'
    return Alert(name="APIDown", severity="critical", for_="3m", expr='up{job="api"} == 0',
                 summary="An API target is down.", description="{{ $labels.instance }} is down.",
                 test=AlertScenario(firing=(InputSeries(series=target, value=0),),
                                    labels={"instance": "api:8080", "job": "api"},
                                    healthy=(InputSeries(series=target, value=1),)))


def api_service(alerts: tuple[Alert, ...] | None = None) -> Service:
    return Service(name="api", metrics=api_metrics(),
                   scrape_jobs=(ScrapeJob(name="api", static_configs=(StaticConfig(targets=("api:8080",)),)),),
                   rule_groups=(RuleGroup(name="api.alerts", rules=alerts or (api_down_alert(),)),))


def routing() -> Routing:
    return Routing(route=Route(receiver="default"),
                   receivers=(Receiver(name="default", webhooks=(Webhook(url="http://hook:9/"),)),))


def availability(**overrides: object) -> SLO:
    fields: dict[str, object] = dict(
        name="availability", service="api", objective="99.9",
        sli=RatioSLI(errors='api_requests_total{code=~"5.."}', total="api_requests_total"))
    fields.update(overrides)
    return SLO(**fields)


def variety_slos() -> tuple[SLO, ...]:
    return (
        availability(description="Requests answered without a server error", labels={"team": "web"}),
        SLO(name="checkout-latency", service="api", objective="99", period="28d",
            sli=LatencySLI(histogram="api_latency_seconds", threshold=5, selector='route="/checkout"'),
            alerting=SLOAlerting(name="CheckoutLatency", min_events_per_second="1",
                                 page=AlertTier(severity="critical", for_="2m", labels={"team": "checkout"}),
                                 runbook_url="https://runbooks.example.com/checkout-latency")),
        SLO(name="errors", service="api", objective="99.5", period="7d",
            sli=RatioSLI(errors="api_errors_total", total="api_requests_total"),
            filter='route!="/healthz"',
            alerting=SLOAlerting(ticket=AlertTier(severity="info", annotations={"dashboard": "https://g/d/api"}))),
        SLO(name="queue-free", service="api", objective="95", period="30d",
            sli=RatioSLI(errors='api_requests_total{code="429"}', total="api_requests_total"),
            alerting=SLOAlerting(ticket=AlertTier(severity="warning", enabled=False))),
    )


def variety() -> Stack:
    return Stack(name="slo-variety", services=(api_service(),), routing=routing(), slos=variety_slos())


def stack_with(*slos: SLO, alerts: tuple[Alert, ...] | None = None) -> Stack:
    return Stack(name="slo-test", services=(api_service(alerts),), routing=routing(), slos=slos)
