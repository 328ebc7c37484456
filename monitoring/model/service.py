"""A service: the metrics it exposes, how it is scraped, and its rules."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field, model_validator

from monitoring.model.base import Model
from monitoring.model.common import Slug, require_unique
from monitoring.model.metrics import Counter, Gauge, Histogram, Summary
from monitoring.model.probe import Probe
from monitoring.model.rules import Alert, RecordingRule, RuleGroup
from monitoring.model.scrape import ScrapeJob


class Service(Model):
    kind: ClassVar[str] = "service"
    name: Slug
    description: str = ""
    metrics: tuple[Counter | Gauge | Histogram | Summary, ...] = ()
    scrape_jobs: tuple[ScrapeJob, ...] = ()
    rule_groups: tuple[RuleGroup, ...] = ()
    probes: tuple[Probe, ...] = ()
    labels: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _unique_names(self) -> Service:
        require_unique("metric", [m.name for m in self.metrics])
        require_unique("rule group", [g.name for g in self.rule_groups])
        return self

    @property
    def alerts(self) -> tuple[Alert, ...]:
        return tuple(a for g in self.rule_groups for a in g.alerts)

    @property
    def recording_rules(self) -> tuple[RecordingRule, ...]:
        return tuple(r for g in self.rule_groups for r in g.recording_rules)
