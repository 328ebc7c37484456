"""Autoscaling: recorded series exposed to the Kubernetes custom metrics API, and the HPAs that scale on them."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from monitoring.model.base import FieldProblem, Model, model_check
from monitoring.model.common import INT32_MAX, LabelName, MetricName, Slug


class CustomMetric(Model):
    """A Prometheus series served to HPAs by prometheus-adapter, under the name HPAs use.

    Use it for a recording rule an HPA scales on; each label in resources names the Kubernetes resource of the
    same name (namespace, pod). Record the series under the name the HPA uses (RecordingRule.name_fixed_by), or
    let the adapter rename a conventional one:

        CustomMetric(name="mcp_requests_per_second", series="mcp_requests_per_second")
    """

    kind: ClassVar[str] = "custom metric"
    name: MetricName
    series: MetricName
    resources: tuple[LabelName, ...] = ("namespace", "pod")
    aggregation: Literal["sum", "avg", "max"] = "sum"

    @model_check
    def _namespaced(self) -> CustomMetric:
        if "namespace" not in self.resources:
            raise self.field_problem("resources", f"resources {list(self.resources)} must include 'namespace'")
        return self


class PodsMetricTarget(Model):
    """A Pods metric of an HPA: scale so that the average per pod stays at average_value.

        PodsMetricTarget(name="mcp_requests_per_second", average_value="100")
    """

    kind: ClassVar[str] = "pods metric"
    name: MetricName
    average_value: str = Field(min_length=1)


class HorizontalPodAutoscaler(Model):
    """An autoscaling/v2 HPA kept with the stack, rendered as a manifest and checked against the adapter.

        HorizontalPodAutoscaler(name="mcp-server", namespace="mcp", cpu_utilization=70, memory_utilization=80,
                                pods_metrics=(PodsMetricTarget(name="mcp_requests_per_second", average_value="100"),))
    """

    kind: ClassVar[str] = "hpa"
    name: Slug
    namespace: Slug = "default"
    deployment: Slug | None = None  # defaults to the HPA's name
    min_replicas: int = Field(default=1, ge=1, le=INT32_MAX)
    max_replicas: int = Field(default=10, ge=1, le=INT32_MAX)
    cpu_utilization: int | None = Field(default=None, ge=1, le=100)
    memory_utilization: int | None = Field(default=None, ge=1, le=100)
    pods_metrics: tuple[PodsMetricTarget, ...] = ()

    @model_check
    def _replicas(self) -> HorizontalPodAutoscaler:
        if self.min_replicas > self.max_replicas:
            raise self.field_problem("min_replicas",
                                     f"min_replicas {self.min_replicas} exceeds max_replicas {self.max_replicas}")
        return self


def check_autoscaling(custom_metrics: list[tuple[str, CustomMetric]],
                      autoscalers: list[tuple[str, HorizontalPodAutoscaler]], known_series: frozenset[str]) -> None:
    """Every custom metric reads a series that exists, and every HPA scales on metrics that are exported. Each
    comes with its path from the definition checking them ("services[0].custom_metrics[1]"), which a
    FieldProblem names."""
    for path, metric in custom_metrics:
        if metric.series not in known_series:
            raise FieldProblem(f"custom metric {metric.name!r}: series {metric.series!r} is in no metric catalog "
                               "and no recording rule", field=f"{path}.series", value=metric.series)
    exported = {m.name for _, m in custom_metrics}
    for path, hpa in autoscalers:
        for index, target in enumerate(hpa.pods_metrics):
            if target.name not in exported:
                raise FieldProblem(f"hpa {hpa.name!r}: Pods metric {target.name!r} is not exported by the adapter "
                                   f"configuration (custom metrics: {', '.join(sorted(exported)) or 'none'})",
                                   field=f"{path}.pods_metrics[{index}].name", value=target.name)
