"""Service level objectives: an SLI, an objective over a period, and how to alert on its error budget."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, ClassVar, Literal

import promql_parser
from pydantic import AfterValidator, Field, field_validator

from monitoring import promql
from monitoring.model.base import Model
from monitoring.model.common import Labels, MetricName, Slug, duration_ms
from monitoring.model.rules import SEVERITIES

_DAY_MS = 86_400_000


def _vector_selector(text: str) -> str:
    node = promql.parse(text)
    if not isinstance(node, promql_parser.VectorSelector):
        raise ValueError(f"{text!r} must be a plain vector selector like metric{{label=\"value\"}}")
    return text.strip()


def _matcher_set(text: str) -> str:
    """A bare matcher list such as 'mcp_method_name!~"notifications/.*"', checked by parsing '{...}'."""
    _vector_selector("{" + text + "}")
    return text.strip()


Selector = Annotated[str, AfterValidator(_vector_selector)]
MatcherSet = Annotated[str, AfterValidator(_matcher_set)]


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
    threshold: Decimal = Field(gt=0)
    selector: MatcherSet | None = None


class AlertTier(Model):
    """One of the two alert tiers (page, ticket)."""

    kind: ClassVar[str] = "alert tier"
    enabled: bool = True
    severity: str
    labels: Labels = {}
    annotations: dict[str, str] = {}

    @field_validator("severity")
    @classmethod
    def _known_severity(cls, severity: str) -> str:
        if severity not in SEVERITIES:
            raise ValueError(f"severity {severity!r} must be one of {', '.join(SEVERITIES)}")
        return severity


class SLOAlerting(Model):
    kind: ClassVar[str] = "slo alerting"
    page: AlertTier = AlertTier(severity="critical")
    ticket: AlertTier = AlertTier(severity="warning")
    min_events_per_second: Decimal | None = Field(default=None, gt=0)
    runbook_url: str | None = None


class SLO(Model):
    kind: ClassVar[str] = "slo"
    name: Slug
    service: str
    objective: Decimal
    period: str = "30d"
    description: str = ""
    sli: RatioSLI | LatencySLI = Field(discriminator="type")
    filter: MatcherSet | None = None
    labels: Labels = {}
    alerting: SLOAlerting = SLOAlerting()

    @field_validator("objective", mode="before")
    @classmethod
    def _exact_objective(cls, value: object) -> object:
        # Decimal(str(x)) keeps 99.9 as 99.9, not 99.900000000000005684...
        return Decimal(str(value)) if isinstance(value, float) else value

    @field_validator("objective")
    @classmethod
    def _objective_range(cls, objective: Decimal) -> Decimal:
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

    @property
    def period_days(self) -> int:
        return duration_ms(self.period) // _DAY_MS

    @property
    def error_budget(self) -> Decimal:
        """The allowed bad fraction, exactly: 1 - objective/100."""
        return (Decimal(100) - self.objective) / Decimal(100)
