"""prometheus-adapter's configuration (`rules:`) for the stack's custom metrics, and the HPA manifests."""

from __future__ import annotations

import re
from typing import Any

from monitoring.model.autoscaling import CustomMetric, HorizontalPodAutoscaler
from monitoring.model.stack import Stack


def rule(metric: CustomMetric) -> dict[str, Any]:
    """One discovery rule: which series, which labels are which Kubernetes resources, the name HPAs use, and
    the query the adapter runs (its <<.Series>>, <<.LabelMatchers>> and <<.GroupBy>> filled in per request)."""
    present = ",".join(f'{label}!=""' for label in metric.resources)
    return {
        "seriesQuery": f"{metric.series}{{{present}}}",
        "resources": {"overrides": {label: {"resource": label} for label in metric.resources}},
        "name": {"matches": f"^{re.escape(metric.series)}$", "as": metric.name},
        "metricsQuery": f"{metric.aggregation}(<<.Series>>{{<<.LabelMatchers>>}}) by (<<.GroupBy>>)",
    }


def custom_metrics(stack: Stack) -> tuple[CustomMetric, ...]:
    return tuple(m for service in stack.services for m in service.custom_metrics)


def render(stack: Stack) -> dict[str, Any] | None:
    """The adapter's config, or None when the stack exposes no custom metric."""
    metrics = custom_metrics(stack)
    return {"rules": [rule(m) for m in sorted(metrics, key=lambda m: m.name)]} if metrics else None


def hpa_manifest(hpa: HorizontalPodAutoscaler) -> dict[str, Any]:
    """An autoscaling/v2 HorizontalPodAutoscaler."""
    metrics: list[dict[str, Any]] = [
        {"type": "Resource", "resource": {"name": resource, "target": {"type": "Utilization",
                                                                       "averageUtilization": utilization}}}
        for resource, utilization in (("cpu", hpa.cpu_utilization), ("memory", hpa.memory_utilization))
        if utilization is not None
    ]
    metrics += [{"type": "Pods", "pods": {"metric": {"name": m.name},
                                          "target": {"type": "AverageValue", "averageValue": m.average_value}}}
                for m in hpa.pods_metrics]
    return {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": hpa.name, "namespace": hpa.namespace},
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": hpa.deployment or hpa.name},
            "minReplicas": hpa.min_replicas,
            "maxReplicas": hpa.max_replicas,
            "metrics": metrics,
        },
    }

