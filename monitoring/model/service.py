"""A service: the metrics it exposes, how it is scraped, and its rules."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field, field_validator

from monitoring import conventions, promql
from monitoring.model.autoscaling import CustomMetric, HorizontalPodAutoscaler
from monitoring.model.base import FieldProblem, Model, model_check, require_unique
from monitoring.model.common import FixedLabels, Slug
from monitoring.model.metrics import Counter, Gauge, Histogram, Summary
from monitoring.model.probe import Probe
from monitoring.model.rules import Alert, RecordingRule, RuleGroup
from monitoring.model.scrape import ScrapeJob
from monitoring.model.slo import Selector, selector_metric


class ErrorEvents(Model):
    """What a failed event of a service is: a selector of the failed events and one of all events, on the same
    counter or histogram `_count`. Use it when the service has no ratio SLO to say so; dashboards draw the
    error ratio from it (or else from the first ratio SLO's SLI) and never guess from label names.

        Service(name="worker", metrics=(Counter(name="jobs_total", help="Jobs run.", labels=("status",)),),
                errors=ErrorEvents(errors='jobs_total{status="failed"}', total="jobs_total"))
    """

    kind: ClassVar[str] = "error events"
    errors: Selector
    total: Selector


class Service(Model):
    """One monitored thing: its metric catalog, scrape jobs and rules.

    labels (e.g. {"team": "shop"}) are put on every alert and SLO series of the service, so Alertmanager
    can route by them:

        requests = Counter(name="shop_requests_total", help="Requests served.", labels=("code",))
        errors = Alert(name="ShopErrors", severity="critical", expr='rate(shop_requests_total{code=~"5.."}[5m]) > 1',
                       summary="The shop answers with errors.", description="{{ $value }} errors per second.")
        Service(name="shop", labels={"team": "shop"}, metrics=(requests,),
                scrape_jobs=(ScrapeJob(name="shop", static_configs=(StaticConfig(targets=("shop:8080",)),)),),
                rule_groups=(RuleGroup(name="shop.alerts", rules=(errors,)),))
    """

    kind: ClassVar[str] = "service"
    name: Slug
    description: str = ""
    metrics: tuple[Counter | Gauge | Histogram | Summary, ...] = ()
    scrape_jobs: tuple[ScrapeJob, ...] = ()
    rule_groups: tuple[RuleGroup, ...] = ()
    probes: tuple[Probe, ...] = ()
    custom_metrics: tuple[CustomMetric, ...] = ()
    autoscalers: tuple[HorizontalPodAutoscaler, ...] = ()
    labels: FixedLabels = Field(default_factory=dict)  # on every alert and recording of the service
    errors: ErrorEvents | None = None

    @field_validator("labels")
    @classmethod
    def _not_reserved(cls, labels: dict[str, str]) -> dict[str, str]:
        # Those of the service's SLOs' namings are checked with the stack, where the SLOs are known.
        for key in labels:
            if key in conventions.ALERT_LABELS:
                raise ValueError(f"labels: {key!r} is set by each alert or SLO, not by the service")
        return labels

    @model_check
    def _unique_names(self) -> Service:
        require_unique("metric", [m.name for m in self.metrics], "metrics[{}].name")
        require_unique("rule group", [g.name for g in self.rule_groups], "rule_groups[{}].name")
        return self

    @model_check
    def _one_rule_per_recorded_series(self) -> Service:
        """Two recording rules of one name and labels in a service's rule file write the same series: promtool
        refuses the file (duplicate rules), and Prometheus would keep whichever evaluates last."""
        seen: set[tuple[str, tuple[tuple[str, str], ...]]] = set()
        for g, group in enumerate(self.rule_groups):
            for r, rule in enumerate(group.rules):
                if isinstance(rule, Alert):
                    continue  # (not asked for a `record` it lacks: a miss costs pydantic's __getattr__ a hasattr)
                record = rule.name if isinstance(rule, RecordingRule) else getattr(rule, "record", None)
                if record is None:
                    continue
                key = (record, tuple(sorted(rule.labels.items())))
                if key in seen:
                    raise FieldProblem(f"rule_groups[{g}].rules[{r}]: recording rule {record!r} is defined twice with "
                                       "the same labels; both would write one series", field=f"rule_groups[{g}].rules"
                                       f"[{r}].record", value=record)
                seen.add(key)
        return self

    @model_check
    def _errors_count_own_events(self) -> Service:
        if self.errors is None:
            return self
        series = {name for m in self.metrics if isinstance(m, Counter | Histogram) for name in m.series_names()}
        for field in ("errors", "total"):
            selected = selector_metric(getattr(self.errors, field))
            if selected not in series:
                raise self.field_problem(f"errors.{field}", f"errors.{field}: {selected!r} is not a counter or "
                                         "histogram _count of the service's metrics")
        return self

    @model_check
    def _selected_labels_survive_relabelling(self) -> Service:
        """A rule that selects on a label the service's own relabelling drops can never match: refuse it."""
        dropping = [(job, step) for job in self.scrape_jobs
                    for step in (*job.relabel_configs, *job.metric_relabel_configs) if step.action == "labeldrop"]
        if not dropping:
            return self
        for rule in (r for g in self.rule_groups for r in g.rules):
            for label in sorted(promql.matcher_labels(rule.expr)):
                for job, step in dropping:
                    if step.matches(label):
                        raise rule.error(f"expr selects on label {label!r}, which scrape job {job.name!r} drops "
                                         f"(labeldrop {step.regex!r}): it can never match", field="expr",
                                         value=rule.expr)
        return self

    @property
    def alerts(self) -> tuple[Alert, ...]:
        return tuple(a for g in self.rule_groups for a in g.alerts)

    @property
    def recording_rules(self) -> tuple[RecordingRule, ...]:
        return tuple(r for g in self.rule_groups for r in g.recording_rules)

    def alert_labels(self, alert: Alert) -> dict[str, str]:
        """The labels an alert of this service carries: severity, the service's labels, then the alert's own."""
        return {"severity": alert.severity, **self.labels, **alert.labels}
