"""A service's dashboard from the model: targets up, the error ratio, p95, then a row per histogram and rows
of counters, gauges and summaries.

What an error is comes from the model, never from label names: the service's declared `errors`, else the SLI
of its first ratio SLO; with neither, the dashboard draws no error ratio. Units follow the metric (event rates
in ops, byte counters in bytes/s, ratios in percentunit, durations in s) and thresholds are written where they
mean something, never inherited. Queries filter on $job and $instance, and on $cluster and $namespace where
the service's series carry those labels, and use $__rate_interval. The dashboard links to every dashboard
tagged with the service's name (its SLO dashboard, an overview) and marks the service's firing alerts.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from monitoring import conventions
from monitoring.grafana import trusted
from monitoring.model.dashboards import Dashboard, DashboardRow, DashboardVariable, Panel
from monitoring.model.metrics import AnyMetric, Counter, Gauge, Histogram, Summary
from monitoring.model.service import Service
from monitoring.model.slo import SLO, RatioSLI, with_matchers
from monitoring.promql.label_sets import job_labels

RATE = "$__rate_interval"
# Labels a dashboard offers as variables when the service's series carry them.
SCOPE_LABELS = ("cluster", "namespace")
UNITS = {"seconds": "s", "bytes": "bytes", "ratio": "percentunit", "percent": "percent"}
RATE_UNITS = {"bytes": "Bps"}  # a counter's rate; events otherwise

ERROR_RATIO_THRESHOLDS = (trusted.threshold(0.01, "orange"), trusted.threshold(0.05, "red"))
TARGETS_UP_THRESHOLDS = (trusted.threshold(0.95, "orange"), trusted.threshold(0.99, "green"))


@dataclass(frozen=True)
class Scope:
    """The matchers every query of the dashboard carries: $job and $instance, and $cluster or $namespace for
    series that carry those labels (on every target, or declared by the metric)."""

    target_labels: frozenset[str]

    def labels(self, metric: AnyMetric | None = None) -> tuple[str, ...]:
        declared = set(metric.labels) if metric is not None else set()
        return tuple(label for label in SCOPE_LABELS if label in self.target_labels or label in declared)

    def matchers(self, metric: AnyMetric | None = None) -> str:
        scoped = [f'{label}=~"${label}"' for label in self.labels(metric)]
        return ", ".join(['job=~"$job"', 'instance=~"$instance"', *scoped])

    def selector(self, series: str, metric: AnyMetric | None = None, *matchers: str) -> str:
        return f"{series}{{{', '.join((self.matchers(metric), *matchers))}}}"

    def rate(self, series: str, metric: AnyMetric | None = None, *matchers: str) -> str:
        return f"rate({self.selector(series, metric, *matchers)}[{RATE}])"


def scope(service: Service) -> Scope:
    """The labels the service's targets attach. External labels are not among them: Prometheus adds those only
    to what leaves it, and the dashboard queries Prometheus itself."""
    labels: set[str] = set()
    for job in service.scrape_jobs:
        labels |= job_labels(job, {}, complete=False) or set()
    return Scope(frozenset(labels))


@dataclass(frozen=True)
class ErrorRatio:
    """Failed events over all events, as the model defines them for the service."""

    errors: str  # vector selectors
    total: str
    defined_by: str  # for the panel description: "the service's declared errors", "SLO 'availability'"

    def expr(self, scope: Scope, metric: AnyMetric | None) -> str:
        filters = scope.matchers(metric)
        return (f"sum (rate({with_matchers(self.errors, filters)}[{RATE}]))\n/\n"
                f"sum (rate({with_matchers(self.total, filters)}[{RATE}]))")


def error_ratio(service: Service, slos: tuple[SLO, ...]) -> ErrorRatio | None:
    """The service's declared errors, else its first ratio SLO's SLI (with the SLO's filter), else none."""
    if service.errors is not None:
        return ErrorRatio(service.errors.errors, service.errors.total, "the service's declared errors")
    for slo in slos:
        if isinstance(slo.sli, RatioSLI):
            return ErrorRatio(with_matchers(slo.sli.errors, slo.filter), with_matchers(slo.sli.total, slo.filter),
                              f"the SLI of SLO {slo.name!r}")
    return None


def _metric_of(selector: str, service: Service) -> AnyMetric | None:
    """The catalog metric whose series a selector reads (a counter, or a histogram through _count)."""
    name = selector.partition("{")[0].strip()
    for metric in service.metrics:
        if name in (metric.name, f"{metric.name}_count"):
            return metric
    return None


def unit(metric: AnyMetric) -> str:
    return UNITS.get(metric.unit, "short")


def legend(labels: Iterable[str], fallback: str) -> str:
    return " ".join(f"{{{{{label}}}}}" for label in labels) or fallback


def quantile(scope: Scope, metric: Histogram, q: str) -> str:
    if metric.native:  # one series of exponential buckets: no le to keep
        return f"histogram_quantile({q}, sum({scope.rate(metric.name, metric)}))"
    return f"histogram_quantile({q}, sum by (le) ({scope.rate(metric.name + '_bucket', metric)}))"


def primary_histogram(service: Service, errors: ErrorRatio | None) -> Histogram | None:
    """The histogram the error ratio counts, else the first in seconds, else the first."""
    histograms = [m for m in service.metrics if isinstance(m, Histogram)]
    counted = _metric_of(errors.total, service) if errors else None
    seconds = [h for h in histograms if h.unit == "seconds"]
    return next(iter([h for h in histograms if h is counted] + seconds + histograms), None)


def top_stats(service: Service, scope: Scope, errors: ErrorRatio | None) -> tuple[Panel, ...]:
    up = scope.selector("up")
    stats = [dict(
        title="Targets up", type="stat", unit="percentunit", decimals=2, base_color="red",
        thresholds=TARGETS_UP_THRESHOLDS, height=4,
        description="Share of the service's scrape targets (the jobs in $job) that are up.",
        queries=(trusted.query(f"sum({up}) / count({up})"),))]
    if errors is not None:
        stats.append(dict(
            title="Error ratio", type="stat", unit="percentunit", decimals=2, height=4,
            thresholds=ERROR_RATIO_THRESHOLDS, description=f"Failed events over all events: {errors.defined_by}.",
            queries=(trusted.query(errors.expr(scope, _metric_of(errors.total, service))),)))
    histogram = primary_histogram(service, errors)
    if histogram is not None:
        stats.append(dict(
            title=f"p95 {histogram.name}", type="stat", height=4, unit=unit(histogram), thresholds=(),
            description=f"95th percentile of {histogram.name}.",
            queries=(trusted.query(quantile(scope, histogram, "0.95")),)))
    width = 24 // len(stats)  # the stats share the top line
    return tuple(trusted.panel(width=width, **fields) for fields in stats)


def histogram_row(metric: Histogram, scope: Scope, errors: ErrorRatio | None, counted: bool) -> DashboardRow:
    # A native histogram is one series: its count comes from histogram_count(), its buckets need no le.
    count = (f"histogram_count(sum ({scope.rate(metric.name, metric)}))" if metric.native
             else f"sum ({scope.rate(metric.name + '_count', metric)})")
    buckets = (f"sum ({scope.rate(metric.name, metric)})" if metric.native
               else f"sum by (le) ({scope.rate(metric.name + '_bucket', metric)})")
    panels = [trusted.panel(
        title=f"{metric.name} rate", unit="ops", description=f"Observations per second. {metric.help}".strip(),
        queries=(trusted.query(count, legend="per second"),))]
    if errors is not None and counted:
        panels.append(trusted.panel(
            title="Error ratio", unit="percentunit", thresholds=ERROR_RATIO_THRESHOLDS, show_thresholds=True,
            description=f"Failed events over all events: {errors.defined_by}.",
            queries=(trusted.query(errors.expr(scope, metric), legend="error ratio"),)))
    panels.append(trusted.panel(
        title=f"{metric.name} quantiles", unit=unit(metric), description="p50, p95 and p99 over all series.",
        queries=tuple(trusted.query(quantile(scope, metric, q), legend=f"p{q[2:].ljust(2, '0')}")
                      for q in ("0.5", "0.95", "0.99"))))
    panels.append(trusted.panel(
        title=f"{metric.name} distribution", type="heatmap", unit=unit(metric),
        description="Observations per bucket and second.",
        queries=(trusted.query(buckets, legend="{{le}}", format="heatmap"),)))
    return trusted.row(title=metric.name, panels=tuple(panels))


def counter_panel(metric: Counter, scope: Scope) -> Panel:
    by = f" by ({', '.join(metric.labels)})" if metric.labels else ""
    return trusted.panel(title=f"{metric.name} rate", unit=RATE_UNITS.get(metric.unit, "ops"),
                         description=metric.help,
                         queries=(trusted.query(f"sum{by} ({scope.rate(metric.name, metric)})",
                                                legend=legend(metric.labels, "per second")),))


def gauge_panels(metric: Gauge, scope: Scope) -> tuple[Panel, Panel]:
    """Now and over time. Series that measure different things (metric.unit_labels) are never added up."""
    by = f" by ({', '.join(metric.labels)})" if metric.labels else ""
    split = f" by ({', '.join(metric.unit_labels)})" if metric.unit_labels else ""
    return (
        trusted.panel(title=f"{metric.name} now", type="stat", unit=unit(metric), width=6, description=metric.help,
                      queries=(trusted.query(f"sum{split} ({scope.selector(metric.name, metric)})",
                                             legend=legend(metric.unit_labels, "")),)),
        trusted.panel(title=f"{metric.name} history", unit=unit(metric), width=18, description=metric.help,
                      queries=(trusted.query(f"sum{by} ({scope.selector(metric.name, metric)})",
                                             legend=legend(metric.labels, metric.name)),)),
    )


def summary_panel(metric: Summary, scope: Scope) -> Panel:
    return trusted.panel(title=f"{metric.name} quantiles", unit=unit(metric), description=metric.help,
                         queries=(trusted.query(f"max by (quantile) ({scope.selector(metric.name, metric)})",
                                                legend="q{{quantile}}"),))


def variables(service: Service, scope: Scope) -> tuple[DashboardVariable, ...]:
    """$cluster and $namespace, from `up` when every target carries the label, else from a metric that does."""
    found = []
    for label in SCOPE_LABELS:
        if label in scope.target_labels:
            series = "up"
        else:
            metric = next((m for m in service.metrics if label in m.labels), None)
            if metric is None:
                continue
            series = metric.series_names()[0]
        found.append(trusted.variable(
            name=label, label=label.capitalize(), query=f'label_values({series}{{job=~"$job"}}, {label})',
            multi=True, include_all=True))
    return tuple(found)


def job_series(service: Service) -> str:
    """What the $job variable lists jobs from when the service declares no scrape job: its first metric."""
    return service.metrics[0].series_names()[0] if service.metrics and not service.scrape_jobs else ""


def alert_annotation(service: Service, slos: tuple[SLO, ...]) -> str:
    """The firing alerts of the service: its own by name, its SLOs' by the service label they carry."""
    parts = []
    if service.alerts:
        names = "|".join(sorted(alert.name for alert in service.alerts))
        parts.append(f'ALERTS{{alertstate="firing", alertname=~"{names}"}}')
    for label in dict.fromkeys(slo.plan.naming.service_label for slo in slos):
        parts.append(f'ALERTS{{alertstate="firing", {label}="{service.name}"}}')
    return " or ".join(parts)


def build(service: Service, slos: tuple[SLO, ...] = ()) -> Dashboard:
    where = scope(service)
    errors = error_ratio(service, slos)
    counted = _metric_of(errors.total, service) if errors else None
    rows = [histogram_row(m, where, errors, m is counted) for m in service.metrics if isinstance(m, Histogram)]
    counters = tuple(counter_panel(m, where) for m in service.metrics if isinstance(m, Counter))
    if counters:
        rows.append(trusted.row(title="Counters", panels=counters))
    gauges = tuple(p for m in service.metrics if isinstance(m, Gauge) for p in gauge_panels(m, where))
    if gauges:
        rows.append(trusted.row(title="Gauges", panels=gauges))
    summaries = tuple(summary_panel(m, where) for m in service.metrics if isinstance(m, Summary))
    if summaries:
        rows.append(trusted.row(title="Summaries", panels=summaries))
    return trusted.dashboard(
        name=conventions.service_dashboard_title(service.name),
        uid=conventions.service_dashboard_uid(service.name),
        description=service.description or f"Generated from the metric catalog of {service.name}.",
        tags=("service", service.name),
        link_tags=(service.name,),
        jobs=tuple(job.name for job in service.scrape_jobs),
        job_series=job_series(service),
        variables=variables(service, where),
        alert_annotation=alert_annotation(service, slos),
        panels=top_stats(service, where, errors),
        rows=tuple(rows),
    )
