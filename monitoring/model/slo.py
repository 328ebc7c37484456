"""Service level objectives: an SLI, an objective over a period, and how to alert on its error budget."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from fractions import Fraction
from functools import lru_cache
from typing import TYPE_CHECKING, Annotated, ClassVar, Literal

import promql_parser
from pydantic import AfterValidator, Field, field_validator, model_validator

from monitoring import conventions, promql
from monitoring.model.base import Model
from monitoring.model.common import CAMEL_CASE, Duration, ExactDecimal, Labels, MetricName, Slug, duration_ms
from monitoring.model.rules import SeverityName
from monitoring.slo.windows import BurnWindow, burn_windows, decimal_text, exact_text

if TYPE_CHECKING:
    from monitoring.model.metrics import AnyMetric

_DAY_MS = 86_400_000
# Labels every SLO series and alert sets itself.
RESERVED_LABELS = (conventions.SLO_LABEL, conventions.SLO_SERVICE_LABEL, conventions.SLO_TIER_LABEL, "severity",
                   "alertname")


def not_reserved(labels: Iterable[str]) -> None:
    """The one reserved-label rule of SLOs: ValueError for a label the SLO sets on its series and alerts itself."""
    for key in labels:
        if key in RESERVED_LABELS:
            raise ValueError(f"labels: {key!r} is set by the SLO itself, not in labels")


def _vector_selector(text: str) -> str:
    node = promql.parse(text)
    if not isinstance(node, promql_parser.VectorSelector):
        raise ValueError(f"{text!r} must be a plain vector selector like metric{{label=\"value\"}}")
    if node.offset is not None or node.at is not None:
        raise ValueError(f"{text!r} must not use offset or @: SLO windows are always the latest ones")
    return text.strip()


def _matcher_set(text: str) -> str:
    """A bare matcher list such as 'mcp_method_name!~"notifications/.*"', checked by parsing 'x{...}'."""
    try:
        _vector_selector("x{" + text + "}")
    except ValueError:
        raise ValueError(f"{text!r} must be label matchers like 'route!=\"/healthz\"', without braces") from None
    return text.strip()


Selector = Annotated[str, AfterValidator(_vector_selector)]
MatcherSet = Annotated[str, AfterValidator(_matcher_set)]


def selector_metric(selector: str) -> str | None:
    """The metric name a selector picks, by name or by a __name__ equality matcher."""
    names = promql.selected_metrics(selector)
    return next(iter(names)) if names else None


def with_matchers(selector: str, *matcher_sets: str | None) -> str:
    """selector with more matchers appended: ('x{a="1"}', 'b!="2"') -> 'x{a="1", b!="2"}'."""
    extra = [m for m in matcher_sets if m]
    if not extra:
        return selector
    name, brace, rest = selector.partition("{")
    inner = rest.rstrip().removesuffix("}").strip() if brace else ""
    return f"{name.strip()}{{{', '.join([inner, *extra] if inner else extra)}}}"


@lru_cache(maxsize=256)
def _enabled_windows(period_days: int, tiers: tuple[str, ...]) -> tuple[BurnWindow, ...]:
    return tuple(w for w in burn_windows(period_days) if w.tier in tiers)


@lru_cache(maxsize=4096)
def _threshold(burn: Fraction, budget: Decimal) -> Fraction:
    return burn * Fraction(budget)


class RatioSLI(Model):
    """Bad events over all events: vector selectors on catalog counters or a histogram's _count."""

    kind: ClassVar[str] = "ratio sli"
    type: Literal["ratio"] = "ratio"
    errors: Selector
    total: Selector


class LatencySLI(Model):
    """Good events are those faster than threshold: histogram _bucket{le=threshold} over _count."""

    kind: ClassVar[str] = "latency sli"
    type: Literal["latency"] = "latency"
    histogram: MetricName
    threshold: ExactDecimal = Field(gt=0)
    selector: MatcherSet | None = None

    @field_validator("selector")
    @classmethod
    def _no_le(cls, selector: str | None) -> str | None:
        node = promql.parse("x{" + selector + "}") if selector else None
        if isinstance(node, promql_parser.VectorSelector) and any(m.name == "le" for m in node.matchers.matchers):
            raise ValueError(f"selector {selector!r} must not match on le: the threshold picks the bucket")
        return selector


class AlertTier(Model):
    """One of the two alert tiers (page, ticket)."""

    kind: ClassVar[str] = "alert tier"
    enabled: bool = True
    severity: SeverityName
    for_: Duration | None = Field(default=None, alias="for")
    labels: Labels = {}
    annotations: dict[str, str] = {}

    @model_validator(mode="after")
    def _reserved(self) -> AlertTier:
        not_reserved(self.labels)
        for key in ("summary", "description", "runbook_url"):
            if key in self.annotations:
                raise ValueError(f"annotations: {key!r} is generated (runbook_url: set alerting.runbook_url)")
        return self


class SLOAlerting(Model):
    kind: ClassVar[str] = "slo alerting"
    name: str | None = None
    page: AlertTier = AlertTier(severity="critical")
    ticket: AlertTier = AlertTier(severity="warning")
    min_events_per_second: ExactDecimal | None = Field(default=None, gt=0)
    runbook_url: str | None = None

    @field_validator("name")
    @classmethod
    def _camel_case(cls, name: str | None) -> str | None:
        if name is not None and not CAMEL_CASE.match(name):
            raise ValueError(f"name {name!r} must be CamelCase, like 'MCPAvailability'")
        return name

    def tier(self, name: str) -> AlertTier:
        return self.page if name == "page" else self.ticket


class SLO(Model):
    kind: ClassVar[str] = "slo"
    name: Slug
    service: str
    objective: ExactDecimal
    period: str = "30d"
    description: str = ""
    sli: RatioSLI | LatencySLI = Field(discriminator="type")
    filter: MatcherSet | None = None
    labels: Labels = {}
    alerting: SLOAlerting = SLOAlerting()

    @field_validator("objective")
    @classmethod
    def _objective_range(cls, objective: Decimal) -> Decimal:
        if not objective.is_finite():
            raise ValueError(f"objective {objective} must be a number between 0 and 100")
        if objective >= 100:
            raise ValueError(f"objective {objective} must be below 100")
        if objective <= 0:
            raise ValueError(f"objective {objective} must be above 0")
        return objective

    @field_validator("period")
    @classmethod
    def _whole_days(cls, period: str) -> str:
        ms = duration_ms(period)
        if ms == 0 or ms % _DAY_MS:
            raise ValueError(f"period {period!r} must be a whole number of days, like '28d' or '30d'")
        return period

    @field_validator("labels")
    @classmethod
    def _not_reserved(cls, labels: dict[str, str]) -> dict[str, str]:
        not_reserved(labels)
        return labels

    @model_validator(mode="after")
    def _tiers_can_fire(self) -> SLO:
        period_ms = self.period_days * _DAY_MS
        for window in self.windows:
            if window.long_ms > period_ms:
                raise ValueError(
                    f"alerting.{window.tier}: the {window.long} window is longer than the period {self.period}; "
                    f"use a period of at least {window.long} or set alerting.{window.tier}.enabled=False"
                )
            threshold = self.threshold(window)
            if threshold >= 1:
                raise ValueError(
                    f"alerting.{window.tier} can never fire: burn rate {exact_text(window.burn)} x error budget "
                    f"{decimal_text(self.error_budget)} = {exact_text(threshold)}, but an error ratio cannot "
                    f"exceed 1 (objective {self.objective}% is too loose for the {window.long}/{window.short} "
                    f"window pair); raise the objective or set alerting.{window.tier}.enabled=False"
                )
        return self

    @property
    def period_days(self) -> int:
        return duration_ms(self.period) // _DAY_MS

    @property
    def error_budget(self) -> Decimal:
        """The allowed bad fraction, exactly: 1 - objective/100."""
        return (Decimal(100) - self.objective) / Decimal(100)

    @property
    def objective_ratio(self) -> Decimal:
        return self.objective / Decimal(100)

    @property
    def tiers(self) -> tuple[str, ...]:
        """The enabled alert tiers, in conventions.SLO_TIERS order."""
        return tuple(t for t in conventions.SLO_TIERS if self.alerting.tier(t).enabled)

    @property
    def windows(self) -> tuple[BurnWindow, ...]:
        """The window pairs of the enabled tiers."""
        return _enabled_windows(self.period_days, self.tiers)

    @property
    def rate_windows(self) -> tuple[str, ...]:
        """Windows with SLI rate rules: those of the enabled tiers' pairs, plus the current-burn window."""
        windows = {conventions.SLO_CURRENT_WINDOW}
        for pair in self.windows:
            windows.update((pair.long, pair.short))
        return tuple(sorted(windows, key=duration_ms))

    def recorded_series(self) -> frozenset[str]:
        """Every series name the SLO's recording rules write (what dashboards and rules may select)."""
        per_window = [
            name(window)
            for window in self.rate_windows
            for name in (conventions.slo_total_events_rate, conventions.slo_bad_events_rate,
                         conventions.slo_error_ratio)
        ]
        return frozenset({
            *per_window, conventions.slo_error_ratio(self.period), conventions.slo_objective(),
            conventions.slo_error_budget(), conventions.slo_period_days(), conventions.slo_current_burn_rate(),
            conventions.slo_period_burn_rate(), conventions.slo_error_budget_remaining(),
        })

    def threshold(self, window: BurnWindow) -> Fraction:
        """The error ratio above which a window pair fires: burn x error budget."""
        return _threshold(window.burn, self.error_budget)

    @property
    def alert_base(self) -> str:
        """CamelCase stem of the alert names: alerting.name, or service and SLO name run together."""
        if self.alerting.name:
            return self.alerting.name
        return "".join(part.capitalize() for part in f"{self.service}-{self.name}".split("-"))

    def alert_name(self, tier: str) -> str:
        return conventions.slo_alert_name(self.alert_base, tier)

    def check_references(self, services: set[str], metrics: Mapping[str, AnyMetric]) -> None:
        """ValueError unless the service and every metric the SLI selects exist, with the right types."""
        if self.service not in services:
            raise ValueError(f"slo {self.name!r}: service {self.service!r} is not defined "
                             f"(services: {', '.join(sorted(services))})")
        if isinstance(self.sli, RatioSLI):
            for field in ("errors", "total"):
                self._check_event_selector(field, getattr(self.sli, field), metrics)
        else:
            self._check_latency(self.sli, metrics)

    def _check_event_selector(self, field: str, selector: str, metrics: Mapping[str, AnyMetric]) -> None:
        name = selector_metric(selector)
        where = f"slo {self.name!r}: sli.{field} {selector!r}"
        if name is None:
            raise ValueError(f"{where} must name its metric")
        metric = metrics.get(name)
        if metric is not None and metric.type == "counter":
            return
        histogram = metrics.get(name.removesuffix("_count"))
        if name.endswith("_count") and histogram is not None and histogram.type == "histogram":
            return
        raise ValueError(f"{where} selects {name!r}, which is neither a catalog counter nor a histogram's _count")

    def _check_latency(self, sli: LatencySLI, metrics: Mapping[str, AnyMetric]) -> None:
        metric = metrics.get(sli.histogram)
        where = f"slo {self.name!r}: sli.histogram {sli.histogram!r}"
        if metric is None:
            raise ValueError(f"{where} is in no metric catalog")
        if metric.type != "histogram":
            raise ValueError(f"{where} is a {metric.type}, not a histogram")
        buckets = [Decimal(str(b)) for b in metric.buckets]  # type: ignore[union-attr]
        if sli.threshold not in buckets:
            raise ValueError(
                f"slo {self.name!r}: sli.threshold {decimal_text(sli.threshold)} is not a bucket boundary of "
                f"{sli.histogram} (buckets: {', '.join(decimal_text(b) for b in buckets)}); "
                "a latency SLI can only count requests below a boundary"
            )
