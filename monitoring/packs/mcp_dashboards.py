"""The MCP pack's dashboards: the seed's four panels in modern form, then rows for traffic, errors,
latency, sessions and saturation.

MCP traffic queries filter on $job and $instance. Saturation comes from cAdvisor and kube-state-metrics,
whose targets are not the MCP servers, so those queries filter on the container and a $namespace instead.
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
    ERROR_RATIO_LIMIT,
    JOB,
    MEMORY_LIMIT_RATIO,
    NOT_NOTIFICATION,
    OPERATION_DURATION,
    POD_JOB,
    SERVER_FAULT_ERROR_TYPES,
)

FOLDER = Folder(uid="mcp", title="MCP")
SERVICE = "mcp-server"  # the name packs.mcp.service() gives the fleet by default
RATE = "$__rate_interval"
FILTER = 'job=~"$job", instance=~"$instance"'
ERROR_RATIO_THRESHOLDS = (Threshold(value=0.01, color="orange"), Threshold(value=ERROR_RATIO_LIMIT, color="red"))
SESSIONS = "mcp_server_session_duration_seconds"
STATUS_2XX = 'status=~"2.."'
STATUS_5XX = 'status=~"5.."'
FAILED = 'error_type!=""'
TOOLS_CALL = 'mcp_method_name="tools/call"'


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


def seed_panels() -> tuple[Panel, ...]:
    requests = "mcp_requests_total"
    ops = f"{OPERATION_DURATION}_count"
    server_faults = f'error_type=~"{SERVER_FAULT_ERROR_TYPES}"'
    return (
        Panel(title="Request rate", unit="reqps", width=9, height=8,
              description="MCP requests per second: all, answered with 2xx, and with 5xx.",
              queries=(PanelQuery(expr=f"sum ({_rate(requests)})", legend="total"),
                       PanelQuery(expr=f"sum ({_rate(requests, STATUS_2XX)})", legend="2xx"),
                       PanelQuery(expr=f"sum ({_rate(requests, STATUS_5XX)})", legend="5xx"))),
        Panel(title="Latency", unit="s", width=9, height=8,
              description="MCP operation latency quantiles (notifications aside), as MCPHighLatency reads them.",
              queries=_quantiles(OPERATION_DURATION, NOT_NOTIFICATION)),
        Panel(title="Error rate", type="stat", unit="percentunit", decimals=2, width=3, height=8,
              thresholds=ERROR_RATIO_THRESHOLDS,
              description="Share of MCP operations (notifications aside) that failed by the server's fault: "
                          "JSON-RPC internal and server errors, timeouts and HTTP 5xx. MCPHighErrorRate fires "
                          "above 5%. JSON-RPC errors arrive in HTTP 200 responses, so this is not a 5xx ratio.",
              queries=(PanelQuery(expr=f"sum ({_rate(ops, NOT_NOTIFICATION, server_faults)})\n/\n"
                                       f"sum ({_rate(ops, NOT_NOTIFICATION)})"),)),
        Panel(title="Active connections", type="stat", unit="short", width=3, height=8,
              description="Client connections open now.",
              queries=(PanelQuery(expr=f"sum ({_sel('mcp_active_connections')})"),)),
    )


def traffic_row() -> DashboardRow:
    ops = f"{OPERATION_DURATION}_count"
    return DashboardRow(title="Traffic", panels=(
        Panel(title="Operations by method", unit="ops", stacked=True, width=14,
              description="MCP operations per second by JSON-RPC method (mcp_method_name).",
              queries=(PanelQuery(expr=f"sum by (mcp_method_name) ({_rate(ops)})", legend="{{mcp_method_name}}"),)),
        Panel(title="Top tools", type="bargauge", unit="ops", width=10,
              description="The ten most called tools (tools/call by gen_ai_tool_name), calls per second.",
              queries=(PanelQuery(expr=f"topk(10, sum by (gen_ai_tool_name) "
                                       f"({_rate(ops, TOOLS_CALL)}))",
                                  legend="{{gen_ai_tool_name}}", instant=True),)),
    ))


def errors_row() -> DashboardRow:
    ops = f"{OPERATION_DURATION}_count"
    return DashboardRow(title="Errors", panels=(
        Panel(title="Errors by type", unit="ops", stacked=True,
              description="Failed operations per second by error_type: JSON-RPC codes, tool_error (a result with "
                          "isError: true), timeouts and transport errors.",
              queries=(PanelQuery(expr=f"sum by (error_type) ({_rate(ops, FAILED)})",
                                  legend="{{error_type}}"),)),
        Panel(title="Error ratio by method", unit="percentunit", thresholds=ERROR_RATIO_THRESHOLDS,
              show_thresholds=True, description="Share of each method's operations that failed, any error type.",
              queries=(PanelQuery(expr=f"sum by (mcp_method_name) ({_rate(ops, FAILED)})\n/\n"
                                       f"sum by (mcp_method_name) ({_rate(ops)})",
                                  legend="{{mcp_method_name}}"),)),
    ))


def latency_row() -> DashboardRow:
    buckets = f"{OPERATION_DURATION}_bucket"
    return DashboardRow(title="Latency per method", panels=(
        Panel(title="p95 by method", unit="s", width=24,
              description="95th percentile of operation duration per method (notifications aside).",
              queries=(PanelQuery(expr=f"histogram_quantile(0.95, sum by (le, mcp_method_name) "
                                       f"({_rate(buckets, NOT_NOTIFICATION)}))", legend="{{mcp_method_name}}"),)),
        Panel(title="tools/call latency", type="heatmap", unit="s", width=14,
              description="Distribution of tools/call durations: calls per second in each bucket.",
              queries=(PanelQuery(expr=f"sum by (le) ({_rate(buckets, TOOLS_CALL)})", legend="{{le}}",
                                  format="heatmap"),)),
        Panel(title="p95 per tool", type="table", unit="s", width=10,
              description="95th percentile of tools/call duration for each tool, slowest first.",
              queries=(PanelQuery(expr=f"histogram_quantile(0.95, sum by (le, gen_ai_tool_name) "
                                       f"({_rate(buckets, TOOLS_CALL)}))", legend="p95",
                                  instant=True, format="table"),)),
    ))


def sessions_row() -> DashboardRow:
    return DashboardRow(title="Sessions", panels=(
        Panel(title="Sessions ended", unit="ops", width=8,
              description="Sessions ending per second, by transport.",
              queries=(PanelQuery(expr=f"sum by (network_transport) ({_rate(SESSIONS + '_count')})",
                                  legend="{{network_transport}}"),)),
        Panel(title="Session duration", unit="s", width=8, description="Session duration quantiles.",
              queries=_quantiles(SESSIONS)),
        Panel(title="Connections by transport", unit="short", width=8,
              description="Open client connections by transport.",
              queries=(PanelQuery(expr=f"sum by (network_transport) ({_sel('mcp_active_connections')})",
                                  legend="{{network_transport}}"),)),
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
             service: str = SERVICE) -> Dashboard:
    """Tagged with the service's name, like its generated service and SLO dashboards, which link to it."""
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
        panels=seed_panels(),
        rows=(traffic_row(), errors_row(), latency_row(), sessions_row(), saturation_row(container), *rows),
    )


def dashboards(jobs: tuple[str, ...] = (JOB, POD_JOB), container: str = CONTAINER,
               folder: str | None = FOLDER.uid, rows: tuple[DashboardRow, ...] = (),
               service: str = SERVICE) -> tuple[Dashboard, ...]:
    """The MCP default dashboards, in `folder` (declare FOLDER in the stack's folders); rows are added to the
    overview (e.g. health checks and capacity)."""
    return (overview(jobs, container, folder, rows, service),)
