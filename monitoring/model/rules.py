"""Recording and alerting rules, grouped as Prometheus evaluates them."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Annotated, ClassVar

import promql_parser
from pydantic import AfterValidator, Field, field_validator

from monitoring import conventions, promql
from monitoring.model.base import Model, model_check
from monitoring.model.common import (
    AlertAnnotations,
    AlertLabels,
    ConfigName,
    Duration,
    FiniteFloat,
    Labels,
    MetricName,
    PositiveDuration,
    TemplateText,
    check_rule_value,
)
from monitoring.model.scenario import AlertScenario
from monitoring.promql import text_facts
from monitoring.units import check_camel_case, quoted, template_problem

SEVERITIES: tuple[str, ...] = ("critical", "warning", "info")
_TEMPLATE = re.compile(r"\{\{|\$labels|\$value")


def _instant(expr: str) -> str:
    return check_rule_value(expr, "expr")


def _compares_with(expr: str, threshold: float) -> bool:
    """Whether expr is `<expression> <comparison> threshold`: the declared threshold is the one it fires on."""
    node = promql.unwrap(promql.parse(expr))
    return (isinstance(node, promql_parser.BinaryExpr) and str(node.op) in (">", ">=", "<", "<=")
            and isinstance(node.rhs, promql_parser.NumberLiteral) and node.rhs.val == threshold)


# What a rule evaluates: an instant vector or a scalar, never a range vector (it would fail every evaluation).
RuleExpr = Annotated[str, AfterValidator(_instant)]


def _known_severity(severity: str) -> str:
    if severity not in SEVERITIES:
        raise ValueError(f"severity {severity!r} must be one of {', '.join(SEVERITIES)}")
    return severity


SeverityName = Annotated[str, AfterValidator(_known_severity)]


class _Expression(Model):
    """A rule with a PromQL `expr`: the metrics it selects are remembered from its validation
    (promql.text_facts). Its caches are bounded, so asking later, once thousands of rules have been validated
    since, could parse every expression again."""

    if TYPE_CHECKING:  # each rule declares expr itself, where it belongs in the field order
        expr: str

    @model_check
    def _remember_selected(self) -> _Expression:
        # A tuple (the expr, then the names), not a frozenset: a tenth of the memory over 50,000 rules.
        object.__setattr__(self, "_selected", (self.expr, *text_facts.facts(self.expr).selected))
        return self

    def selected_metrics(self) -> frozenset[str]:
        """The metric names expr selects (promql.selected_metrics), remembered from validation."""
        remembered = self.__dict__.get("_selected")
        # A copy that changed expr (_trusted_copy, or one made _unchecked) keeps no valid answer: work it out again.
        if remembered is None or remembered[0] != self.expr:
            return text_facts.facts(self.expr).selected
        return frozenset(remembered[1:])


class RecordingRule(_Expression):
    """A PromQL expression Prometheus evaluates ahead of time and stores as a new series. Use it for what dashboards and
    alerts read often; the name must follow level:metric:operations.

        RecordingRule(record="job:app_requests:rate5m", expr="sum by (job) (rate(app_requests_total[5m]))")

    A series whose name something outside the stack asks for (an HPA's Pods metric read through
    prometheus-adapter, say) keeps that name when name_fixed_by says who asks for it; the rules/recording-name
    check then accepts it:

        RecordingRule(record="mcp_requests_per_second", name_fixed_by="the HPA's Pods metric",
                      expr="sum by (namespace, pod) (rate(mcp_requests_total[2m]))")
    """

    kind: ClassVar[str] = "recording rule"
    name: MetricName = Field(alias="record")
    expr: RuleExpr
    labels: Labels = Field(default_factory=dict)
    # Who fixes the name when it cannot follow level:metric:operations; None: the convention applies.
    name_fixed_by: str | None = Field(default=None, min_length=1)

    @model_check
    def _level_metric_operations(self) -> RecordingRule:
        if self.name_fixed_by is None and self.name.count(":") < 1:
            raise self.field_problem("record", f"record {self.name!r} must follow level:metric:operations (contain "
                                     "':'), or say with name_fixed_by what outside the stack asks for this name")
        return self


class Alert(_Expression):
    """An alerting rule: a PromQL condition, its severity and the sentences a person reads when it fires. Put it in a
    RuleGroup of the Service whose metrics it selects; give it `test=AlertScenario(...)` to have its promtool test
    generated.

        Alert(name="AppErrors", severity="critical", expr='rate(app_requests_total{code=~"5.."}[5m]) > 1',
              for_="5m", summary="The app answers with errors.", description="{{ $value }} errors per second.")
    """

    kind: ClassVar[str] = "alert"
    name: str = Field(alias="alert")
    expr: RuleExpr
    for_: Duration | None = Field(default=None, alias="for")
    keep_firing_for: PositiveDuration | None = None
    severity: SeverityName
    summary: str = Field(min_length=1)
    description: TemplateText = Field(min_length=1)
    runbook_url: TemplateText | None = None
    labels: AlertLabels = Field(default_factory=dict)  # values may be templates, as Prometheus allows
    annotations: AlertAnnotations = Field(default_factory=dict)
    # The number the expression compares its result against (`... > 0.1`), declared so that other outputs (the
    # k6 gates) read it from the model; the expression must end in a comparison with exactly this number.
    threshold: FiniteFloat | None = None
    # Synthetic input for generated promtool tests; without it the alert needs hand-written tests.
    test: AlertScenario | None = None

    @field_validator("name")
    @classmethod
    def _camel_case(cls, name: str) -> str:
        return check_camel_case(name, "alert name", "MCPHighErrorRate")

    @field_validator("summary")
    @classmethod
    def _static_summary(cls, summary: str) -> str:
        if _TEMPLATE.search(summary):
            raise ValueError(f"summary {summary!r} must be a static sentence; put templates in description")
        return summary

    @model_check
    def _reserved(self) -> Alert:
        for key in conventions.ALERT_LABELS:
            if key in self.labels:
                raise self.field_problem("labels", f"labels: {key!r} is set by the model, not in labels")
        for key in ("summary", "description", "runbook_url"):
            if key in self.annotations:
                raise self.field_problem("annotations", f"annotations: {key!r} has its own field")
        if self.threshold is not None and not _compares_with(self.expr, self.threshold):
            raise self.field_problem("threshold", f"threshold {self.threshold:g}: expr must end in a comparison "
                                     f"with it (`... > {self.threshold:g}`)")
        known = {"summary", "description", "runbook_url", *self.annotations}
        for key in sorted((self.test.annotations if self.test else {}).keys() - known):
            raise self.field_problem("test.annotations", f"test.annotations: {key!r} is not an annotation of the "
                                     "alert")
        return self


class VerbatimRule(_Expression):
    """A rule exactly as Prometheus reads it, outside the model's conventions.

    Use it for rules brought in by `monitoring import` that do not follow them (a templated summary, a
    severity of your own, a recording rule without ':'); new rules should be an `Alert` or a `RecordingRule`.

        VerbatimRule(alert="slo_fail", expr="up == 0", labels={"severity": "page"})
    """

    kind: ClassVar[str] = "rule"
    alert: ConfigName | None = None
    record: MetricName | None = None
    expr: RuleExpr  # outside the conventions, but Prometheus still evaluates it as a rule
    for_: Duration | None = Field(default=None, alias="for")
    keep_firing_for: PositiveDuration | None = None
    labels: Labels = Field(default_factory=dict)  # an alert's values are templates; a recording rule's are not
    annotations: AlertAnnotations = Field(default_factory=dict)

    @model_check
    def _alert_or_record(self) -> VerbatimRule:
        if (self.alert is None) == (self.record is None):
            raise ValueError("give exactly one of alert and record")
        if self.record is not None and (self.for_ or self.keep_firing_for or self.annotations):
            extra = "for" if self.for_ else "keep_firing_for" if self.keep_firing_for else "annotations"
            raise self.field_problem(extra, f"record {self.record!r}: for, keep_firing_for and annotations are for "
                                     "alerts")
        for key, value in self.labels.items() if self.alert is not None else ():
            if "{{" in value and (problem := template_problem(value)) is not None:
                raise self.field_problem("labels", f"labels: {key}={quoted(value)}: {problem}")
        return self

    @property
    def name(self) -> str:
        return self.alert or self.record or ""


Rule = RecordingRule | Alert | VerbatimRule


class RuleGroup(Model):
    """Rules Prometheus evaluates together, at one interval. Every service's rules live in groups; the group name is
    the rule file's group name.

        requests_rate = RecordingRule(record="job:app_requests:rate5m",
                                      expr="sum by (job) (rate(app_requests_total[5m]))")
        errors = Alert(name="AppErrors", severity="critical", expr='rate(app_requests_total{code=~"5.."}[5m]) > 1',
                       summary="The app answers with errors.", description="{{ $value }} errors per second.")
        RuleGroup(name="app.alerts", rules=(requests_rate, errors))
    """

    kind: ClassVar[str] = "rule group"
    name: ConfigName = Field(min_length=1)
    interval: PositiveDuration | None = None
    rules: tuple[Rule, ...] = Field(min_length=1)

    @property
    def alerts(self) -> tuple[Alert, ...]:
        return tuple(r for r in self.rules if isinstance(r, Alert))

    @property
    def recording_rules(self) -> tuple[RecordingRule, ...]:
        return tuple(r for r in self.rules if isinstance(r, RecordingRule))

    @property
    def recorded_series(self) -> tuple[str, ...]:
        """Every series this group records, verbatim rules included."""
        # isinstance first: asking an Alert for a missing `record` goes through pydantic's slow __getattr__.
        return tuple(r.name for r in self.rules
                     if isinstance(r, RecordingRule) or (isinstance(r, VerbatimRule) and r.record is not None))
