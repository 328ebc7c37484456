"""The MCP pack's dashboards: the seed's four panels in modern form, then rows for traffic, errors,
latency, sessions and saturation.

MCP traffic queries filter on $job and $instance, and draw on one metric family (mcp.signals(family)), the
same as the pack's alerts and SLOs. Saturation comes from cAdvisor and kube-state-metrics, whose targets are
not the MCP servers, so those queries filter on the container and a $namespace instead.
"""

from __future__ import annotations

from monitoring.model.dashboards import (
    Dashboard,
    DashboardRow,
    DashboardVariable,
    Folder,
    Panel,
    PanelQuery,
    Threshold,
)
from monitoring.packs.mcp import (
    CONTAINER,
    CPU_LIMIT_RATIO,
    DEFAULT_FAMILY,
    ERROR_RATIO_PAGE,
    ERROR_RATIO_WARNING,
    JOB,
    MEMORY_LIMIT_RATIO,
    POD_JOB,
    SEMCONV,
    SESSION_DURATION,
    Signals,
    signals,
)

FOLDER = Folder(uid="mcp", title="MCP")
SERVICE = "mcp-server"  # the name packs.mcp.service() gives the fleet by default
RATE = "$__rate_interval"
FILTER = 'job=~"$job", instance=~"$instance"'
ERROR_RATIO_THRESHOLDS = (Threshold(value=ERROR_RATIO_WARNING, color="orange"),
                          Threshold(value=ERROR_RATIO_PAGE, color="red"))


def _sel(series: str, *matchers: str) -> str:
    return f"{series}{{{', '.join((FILTER, *matchers))}}}"


def _rate(series: str, *matchers: str) -> str:
    return f"rate({_sel(series, *matchers)}[{RATE}])"


def _quantiles(series: str, *matchers: str) -> tuple[PanelQuery, ...]:
    return tuple(
        PanelQuery(expr=f"histogram_quantile({q}, sum by (le) ({_rate(series + '_bucket', *matchers)}))",
                   legend=legend)
        for q, legend in (("0.5", "p50"), ("0.95", "p95"), ("0.99", "p99"))
    )


def _tool_calls(sig: Signals, *matchers: str) -> str:
    return _rate(sig.tool_calls, *(m for m in (sig.tool_call, *matchers) if m))


def seed_panels(sig: Signals = SEMCONV) -> tuple[Panel, ...]:
    """The seed dashboard's four panels, drawn from sig's family."""
    fault = ("failed by the server's fault: JSON-RPC internal and server errors, timeouts and HTTP 5xx. "
             "JSON-RPC errors arrive in HTTP 200 responses, so this is not a 5xx ratio." if sig is SEMCONV
             else "ended with status error.")
    return (
        Panel(title="Request rate", unit="reqps", width=9, height=8,
              description="MCP requests per second: all, succeeded and failed.",
              queries=(PanelQuery(expr=f"sum ({_rate(sig.requests)})", legend="total"),
                       PanelQuery(expr=f"sum ({_rate(sig.requests, sig.succeeded)})", legend="succeeded"),
                       PanelQuery(expr=f"sum ({_rate(sig.requests, sig.failed)})", legend="failed"))),
        Panel(title="Latency", unit="s", width=9, height=8,
              description="MCP operation latency quantiles (notifications aside), as MCPHighLatency reads them.",
              queries=_quantiles(sig.duration, sig.responded)),
        Panel(title="Error rate", type="stat", unit="percentunit", decimals=2, width=3, height=8,
              thresholds=ERROR_RATIO_THRESHOLDS,
              description=f"Share of MCP operations (notifications aside) that {fault} MCPElevatedErrorRate warns "
                          f"above {ERROR_RATIO_WARNING:.0%}, MCPHighErrorRate pages above {ERROR_RATIO_PAGE:.0%}.",
              queries=(PanelQuery(expr=f"sum ({_rate(sig.requests, sig.responded, sig.server_fault)})\n/\n"
                                       f"sum ({_rate(sig.requests, sig.responded)})"),)),
        Panel(title="Active connections", type="stat", unit="short", width=3, height=8,
              description="Client connections open now.",
              queries=(PanelQuery(expr=f"sum ({_sel('mcp_active_connections')})"),)),
    )


def traffic_row(sig: Signals = SEMCONV) -> DashboardRow:
    return DashboardRow(title="Traffic", panels=(
        Panel(title="Operations by method", unit="ops", stacked=True, width=14,
              description=f"MCP operations per second by JSON-RPC method ({sig.method}).",
              queries=(PanelQuery(expr=f"sum by ({sig.method}) ({_rate(sig.requests)})",
                                  legend=f"{{{{{sig.method}}}}}"),)),
        Panel(title="Top tools", type="bargauge", unit="ops", width=10,
              description=f"The ten most called tools (by {sig.tool}), calls per second.",
              queries=(PanelQuery(expr=f"topk(10, sum by ({sig.tool}) ({_tool_calls(sig)}))",
                                  legend=f"{{{{{sig.tool}}}}}", instant=True),)),
    ))


def errors_row(sig: Signals = SEMCONV) -> DashboardRow:
    # The OpenTelemetry family names each error's type; the seed's counters only say which method failed.
    by, what = (("error_type", "error_type: JSON-RPC codes, tool_error (a result with isError: true), timeouts and "
                               "transport errors") if sig is SEMCONV else (sig.method, "method"))
    return DashboardRow(title="Errors", panels=(
        Panel(title="Errors by type" if sig is SEMCONV else "Errors by method", unit="ops", stacked=True,
              description=f"Failed operations per second by {what}.",
              queries=(PanelQuery(expr=f"sum by ({by}) ({_rate(sig.requests, sig.failed)})",
                                  legend=f"{{{{{by}}}}}"),)),
        Panel(title="Error ratio by method", unit="percentunit", thresholds=ERROR_RATIO_THRESHOLDS,
              show_thresholds=True, description="Share of each method's operations that failed, any error type.",
              queries=(PanelQuery(expr=f"sum by ({sig.method}) ({_rate(sig.requests, sig.failed)})\n/\n"
                                       f"sum by ({sig.method}) ({_rate(sig.requests)})",
                                  legend=f"{{{{{sig.method}}}}}"),)),
    ))


def latency_row(sig: Signals = SEMCONV) -> DashboardRow:
    buckets = f"{sig.duration}_bucket"
    tools_call = sig.method_is("tools/call")
    if sig is SEMCONV:
        per_tool = Panel(title="p95 per tool", type="table", unit="s", width=10,
                         description="95th percentile of tools/call duration for each tool, slowest first.",
                         queries=(PanelQuery(expr=f"histogram_quantile(0.95, sum by (le, {sig.tool}) "
                                                  f"({_rate(buckets, tools_call)}))", legend="p95",
                                             instant=True, format="table"),))
    else:  # the seed's durations do not name the tool; its tool counter does
        per_tool = Panel(title="Tool error ratio", type="table", unit="percentunit", width=10,
                         description="Share of each tool's calls that failed, worst first.",
                         queries=(PanelQuery(expr=f"sum by ({sig.tool}) ({_tool_calls(sig, sig.tool_failed)})\n/\n"
                                                  f"sum by ({sig.tool}) ({_tool_calls(sig)})", legend="errors",
                                             instant=True, format="table"),))
    return DashboardRow(title="Latency per method", panels=(
        Panel(title="p95 by method", unit="s", width=24,
              description="95th percentile of operation duration per method (notifications aside).",
              queries=(PanelQuery(expr=f"histogram_quantile(0.95, sum by (le, {sig.method}) "
                                       f"({_rate(buckets, sig.responded)}))", legend=f"{{{{{sig.method}}}}}"),)),
        Panel(title="tools/call latency", type="heatmap", unit="s", width=14,
              description="Distribution of tools/call durations: calls per second in each bucket.",
              queries=(PanelQuery(expr=f"sum by (le) ({_rate(buckets, tools_call)})", legend="{{le}}",
                                  format="heatmap"),)),
        per_tool,
    ))


def sessions_row(sig: Signals = SEMCONV) -> DashboardRow:
    connections = Panel(title="Connections by transport", unit="short", width=8 if sig is SEMCONV else 24,
                        description="Open client connections by transport.",
                        queries=(PanelQuery(expr=f"sum by (network_transport) ({_sel('mcp_active_connections')})",
                                            legend="{{network_transport}}"),))
    if sig is not SEMCONV:  # session durations are an OpenTelemetry metric only
        return DashboardRow(title="Sessions", panels=(connections,))
    return DashboardRow(title="Sessions", panels=(
        Panel(title="Sessions ended", unit="ops", width=8,
              description="Sessions ending per second, by transport.",
              queries=(PanelQuery(expr=f"sum by (network_transport) ({_rate(SESSION_DURATION + '_count')})",
                                  legend="{{network_transport}}"),)),
        Panel(title="Session duration", unit="s", width=8, description="Session duration quantiles.",
              queries=_quantiles(SESSION_DURATION)),
        connections,
    ))


def saturation_row(container: str = CONTAINER) -> DashboardRow:
    pod = f'container="{container}", namespace=~"$namespace"'
    by = "namespace, pod"

    def limit(resource: str, unit: str) -> str:
        # Only where a limit is set: a pod without one would divide by zero.
        return (f"(sum by ({by}) (kube_pod_container_resource_limits{{{pod}, resource=\"{resource}\", "
                f"unit=\"{unit}\"}}) > 0)")

    return DashboardRow(title="Saturation", panels=(
        Panel(title="Memory against limit", unit="percentunit", width=9, thresholds=(
                  Threshold(value=MEMORY_LIMIT_RATIO, color="red"),), show_thresholds=True,
              description="Working set (what the OOM killer watches) over the memory limit, per pod; "
                          "MCPHighMemoryUsage fires above 85%. Pods without a limit are left out.",
              queries=(PanelQuery(expr=f"sum by ({by}) (container_memory_working_set_bytes{{{pod}}})\n/\n"
                                       f"{limit('memory', 'byte')}", legend="{{namespace}}/{{pod}}"),)),
        Panel(title="CPU against limit", unit="percentunit", width=9, thresholds=(
                  Threshold(value=CPU_LIMIT_RATIO, color="red"),), show_thresholds=True,
              description="CPU used over the CPU limit, per pod; MCPHighCPUUsage fires above 80%. "
                          "Pods without a limit are left out.",
              queries=(PanelQuery(expr=f"sum by ({by}) (rate(container_cpu_usage_seconds_total{{{pod}}}[{RATE}]))"
                                       f"\n/\n{limit('cpu', 'core')}", legend="{{namespace}}/{{pod}}"),)),
        Panel(title="Restarts", type="stat", unit="short", width=6, thresholds=(
                  Threshold(value=1, color="orange"), Threshold(value=5, color="red")),
              description="Container restarts over the dashboard's time range.",
              queries=(PanelQuery(expr=f"sum (increase(kube_pod_container_status_restarts_total{{{pod}}}"
                                       "[$__range]))"),)),
    ))


def overview(jobs: tuple[str, ...] = (JOB, POD_JOB), container: str = CONTAINER,
             folder: str | None = FOLDER.uid, rows: tuple[DashboardRow, ...] = (),
             service: str = SERVICE, family: str = DEFAULT_FAMILY) -> Dashboard:
    """Tagged with the service's name, like its generated service and SLO dashboards, which link to it; the MCP
    panels draw on signals(family), as the fleet's alerts and SLOs do."""
    sig = signals(family)
    return Dashboard(
        name="MCP server overview",
        uid="mcp-server-overview",
        folder=folder,
        description="MCP servers: traffic, errors, latency, sessions and saturation.",
        tags=("mcp", service),
        link_tags=(service,),
        jobs=jobs,
        variables=(DashboardVariable(
            name="namespace", label="Namespace",
            query=f'label_values(kube_pod_container_resource_limits{{container="{container}"}}, namespace)'),),
        panels=seed_panels(sig),
        rows=(traffic_row(sig), errors_row(sig), latency_row(sig), sessions_row(sig), saturation_row(container),
              *rows),
    )


def dashboards(jobs: tuple[str, ...] = (JOB, POD_JOB), container: str = CONTAINER,
               folder: str | None = FOLDER.uid, rows: tuple[DashboardRow, ...] = (),
               service: str = SERVICE, family: str = DEFAULT_FAMILY) -> tuple[Dashboard, ...]:
    """The MCP default dashboards, in `folder` (declare FOLDER in the stack's folders); rows are added to the
    overview (e.g. health checks and capacity). family: the fleet's metric family, as given to mcp.service."""
    return (overview(jobs, container, folder, rows, service, family),)
