"""The metric catalog: what each service exposes, with the Prometheus naming rules enforced."""

from __future__ import annotations

from itertools import pairwise
from typing import Annotated, ClassVar

from annotated_types import Ge, Le
from pydantic import Field, field_validator

from monitoring.model.base import Model, model_check, require_unique
from monitoring.model.common import FiniteFloat, LabelName, MetricName, PanelText

_RESERVED_LABELS = {"le": "histograms", "quantile": "summaries"}


class Metric(Model):
    """What every metric kind has: a name, its help text and unit, and its labels (see Counter, Gauge, ...)."""

    kind: ClassVar[str] = "metric"
    type: ClassVar[str]
    name: MetricName
    help: PanelText = Field(min_length=1)
    unit: str = ""
    labels: tuple[LabelName, ...] = ()
    # The values a label takes, where they are a closed set (status: ok, failed); lint reports a matcher that
    # can match none of them. Labels left out take any value.
    label_values: dict[LabelName, tuple[str, ...]] = Field(default_factory=dict)
    # Labels whose values say what a series measures (kube-state-metrics' resource and unit: CPU cores beside
    # memory bytes). Dashboards never add series across them; they draw one per value.
    unit_labels: tuple[LabelName, ...] = ()
    @field_validator("labels")
    @classmethod
    def _no_reserved_labels(cls, labels: tuple[str, ...]) -> tuple[str, ...]:
        for label in labels:
            if label in _RESERVED_LABELS:
                raise ValueError(f"labels: {label!r} is reserved for {_RESERVED_LABELS[label]}")
        if len(set(labels)) != len(labels):
            raise ValueError(f"labels: duplicate label in {list(labels)}")
        return labels

    @model_check
    def _values_of_declared_labels(self) -> Metric:
        for label in self.unit_labels:
            if label not in self.labels:
                raise self.field_problem("unit_labels",
                                         f"unit_labels: {label!r} is not one of the labels {list(self.labels)}")
        for label, values in self.label_values.items():
            if label not in self.labels:
                raise self.field_problem("label_values",
                                         f"label_values: {label!r} is not one of the labels {list(self.labels)}")
            if not values or len(set(values)) != len(values):
                raise self.field_problem("label_values",
                                         f"label_values: {label!r} needs distinct values, got {list(values)}")
        return self

    @model_check
    def _unit_in_name(self) -> Metric:
        if self.unit and self.unit not in self.name.split("_"):
            raise self.field_problem("name", f"name {self.name!r} must contain its unit {self.unit!r}")
        return self

    def series_names(self) -> tuple[str, ...]:
        """Every series name Prometheus stores for this metric."""
        return (self.name,)


class Counter(Metric):
    """A metric that only goes up (requests, errors); its name ends in `_total`. Declare it in a Service's metrics so
    expressions that select it are checked, and rate() of it is allowed.

        Counter(name="app_requests_total", help="Requests served.", labels=("code",))
    """

    type: ClassVar[str] = "counter"
    # An exporter you do not control named it against the naming rule (Ceph's counter `ceph_osd_op_r` has no
    # `_total`): the type is what its data is, and the name may break the rule. `monitoring import` sets it when
    # the expressions show the type.
    third_party: bool = False

    @model_check
    def _ends_in_total(self) -> Counter:
        if not self.name.endswith("_total") and not self.third_party:
            raise self.field_problem("name", f"counter name {self.name!r} must end in '_total' (third_party=True "
                                     "for a metric an exporter you do not control names)")
        return self


class Gauge(Metric):
    """A metric that goes up and down (queue depth, temperature). Lint rejects rate() over a gauge.

        Gauge(name="app_queue_depth", help="Requests waiting.")
    """

    type: ClassVar[str] = "gauge"
    # A gauge an exporter you do not control names with `_total` (see Counter.third_party).
    third_party: bool = False

    @model_check
    def _not_total(self) -> Gauge:
        if self.name.endswith("_total") and not self.third_party:
            raise self.field_problem("name", f"gauge name {self.name!r} must not end in '_total', which marks "
                                     "counters (third_party=True for a metric an exporter you do not control names)")
        return self


class Histogram(Metric):
    """A metric observed into buckets (latency, sizes): `_bucket`, `_sum` and `_count` series. A LatencySLI reads one.

        Histogram(name="app_request_duration_seconds", unit="seconds", help="Latency.", buckets=(0.1, 0.5, 1))

        Histogram(name="app_request_duration_seconds", unit="seconds", help="Latency.", native=True)
    """

    type: ClassVar[str] = "histogram"
    buckets: tuple[FiniteFloat, ...] = ()  # the +Inf bucket is implicit
    # A native histogram (Prometheus >= 2.40 with --enable-feature=native-histograms): one series under the bare
    # name, with exponential buckets; `buckets` are then not needed.
    native: bool = False

    @field_validator("buckets")
    @classmethod
    def _increasing(cls, buckets: tuple[float, ...]) -> tuple[float, ...]:
        if any(upper <= lower for lower, upper in pairwise(buckets)):
            raise ValueError(f"buckets {list(buckets)} must be strictly increasing")
        return buckets

    @model_check
    def _some_buckets(self) -> Histogram:
        if not self.buckets and not self.native:
            raise self.field_problem("buckets",
                                     "buckets: a classic histogram needs at least one bucket (or set native=True)")
        return self

    def series_names(self) -> tuple[str, ...]:
        if self.native:
            return (self.name,)
        return (f"{self.name}_bucket", f"{self.name}_sum", f"{self.name}_count")


class Summary(Metric):
    """A metric with client-side quantiles, `_sum` and `_count`. Prefer a Histogram for anything you aggregate.

        Summary(name="app_gc_duration_seconds", unit="seconds", help="GC pauses.")
    """

    type: ClassVar[str] = "summary"
    quantiles: tuple[Annotated[float, Ge(0), Le(1)], ...] = ()  # φ-quantiles: 0.5, 0.99

    def series_names(self) -> tuple[str, ...]:
        return (self.name, f"{self.name}_sum", f"{self.name}_count")


AnyMetric = Counter | Gauge | Histogram | Summary


class Catalog(Model):
    """A shared metric catalog: what an exporter every service may select exposes (kube-state-metrics, cAdvisor).

    A service's own metrics stay in Service.metrics; a selector in a service's rules resolves against that
    service's metrics plus every catalog of the stack. Ready-made catalogs are in monitoring.packs.catalogs:

        from monitoring.packs import catalogs

        Catalog(name="node", metrics=(Gauge(name="node_load1", help="1m load average."),))
        shared = (catalogs.kube_state_metrics(), catalogs.cadvisor())  # Stack(catalogs=shared, ...)
    """

    kind: ClassVar[str] = "catalog"
    name: str = Field(pattern=r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?$")
    description: str = ""
    metrics: tuple[AnyMetric, ...] = Field(min_length=1)

    @model_check
    def _unique(self) -> Catalog:
        require_unique("metric", [m.name for m in self.metrics], "metrics[{}].name")
        return self
