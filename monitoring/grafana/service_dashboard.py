"""A service's dashboard from its metric catalog: top stats, then a row per histogram, counters and gauges.

Every query filters on $job and $instance and uses $__rate_interval, so the same dashboard works at any
scrape interval and for any subset of the service's targets.
"""

from __future__ import annotations

from dataclasses import dataclass

from monitoring import conventions
from monitoring.grafana import trusted
from monitoring.model.dashboards import Dashboard, DashboardRow, Panel
from monitoring.model.metrics import Counter, Gauge, Histogram, Metric, Summary
from monitoring.model.service import Service

RATE = "$__rate_interval"
FILTER = 'job=~"$job", instance=~"$instance"'

# Labels that mark a failed event, and the matcher that selects failures: OpenTelemetry's error_type is
# only set on failure; HTTP-style status codes fail at 5xx.
ERROR_LABELS: tuple[tuple[str, str], ...] = (
    ("error_type", 'error_type!=""'),
    ("status", 'status=~"5.."'),
    ("status_code", 'status_code=~"5.."'),
    ("code", 'code=~"5.."'),
    ("rpc_response_status_code", 'rpc_response_status_code=~"5.."'),
)
UNITS = {"seconds": "s", "bytes": "bytes", "ratio": "percentunit", "percent": "percent"}

ERROR_RATIO_THRESHOLDS = (trusted.threshold(0.01, color="orange"), trusted.threshold(0.05, color="red"))
AVAILABILITY_THRESHOLDS = (trusted.threshold(0.95, color="orange"), trusted.threshold(0.99, color="green"))
LATENCY_THRESHOLDS = (trusted.threshold(0.5, color="orange"), trusted.threshold(1, color="red"))


def selector(series: str, *matchers: str) -> str:
    return f"{series}{{{', '.join((FILTER, *matchers))}}}"


def rate(series: str, *matchers: str) -> str:
    return f"rate({selector(series, *matchers)}[{RATE}])"


def unit(metric: Metric) -> str:
    return UNITS.get(metric.unit, "short")


def legend(labels: tuple[str, ...], fallback: str) -> str:
    return " ".join(f"{{{{{label}}}}}" for label in labels) or fallback


@dataclass(frozen=True)
class ErrorSource:
    """Where a service's error ratio comes from: a series counting all events, and the failure matcher."""

    total: str
    failed: str

    def ratio(self, by: str = "") -> str:
        group = f" by ({by})" if by else ""
        return f"sum{group} ({rate(self.total, self.failed)})\n/\nsum{group} ({rate(self.total)})"


def error_matcher(metric: Metric) -> str | None:
    return next((matcher for label, matcher in ERROR_LABELS if label in metric.labels), None)


def error_source(service: Service) -> ErrorSource | None:
    """The first histogram with an error label, else the first counter with one."""
    for kind, series in ((Histogram, "{}_count"), (Counter, "{}")):
        for metric in service.metrics:
            matcher = error_matcher(metric)
            if isinstance(metric, kind) and matcher:
                return ErrorSource(series.format(metric.name), matcher)
    return None


def primary_histogram(service: Service) -> Histogram | None:
    histograms = [m for m in service.metrics if isinstance(m, Histogram)]
    with_errors = [h for h in histograms if error_matcher(h)]
    return (with_errors or histograms or [None])[0]


def quantile(metric: Histogram, q: str, by: tuple[str, ...] = ()) -> str:
    return f"histogram_quantile({q}, sum by ({', '.join(('le', *by))}) ({rate(metric.name + '_bucket')}))"


def top_stats(service: Service) -> tuple[Panel, ...]:
    panels = [trusted.panel(title="Availability", type="stat", unit="percentunit", decimals=2, base_color="red",
                    thresholds=AVAILABILITY_THRESHOLDS, width=8, height=4,
                    description="Share of the service's scrape targets that are up.",
                    queries=(trusted.query(f"avg({selector('up')})"),))]
    source = error_source(service)
    if source:
        panels.append(trusted.panel(title="Error ratio", type="stat", unit="percentunit", decimals=2, width=8, height=4,
                            thresholds=ERROR_RATIO_THRESHOLDS, description=f"Failed events in {source.total}.",
                            queries=(trusted.query(source.ratio()),)))
    histogram = primary_histogram(service)
    if histogram:
        seconds = histogram.unit == "seconds"
        panels.append(trusted.panel(title="p95 latency" if seconds else f"p95 {histogram.name}", type="stat", width=8,
                            height=4, unit=unit(histogram), thresholds=LATENCY_THRESHOLDS if seconds else (),
                            description=f"95th percentile of {histogram.name}.",
                            queries=(trusted.query(quantile(histogram, "0.95")),)))
    width = 24 // len(panels)
    return tuple(p.model_copy(update={"width": width}) for p in panels)


def histogram_row(metric: Histogram) -> DashboardRow:
    count = f"{metric.name}_count"
    panels = [trusted.panel(title="Request rate", unit="reqps", description=metric.help,
                    queries=(trusted.query(f"sum ({rate(count)})", legend="requests/s"),))]
    matcher = error_matcher(metric)
    if matcher:
        source = ErrorSource(count, matcher)
        panels.append(trusted.panel(title="Error ratio", unit="percentunit", thresholds=ERROR_RATIO_THRESHOLDS,
                            show_thresholds=True, description=f"Share of events with {matcher}.",
                            queries=(trusted.query(source.ratio(), legend="error ratio"),)))
    panels.append(trusted.panel(title="Quantiles", unit=unit(metric), description="p50, p95 and p99 over all series.",
                        queries=tuple(trusted.query(quantile(metric, q), legend=f"p{q[2:].ljust(2, '0')}")
                                      for q in ("0.5", "0.95", "0.99"))))
    panels.append(trusted.panel(title="Distribution", type="heatmap", unit=unit(metric),
                        description="Observations per bucket and second.",
                        queries=(trusted.query(f"sum by (le) ({rate(metric.name + '_bucket')})",
                                            legend="{{le}}", format="heatmap"),)))
    return trusted.row(title=metric.name, panels=tuple(panels))


def counter_panel(metric: Counter) -> Panel:
    by = f" by ({', '.join(metric.labels)})" if metric.labels else ""
    return trusted.panel(title=f"{metric.name} rate", unit="Bps" if metric.unit == "bytes" else "short",
                 description=metric.help,
                 queries=(trusted.query(f"sum{by} ({rate(metric.name)})",
                                     legend=legend(metric.labels, "per second")),))


def gauge_panels(metric: Gauge) -> tuple[Panel, Panel]:
    by = f" by ({', '.join(metric.labels)})" if metric.labels else ""
    return (
        trusted.panel(title=f"{metric.name} now", type="stat", unit=unit(metric), width=6, description=metric.help,
              queries=(trusted.query(f"sum ({selector(metric.name)})"),)),
        trusted.panel(title=f"{metric.name} history", unit=unit(metric), width=18, description=metric.help,
              queries=(trusted.query(f"sum{by} ({selector(metric.name)})",
                                  legend=legend(metric.labels, metric.name)),)),
    )


def summary_panel(metric: Summary) -> Panel:
    return trusted.panel(title=f"{metric.name} quantiles", unit=unit(metric), description=metric.help,
                 queries=(trusted.query(f"max by (quantile) ({selector(metric.name)})", legend="q{{quantile}}"),))


def build(service: Service) -> Dashboard:
    rows = [histogram_row(m) for m in service.metrics if isinstance(m, Histogram)]
    counters = tuple(counter_panel(m) for m in service.metrics if isinstance(m, Counter))
    if counters:
        rows.append(trusted.row(title="Counters", panels=counters))
    gauges = tuple(p for m in service.metrics if isinstance(m, Gauge) for p in gauge_panels(m))
    if gauges:
        rows.append(trusted.row(title="Gauges", panels=gauges))
    summaries = tuple(summary_panel(m) for m in service.metrics if isinstance(m, Summary))
    if summaries:
        rows.append(trusted.row(title="Summaries", panels=summaries))
    return trusted.dashboard(
        name=f"{service.name} service",
        uid=conventions.service_dashboard_uid(service.name),
        description=service.description or f"Generated from the metric catalog of {service.name}.",
        tags=("service", service.name),
        jobs=tuple(job.name for job in service.scrape_jobs),
        panels=top_stats(service),
        rows=tuple(rows),
    )
