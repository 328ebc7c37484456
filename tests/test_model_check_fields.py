"""A model-level check (one of several fields, or of the whole definition) names the field a problem is about and
that field's value in its DefinitionError, as a field's own validator does; the message is as before.

Each case builds one bad definition. `field` is the path from the definition the error names, as users write it;
`value` is that field's value (None where the field is missing). A problem that names several fields as
alternatives or as a pair ("give exactly one of ...") names no field.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError, model_validator

from monitoring import (
    SLO,
    Alert,
    AlertmanagerEndpoint,
    AlertScenario,
    AlertTier,
    AlertWindow,
    BasicAuth,
    BooleanSLI,
    Catalog,
    Counter,
    CustomMetric,
    Dashboard,
    DashboardRow,
    DashboardSettings,
    DashboardVariable,
    DefinitionError,
    ErrorEvents,
    Folder,
    Gauge,
    Histogram,
    HorizontalPodAutoscaler,
    HTTPAuth,
    InputSeries,
    KubernetesOutput,
    KubernetesSDConfig,
    LabelRequirement,
    LatencySLI,
    Panel,
    PanelQuery,
    PodsMetricTarget,
    Probe,
    QuerySLI,
    RatioSLI,
    Receiver,
    RecordingRule,
    RelabelConfig,
    Route,
    RouteTest,
    Routing,
    RuleGroup,
    ScrapeJob,
    SecretKeyRef,
    Service,
    SLOAlerting,
    StaticConfig,
    TeamReceiver,
    TeamRoute,
    TeamRouting,
    Threshold,
    TimeInterval,
    TimeRange,
    Timeslices,
    TLSConfig,
    VerbatimRule,
    Webhook,
    WindowPolicy,
)
from monitoring.model.base import FieldProblem, describe
from monitoring.model.routing import MAX_ROUTE_DEPTH


def metrics() -> tuple[Any, ...]:
    return (
        Counter(name="app_requests_total", help="Requests.", labels=("code",)),
        Histogram(name="app_latency_seconds", unit="seconds", help="Latency.", buckets=(0.1, 0.5)),
        Gauge(name="app_queue_depth", help="Queue."),
    )


def job(**fields: Any) -> ScrapeJob:
    return ScrapeJob(**{"name": "app", "static_configs": (StaticConfig(targets=("app:8080",)),), **fields})


def alert(**fields: Any) -> Alert:
    return Alert(
        **{
            "name": "AppErrors",
            "severity": "critical",
            "expr": "rate(app_requests_total[5m]) > 1",
            "summary": "Errors.",
            "description": "Errors.",
            **fields,
        }
    )


def service(**fields: Any) -> Service:
    return Service(
        **{
            "name": "app",
            "metrics": metrics(),
            "scrape_jobs": (job(),),
            "rule_groups": (RuleGroup(name="app", rules=(alert(),)),),
            **fields,
        }
    )


def routing(**fields: Any) -> Routing:
    return Routing(
        **{
            "route": Route(receiver="default"),
            "receivers": (Receiver(name="default", webhooks=(Webhook(url="http://hook:9/"),)),),
            **fields,
        }
    )


def stack(**fields: Any) -> Any:
    from monitoring import Stack

    return Stack(**{"name": "demo", "services": (service(),), "routing": routing(), **fields})


def slo(**fields: Any) -> SLO:
    return SLO(
        **{
            "name": "availability",
            "service": "app",
            "objective": "99.9",
            "sli": RatioSLI(errors='app_requests_total{code=~"5.."}', total="app_requests_total"),
            **fields,
        }
    )


def panel(expr: str = "sum(rate(app_requests_total[5m]))", **fields: Any) -> Panel:
    return Panel(**{"title": "Requests", "queries": (PanelQuery(expr=expr),), **fields})


def dashboard(**fields: Any) -> Dashboard:
    return Dashboard(**{"name": "Shop", "panels": (panel(),), **fields})


def secret() -> SecretKeyRef:
    return SecretKeyRef(name="app", key="token")


def team_routing(**fields: Any) -> TeamRouting:
    return TeamRouting(**{"name": "shop", "namespace": "shop", "receiver": "shop",
                          "receivers": (TeamReceiver(name="shop", webhook_url=secret()),), **fields})


def sd(**fields: Any) -> KubernetesSDConfig:
    return KubernetesSDConfig(**{"role": "pod", "app": "app", "port": "metrics", **fields})


def _chain(depth: int) -> Route:
    """Routes nested depth deep."""
    route = Route(receiver="leaf")
    for _ in range(depth - 1):
        route = Route(routes=(route,))
    return route


QUERY = "sum(rate(app_requests_total[{{window}}]))"

# (id, the bad definition, field, value, definition, problem as before the checks named their field)
CASES: list[tuple[str, Callable[[], object], str | None, object, str, str]] = [
    (
        "counter without _total",
        lambda: Counter(name="bad", help="x"),
        "name",
        "bad",
        "metric 'bad'",
        "counter name 'bad' must end in '_total' (third_party=True for a metric an exporter you do not control names)",
    ),
    (
        "gauge with _total",
        lambda: Gauge(name="app_things_total", help="x"),
        "name",
        "app_things_total",
        "metric 'app_things_total'",
        "gauge name 'app_things_total' must not end in '_total', which marks counters (third_party=True for "
        "a metric an exporter you do not control names)",
    ),
    (
        "unit not in name",
        lambda: Counter(name="app_requests_total", help="x", unit="seconds"),
        "name",
        "app_requests_total",
        "metric 'app_requests_total'",
        "name 'app_requests_total' must contain its unit 'seconds'",
    ),
    (
        "histogram without buckets",
        lambda: Histogram(name="app_size_bytes", unit="bytes", help="x"),
        "buckets",
        (),
        "metric 'app_size_bytes'",
        "buckets: a classic histogram needs at least one bucket (or set native=True)",
    ),
    (
        "unit label not a label",
        lambda: Counter(name="app_requests_total", help="x", labels=("code",), unit_labels=("kind",)),
        "unit_labels",
        ("kind",),
        "metric 'app_requests_total'",
        "unit_labels: 'kind' is not one of the labels ['code']",
    ),
    (
        "label values of no label",
        lambda: Counter(name="app_requests_total", help="x", label_values={"kind": ("a",)}),
        "label_values",
        {"kind": ("a",)},
        "metric 'app_requests_total'",
        "label_values: 'kind' is not one of the labels []",
    ),
    (
        "label values repeat",
        lambda: Counter(name="app_requests_total", help="x", labels=("code",), label_values={"code": ("a", "a")}),
        "label_values",
        {"code": ("a", "a")},
        "metric 'app_requests_total'",
        "label_values: 'code' needs distinct values, got ['a', 'a']",
    ),
    (
        "catalog metric twice",
        lambda: Catalog(name="shared", metrics=(Gauge(name="a_depth", help="x"), Gauge(name="a_depth", help="y"))),
        "metrics[1].name",
        "a_depth",
        "catalog 'shared'",
        "duplicate metric name 'a_depth'",
    ),
    (
        "custom metric without namespace",
        lambda: CustomMetric(name="app_rps", series="app_rps", resources=("pod",)),
        "resources",
        ("pod",),
        "custom metric 'app_rps'",
        "resources ['pod'] must include 'namespace'",
    ),
    (
        "hpa min above max",
        lambda: HorizontalPodAutoscaler(name="app", min_replicas=5, max_replicas=2),
        "min_replicas",
        5,
        "hpa 'app'",
        "min_replicas 5 exceeds max_replicas 2",
    ),
    (
        "custom metric of no series",
        lambda: stack(services=(service(custom_metrics=(CustomMetric(name="app_rps", series="app_rps"),)),)),
        "services[0].custom_metrics[0].series",
        "app_rps",
        "stack 'demo'",
        "custom metric 'app_rps': series 'app_rps' is in no metric catalog and no recording rule",
    ),
    (
        "hpa pods metric not exported",
        lambda: stack(
            services=(
                service(
                    autoscalers=(
                        HorizontalPodAutoscaler(
                            name="app", pods_metrics=(PodsMetricTarget(name="app_rps", average_value="1"),)
                        ),
                    )
                ),
            )
        ),
        "services[0].autoscalers[0].pods_metrics[0].name",
        "app_rps",
        "stack 'demo'",
        "hpa 'app': Pods metric 'app_rps' is not exported by the adapter configuration (custom metrics: none)",
    ),
    (
        "label requirement without values",
        lambda: LabelRequirement(key="tier", operator="In"),
        "values",
        (),
        "label requirement",
        "operator In needs values",
    ),
    (
        "label requirement with values",
        lambda: LabelRequirement(key="tier", operator="Exists", values=("api",)),
        "values",
        ("api",),
        "label requirement",
        "operator Exists takes no values",
    ),
    (
        "team receiver without integration",
        lambda: TeamReceiver(name="shop"),
        None,
        None,
        "team receiver 'shop'",
        "needs slack_api_url, pagerduty_routing_key or webhook_url",
    ),
    (
        "team receiver channel without slack",
        lambda: TeamReceiver(name="shop", slack_channel="#shop", webhook_url=secret()),
        "slack_api_url",
        None,
        "team receiver 'shop'",
        "slack_channel needs slack_api_url",
    ),
    (
        "team routing receiver unknown",
        lambda: team_routing(receiver="nobody"),
        "receiver",
        "nobody",
        "team routing 'shop'",
        "receiver 'nobody' is not among receivers (shop)",
    ),
    (
        "team route receiver unknown",
        lambda: team_routing(routes=(TeamRoute(matchers=('a="b"',), receiver="nobody"),)),
        "routes[0].receiver",
        "nobody",
        "team routing 'shop'",
        "receiver 'nobody' is not among receivers (shop)",
    ),
    (
        "team receiver twice",
        lambda: TeamRouting(
            name="shop",
            namespace="shop",
            receiver="shop",
            receivers=(
                TeamReceiver(name="shop", webhook_url=secret()),
                TeamReceiver(name="shop", webhook_url=secret()),
            ),
        ),
        "receivers[1].name",
        "shop",
        "team routing 'shop'",
        "duplicate receiver name 'shop'",
    ),
    (
        "static job as a monitor",
        lambda: stack(kubernetes=KubernetesOutput()),
        "monitor",
        True,
        "scrape job 'app'",
        "static or file targets have no monitor form: set monitor=False when the platform scrapes these "
        "targets, or discover them with kubernetes_sd_configs",
    ),
    (
        "bearer token file as a monitor",
        lambda: stack(
            services=(
                service(
                    scrape_jobs=(job(static_configs=(), kubernetes_sd_configs=(sd(),), bearer_token_file="/run/token"),)
                ),
            ),
            kubernetes=KubernetesOutput(),
        ),
        "bearer_token_file",
        "/run/token",
        "scrape job 'app'",
        "a monitor reads the bearer token only from a Secret: set bearer_token_secret",
    ),
    (
        "replace without target",
        lambda: RelabelConfig(source_labels=("a",)),
        "target_label",
        None,
        "relabel config",
        "action replace needs target_label",
    ),
    (
        "relabel regex Go refuses",
        lambda: RelabelConfig(source_labels=("a",), regex="(?=a)b", action="keep"),
        "regex",
        "(?=a)b",
        "relabel config",
        "regex '(?=a)b' does not compile: lookahead '(?=': Go's regexp (RE2 syntax) has none at position 0",
    ),
    (
        "relabel regex closing the anchors",
        lambda: RelabelConfig(source_labels=("a",), regex="a)|(b", action="keep"),
        "regex",
        "a)|(b",
        "relabel config",
        "regex 'a)|(b' does not compile: unexpected ')' at position 1",
    ),
    (
        "hashmod without modulus",
        lambda: RelabelConfig(action="hashmod", source_labels=("a",), target_label="b"),
        "modulus",
        None,
        "relabel config",
        "action hashmod needs modulus",
    ),
    (
        "keep without source labels",
        lambda: RelabelConfig(action="keep"),
        "source_labels",
        (),
        "relabel config",
        "action keep needs source_labels",
    ),
    (
        "labeldrop with source labels",
        lambda: RelabelConfig(action="labeldrop", source_labels=("a",)),
        "source_labels",
        ("a",),
        "relabel config",
        "action labeldrop works on label names and takes no source_labels",
    ),
    (
        "probe path without slash",
        lambda: Probe(name="ready", module="http_2xx", targets=("http://app/ready",), path="ready"),
        "path",
        "ready",
        "probe 'ready'",
        "path 'ready' must start with '/'",
    ),
    (
        "probe without targets",
        lambda: Probe(name="ready", module="http_2xx"),
        None,
        None,
        "probe 'ready'",
        "set targets (URLs) or service (a Kubernetes Service), exactly one",
    ),
    (
        "http auth both schemes",
        lambda: HTTPAuth(bearer_token_file="/a", basic_auth_username="u", basic_auth_password_file="/b"),
        None,
        None,
        "http_config",
        "use bearer_token_file or basic auth, not both",
    ),
    (
        "time range backwards",
        lambda: TimeRange(start_time="10:00", end_time="09:00"),
        "end_time",
        "09:00",
        "time range",
        "end_time 09:00 must be after start_time 10:00",
    ),
    (
        "routes nest too deep",
        lambda: Route(routes=(_chain(MAX_ROUTE_DEPTH),)),
        "routes",
        (_chain(MAX_ROUTE_DEPTH),),
        "route",
        "routes nest more than 32 deep; flatten them with matchers",
    ),
    (
        "root route without receiver",
        lambda: routing(route=Route()),
        "route.receiver",
        None,
        "routing",
        "the root route needs a receiver (the default)",
    ),
    (
        "root route with matchers",
        lambda: routing(route=Route(receiver="default", matchers=('a="b"',))),
        "route.matchers",
        ('a="b"',),
        "routing",
        "the root route must not have matchers: it receives every alert",
    ),
    (
        "route receiver unknown",
        lambda: routing(route=Route(receiver="default", routes=(Route(matchers=('a="b"',), receiver="nobody"),))),
        "route.routes[0].receiver",
        "nobody",
        "routing",
        "route ['a=\"b\"']: receiver 'nobody' is not defined (receivers: default)",
    ),
    (
        "route time interval unknown",
        lambda: routing(
            route=Route(receiver="default", routes=(Route(matchers=('a="b"',), active_time_intervals=("nights",)),))
        ),
        "route.routes[0].active_time_intervals",
        ("nights",),
        "routing",
        "route ['a=\"b\"']: time interval 'nights' is not defined",
    ),
    (
        "route test receiver unknown",
        lambda: routing(tests=(RouteTest(labels={"a": "b"}, receivers=("nobody",)),)),
        "tests[0].receivers",
        ("nobody",),
        "routing",
        "route test {'a': 'b'}: receiver 'nobody' is not defined",
    ),
    (
        "receiver twice",
        lambda: routing(
            receivers=(
                Receiver(name="default", webhooks=(Webhook(url="http://hook:9/"),)),
                Receiver(name="default", webhooks=(Webhook(url="http://hook:9/"),)),
            )
        ),
        "receivers[1].name",
        "default",
        "routing",
        "duplicate receiver name 'default'",
    ),
    (
        "time interval twice",
        lambda: routing(time_intervals=(TimeInterval(name="nights"), TimeInterval(name="nights"))),
        "time_intervals[1].name",
        "nights",
        "routing",
        "duplicate time interval name 'nights'",
    ),
    (
        "recording rule without colon",
        lambda: RecordingRule(record="app_rps", expr="up"),
        "record",
        "app_rps",
        "recording rule 'app_rps'",
        "record 'app_rps' must follow level:metric:operations (contain ':'), or say with name_fixed_by what "
        "outside the stack asks for this name",
    ),
    (
        "alert sets severity label",
        lambda: alert(labels={"severity": "x"}),
        "labels",
        {"severity": "x"},
        "alert 'AppErrors'",
        "labels: 'severity' is set by the model, not in labels",
    ),
    (
        "alert annotation with own field",
        lambda: alert(annotations={"summary": "x"}),
        "annotations",
        {"summary": "x"},
        "alert 'AppErrors'",
        "annotations: 'summary' has its own field",
    ),
    (
        "alert threshold not compared",
        lambda: alert(threshold=5),
        "threshold",
        5,
        "alert 'AppErrors'",
        "threshold 5: expr must end in a comparison with it (`... > 5`)",
    ),
    (
        "alert test annotation unknown",
        lambda: alert(
            test=AlertScenario(healthy=(InputSeries(series="app_requests_total", rate=0),), annotations={"team": "x"})
        ),
        "test.annotations",
        {"team": "x"},
        "alert 'AppErrors'",
        "test.annotations: 'team' is not an annotation of the alert",
    ),
    (
        "verbatim rule neither",
        lambda: VerbatimRule(expr="up"),
        None,
        None,
        "rule",
        "give exactly one of alert and record",
    ),
    (
        "verbatim recording rule with for",
        lambda: VerbatimRule(record="a:b", expr="up", for_="5m"),
        "for",
        "5m",
        "rule 'a:b'",
        "record 'a:b': for, keep_firing_for and annotations are for alerts",
    ),
    (
        "input series both",
        lambda: InputSeries(series="up", value=1, rate=1),
        None,
        None,
        "input series",
        "series 'up': set exactly one of value (a gauge) or rate (a counter)",
    ),
    (
        "node role with port",
        lambda: KubernetesSDConfig(role="node", port="metrics"),
        "port",
        "metrics",
        "kubernetes_sd_config",
        "role node takes no namespaces, port or container: it discovers kubelets",
    ),
    (
        "pod role without selector",
        lambda: KubernetesSDConfig(role="pod", port="metrics"),
        None,
        None,
        "kubernetes_sd_config",
        "role pod needs a selector (app, match_labels or match_expressions): without one the job scrapes "
        "every target in its namespaces",
    ),
    (
        "pod role without port",
        lambda: KubernetesSDConfig(role="pod", app="app"),
        "port",
        None,
        "kubernetes_sd_config",
        "role pod needs port, the name of the metrics port",
    ),
    (
        "container of endpoints",
        lambda: sd(role="endpoints", container="app"),
        "container",
        "app",
        "kubernetes_sd_config",
        "container selects a container of a pod: only role pod takes it",
    ),
    (
        "app and match_labels",
        lambda: sd(match_labels={"app.kubernetes.io/name": "x"}),
        "app",
        "app",
        "kubernetes_sd_config",
        "app sets label 'app.kubernetes.io/name', which match_labels sets too",
    ),
    (
        "cert without key",
        lambda: TLSConfig(cert_file="/a"),
        None,
        None,
        "tls_config",
        "cert_file and key_file must be given together",
    ),
    (
        "ca secret without file",
        lambda: TLSConfig(ca_secret=secret()),
        "ca_file",
        None,
        "tls_config",
        "ca_secret is the Operator's copy of ca_file: give both",
    ),
    (
        "job without targets",
        lambda: ScrapeJob(name="app"),
        None,
        None,
        "scrape job 'app'",
        "needs static_configs, file_sd_configs or kubernetes_sd_configs",
    ),
    (
        "job with two discoveries",
        lambda: job(static_configs=(), kubernetes_sd_configs=(sd(), sd())),
        "kubernetes_sd_configs",
        (sd(), sd()),
        "scrape job 'app'",
        "a job with kubernetes_sd_configs has exactly one and no other targets, so that it is one monitor",
    ),
    (
        "bearer secret without file",
        lambda: job(bearer_token_secret=secret()),
        "bearer_token_file",
        None,
        "scrape job 'app'",
        "bearer_token_secret is the Operator's copy of bearer_token_file: give both",
    ),
    (
        "metrics path without slash",
        lambda: job(metrics_path="metrics"),
        "metrics_path",
        "metrics",
        "scrape job 'app'",
        "metrics_path 'metrics' must start with '/'",
    ),
    (
        "job timeout above interval",
        lambda: job(scrape_interval="5s", scrape_timeout="10s"),
        "scrape_timeout",
        "10s",
        "scrape job 'app'",
        "scrape_timeout 10s must not exceed scrape_interval 5s",
    ),
    (
        # A job's interval below the stack's timeout is not one: its timeout is then its interval, as Prometheus has it.
        "stack timeout above the stack interval",
        lambda: stack(scrape_interval="5s", scrape_timeout="10s"),
        "scrape_timeout",
        "10s",
        "stack 'demo'",
        "scrape_timeout 10s must not exceed scrape_interval 5s",
    ),
    (
        "inline password",
        lambda: job(password="hunter2"),
        "password",
        None,
        "scrape job 'app'",
        "password is a secret and cannot be inline: use basic_auth=BasicAuth(username=..., password_file=...)",
    ),
    (
        "alertmanager path prefix",
        lambda: AlertmanagerEndpoint(targets=("am:9093",), path_prefix="am"),
        "path_prefix",
        "am",
        "alertmanager endpoint",
        "path_prefix 'am' must be a URL path starting with '/', without spaces, control characters, '?' or '#'",
    ),
    (
        "alertmanager basic auth and token",
        lambda: AlertmanagerEndpoint(targets=("am:9093",), bearer_token_file="/t",
                                     basic_auth=BasicAuth(username="u", password_file="/p")),
        "bearer_token_file",
        "/t",
        "alertmanager endpoint",
        "basic_auth and bearer_token_file are mutually exclusive",
    ),
    (
        "alertmanager operator copy",
        lambda: AlertmanagerEndpoint(targets=("am:9093",), basic_auth=BasicAuth(
            username="u", password_file="/p", password_secret=SecretKeyRef(name="am", key="password"))),
        "basic_auth.password_secret",
        SecretKeyRef(name="am", key="password"),
        "alertmanager endpoint",
        "basic_auth.password_secret is the Operator's copy of a file for monitors; an Alertmanager endpoint is "
        "written to prometheus.yml only: leave it out",
    ),
    (
        "alertmanager inline token",
        lambda: AlertmanagerEndpoint(targets=("am:9093",), bearer_token="hunter2"),
        "bearer_token",
        None,
        "alertmanager endpoint",
        "bearer_token is a secret and cannot be inline: use bearer_token_file",
    ),
    (
        "alertmanager target not host:port",
        lambda: stack(alertmanagers=("https://am:9093",)),
        "alertmanagers[0]",
        "https://am:9093",
        "stack 'demo'",
        "alertmanagers[0]: 'https://am:9093' must be host:port, without scheme or path",
    ),
    (
        "alertmanager neither",
        lambda: stack(alertmanagers=(9093,)),
        "alertmanagers[0]",
        9093,
        "stack 'demo'",
        "alertmanagers[0] 9093: expected a string, or an AlertmanagerEndpoint",
    ),
    (
        "service metric twice",
        lambda: service(metrics=(Gauge(name="a_depth", help="x"), Gauge(name="a_depth", help="y"))),
        "metrics[1].name",
        "a_depth",
        "service 'app'",
        "duplicate metric name 'a_depth'",
    ),
    (
        "service errors not its own",
        lambda: service(errors=ErrorEvents(errors='app_requests_total{code="500"}', total="other_total")),
        "errors.total",
        "other_total",
        "service 'app'",
        "errors.total: 'other_total' is not a counter or histogram _count of the service's metrics",
    ),
    (
        "rule selects a dropped label",
        lambda: service(
            scrape_jobs=(job(metric_relabel_configs=(RelabelConfig(action="labeldrop", regex="code"),)),),
            rule_groups=(RuleGroup(name="app", rules=(alert(expr='rate(app_requests_total{code="500"}[5m]) > 1'),)),),
        ),
        "expr",
        'rate(app_requests_total{code="500"}[5m]) > 1',
        "alert 'AppErrors'",
        "expr selects on label 'code', which scrape job 'app' drops (labeldrop 'code'): it can never match",
    ),
    (
        "tier sets alertname",
        lambda: AlertTier(severity="critical", labels={"alertname": "x"}),
        "labels",
        {"alertname": "x"},
        "alert tier",
        "labels: 'alertname' is set by the SLO itself, not in labels",
    ),
    (
        "alerting annotation generated",
        lambda: SLOAlerting(annotations={"runbook_url": "x"}),
        "annotations",
        {"runbook_url": "x"},
        "slo alerting",
        "annotations: 'runbook_url' is generated (runbook_url: set alerting.runbook_url)",
    ),
    (
        "tier in a dict sets severity",
        lambda: slo(alerting={"page": {"severity": "critical", "labels": {"severity": "x"}}}),
        "labels",
        {"severity": "x"},
        "alert tier",
        "labels: 'severity' is set by the SLO itself, not in labels",
    ),
    (
        "tier inside an slo sets severity",
        lambda: SLO(
            name="availability",
            service="app",
            objective="99.9",
            sli=RatioSLI(errors="app_requests_total", total="app_requests_total"),
            alerting=SLOAlerting(page=AlertTier(severity="critical", labels={"severity": "x"})),
        ),
        "alerting.page.labels",
        {"severity": "x"},
        "slo 'availability'",
        "alerting.page: labels: 'severity' is set by the SLO itself, not in labels",
    ),
    (
        "window without rate",
        lambda: AlertWindow(tier="page", long="1h", short="5m"),
        None,
        None,
        "alert window",
        "page 1h/5m: give exactly one of burn_rate and budget_percent",
    ),
    (
        "window short not shorter",
        lambda: AlertWindow(tier="page", long="1h", short="2h", burn_rate=14),
        "short",
        "2h",
        "alert window",
        "page 1h/2h: the short window must be shorter than the long",
    ),
    (
        "slo sets its own label",
        lambda: slo(labels={"slo": "x"}),
        "labels",
        {"slo": "x"},
        "slo 'availability'",
        "labels: 'slo' is set by the SLO itself, not in labels",
    ),
    (
        "slo alerting sets its own label",
        lambda: slo(alerting=SLOAlerting(labels={"slo": "x"})),
        "alerting.labels",
        {"slo": "x"},
        "slo 'availability'",
        "alerting.labels: 'slo' is set by the SLO itself, not in labels",
    ),
    (
        "slo ticket tier sets its own label",
        lambda: slo(alerting=SLOAlerting(ticket=AlertTier(severity="warning", labels={"service": "x"}))),
        "alerting.ticket.labels",
        {"service": "x"},
        "slo 'availability'",
        "alerting.ticket.labels: 'service' is set by the SLO itself, not in labels",
    ),
    (
        "slo groups by its own label",
        lambda: slo(group_by=("slo",)),
        "group_by",
        ("slo",),
        "slo 'availability'",
        "group_by: 'slo' is set by the SLO itself",
    ),
    (
        "slo fixes a label it groups by",
        lambda: slo(group_by=("method",), labels={"method": "GET"}),
        "labels",
        {"method": "GET"},
        "slo 'availability'",
        "labels: 'method' is a group_by label: each group's alerts carry its own value",
    ),
    (
        "slo page tier fixes a label it groups by",
        lambda: slo(group_by=("method",), alerting=SLOAlerting(page=AlertTier(severity="critical",
                                                                              labels={"method": "GET"}))),
        "alerting.page.labels",
        {"method": "GET"},
        "slo 'availability'",
        "alerting.page.labels: 'method' is a group_by label: each group's alerts carry its own value",
    ),
    (
        "query sli aggregates a group away",
        lambda: slo(sli=QuerySLI(errors=QUERY, total=QUERY), group_by=("code",)),
        "group_by",
        ("code",),
        "slo 'availability'",
        "group_by: sli.errors aggregates 'code' away; write sum by (code) (...)",
    ),
    (
        "filter on a query sli",
        lambda: slo(sli=QuerySLI(errors=QUERY, total=QUERY), filter='code="1"'),
        "filter",
        'code="1"',
        "slo 'availability'",
        "filter: a query SLI is raw PromQL; put the matchers into its queries",
    ),
    (
        "traffic guard on a boolean sli",
        lambda: slo(sli=BooleanSLI(gauge="up"), alerting=SLOAlerting(min_events_per_second="1")),
        "alerting.min_events_per_second",
        Decimal("1"),
        "slo 'availability'",
        "alerting.min_events_per_second: a boolean-gauge SLI counts samples, not events, so there is no "
        "traffic to guard; remove it",
    ),
    (
        "slo of no service",
        lambda: stack(slos=(slo(service="nobody"),)),
        "service",
        "nobody",
        "slo 'availability'",
        "service 'nobody' is not defined (services: app)",
    ),
    (
        "ratio sli on a gauge",
        lambda: stack(slos=(slo(sli=RatioSLI(errors="app_queue_depth", total="app_requests_total")),)),
        "sli.errors",
        "app_queue_depth",
        "slo 'availability'",
        "sli.errors 'app_queue_depth' selects 'app_queue_depth', which is neither a "
        "catalog counter nor a histogram's _count",
    ),
    (
        "latency sli on a counter",
        lambda: stack(slos=(slo(sli=LatencySLI(histogram="app_requests_total", threshold="0.1")),)),
        "sli.histogram",
        "app_requests_total",
        "slo 'availability'",
        "sli.histogram 'app_requests_total' is a counter, not a histogram",
    ),
    (
        "latency threshold not a bucket",
        lambda: stack(slos=(slo(sli=LatencySLI(histogram="app_latency_seconds", threshold="0.2")),)),
        "sli.threshold",
        Decimal("0.2"),
        "slo 'availability'",
        "sli.threshold 0.2 is not a bucket boundary of app_latency_seconds (buckets: "
        "0.1, 0.5); a latency SLI can only count requests below a boundary",
    ),
    (
        "latency sli native on a classic histogram",
        lambda: stack(slos=(slo(sli=LatencySLI(histogram="app_latency_seconds", threshold="0.1", native=True)),)),
        "sli.native",
        True,
        "slo 'availability'",
        "sli.histogram 'app_latency_seconds' is a classic histogram: sli.native=True "
        "needs Histogram(native=True) in the catalog",
    ),
    (
        "boolean sli on a counter",
        lambda: stack(slos=(slo(sli=BooleanSLI(gauge="app_requests_total")),)),
        "sli.gauge",
        "app_requests_total",
        "slo 'availability'",
        "sli.gauge 'app_requests_total' selects 'app_requests_total', which is neither "
        "up nor probe_success nor a catalog gauge (it is a counter)",
    ),
    (
        "slo groups by a label of no metric",
        lambda: stack(slos=(slo(group_by=("route",)),)),
        "group_by",
        ("route",),
        "slo 'availability'",
        "group_by 'route' is not a label of app_requests_total, so the SLI would "
        "aggregate it away (labels: code)",
    ),
    (
        "timeslice not a multiple",
        lambda: stack(evaluation_interval="2m", slos=(slo(budgeting=Timeslices(window="5m", target="0.9")),)),
        "budgeting.window",
        "5m",
        "slo 'availability'",
        "budgeting.window 5m is not a multiple of the stack's evaluation_interval 2m: each slice is read "
        "from one evaluation",
    ),
    (
        "service label an slo sets",
        lambda: stack(services=(service(labels={"slo": "x"}),), slos=(slo(),)),
        "labels",
        {"slo": "x"},
        "service 'app'",
        "labels: 'slo' is set by slo 'availability' on its series and alerts, not by the service",
    ),
    (
        "text panel without content",
        lambda: Panel(title="Notes", type="text"),
        "content",
        "",
        "panel 'Notes'",
        "a text panel has content and no queries",
    ),
    (
        "text panel with queries",
        lambda: panel(type="text", content="x"),
        "queries",
        (PanelQuery(expr="sum(rate(app_requests_total[5m]))"),),
        "panel 'Requests'",
        "a text panel has content and no queries",
    ),
    (
        "graph without queries",
        lambda: Panel(title="Requests"),
        "queries",
        (),
        "panel 'Requests'",
        "a timeseries panel needs at least one query",
    ),
    (
        "graph with content",
        lambda: panel(content="x"),
        "content",
        "x",
        "panel 'Requests'",
        "content is for text panels, not timeseries",
    ),
    (
        "thresholds not increasing",
        lambda: panel(thresholds=(Threshold(value=2, color="red"), Threshold(value=1, color="orange"))),
        "thresholds",
        (Threshold(value=2, color="red"), Threshold(value=1, color="orange")),
        "panel 'Requests'",
        "thresholds [2.0, 1.0] must be strictly increasing",
    ),
    (
        "base color without thresholds",
        lambda: panel(base_color="blue"),
        "base_color",
        "blue",
        "panel 'Requests'",
        "base_color 'blue' is the color below the first threshold: give thresholds too",
    ),
    (
        "dashboard without panels",
        lambda: Dashboard(name="Shop"),
        None,
        None,
        "dashboard 'Shop'",
        "a dashboard needs panels or rows",
    ),
    (
        "dashboard variable twice",
        lambda: dashboard(
            variables=(
                DashboardVariable(name="code", query="label_values(code)"),
                DashboardVariable(name="code", query="label_values(code)"),
            )
        ),
        "variables[1].name",
        "code",
        "dashboard 'Shop'",
        "duplicate variable name 'code'",
    ),
    (
        "panel query unknown variable",
        lambda: dashboard(panels=(panel(), panel('sum(rate(app_requests_total{code="$nope"}[5m]))'))),
        "panels[1].queries[0].expr",
        'sum(rate(app_requests_total{code="$nope"}[5m]))',
        "dashboard 'Shop'",
        "panel 'Requests': $nope is not a variable of this dashboard, in "
        "'sum(rate(app_requests_total{code=\"$nope\"}[5m]))'",
    ),
    (
        "row panel query unknown variable",
        lambda: dashboard(
            panels=(),
            rows=(DashboardRow(title="Row", panels=(panel('sum(rate(app_requests_total{code="$nope"}[5m]))'),)),),
        ),
        "rows[0].panels[0].queries[0].expr",
        'sum(rate(app_requests_total{code="$nope"}[5m]))',
        "dashboard 'Shop'",
        "panel 'Requests': $nope is not a variable of this dashboard, in "
        "'sum(rate(app_requests_total{code=\"$nope\"}[5m]))'",
    ),
    (
        "variable query unknown variable",
        lambda: dashboard(
            variables=(DashboardVariable(name="code", query='label_values(app_requests_total{x="$nope"}, code)'),)
        ),
        "variables[0].query",
        'label_values(app_requests_total{x="$nope"}, code)',
        "dashboard 'Shop'",
        "variable 'code': $nope is not a variable of this dashboard, in "
        "'label_values(app_requests_total{x=\"$nope\"}, code)'",
    ),
    (
        "dashboard folder undeclared",
        lambda: stack(dashboards=(dashboard(folder="nope"),)),
        "dashboards[0].folder",
        "nope",
        "stack 'demo'",
        "dashboard 'Shop': folder 'nope' is not a declared folder (folders: monitoring)",
    ),
    (
        "settings folder undeclared",
        lambda: stack(dashboard_settings=DashboardSettings(folder="nope")),
        "dashboard_settings.folder",
        "nope",
        "stack 'demo'",
        "dashboard_settings.folder 'nope' is not a declared folder (folders: monitoring)",
    ),
    (
        "no folders",
        lambda: stack(folders=()),
        "folders",
        (),
        "stack 'demo'",
        "folders is empty: declare a folder for the dashboards, or turn off "
        "dashboard_settings.service_dashboards and slo_dashboards",
    ),
    (
        "dashboard query of no series",
        lambda: stack(dashboards=(dashboard(panels=(panel("sum(nothing_total)"),)),)),
        "dashboards[0].panels[0].queries[0].expr",
        "sum(nothing_total)",
        "stack 'demo'",
        "dashboard 'Shop', panel 'Requests': query selects 'nothing_total', which is in no metric catalog "
        "and no recording rule",
    ),
    (
        "folder uid twice",
        lambda: stack(folders=(Folder(uid="a", title="A"), Folder(uid="a", title="B"))),
        "folders[1].uid",
        "a",
        "stack 'demo'",
        "duplicate folder uid name 'a'",
    ),
    (
        "dashboard uid twice",
        lambda: stack(dashboards=(dashboard(uid="same"), dashboard(name="Other", uid="same"))),
        "dashboards[1].uid",
        "same",
        "stack 'demo'",
        "duplicate dashboard uid name 'same'",
    ),
    (
        "metric of two types",
        lambda: stack(
            services=(
                service(),
                service(
                    name="other",
                    metrics=(Gauge(name="app_requests_total", help="x", third_party=True),),
                    rule_groups=(),
                    scrape_jobs=(),
                ),
            )
        ),
        "type",
        "gauge",
        "metric 'app_requests_total'",
        "a gauge in service 'other' but a counter in service 'app': one name, one type",
    ),
    (
        "rule selects an unknown metric",
        lambda: stack(
            services=(
                service(rule_groups=(RuleGroup(name="app", rules=(alert(expr="rate(nothing_total[5m]) > 1"),)),)),
            )
        ),
        "expr",
        "rate(nothing_total[5m]) > 1",
        "alert 'AppErrors'",
        "expr selects 'nothing_total', which is in no metric catalog (the service's own or a shared one) "
        "and no recording rule (service 'app')",
    ),
    (
        "window policy burns below 1",
        lambda: slo(
            window_policy=WindowPolicy(
                windows=(
                    AlertWindow(tier="page", long="1h", short="5m", burn_rate="0.5"),
                    AlertWindow(tier="ticket", long="1d", short="2h", burn_rate=1),
                )
            )
        ),
        None,
        None,
        "slo 'availability'",
        "alerting.page (1h/5m window pair): burn factor 0.5 is below 1, so it would alert while the SLO is "
        "met; use a window policy whose factors stay >= 1 (the built-in 'scaled' policy does) or set "
        "alerting.page.enabled=False",
    ),
]


@pytest.mark.parametrize(
    ("build", "field", "value", "definition", "problem"), [case[1:] for case in CASES], ids=[case[0] for case in CASES]
)
def test_the_field_and_value_of_a_model_check(
    build: Callable[[], object], field: str | None, value: object, definition: str, problem: str
) -> None:
    with pytest.raises(DefinitionError) as caught:
        build()
    error = caught.value
    assert (error.definition, error.problem) == (definition, problem)
    assert (error.field, error.value) == (field, value)


def test_a_field_problem_below_a_field_is_named_from_the_definition_validated() -> None:
    # pydantic validating a part in place (not through Model.__init__) puts the part's field under its own.
    class Part(BaseModel):
        size: int

        @model_validator(mode="after")
        def _small(self) -> Part:
            raise FieldProblem(f"size {self.size} is too big", field="size", value=self.size)

    class Whole(BaseModel):
        parts: tuple[Part, ...]

    with pytest.raises(ValidationError) as caught:
        Whole(parts=({"size": 3},))
    assert describe(caught.value) == ("parts[0]: size 3 is too big", "parts[0].size", 3)


def test_a_field_problem_seen_from_the_definition_holding_it() -> None:
    problem = FieldProblem("service 'x' is not defined", field="service", value="x").within("slos[2]")
    assert (str(problem), problem.field, problem.value) == ("service 'x' is not defined", "slos[2].service", "x")
