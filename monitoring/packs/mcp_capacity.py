"""The MCP fleet's capacity: the per-pod request rate the HPA scales on, and forecasts of memory, CPU and
request rate against their limits (predict_linear), with the capacity panels of the overview dashboard.

The thresholds are the capacity plan's: CPU 70% and memory 80% of the limits, 1,000 requests per second for a
fleet of 3 replicas, 2Gi of memory per replica.
"""

from __future__ import annotations

from monitoring.model import (
    Alert,
    AlertScenario,
    Catalog,
    DashboardRow,
    InputSeries,
    Panel,
    PanelQuery,
    RecordingRule,
    RuleGroup,
    Service,
    Threshold,
)
from monitoring.model.autoscaling import CustomMetric, HorizontalPodAutoscaler, PodsMetricTarget
from monitoring.packs import mcp
from monitoring.packs.mcp import CONTAINER

# The capacity plan.
CPU_TARGET_RATIO = 0.70
MEMORY_TARGET_RATIO = 0.80
FLEET_RPS_CAPACITY = 1000
REPLICAS = 3
MEMORY_LIMIT_GI = 2
HPA_METRIC = "mcp_requests_per_second"
HPA_AVERAGE_VALUE = "100"

# The HPA names the series: recorded under that name, so the adapter exposes it as it is.
REQUESTS_PER_POD = HPA_METRIC
FORECAST_WINDOW = "6h"  # the trend predict_linear fits
FORECAST_SECONDS = 7 * 86400
BY_CONTAINER = "namespace, pod, container"


def recording_rules(family: str = mcp.DEFAULT_FAMILY) -> tuple[RecordingRule, ...]:
    """Requests per second per pod and namespace, from the request counter of the fleet's metric family (as the
    fleet's alerts read it): what the HPA reads."""
    return (RecordingRule(record=REQUESTS_PER_POD, name_fixed_by="the HPA's Pods metric (through prometheus-adapter)",
                          expr=f"sum by (namespace, pod) (rate({mcp.signals(family).requests}[2m]))"),)


def custom_metrics() -> tuple[CustomMetric, ...]:
    """The recorded per-pod rate, exposed to the HPA through prometheus-adapter under its own name."""
    return (CustomMetric(name=HPA_METRIC, series=REQUESTS_PER_POD, resources=("namespace", "pod")),)


def _limit(resource: str, unit: str, container: str) -> str:
    return (f'max by ({BY_CONTAINER}) (kube_pod_container_resource_limits{{container="{container}", '
            f'resource="{resource}", unit="{unit}"}} > 0)')


def alerts(container: str = CONTAINER) -> tuple[Alert, ...]:
    pod = {"namespace": "mcp", "pod": "mcp-server-0", "container": container}
    labels = ", ".join(f'{k}="{v}"' for k, v in sorted(pod.items()))

    def usage(metric: str, resource: str, unit: str, limit: str, **behaviour: str) -> tuple[InputSeries, ...]:
        return (InputSeries(series=f"{metric}{{{labels}}}", **behaviour),
                InputSeries(series=f'kube_pod_container_resource_limits{{{labels}, resource="{resource}", '
                                   f'unit="{unit}"}}', value=limit))

    def requests(per_pod: str) -> tuple[InputSeries, ...]:
        return tuple(InputSeries(series=f'{REQUESTS_PER_POD}{{namespace="mcp", pod="mcp-server-{i}"}}',
                                 value=per_pod) for i in range(2))

    memory = ("container_memory_working_set_bytes", "memory", "byte", "1000000000")
    cpu = ("container_cpu_usage_seconds_total", "cpu", "core", "1")
    per_replica = f"{FLEET_RPS_CAPACITY} / {REPLICAS}"
    return (
        Alert(name="MCPMemoryLimitForecast", severity="warning", for_="1h",
              expr=f"max by ({BY_CONTAINER}) (predict_linear(container_memory_working_set_bytes"
                   f'{{container="{container}"}}[{FORECAST_WINDOW}], {FORECAST_SECONDS}))\n>=\n'
                   + _limit("memory", "byte", container),
              summary="An MCP container's memory will reach its limit within 7 days.",
              description="At the trend of the last 6 hours, the working set of {{ $labels.namespace }}/"
                          "{{ $labels.pod }} reaches its memory limit within 7 days: raise the limit or find "
                          "the leak.",
              test=AlertScenario(firing=usage(*memory, rate="2000"), labels=pod,
                                 below=usage(*memory, rate="1000"), healthy=usage(*memory, value="500000000"))),
        Alert(name="MCPCPULimitForecast", severity="warning", for_="1h",
              expr=f"max by ({BY_CONTAINER}) (predict_linear(rate(container_cpu_usage_seconds_total"
                   f'{{container="{container}"}}[5m])[{FORECAST_WINDOW}:5m], {FORECAST_SECONDS}))\n>=\n'
                   + _limit("cpu", "core", container),
              summary="An MCP container's CPU will reach its limit within 7 days.",
              description="At the trend of the last 6 hours, {{ $labels.namespace }}/{{ $labels.pod }} uses "
                          "all of its CPU limit within 7 days: add replicas or raise the limit.",
              test=AlertScenario(firing=usage(*cpu, rate="1.2"), labels=pod, below=usage(*cpu, rate="0.99"),
                                 healthy=usage(*cpu, rate="0.2"))),
        Alert(name="MCPFleetCapacityForecast", severity="warning", for_="1h",
              expr=f"predict_linear(sum({REQUESTS_PER_POD})[{FORECAST_WINDOW}:5m], {FORECAST_SECONDS})\n>\n"
                   f"count({REQUESTS_PER_POD}) * {per_replica}",
              summary="The MCP fleet's request rate will exceed its capacity within 7 days.",
              description=f"At the trend of the last 6 hours, requests per second exceed the replicas times "
                          f"{FLEET_RPS_CAPACITY}/{REPLICAS} per replica within 7 days: add replicas.",
              test=AlertScenario(firing=requests("600"), below=requests("333"), healthy=requests("10"))),
    )


def autoscaler(namespace: str = "mcp", name: str = "mcp-server") -> HorizontalPodAutoscaler:
    """The deployment guide's HPA: CPU 70%, memory 80% and 100 requests per second per pod."""
    return HorizontalPodAutoscaler(
        name=name, namespace=namespace, min_replicas=REPLICAS, max_replicas=10,
        cpu_utilization=round(CPU_TARGET_RATIO * 100), memory_utilization=round(MEMORY_TARGET_RATIO * 100),
        pods_metrics=(PodsMetricTarget(name=HPA_METRIC, average_value=HPA_AVERAGE_VALUE),))


def catalog(family: str = mcp.DEFAULT_FAMILY) -> Catalog:
    """The MCP request counter of the family as a shared catalog, for the stack's catalogs: the capacity rules
    read it, but the capacity service does not expose it (and so gets no dashboard of its own)."""
    requests = mcp.signals(family).requests
    counter = next(m for m in mcp.metrics(family) if requests in m.series_names())
    return Catalog(name="mcp-requests", description="The MCP servers' request counter.", metrics=(counter,))


def service(name: str = "mcp-server-capacity", container: str = CONTAINER, namespace: str = "mcp",
            family: str = mcp.DEFAULT_FAMILY) -> Service:
    """The HPA, its request-rate rule and the capacity forecasts, as a service of their own. The stack's shared
    catalogs must hold the request counter (catalog(family)), cAdvisor and kube-state-metrics."""
    return Service(
        name=name,
        description="Autoscaling input and capacity forecasts of the MCP fleet.",
        rule_groups=(RuleGroup(name="mcp-server.autoscaling", rules=recording_rules(family)),
                     RuleGroup(name="mcp-server.capacity", rules=alerts(container))),
        custom_metrics=custom_metrics(),
        autoscalers=(autoscaler(namespace),),
    )


def capacity_row(container: str = CONTAINER) -> DashboardRow:
    """Forecasts next to the limits, for the overview dashboard."""
    pod = f'container="{container}", namespace=~"$namespace"'
    by = "namespace, pod"
    week = FORECAST_SECONDS

    def forecast(name: str, unit: str, what: str, usage: str, target: float) -> Panel:
        """`what` predicted 7 days ahead from the last 6 hours, over the container's limit of resource `name`."""
        limit = (f"(sum by ({by}) (kube_pod_container_resource_limits{{{pod}, resource=\"{name.lower()}\", "
                 f"unit=\"{unit}\"}}) > 0)")
        return Panel(title=f"{name[0].upper()}{name[1:]} in 7 days", unit="percentunit", width=8,
                     show_thresholds=True,
                     thresholds=(Threshold(value=target, color="orange"), Threshold(value=1, color="red")),
                     description=f"{what} predicted 7 days ahead from the last 6 hours, over the {name} limit, per "
                                 f"pod. The plan keeps it below {target:.0%}.",
                     queries=(PanelQuery(expr=f"sum by ({by}) (predict_linear({usage}, {week}))\n/\n{limit}",
                                         legend="{{namespace}}/{{pod}}"),))

    return DashboardRow(title="Capacity", panels=(
        forecast("memory", "byte", "Working set", f"container_memory_working_set_bytes{{{pod}}}[{FORECAST_WINDOW}]",
                 MEMORY_TARGET_RATIO),
        forecast("CPU", "core", "CPU", f"rate(container_cpu_usage_seconds_total{{{pod}}}[5m])[{FORECAST_WINDOW}:5m]",
                 CPU_TARGET_RATIO),
        Panel(title="Fleet requests against capacity", unit="reqps", width=8,
              description=f"Requests per second of the fleet, its 7-day forecast, and the capacity: replicas "
                          f"times {FLEET_RPS_CAPACITY}/{REPLICAS} per replica.",
              queries=(PanelQuery(expr=f"sum({REQUESTS_PER_POD})", legend="now"),
                       PanelQuery(expr=f"predict_linear(sum({REQUESTS_PER_POD})[{FORECAST_WINDOW}:5m], {week})",
                                  legend="in 7 days"),
                       PanelQuery(expr=f"count({REQUESTS_PER_POD}) * {FLEET_RPS_CAPACITY} / {REPLICAS}",
                                  legend="capacity"))),
    ))
