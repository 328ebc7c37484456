"""prometheus_client metrics built from the pack's catalog definitions, so the demo exposes exactly the catalog."""

from __future__ import annotations

from collections.abc import Iterable

from prometheus_client import CollectorRegistry
from prometheus_client import Counter as ClientCounter
from prometheus_client import Gauge as ClientGauge
from prometheus_client import Histogram as ClientHistogram
from prometheus_client.metrics import MetricWrapperBase

from monitoring.model import Counter, Gauge, Histogram, Summary


def build(catalog: Iterable[Counter | Gauge | Histogram | Summary],
          registry: CollectorRegistry) -> dict[str, MetricWrapperBase]:
    """One client metric per catalog entry, registered in registry, keyed by the catalog name."""
    built: dict[str, MetricWrapperBase] = {}
    for metric in catalog:
        if isinstance(metric, Counter):
            # The client appends _total itself.
            built[metric.name] = ClientCounter(metric.name.removesuffix("_total"), metric.help, metric.labels,
                                               registry=registry)
        elif isinstance(metric, Gauge):
            built[metric.name] = ClientGauge(metric.name, metric.help, metric.labels, registry=registry)
        elif isinstance(metric, Histogram):
            built[metric.name] = ClientHistogram(metric.name, metric.help, metric.labels, buckets=metric.buckets,
                                                 registry=registry)
        else:
            raise ValueError(f"the demo exporter cannot serve {metric.type} {metric.name!r}")
    return built
