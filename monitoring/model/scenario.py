"""Synthetic scenarios for alerts: the input from which promtool unit tests are generated."""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar

import promql_parser
from pydantic import Field, field_validator

from monitoring import promql
from monitoring.model.base import Model, model_check
from monitoring.model.common import Labels


def _decimal(value: object) -> object:
    return Decimal(str(value)) if isinstance(value, float) else value


class InputSeries(Model):
    """One synthetic series: a gauge holding `value`, or a counter rising by `rate` per second.

        InputSeries(series='app_requests_total{code="500"}', rate=2)
    """

    kind: ClassVar[str] = "input series"
    series: str
    value: Decimal | None = None
    rate: Decimal | None = Field(default=None, ge=0)

    @field_validator("series")
    @classmethod
    def _concrete_series(cls, text: str) -> str:
        node = promql.parse(text)
        if not isinstance(node, promql_parser.VectorSelector) or not node.name:
            raise ValueError(f"series {text!r} must be a metric name with labels, like up{{job=\"api\"}}")
        for matcher in node.matchers.matchers:
            if str(matcher.op) != "MatchOp.Equal":
                raise ValueError(f"series {text!r}: a concrete series has only label=\"value\" matchers")
        return text.strip()

    @field_validator("value", "rate", mode="before")
    @classmethod
    def _exact(cls, value: object) -> object:
        return _decimal(value)

    @model_check
    def _one_behaviour(self) -> InputSeries:
        if (self.value is None) == (self.rate is None):
            raise ValueError(f"series {self.series!r}: set exactly one of value (a gauge) or rate (a counter)")
        return self


class AlertScenario(Model):
    """How to drive an alert in its generated tests.

    firing: series under which the alert fires (none at all for absent()); labels: the labels the firing alert
    carries besides severity and the alert's own; value: its $value then, for annotations that print it.
    below: series just below the threshold (None for alerts without one, like absent() or `== 0`); healthy:
    series of a healthy system. Both must leave the alert silent.

        AlertScenario(firing=(InputSeries(series="app_queue_depth", value=150),), value=150,
                      below=(InputSeries(series="app_queue_depth", value=100),),
                      healthy=(InputSeries(series="app_queue_depth", value=1),))
    """

    kind: ClassVar[str] = "alert scenario"
    firing: tuple[InputSeries, ...] = ()
    labels: Labels = Field(default_factory=dict)
    value: Decimal | None = None
    annotations: dict[str, str] = Field(default_factory=dict)
    below: tuple[InputSeries, ...] | None = None
    healthy: tuple[InputSeries, ...] = Field(min_length=1)

    @field_validator("value", mode="before")
    @classmethod
    def _exact(cls, value: object) -> object:
        return _decimal(value)
