"""The MCP (Model Context Protocol) server pack: metric catalog, scrape jobs, alerts and routing.

MCP servers export one of two metric families, or both: the OpenTelemetry MCP semantic conventions
(mcp.server.operation.duration and friends: `semconv`) and the classic request counters of the seed deployment
(mcp_requests_total, mcp_request_duration_seconds: `seed`). The pack's `family` parameter says which the servers
export; every alert, SLO, recording rule and panel of the pack then draws on one family (`Signals`), so a server
never leaves half of the pack silent. With `both`, the rules draw on semconv, the one family that tells server
faults from client errors and names tools, and the catalog declares both.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal, get_args

from monitoring.errors import DefinitionError
from monitoring.model import (
    SLO,
    Alert,
    AlertScenario,
    Catalog,
    Counter,
    Email,
    ErrorEvents,
    Gauge,
    Histogram,
    InhibitRule,
    InputSeries,
    KubernetesSDConfig,
    LatencySLI,
    PagerDuty,
    RatioSLI,
    Receiver,
    Route,
    RouteTest,
    Routing,
    RuleGroup,
    ScrapeJob,
    Service,
    Slack,
    SLOAlerting,
    StaticConfig,
)
from monitoring.model.base import definition_site, format_site
from monitoring.model.metrics import AnyMetric
from monitoring.packs import catalogs

JOB = "mcp-server"
POD_JOB = "mcp-server-pods"
CONTAINER = "mcp-server"
OPERATION_DURATION = "mcp_server_operation_duration_seconds"
SESSION_DURATION = "mcp_server_session_duration_seconds"
# Alert thresholds, shared with the dashboards that draw them: the error ratio warns at 5% and pages at 10% (the
# seed's load-test gate, http_req_failed rate<0.1, is drawn from the paging tier).
ERROR_RATIO_WARNING = 0.05
ERROR_RATIO_PAGE = 0.10
MEMORY_LIMIT_RATIO = 0.85
CPU_LIMIT_RATIO = 0.8
SEMCONV_BUCKETS = (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30, 60, 120, 300)

# error_type values that are the server's fault: JSON-RPC internal error (-32603), the
# implementation-defined server errors (-32000..-32099), timeouts and HTTP 5xx.
SERVER_FAULT_ERROR_TYPES = '-32603|-320[0-9][0-9]|timeout|5[0-9][0-9]'
CONTROL_PLANE_METHODS = ("initialize", "tools/list", "resources/list", "prompts/list", "ping")

MetricFamily = Literal["semconv", "seed", "both"]
FAMILIES: tuple[str, ...] = get_args(MetricFamily)
# The seed deployment's servers export both families, and so does the demo exporter of the end-to-end suite.
DEFAULT_FAMILY: MetricFamily = "both"


@dataclass(frozen=True)
class Signals:
    """The series one metric family offers for what the pack watches: answered operations and their outcome,
    their duration, and tool calls. Every alert, SLO, recording rule and panel of the pack reads these only.

        signals("seed").requests  # 'mcp_requests_total'
    """

    family: str
    requests: str  # a counter of operations, notifications included
    method: str  # the label naming the JSON-RPC method
    server_fault: str  # matcher: the operation failed by the server's fault
    succeeded: str  # matcher: the operation succeeded
    failed: str  # matcher: the operation failed, any cause
    duration: str  # histogram of operation durations, labelled by method
    tool_calls: str  # a counter of tool calls, labelled by tool
    tool_call: str  # matcher narrowing tool_calls to tool calls ('' when it counts nothing else)
    tool: str  # the label naming the tool
    tool_failed: str  # matcher: the tool call failed (a tool's isError result included)
    metrics: tuple[str, ...]  # the family's own metric names
    # Labels of one server-fault operation and of one successful one, for the alerts' generated tests.
    fault_sample: tuple[tuple[str, str], ...]
    ok_sample: tuple[tuple[str, str], ...]

    @property
    def responded(self) -> str:
        """Matcher: operations that get a response. Notifications get none, so they are neither good nor bad."""
        return f'{self.method}!~"notifications/.*"'

    def method_is(self, method: str) -> str:
        return f'{self.method}="{method}"'


SEMCONV = Signals(
    family="semconv", requests=f"{OPERATION_DURATION}_count", method="mcp_method_name",
    server_fault=f'error_type=~"{SERVER_FAULT_ERROR_TYPES}"', succeeded='error_type=""', failed='error_type!=""',
    duration=OPERATION_DURATION, tool_calls=f"{OPERATION_DURATION}_count",
    tool_call='mcp_method_name="tools/call"', tool="gen_ai_tool_name", tool_failed='error_type!=""',
    metrics=(OPERATION_DURATION, SESSION_DURATION), fault_sample=(("error_type", "-32603"),), ok_sample=())
# The seed's counters know an outcome only (status ok or error): every error counts as the server's.
SEED = Signals(
    family="seed", requests="mcp_requests_total", method="method", server_fault='status="error"',
    succeeded='status="ok"', failed='status="error"', duration="mcp_request_duration_seconds",
    tool_calls="mcp_tool_executions_total", tool_call="", tool="tool_name", tool_failed='status="error"',
    metrics=("mcp_requests_total", "mcp_request_duration_seconds", "mcp_tool_executions_total",
             "mcp_resource_access_total"), fault_sample=(("status", "error"),), ok_sample=(("status", "ok"),))


def _pack_error(problem: str, field: str, value: object) -> DefinitionError:
    """A wrong argument to the pack, at the line of the user's code that called it."""
    return DefinitionError(problem, definition="mcp pack", where=format_site(definition_site(3)), field=field,
                           value=value)


def signals(family: str = DEFAULT_FAMILY) -> Signals:
    """What the pack's rules and panels read for a family: semconv for semconv and both, the seed's counters
    for seed."""
    if family not in FAMILIES:
        raise _pack_error(f"family {family!r} must be one of {', '.join(FAMILIES)}", "family", family)
    return SEED if family == "seed" else SEMCONV


def metrics(family: str = DEFAULT_FAMILY) -> tuple[Counter | Gauge | Histogram, ...]:
    """What an MCP server exposes itself: the family's metrics (both families for `both`), open connections and
    process metrics."""
    signals(family)  # checks the name
    seed = (
        Counter(name="mcp_requests_total", help="MCP requests handled, by JSON-RPC method and outcome.",
                labels=("method", "status"), label_values={"status": ("ok", "error")}),
        Histogram(name="mcp_request_duration_seconds", unit="seconds", labels=("method",),
                  help="Time to answer an MCP request.",
                  buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)),
        Counter(name="mcp_tool_executions_total", help="Tool calls, by tool and outcome.",
                labels=("tool_name", "status"), label_values={"status": ("ok", "error")}),
        Counter(name="mcp_resource_access_total", help="Resource reads and subscriptions.",
                labels=("resource_type", "operation")),
    )
    semconv = (
        Histogram(name=OPERATION_DURATION, unit="seconds", buckets=SEMCONV_BUCKETS,
                  labels=("mcp_method_name", "error_type", "gen_ai_tool_name", "network_transport"),
                  help="Duration of MCP operations as seen by the server "
                       "(OpenTelemetry mcp.server.operation.duration)."),
        Histogram(name=SESSION_DURATION, unit="seconds", labels=("network_transport",),
                  buckets=(1, 5, 10, 30, 60, 300, 600, 1800, 3600, 7200, 14400, 28800),
                  help="Duration of MCP sessions (OpenTelemetry mcp.server.session.duration)."),
    )
    common = (
        Gauge(name="mcp_active_connections", help="Client connections currently open.",
              labels=("network_transport",)),
        Counter(name="process_cpu_seconds_total", unit="seconds", help="CPU time used by the server process."),
        Gauge(name="process_resident_memory_bytes", unit="bytes", help="Resident memory of the server process."),
    )
    return (*(seed if family in ("seed", "both") else ()), *(semconv if family in ("semconv", "both") else ()),
            *common)


def shared_catalogs() -> tuple[Catalog, ...]:
    """The shared catalogs the MCP alerts select: container usage (cAdvisor) against limits (kube-state-metrics)."""
    return catalogs.kube_state_metrics(), catalogs.cadvisor()


def _subset(catalog: Catalog, names: tuple[str, ...]) -> tuple[AnyMetric, ...]:
    return tuple(m for m in catalog.metrics if m.name in names)


def cadvisor_metrics() -> tuple[AnyMetric, ...]:
    """The cAdvisor metrics the MCP alerts use."""
    return _subset(catalogs.cadvisor(), ("container_memory_working_set_bytes", "container_cpu_usage_seconds_total"))


def kube_state_metrics() -> tuple[AnyMetric, ...]:
    """The kube-state-metrics metrics the MCP alerts and dashboards use."""
    return _subset(catalogs.kube_state_metrics(),
                   ("kube_pod_container_resource_limits", "kube_pod_container_status_restarts_total"))


def scrape_jobs(targets: tuple[str, ...], *, namespaces: tuple[str, ...] = ("mcp",),
                kubernetes: bool = True, job: str = JOB, scrape_interval: str = "10s",
                scrape_timeout: str = "5s") -> tuple[ScrapeJob, ...]:
    """Static MCP targets at 10s/5s, plus annotated MCP pods when kubernetes is on."""
    jobs = [ScrapeJob(name=job, scrape_interval=scrape_interval, scrape_timeout=scrape_timeout,
                      static_configs=(StaticConfig(targets=targets),))]
    if kubernetes:
        jobs.append(pod_scrape_job(namespaces))
    return tuple(jobs)


def pod_scrape_job(namespaces: tuple[str, ...] = ("mcp",)) -> ScrapeJob:
    return ScrapeJob(name=POD_JOB, kubernetes_sd_configs=(
        KubernetesSDConfig(namespaces=namespaces, app=CONTAINER, port="metrics", container=CONTAINER),))


def _ratio(numerator: str, denominator: str, by: str) -> str:
    return f"(\n  sum by ({by}) ({numerator})\n/\n  sum by ({by}) ({denominator})\n)"


@dataclass(frozen=True)
class Thresholds:
    """Where the MCP alerts fire: error ratio (warning and page) and p95 latency of operations, memory and CPU
    against limits.

        Thresholds(error_ratio_page=0.2)
    """

    error_ratio_warning: float = ERROR_RATIO_WARNING
    error_ratio_page: float = ERROR_RATIO_PAGE
    latency_p95_seconds: float = 1
    memory_limit_ratio: float = MEMORY_LIMIT_RATIO
    cpu_limit_ratio: float = CPU_LIMIT_RATIO


def alert_prefix(name: str) -> str:
    """The CamelCase prefix of a fleet's alerts: MCP for the default mcp-server, MCPSearch for mcp-search."""
    words = [w for w in name.split("-") if w not in ("mcp", "server")]
    return "MCP" + "".join(w.capitalize() for w in words)


def alerts(job: str = JOB, container: str = CONTAINER, *, job_regex: str | None = None,
           for_overrides: Mapping[str, str] | None = None, prefix: str = "MCP",
           thresholds: Thresholds = Thresholds(), namespace: str = "mcp",
           family: str = DEFAULT_FAMILY) -> tuple[Alert, ...]:
    """The MCP alerts on `job`, or on every job matching job_regex; for_overrides maps alert name -> `for`.

    Alert names start with prefix (MCPHighErrorRate), so that several fleets can share one stack. The error
    ratio has two tiers: <prefix>ElevatedErrorRate warns, <prefix>HighErrorRate pages."""
    sig = signals(family)
    if job_regex:
        rules = _alerts(f'job=~"{job_regex}"', f"jobs matching {job_regex}", container, thresholds, sig,
                        _scenarios(job_regex.split("|")[0], container, namespace, sig, thresholds,
                                   absent_labels=False))
    else:
        rules = _alerts(f'job="{job}"', f"job {job}", container, thresholds, sig,
                        _scenarios(job, container, namespace, sig, thresholds))
    rules = tuple(a.model_copy(update={"name": prefix + a.name.removeprefix("MCP")}) for a in rules)
    overrides = dict(for_overrides or {})
    unknown = sorted(overrides.keys() - {a.name for a in rules})
    if unknown:
        raise _pack_error(f"for_overrides names unknown alert {unknown[0]!r}", "for_overrides", unknown[0])
    return tuple(Alert(**(a.model_dump(by_alias=True) | {"for": overrides[a.name]})) if a.name in overrides else a
                 for a in rules)


def _series(name: str, labels: dict[str, str]) -> str:
    return name + "{" + ", ".join(f'{k}="{v}"' for k, v in sorted(labels.items())) + "}"


def _fraction(value: float) -> str:
    return f"{value:g}"


def _scenarios(job: str, container: str, namespace: str, sig: Signals, limits: Thresholds, *,
               absent_labels: bool = True) -> dict[str, AlertScenario]:
    """Synthetic input for the generated tests of each alert: firing, just below the threshold, healthy."""
    target = {"job": job, "instance": "mcp-server-0:9464"}
    pod = {"namespace": namespace, "pod": "mcp-server-0", "container": container}
    fault, ok = dict(sig.fault_sample), dict(sig.ok_sample)

    def operations(failed: float, total: float = 10, notification_errors: str = "0") -> tuple[InputSeries, ...]:
        call = {"job": job, sig.method: "tools/call"}
        return (InputSeries(series=_series(sig.requests, {**call, **fault}), rate=_fraction(failed)),
                InputSeries(series=_series(sig.requests, {**call, **ok}), rate=_fraction(total - failed)),
                # Notifications get no response: their errors never count.
                InputSeries(series=_series(sig.requests, {"job": job, sig.method: "notifications/initialized",
                                                          **fault}), rate=notification_errors))

    def latency(upper: str, lower: str) -> tuple[InputSeries, ...]:
        bucket = f"{sig.duration}_bucket"
        call = {"job": job, sig.method: "tools/call"}
        # Notifications get no response: a slow one never counts.
        slow_notification = {"job": job, sig.method: "notifications/initialized", "le": "+Inf"}
        return (InputSeries(series=_series(bucket, {**call, "le": lower}), rate="0"),
                InputSeries(series=_series(bucket, {**call, "le": upper}), rate="10"),
                InputSeries(series=_series(bucket, {**call, "le": "+Inf"}), rate="10"),
                InputSeries(series=_series(bucket, slow_notification), rate="100"))

    def container_usage(metric: str, resource: str, unit: str, limit: str, **usage: str) -> tuple[InputSeries, ...]:
        return (InputSeries(series=_series(metric, pod), **usage),
                InputSeries(series=_series("kube_pod_container_resource_limits",
                                           {**pod, "resource": resource, "unit": unit}), value=limit))

    def error_ratio(threshold: float) -> AlertScenario:
        # Of 10 operations per second: twice the threshold fails, then just under it.
        return AlertScenario(firing=operations(20 * threshold), labels={"job": job},
                             value=_fraction(2 * threshold), below=operations(9.9 * threshold),
                             healthy=operations(0, notification_errors="5"))

    memory = ("container_memory_working_set_bytes", "memory", "byte", "1000000000")
    cpu = ("container_cpu_usage_seconds_total", "cpu", "core", "1")
    return {
        "MCPElevatedErrorRate": error_ratio(limits.error_ratio_warning),
        "MCPHighErrorRate": error_ratio(limits.error_ratio_page),
        # p95 inside the (1, 2.5] bucket: 1 + 1.5 * 0.95 = 2.425 s; below: 0.5 + 0.5 * 0.95 = 0.975 s. Latency is
        # read from the same family as errors and the SLOs, so one exporter feeds every alert.
        "MCPHighLatency": AlertScenario(
            firing=latency("2.5", "1"), labels={"job": job}, value="2.425",
            below=latency("1", "0.5"), healthy=latency("0.1", "0.05")),
        "MCPServiceDown": AlertScenario(
            firing=(InputSeries(series=_series("up", target), value=0),), labels=target,
            healthy=(InputSeries(series=_series("up", target), value=1),)),
        "MCPServiceAbsent": AlertScenario(
            firing=(), labels={"job": job} if absent_labels else {},
            healthy=(InputSeries(series=_series("up", target), value=1),)),
        "MCPHighMemoryUsage": AlertScenario(
            firing=container_usage(*memory, value="900000000"), labels=pod, value="0.9",
            below=container_usage(*memory, value="849000000"), healthy=container_usage(*memory, value="500000000")),
        "MCPHighCPUUsage": AlertScenario(
            firing=container_usage(*cpu, rate="0.9"), labels=pod, value="0.9",
            below=container_usage(*cpu, rate="0.79"), healthy=container_usage(*cpu, rate="0.2")),
    }


def _alerts(job: str, job_text: str, container: str, limits: Thresholds, sig: Signals,
            tests: dict[str, AlertScenario]) -> tuple[Alert, ...]:
    """job is the matcher every MCP selector carries; job_text names it in descriptions."""
    by_container = "namespace, pod, container"
    errors = _ratio(f'rate({sig.requests}{{{job}, {sig.responded}, {sig.server_fault}}}[5m])',
                    f'rate({sig.requests}{{{job}, {sig.responded}}}[5m])', "job")
    fault = ("failed with a server fault (JSON-RPC internal/server errors, timeouts or HTTP 5xx)" if sig is SEMCONV
             else "failed (status error)")

    def error_rate(name: str, severity: str, for_: str, threshold: float) -> Alert:
        return Alert(
            name=name, severity=severity, for_=for_, expr=f"{errors} > {threshold:g}", threshold=threshold,
            summary=f"MCP server-fault error ratio is above {threshold:.0%}.",
            description=f"{{{{ $value | humanizePercentage }}}} of MCP operations on {{{{ $labels.job }}}} {fault} "
                        "over 5 minutes.")

    return tuple(alert.model_copy(update={"test": tests[alert.name]}) for alert in (
        # Two tiers, as the usual mixins have them: a warning that waits longer, and a page.
        error_rate("MCPElevatedErrorRate", "warning", "10m", limits.error_ratio_warning),
        error_rate("MCPHighErrorRate", "critical", "2m", limits.error_ratio_page),
        Alert(
            name="MCPHighLatency", severity="warning", for_="5m",
            expr="histogram_quantile(0.95, sum by (le, job) "
                 f"(rate({sig.duration}_bucket{{{job}, {sig.responded}}}[5m])))"
                 f" > {limits.latency_p95_seconds:g}", threshold=limits.latency_p95_seconds,
            summary=f"MCP p95 operation latency is above {limits.latency_p95_seconds:g} "
                    f"second{'' if limits.latency_p95_seconds == 1 else 's'}.",
            description="p95 latency of {{ $labels.job }} is {{ $value | humanizeDuration }} over 5 minutes.",
        ),
        Alert(
            name="MCPServiceDown", severity="critical", for_="1m",
            expr=f'up{{{job}}} == 0',
            summary="An MCP server target is down.",
            description="Prometheus cannot scrape {{ $labels.instance }} of {{ $labels.job }}.",
        ),
        Alert(
            name="MCPServiceAbsent", severity="critical", for_="1m",
            expr=f'absent(up{{{job}}})',
            summary="No MCP server target is known to Prometheus.",
            description=f"There is no up series for {job_text}: the scrape job lost all of its targets.",
        ),
        Alert(
            name="MCPHighMemoryUsage", severity="warning", for_="5m",
            expr=(
                f'(\n  sum by ({by_container}) (container_memory_working_set_bytes{{container="{container}"}})\n/\n'
                f'  (sum by ({by_container}) (kube_pod_container_resource_limits{{container="{container}", '
                f'resource="memory", unit="byte"}}) > 0)\n) > {limits.memory_limit_ratio}'
            ),
            summary=f"MCP container memory is above {limits.memory_limit_ratio:.0%} of its limit.",
            description="{{ $labels.namespace }}/{{ $labels.pod }} uses {{ $value | humanizePercentage }} of its "
                        "memory limit (working set, which the OOM killer watches).",
        ),
        Alert(
            name="MCPHighCPUUsage", severity="warning", for_="5m",
            expr=(
                f"(\n  sum by ({by_container}) "
                f'(rate(container_cpu_usage_seconds_total{{container="{container}"}}[5m]))\n/\n'
                f'  (sum by ({by_container}) (kube_pod_container_resource_limits{{container="{container}", '
                f'resource="cpu", unit="core"}}) > 0)\n) > {limits.cpu_limit_ratio}'
            ),
            summary=f"MCP container CPU is above {limits.cpu_limit_ratio:.0%} of its limit.",
            description="{{ $labels.namespace }}/{{ $labels.pod }} uses {{ $value | humanizePercentage }} of its "
                        "CPU limit over 5 minutes.",
        ),
    ))


def service(targets: tuple[str, ...] = (), *, kubernetes: bool = True, name: str = "mcp-server",
            namespace: str = "mcp", container: str = CONTAINER, app: str | None = None, port: str = "metrics",
            pod_job: str | None = None, static_job: str | None = None,
            jobs: Mapping[str, tuple[str, ...]] | None = None, scrape_interval: str = "10s",
            scrape_timeout: str = "5s", thresholds: Thresholds = Thresholds(), labels: Mapping[str, str] | None = None,
            for_overrides: Mapping[str, str] | None = None, family: str = DEFAULT_FAMILY) -> Service:
    """One MCP fleet: its pods (kubernetes), static targets, or one static job per entry of jobs (name -> targets).

    The pod job (named pod_job, by default the fleet's name) selects pods labelled app.kubernetes.io/name=app
    (default: name) in namespace, port `port`, container `container`. Static targets form the job static_job
    (default: mcp-server for the default fleet, else <name>-static). Every alert selects all of the fleet's
    jobs and fires per job; alert names start with alert_prefix(name), and the rule group is "<name>.alerts",
    so several fleets share one stack. for_overrides (alert name -> `for`) shortens alerts where waiting minutes
    is pointless. family is the metric family the servers export (semconv, seed or both): the catalog declares
    it, and the alerts and the service's error events draw on signals(family).

        mcp.service(name="mcp-search", namespace="mcp-production", family="seed")
    """
    sig = signals(family)
    if jobs is not None and targets:
        raise _pack_error(f"service {name!r} takes targets or jobs, not both", "jobs", dict(jobs))
    static = dict(jobs) if jobs is not None else {}
    if targets:
        static[static_job or (JOB if name == "mcp-server" and not kubernetes else f"{name}-static")] = targets
    scrape = [job for job_name, job_targets in static.items()
              for job in scrape_jobs(job_targets, kubernetes=False, job=job_name,
                                     scrape_interval=scrape_interval, scrape_timeout=scrape_timeout)]
    if kubernetes:
        scrape.append(ScrapeJob(name=pod_job or name, scrape_interval=scrape_interval, scrape_timeout=scrape_timeout,
                                kubernetes_sd_configs=(KubernetesSDConfig(
                                    namespaces=(namespace,), app=app or name, port=port, container=container),)))
    if not scrape:
        raise _pack_error(f"service {name!r} needs targets, jobs or kubernetes=True", "targets", targets)
    names = [j.name for j in scrape]
    # Job names are plain [a-zA-Z0-9_.:-]; '.' would match any character, which only widens the match.
    job_regex = "|".join(names) if len(names) > 1 or jobs is not None else None
    return Service(
        name=name,
        description="The fleet of MCP servers.",
        labels=dict(labels or {}),
        metrics=metrics(family),
        scrape_jobs=tuple(scrape),
        errors=ErrorEvents(errors=f"{sig.requests}{{{sig.responded}, {sig.server_fault}}}",
                           total=f"{sig.requests}{{{sig.responded}}}"),
        rule_groups=(RuleGroup(name=f"{name}.alerts",
                               rules=alerts(names[0], container, job_regex=job_regex, for_overrides=for_overrides,
                                            prefix=alert_prefix(name), thresholds=thresholds,
                                            namespace=namespace, family=family)),),
    )


def kubernetes_services(kube_state_metrics_targets: tuple[str, ...],
                        cadvisor_targets: tuple[str, ...]) -> tuple[Service, ...]:
    return (
        Service(name="kube-state-metrics", metrics=kube_state_metrics(),
                scrape_jobs=(ScrapeJob(name="kube-state-metrics",
                                       static_configs=(StaticConfig(targets=kube_state_metrics_targets),)),)),
        Service(name="cadvisor", metrics=cadvisor_metrics(),
                scrape_jobs=(ScrapeJob(name="cadvisor",
                                       static_configs=(StaticConfig(targets=cadvisor_targets),)),)),
    )


def routing(pager: Receiver, chat: Receiver, default: Receiver, *, group_wait: str = "30s",
            group_interval: str = "5m", repeat_interval: str = "4h", team: str | None = None) -> Routing:
    """critical pages, warning goes to chat, the rest to the default; critical inhibits warning.

    With team, only alerts labelled team=<team> (Service.labels) page or go to chat: other teams' alerts fall
    through to the default receiver instead of waking this team up."""
    by_severity = (
        Route(matchers=('severity="critical"',), receiver=pager.name),
        Route(matchers=('severity="warning"',), receiver=chat.name),
    )
    routes = (Route(matchers=(f'team="{team}"',), receiver=default.name, routes=by_severity),) if team else by_severity
    owned = {"team": team} if team else {}
    return Routing(
        receivers=(default, pager, chat),
        route=Route(
            receiver=default.name, group_by=("alertname", "job"), group_wait=group_wait,
            group_interval=group_interval, repeat_interval=repeat_interval, routes=routes,
        ),
        inhibit_rules=(
            InhibitRule(source_matchers=('severity="critical"',), target_matchers=('severity="warning"',),
                        equal=("alertname", "job")),
            InhibitRule(source_matchers=('alertname="MCPServiceDown"',), target_matchers=('severity="warning"',),
                        equal=("job",)),
            # The error ratio's two tiers have two names: the page holds back the warning of the same job.
            InhibitRule(source_matchers=('alertname=~"MCP.*HighErrorRate"',),
                        target_matchers=('alertname=~"MCP.*ElevatedErrorRate"',), equal=("job",)),
        ),
        tests=(
            RouteTest(labels={"alertname": "MCPHighErrorRate", "severity": "critical", **owned},
                      receivers=(pager.name,)),
            RouteTest(labels={"alertname": "MCPHighLatency", "severity": "warning", **owned}, receivers=(chat.name,)),
            RouteTest(labels={"alertname": "MCPElevatedErrorRate", "severity": "warning", **owned},
                      receivers=(chat.name,)),
            RouteTest(labels={"alertname": "Watchdog", "severity": "info"}, receivers=(default.name,)),
            *((RouteTest(labels={"alertname": "MCPHighErrorRate", "severity": "critical", "team": "other"},
                         receivers=(default.name,)),) if team else ()),
        ),
    )


def watchdog_service(name: str = "alerting-pipeline") -> Service:
    """A Watchdog (dead man's switch): always firing, so that its absence at the receiving end means the path
    from Prometheus through Alertmanager is broken. Route it to a heartbeat receiver, or let the default take it."""
    return Service(name=name, description="Proves that alerts flow from Prometheus to Alertmanager.",
                   rule_groups=(RuleGroup(name=f"{name}.alerts", rules=(Alert(
                       name="Watchdog", severity="info", expr="count(up) >= 0",
                       summary="Always firing: the alerting pipeline works.",
                       description="This alert fires as long as Prometheus has any scrape target. If a receiver "
                                   "stops getting it, Prometheus, Alertmanager or the path between them is down, "
                                   "or Prometheus lost every target."),)),))


def production_receivers(secrets_dir: str = "/etc/alertmanager/secrets") -> tuple[Receiver, Receiver, Receiver]:
    """pager (PagerDuty), chat (Slack) and default (e-mail); every secret is a file under secrets_dir."""
    return (
        Receiver(name="pager", pagerduty=(PagerDuty(routing_key_file=f"{secrets_dir}/pagerduty-routing-key"),)),
        Receiver(name="chat", slack=(Slack(api_url_file=f"{secrets_dir}/slack-webhook-url", channel="#mcp-alerts"),)),
        Receiver(name="default", email=(Email(to="sre@example.com", from_="alertmanager@example.com",
                                              smarthost="smtp.example.com:587", auth_username="alertmanager",
                                              auth_password_file=f"{secrets_dir}/smtp-password"),)),
    )


def slos(service: str = "mcp-server", job: str = f'job="{JOB}"', period: str = "30d",
         family: str = DEFAULT_FAMILY) -> tuple[SLO, ...]:
    """The default MCP SLOs on signals(family); job is the matcher that picks the fleet. Their alerts are named
    after the service (alert_prefix), so that several fleets can each have them."""
    prefix = alert_prefix(service)
    sig = signals(family)
    tool_calls = f"{sig.tool_calls}{{{sig.tool_call}}}" if sig.tool_call else sig.tool_calls
    tool_call_failed = ", ".join(m for m in (sig.tool_call, sig.tool_failed) if m)
    return (
        SLO(name="availability", service=service, objective="99.9", period=period,
            description="MCP operations answered without a server fault",
            sli=RatioSLI(errors=f"{sig.requests}{{{sig.server_fault}}}", total=sig.requests),
            filter=f"{job}, {sig.responded}", alerting=SLOAlerting(name=f"{prefix}Availability")),
        SLO(name="control-plane-latency", service=service, objective="99", period=period,
            description="Control-plane operations answered within 0.5 s",
            sli=LatencySLI(histogram=sig.duration, threshold="0.5",
                           selector=f'{sig.method}=~"{"|".join(CONTROL_PLANE_METHODS)}"'),
            filter=job, alerting=SLOAlerting(name=f"{prefix}ControlPlaneLatency")),
        SLO(name="tool-call-latency", service=service, objective="95", period=period,
            description="Tool calls answered within 5 s",
            sli=LatencySLI(histogram=sig.duration, threshold="5", selector=sig.method_is("tools/call")),
            filter=job, alerting=SLOAlerting(name=f"{prefix}ToolCallLatency")),
        # A tool's isError result is a failure like any other.
        SLO(name="tool-call-success", service=service, objective="99", period=period,
            description="Tool calls that succeed",
            sli=RatioSLI(errors=f"{sig.tool_calls}{{{tool_call_failed}}}", total=tool_calls),
            filter=job, alerting=SLOAlerting(name=f"{prefix}ToolCallSuccess")),
    )
