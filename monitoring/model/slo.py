"""Service level objectives: an SLI, an objective over a period, and how to alert on its error budget."""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, Annotated, ClassVar, Literal

import promql_parser
from pydantic import AfterValidator, BeforeValidator, Field, PrivateAttr, ValidationInfo, field_validator

from monitoring import conventions, promql
from monitoring.model import time_specs
from monitoring.model.base import FieldProblem, Model, Shared, model_check
from monitoring.model.common import (
    AlertAndPanelText,
    Duration,
    ExactDecimal,
    FixedLabels,
    LabelName,
    MetricName,
    Slug,
    StaticAnnotations,
    StaticText,
    check_rule_value,
)
from monitoring.slo import plan as slo_plan
from monitoring.slo.naming import NAMINGS, NamingStyle
from monitoring.slo.windows import (
    BurnWindow,
    Tier,
    decimal_text,
    default_windows,
    scaled_windows,
    window_pair,
    workbook_windows,
)
from monitoring.units import CAMEL_CASE, duration_ms

if TYPE_CHECKING:
    from monitoring.model.metrics import AnyMetric

_DAY_MS = 86_400_000


def _whole_days(period: str) -> str:
    ms = duration_ms(period)
    if ms == 0 or ms % _DAY_MS:
        raise ValueError(f"period {period!r} must be a whole number of days, like '28d' or '30d'")
    return period


def _no_alert_labels(labels: Mapping[str, str]) -> None:
    """FieldProblem for a label every alert sets itself. A tier or an alerting section cannot know the naming of its
    SLO: the SLO checks the naming's labels (SLO._not_reserved)."""
    for key in labels:
        if key in conventions.ALERT_LABELS:
            raise FieldProblem(f"labels: {key!r} is set by the SLO itself, not in labels", field="labels", value=labels)


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


class RatioSLI(Model):
    """Bad events over all events: vector selectors on catalog counters or a histogram's _count.

        RatioSLI(errors='app_requests_total{code=~"5.."}', total="app_requests_total")
    """

    kind: ClassVar[str] = "ratio sli"
    type: Literal["ratio"] = "ratio"
    errors: Selector
    total: Selector


class LatencySLI(Model):
    """Good events are those faster than threshold: on a classic histogram, _bucket{le=threshold} over _count;
    on a native histogram (`native=True`, a catalog `Histogram(native=True)`), `histogram_fraction(0, threshold,
    ...)` of the summed rate, exact when the threshold is a bucket boundary of the histogram's schema (0.5, 1, 2
    at schema 0) and interpolated inside a bucket otherwise.

        LatencySLI(histogram="app_request_duration_seconds", threshold="0.5")

        LatencySLI(histogram="app_request_duration_seconds", threshold="0.5", native=True)
    """

    kind: ClassVar[str] = "latency sli"
    type: Literal["latency"] = "latency"
    histogram: MetricName
    threshold: ExactDecimal = Field(gt=0)
    selector: MatcherSet | None = None
    native: bool = False

    @field_validator("selector")
    @classmethod
    def _no_le(cls, selector: str | None) -> str | None:
        node = promql.parse("x{" + selector + "}") if selector else None
        if isinstance(node, promql_parser.VectorSelector) and any(m.name == "le" for m in node.matchers.matchers):
            raise ValueError(f"selector {selector!r} must not match on le: the threshold picks the bucket")
        return selector


# The placeholder a query SLI uses for its range; Sloth's spelling `{{.window}}` is read as the same.
WINDOW_PLACEHOLDER = "{{window}}"
_PLACEHOLDER = re.compile(r"\{\{\s*(\.?)([^{}\s]*)\s*\}\}")


def substitute_window(query: str, window: str) -> str:
    """query with every {{window}} (or {{.window}}) replaced by a duration such as '5m'."""
    return _PLACEHOLDER.sub(window, query)


def _window_query(text: str) -> str:
    """A PromQL query over {{window}}: no other placeholder, and it parses once the window is put in."""
    names = [match.group(2) for match in _PLACEHOLDER.finditer(text)]
    unknown = sorted({n for n in names if n != "window"})
    if unknown:
        raise ValueError(f"unknown placeholder {{{{{unknown[0]}}}}} in {text!r}: only {WINDOW_PLACEHOLDER} is "
                         "replaced")
    if not names:
        raise ValueError(f"{text!r} has no {WINDOW_PLACEHOLDER}: write the range as rate(x[{WINDOW_PLACEHOLDER}])")
    substituted = substitute_window(text, "5m")
    try:
        at_5m = promql.parse(substituted)
    except ValueError as exc:
        raise ValueError(f"{text!r} does not parse with {WINDOW_PLACEHOLDER}=5m: {exc}") from None
    _rates_over_window(text, at_5m, promql.parse(substitute_window(text, "7m")))
    return _PLACEHOLDER.sub(WINDOW_PLACEHOLDER, text.strip())


_RATE_FUNCTIONS = ("rate", "irate", "increase")


def _range_calls(node: promql_parser.Expr) -> list[tuple[str, object]]:
    """(function, range) of every rate(), irate() and increase() over a range, in the order written."""
    found = []
    for sub in promql.nodes(node):
        if isinstance(sub, promql_parser.Call) and sub.func.name in _RATE_FUNCTIONS and sub.args:
            arg = promql.unwrap(sub.args[0])
            if isinstance(arg, promql_parser.MatrixSelector | promql_parser.SubqueryExpr):
                found.append((sub.func.name, arg.range))
    return found


def _rates_over_window(text: str, at_5m: promql_parser.Expr, at_7m: promql_parser.Expr) -> None:
    """Each rate-like function must be rate() over [{{window}}]: the SLO records events per second over each
    window and names the series so (slo:sli_bad_events:rate5m), which is what the traffic guard, the dashboards
    and `validate`'s rules/recording-name read; increase() would be counts, a fixed range another window."""
    for (function, range_5m), (_, range_7m) in zip(_range_calls(at_5m), _range_calls(at_7m), strict=True):
        if function != "rate":
            raise ValueError(f"{function}() in {text!r}: write rate(...[{WINDOW_PLACEHOLDER}]); the SLO records "
                             "events per second over each window (slo:sli_bad_events:rate5m)")
        if range_5m == range_7m:
            raise ValueError(f"a rate() in {text!r} has a fixed range: write rate(...[{WINDOW_PLACEHOLDER}]), so "
                             "that each window's series reads that window")


WindowQuery = Annotated[str, AfterValidator(_window_query)]


def _aggregated_away(node: object, labels: tuple[str, ...]) -> str | None:
    """The first of labels that the query's outermost aggregation drops, or None when all survive."""
    if isinstance(node, promql_parser.BinaryExpr):
        return _aggregated_away(node.lhs, labels) or _aggregated_away(node.rhs, labels)
    if isinstance(node, promql_parser.ParenExpr):
        return _aggregated_away(node.expr, labels)
    if isinstance(node, promql_parser.AggregateExpr):
        modifier = node.modifier
        if modifier is None:
            return labels[0]
        kept = set(modifier.labels)
        if str(modifier.type).endswith("By"):
            return next((label for label in labels if label not in kept), None)
        return next((label for label in labels if label in kept), None)
    return None


class QuerySLI(Model):
    """Raw PromQL for bad and for all events, each over a `{{window}}` placeholder (Sloth's `{{.window}}`):
    for SLIs the selector forms cannot express. Each query must return one series per SLO (per group):

        QuerySLI(errors='sum(rate(http_requests_total{code=~"5.."}[{{window}}]))',
                 total='sum(rate(http_requests_total[{{window}}]))')

    Every query is parsed with the window put in. Generated promtool tests need each query in the form
    `sum(rate(<selector>[{{window}}]))` (by the group labels), or errors as `total - good` of two such sums;
    `label_replace(..., "dst", "$1", "src", "(.*)")` copies of a whole label value may sit between the sum and
    the rate. For other forms the rules are generated and checked, with a warning that no test could be planned.
    """

    kind: ClassVar[str] = "query sli"
    type: Literal["query"] = "query"
    errors: WindowQuery
    total: WindowQuery

    @field_validator("errors", "total")
    @classmethod
    def _instant(cls, query: str, info: ValidationInfo) -> str:
        # Each query is recorded as it is, window put in: the recording rule's value must be one a rule can have.
        check_rule_value(substitute_window(query, "5m"), str(info.field_name), shown=query)
        return query

    def errors_at(self, window: str) -> str:
        return substitute_window(self.errors, window)

    def total_at(self, window: str) -> str:
        return substitute_window(self.total, window)


class BooleanSLI(Model):
    """The share of time a 0/1 gauge is 1: `probe_success` of a blackbox probe, `up` of a scrape job, or a catalog
    gauge that is 1 when healthy. Every sample is an event, bad when it is 0: the error ratio over a window is
    1 - avg_over_time, summed over every series the selector picks (traffic-weighted by samples).

        BooleanSLI(gauge='probe_success{job="blackbox-http"}')

        BooleanSLI(gauge='up{job="api"}')

    A target that is not scraped at all has no samples, so it counts neither as up nor as down: alert on `up`
    for that. The gauge must only be 0 or 1.
    """

    kind: ClassVar[str] = "boolean sli"
    type: Literal["boolean"] = "boolean"
    gauge: Selector


# Series a BooleanSLI may read without a catalog gauge: Prometheus' own and the blackbox exporter's.
BOOLEAN_SERIES = ("up", "probe_success")


def _severity(value: str) -> str:
    if not LABEL_VALUE.match(value):
        raise ValueError(f"severity {value!r} must be a word of letters, digits, '_' or '-', like 'pageteam'")
    return value


# SLO alerts route on any severity a team uses (Sloth's users page with `severity: pageteam`).
SLOSeverity = Annotated[str, AfterValidator(_severity)]
LABEL_VALUE = re.compile(r"\A[A-Za-z0-9][A-Za-z0-9_-]*\Z")
# Annotations the rules write themselves; summary and title have their own fields.
GENERATED_ANNOTATIONS = ("summary", "title", "description", "runbook_url")


def _free_annotations(annotations: Mapping[str, str]) -> None:
    for key in annotations:
        if key in GENERATED_ANNOTATIONS:
            raise FieldProblem(f"annotations: {key!r} is generated; set it with the {key} field"
                               if key in ("summary", "title") else
                               f"annotations: {key!r} is generated (runbook_url: set alerting.runbook_url)",
                               field="annotations", value=annotations)


class AlertTier(Model):
    """One of the two alert tiers (page, ticket): its severity, `for`, and what its alert carries besides the
    generated labels and annotations.

        AlertTier(severity="pageteam", labels={"routing_key": "myteam"}, summary="High error rate on checkout")

        AlertTier(severity="warning", for_="15m", labels={"team": "web"})
    """

    kind: ClassVar[str] = "alert tier"
    enabled: bool = True
    severity: SLOSeverity
    for_: Duration | None = Field(default=None, alias="for")
    labels: FixedLabels = Field(default_factory=dict)
    annotations: StaticAnnotations = Field(default_factory=dict)
    summary: StaticText | None = None
    title: StaticText | None = None

    @model_check
    def _reserved(self) -> AlertTier:
        _no_alert_labels(self.labels)
        _free_annotations(self.annotations)
        return self


class SLOAlerting(Model):
    """How an SLO alerts: the page and ticket tiers, their names, the traffic guard, and what both alerts carry.

        SLOAlerting(name="Checkout", min_events_per_second="0.5", labels={"team": "shop"},
                    ticket=AlertTier(severity="warning", enabled=False))

        SLOAlerting(name="AppAvailability", ticket=AlertTier(severity="warning", enabled=False))
    """

    kind: ClassVar[str] = "slo alerting"
    name: str | None = None
    page: AlertTier = Field(default_factory=Shared(AlertTier(severity="critical")))
    ticket: AlertTier = Field(default_factory=Shared(AlertTier(severity="warning")))
    min_events_per_second: ExactDecimal | None = Field(default=None, gt=0)
    runbook_url: str | None = None
    labels: FixedLabels = Field(default_factory=dict)  # on both tiers' alerts (a tier's own labels win)
    annotations: StaticAnnotations = Field(default_factory=dict)
    summary: StaticText | None = None  # both tiers' summary, unless a tier sets its own
    title: StaticText | None = None

    @model_check
    def _reserved(self) -> SLOAlerting:
        _no_alert_labels(self.labels)
        _free_annotations(self.annotations)
        return self

    @field_validator("name")
    @classmethod
    def _camel_case(cls, name: str | None) -> str | None:
        if name is not None and not CAMEL_CASE.match(name):
            raise ValueError(f"name {name!r} must be CamelCase, like 'MCPAvailability'")
        return name

    def tier(self, name: Tier | str) -> AlertTier:
        """The settings of a tier by name; ValueError for anything but 'page' and 'ticket'."""
        return self.page if Tier.named(name) is Tier.PAGE else self.ticket


def _tier(name: object) -> Tier:
    return Tier.named(str(name))


class AlertWindow(Model):
    """One row of your own window policy: a tier's long/short window pair and how fast it must burn.

    Give either `burn_rate` (the factor, as in the SRE Workbook) or `budget_percent` (the share of the period's
    error budget spent when it fires, as Sloth's AlertWindows do):

        AlertWindow(tier="page", long="1h", short="5m", budget_percent=2)
    """

    kind: ClassVar[str] = "alert window"
    tier: Annotated[Tier, BeforeValidator(_tier)]
    long: Duration
    short: Duration
    burn_rate: ExactDecimal | None = Field(default=None, gt=0)
    budget_percent: ExactDecimal | None = Field(default=None, gt=0, le=100)

    @model_check
    def _one_rate(self) -> AlertWindow:
        if (self.burn_rate is None) == (self.budget_percent is None):
            raise ValueError(f"{self.tier} {self.long}/{self.short}: give exactly one of burn_rate and "
                             "budget_percent")
        if duration_ms(self.short) >= duration_ms(self.long):
            raise self.field_problem("short", f"{self.tier} {self.long}/{self.short}: the short window must be "
                                     "shorter than the long")
        return self

    def burn_window(self, period_ms: int) -> BurnWindow:
        long_ms, short_ms = duration_ms(self.long), duration_ms(self.short)
        burn = (Fraction(self.burn_rate) if self.burn_rate is not None
                else Fraction(self.budget_percent) / 100 * period_ms / long_ms)  # type: ignore[arg-type]
        return window_pair(self.tier, long_ms, short_ms, burn, period_ms)


class WindowPolicy(Model):
    """Your own multi-window, multi-burn-rate table, like Sloth's AlertWindows; for periods or trade-offs the
    built-in policies do not cover:

        WindowPolicy(windows=(
            AlertWindow(tier="page", long="1h", short="5m", burn_rate=14.4),
            AlertWindow(tier="ticket", long="1d", short="2h", burn_rate=1),
        ))

    Every factor must stay >= 1 and every long window within the SLO's period; the SLO says which one is not.

    A `budget_percent` row is a share of one period's budget: 2% over 1h is a factor of 14.4 at 30 days and
    3.36 at 7. `period` (whole days, as Sloth's `sloPeriod`) says which period the rows were written for, and an
    SLO of another period refuses the policy instead of alerting at other burn rates:

        WindowPolicy(period="7d", windows=(
            AlertWindow(tier="page", long="1h", short="5m", budget_percent=8),
            AlertWindow(tier="ticket", long="1d", short="2h", budget_percent=20),
        ))
    """

    kind: ClassVar[str] = "window policy"
    period: str | None = None
    windows: tuple[AlertWindow, ...] = Field(min_length=1)

    @field_validator("period")
    @classmethod
    def _whole_days(cls, period: str | None) -> str | None:
        return None if period is None else _whole_days(period)

    def burn_windows(self, period_days: int) -> tuple[BurnWindow, ...]:
        period_ms = period_days * _DAY_MS
        return tuple(w.burn_window(period_ms) for w in self.windows)


class Timeslices(Model):
    """OpenSLO's Timeslices budgeting, for budget reporting: the period is cut into slices of `window`, a slice is
    good when its share of good events is at least `target` (a ratio, as OpenSLO's timeSliceTarget), and the
    objective is the share of good slices. Slices without events count neither way.

        SLO(name="availability", service="api", objective="99", budgeting=Timeslices(window="5m", target="0.95"),
            sli=RatioSLI(errors='http_requests_total{code=~"5.."}', total="http_requests_total"))

    Burn-rate alerts keep reading the event ratio over rolling windows. The error ratio over each slice is recorded
    (`slo:sli_error:ratio_rate<window>`), and the SLO and calendar dashboards count good slices with a subquery
    whose step is the slice (`avg_over_time((ratio <= bool 1-target)[$__range:<window>])`). The stack's
    evaluation_interval must divide the window, so that each slice is read from exactly one evaluation, and a
    slice should hold at least four scrapes (lint's promql/rate-window says so in `validate`). (No
    recording rule counts the slices of a whole period: at one step per minute a 30-day subquery reads 43,200
    points per evaluation, over promtool's sample limit, so such a rule could not be tested.)
    """

    kind: ClassVar[str] = "timeslices"
    window: Duration
    target: ExactDecimal

    @field_validator("target")
    @classmethod
    def _ratio(cls, target: Decimal) -> Decimal:
        if not (target.is_finite() and 0 < target <= 1):
            raise ValueError(f"target {target} must be a ratio above 0 and at most 1, like 0.95 (not a percentage)")
        return target

    @field_validator("window")
    @classmethod
    def _slice_length(cls, window: str) -> str:
        ms = duration_ms(window)
        if ms < 60_000 or ms > _DAY_MS or ms % 1000:
            raise ValueError(f"window {window!r} must be whole seconds between 1m and 1d")
        return window

    @property
    def bad_above(self) -> Decimal:
        """A slice is bad when its error ratio is above this: 1 - target."""
        return Decimal(1) - self.target


class CalendarPeriod(Model):
    """A calendar-aligned budgeting period (OpenSLO's calendar time window), for budget reporting: the error budget
    of this month or this week so far, in `timezone` (weeks start on Monday).

        SLO(name="availability", service="api", objective="99.9",
            sli=RatioSLI(errors='http_requests_total{code=~"5.."}', total="http_requests_total"),
            calendar=CalendarPeriod(unit="month", timezone="Europe/Berlin"))

    Alerting stays on the rolling `period`. PromQL ranges are fixed durations, so no recording rule can follow
    a calendar; the calendar dashboard does, with Grafana's "this month so far" time range (`now/M` to `now`)
    and queries over `[$__range]`.
    """

    kind: ClassVar[str] = "calendar period"
    unit: Literal["month", "week"]
    timezone: str = "UTC"

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, timezone: str) -> str:
        return time_specs.time_zone("timezone", timezone)


# The built-in window policies, by name: "default" is the workbook at 28/30 days and "scaled" otherwise.
BUILT_IN_POLICIES = {"default": default_windows, "workbook": workbook_windows, "scaled": scaled_windows}


class SLO(Model):
    """A service level objective: `objective`% of the SLI's events are good over a rolling `period`, with
    multi-window, multi-burn-rate alerts on its error budget (see `SLOPlan` for what is generated).

        SLO(name="availability", service="api", objective="99.9",
            sli=RatioSLI(errors='http_requests_total{code=~"5.."}', total="http_requests_total"))

        SLO(name="availability", service="app", objective="99.9",
                sli=RatioSLI(errors='app_requests_total{code=~"5.."}', total="app_requests_total"))
    """

    kind: ClassVar[str] = "slo"
    name: Slug
    service: Slug  # a Service's name
    objective: ExactDecimal
    period: str = "30d"
    description: AlertAndPanelText = ""  # in its alerts' description and its dashboard's panels
    sli: RatioSLI | LatencySLI | QuerySLI | BooleanSLI = Field(discriminator="type")
    filter: MatcherSet | None = None
    labels: FixedLabels = Field(default_factory=dict)  # on its recording rules and its alerts
    alerting: SLOAlerting = Field(default_factory=Shared(SLOAlerting()))
    window_policy: Literal["default", "workbook", "scaled"] | WindowPolicy = "default"
    # One SLO per value of these labels (one per route, per tenant): kept through every recording and alert.
    group_by: tuple[LabelName, ...] = ()
    budgeting: Literal["occurrences"] | Timeslices = "occurrences"  # OpenSLO's budgetingMethod
    calendar: CalendarPeriod | None = None  # budget reporting over this month or week, beside the rolling period
    # "sloth": Sloth's labels (sloth_id, sloth_service, sloth_slo, sloth_window, sloth_severity) and its
    # sloth_slo_info series, so that dashboards built for Sloth keep working (monitoring/slo/naming.py).
    naming: NamingStyle = "default"
    _plan: slo_plan.SLOPlan = PrivateAttr()

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
        return _whole_days(period)

    @model_check
    def _not_reserved(self) -> SLO:
        """The SLO's labels, and its alerts', must not be the ones its naming sets itself."""
        reserved = NAMINGS[self.naming].reserved
        for where, labels in (("labels", self.labels), ("alerting.labels", self.alerting.labels),
                              ("alerting.page.labels", self.alerting.page.labels),
                              ("alerting.ticket.labels", self.alerting.ticket.labels)):
            for key in labels:
                if key in reserved:
                    raise self.field_problem(where, f"{where}: {key!r} is set by the SLO itself, not in labels")
        return self

    @model_check
    def _groups_kept(self) -> SLO:
        """group_by labels must not be the SLO's own, and a query SLI must keep them through its aggregation."""
        for label in self.group_by:
            if label in NAMINGS[self.naming].reserved:
                raise self.field_problem("group_by", f"group_by: {label!r} is set by the SLO itself")
            # A fixed label of that name would overwrite each group's value in the alerts: the groups' alerts
            # would merge, and a page of one group would silence the others' tickets.
            for where, labels in (("labels", self.labels), ("alerting.labels", self.alerting.labels),
                                  ("alerting.page.labels", self.alerting.page.labels),
                                  ("alerting.ticket.labels", self.alerting.ticket.labels)):
                if label in labels:
                    raise self.field_problem(f"{where}", f"{where}: {label!r} is a group_by label: each group's "
                                             "alerts carry its own value")
        if isinstance(self.sli, QuerySLI) and self.group_by:
            for field in ("errors", "total"):
                lost = _aggregated_away(promql.parse(substitute_window(getattr(self.sli, field), "5m")),
                                        self.group_by)
                if lost:
                    raise self.field_problem("group_by", f"group_by: sli.{field} aggregates {lost!r} away; write "
                                             f"sum by ({', '.join(self.group_by)}) (...)")
        return self

    @model_check
    def _filter_applies(self) -> SLO:
        if self.filter and isinstance(self.sli, QuerySLI):
            raise self.field_problem("filter", "filter: a query SLI is raw PromQL; put the matchers into its queries")
        if isinstance(self.sli, BooleanSLI) and self.alerting.min_events_per_second is not None:
            raise self.field_problem("alerting.min_events_per_second", "alerting.min_events_per_second: a "
                                     "boolean-gauge SLI counts samples, not events, so there is no traffic to guard; "
                                     "remove it")
        return self

    @model_check
    def _policy_period(self) -> SLO:
        """Before planning: a policy's budget_percent rows planned at another period would be other burn rates."""
        policy = self.window_policy
        if isinstance(policy, WindowPolicy) and policy.period is not None and (
                duration_ms(policy.period) != duration_ms(self.period)):
            raise self.field_problem("window_policy", f"window_policy is for a {policy.period} period, but the "
                                     f"SLO's period is {self.period}: use a window policy for {self.period}, or "
                                     f"period={policy.period!r}")
        return self

    @model_check
    def _plan_alerts(self) -> SLO:
        """Plan once, here: an unsound window pair is an error of the definition, with its file:line."""
        policy = self.window_policy
        windows = (BUILT_IN_POLICIES[policy](self.period_days) if isinstance(policy, str)
                   else policy.burn_windows(self.period_days))
        settings = {Tier.PAGE: self.alerting.page, Tier.TICKET: self.alerting.ticket}
        tiers = tuple(t for t in Tier if settings[t].enabled)
        base = self.alert_base
        self._plan = slo_plan.build(
            service=self.service, name=self.name, period=self.period, error_budget=self.error_budget,
            objective=self.objective, windows=windows, tiers=tiers,
            alert_names={t: conventions.slo_alert_name(base, t) for t in tiers},
            holds_ms={t: duration_ms(settings[t].for_ or "0s") for t in tiers},
            guard=self.alerting.min_events_per_second, naming=NAMINGS[self.naming],
            slice_window=self.budgeting.window if isinstance(self.budgeting, Timeslices) else None,
            windows_key=(policy, self.period_days) if isinstance(policy, str) else None)
        for tier in tiers:  # an enabled tier alerts over its window pairs: without one it has no alert to write
            if not any(window.tier == tier for window in windows):
                raise self.field_problem("window_policy", f"window_policy has no {tier} window pair, but "
                                         f"alerting.{tier} is enabled: add AlertWindow(tier='{tier}', ...) or set "
                                         f"alerting.{tier}.enabled=False")
        return self

    @property
    def plan(self) -> slo_plan.SLOPlan:
        """The SLO's plan, computed once: what every generator reads."""
        # Straight from pydantic's private store: `self._plan` goes through BaseModel.__getattr__, which costs
        # more than everything else the rules read from the plan.
        return self.__pydantic_private__["_plan"]  # type: ignore[index]

    @property
    def period_days(self) -> int:
        return duration_ms(self.period) // _DAY_MS

    @property
    def timeslices(self) -> Timeslices | None:
        return self.budgeting if isinstance(self.budgeting, Timeslices) else None

    @property
    def error_budget(self) -> Decimal:
        """The allowed bad fraction, exactly: 1 - objective/100."""
        return (Decimal(100) - self.objective) / Decimal(100)

    @property
    def objective_ratio(self) -> Decimal:
        return self.objective / Decimal(100)

    @property
    def tiers(self) -> tuple[Tier, ...]:
        """The enabled alert tiers, page first (from the plan)."""
        return self.plan.tiers

    @property
    def windows(self) -> tuple[BurnWindow, ...]:
        """The window pairs of the enabled tiers (from the plan)."""
        return self.plan.windows

    @property
    def rate_windows(self) -> tuple[str, ...]:
        """Windows with SLI rate rules (from the plan)."""
        return self.plan.rate_windows

    def recorded_series(self) -> frozenset[str]:
        """Every series name the SLO's recording rules write (from the plan)."""
        return self.plan.recorded_series

    def read_series(self) -> frozenset[str]:
        """Series the SLI reads that no catalog declares: `up` or `probe_success` of a boolean-gauge SLI."""
        if isinstance(self.sli, BooleanSLI) and (name := selector_metric(self.sli.gauge)) in BOOLEAN_SERIES:
            return frozenset({name})
        return frozenset()

    def threshold(self, window: BurnWindow) -> Fraction:
        """The error ratio above which a window pair fires: burn x budget."""
        return window.burn * Fraction(self.error_budget)

    @property
    def alert_base(self) -> str:
        """CamelCase stem of the alert names: alerting.name, or service and SLO name run together."""
        if self.alerting.name:
            return self.alerting.name
        return conventions.camel_case(f"{self.service}-{self.name}")

    def alert_name(self, tier: Tier | str) -> str:
        return conventions.slo_alert_name(self.alert_base, Tier.named(tier))

    def check_references(self, services: set[str], metrics: Mapping[str, AnyMetric],
                         scraped: frozenset[str] | None = frozenset()) -> None:
        """FieldProblem (its field from the SLO) unless the service and every metric the SLI selects exist, with
        the right types, and carry every label its group_by keeps and its filter matches on
        (`scraped`: the labels scraping adds, such as job and instance; None when they cannot be listed). The
        stack raises it as the SLO's own DefinitionError."""
        if self.service not in services:
            raise self.field_problem("service", f"service {self.service!r} is not defined "
                                     f"(services: {', '.join(sorted(services))})")
        if isinstance(self.sli, RatioSLI):
            for field in ("errors", "total"):
                self._check_event_selector(field, getattr(self.sli, field), metrics)
        elif isinstance(self.sli, LatencySLI):
            self._check_latency(self.sli, metrics)
        elif isinstance(self.sli, BooleanSLI):
            self._check_gauge(self.sli, metrics)
        self._check_groups(metrics)
        self._check_filter(metrics, scraped)
        # A query SLI is the team's own PromQL: it was parsed; what it selects is theirs to name.

    def _check_groups(self, metrics: Mapping[str, AnyMetric]) -> None:
        """Every group_by label is a label of every metric a selector SLI reads (else it is aggregated away)."""
        for metric in self._read_catalog(metrics):
            for label in self.group_by:
                if label not in metric.labels:
                    raise self.field_problem(
                        "group_by", f"group_by {label!r} is not a label of {metric.name}, so the "
                        f"SLI would aggregate it away (labels: {', '.join(metric.labels) or 'none'})")

    def _check_filter(self, metrics: Mapping[str, AnyMetric], scraped: frozenset[str] | None) -> None:
        """Every label the filter requires is one each metric the SLI reads can carry, as group_by's must be: a
        matcher that needs any other selects nothing, and the SLO would never see its events. (One that accepts
        the empty value, `!="x"`, selects series without the label too. The SLI's own selectors are the team's
        PromQL, checked by validate's promql/label-unknown.)"""
        if scraped is None or not self.filter:
            return
        labels = promql.matcher_labels("x{" + self.filter + "}", required=True)
        for metric in self._read_catalog(metrics):
            for label in sorted(labels - {*metric.labels, *scraped}):
                raise self.field_problem("filter", f"filter {self.filter!r} matches on label {label!r}, which "
                                         f"{metric.name} never carries (its labels: "
                                         f"{', '.join(metric.labels) or 'none'}; scraping adds "
                                         f"{', '.join(sorted(scraped))}), so it would select nothing")

    def _read_catalog(self, metrics: Mapping[str, AnyMetric]) -> list[AnyMetric]:
        """The catalog entries of the metrics a selector SLI reads (a histogram's for its _count series); those
        with none (Prometheus' own series) are not checked."""
        found = (metrics.get((name or "").removesuffix("_count")) or metrics.get(name or "")
                 for name in self._read_metrics())
        return [metric for metric in found if metric is not None]

    def _read_metrics(self) -> list[str | None]:
        """The metrics a selector SLI reads (a query SLI: none; its PromQL is the team's)."""
        if isinstance(self.sli, RatioSLI):
            return [selector_metric(self.sli.errors), selector_metric(self.sli.total)]
        if isinstance(self.sli, LatencySLI):
            return [self.sli.histogram]
        if isinstance(self.sli, BooleanSLI):
            return [selector_metric(self.sli.gauge)]  # up and probe_success: no catalog entry, not checked
        return []

    def _check_event_selector(self, field: str, selector: str, metrics: Mapping[str, AnyMetric]) -> None:
        name = selector_metric(selector)
        where = f"sli.{field} {selector!r}"
        if name is None:
            raise self.field_problem(f"sli.{field}", f"{where} must name its metric")
        metric = metrics.get(name)
        if metric is not None and metric.type == "counter":
            return
        histogram = metrics.get(name.removesuffix("_count"))
        if name.endswith("_count") and histogram is not None and histogram.type == "histogram":
            return
        raise self.field_problem(f"sli.{field}", f"{where} selects {name!r}, which is neither a catalog counter nor "
                                 "a histogram's _count")

    def _check_gauge(self, sli: BooleanSLI, metrics: Mapping[str, AnyMetric]) -> None:
        name = selector_metric(sli.gauge)
        where = f"sli.gauge {sli.gauge!r}"
        if name is None:
            raise self.field_problem("sli.gauge", f"{where} must name its metric")
        metric = metrics.get(name)
        if name in BOOLEAN_SERIES and metric is None:
            return
        if metric is None or metric.type != "gauge":
            raise self.field_problem("sli.gauge", f"{where} selects {name!r}, which is neither "
                                     f"{' nor '.join(BOOLEAN_SERIES)} nor a catalog gauge"
                                     + (f" (it is a {metric.type})" if metric is not None else ""))

    def _check_latency(self, sli: LatencySLI, metrics: Mapping[str, AnyMetric]) -> None:
        metric = metrics.get(sli.histogram)
        where = f"sli.histogram {sli.histogram!r}"
        if metric is None:
            raise self.field_problem("sli.histogram", f"{where} is in no metric catalog")
        if metric.type != "histogram":
            raise self.field_problem("sli.histogram", f"{where} is a {metric.type}, not a histogram")
        native = bool(getattr(metric, "native", False))
        if sli.native != native:
            raise self.field_problem(
                "sli.native",
                f"{where} is a {'native' if native else 'classic'} histogram; set sli.native={native}"
                if native or not sli.native else
                f"{where} is a classic histogram: sli.native=True needs Histogram(native=True) in the catalog")
        if native:
            return  # histogram_fraction reads any threshold; between boundaries it interpolates
        buckets = [Decimal(str(b)) for b in metric.buckets]  # type: ignore[union-attr]
        if sli.threshold not in buckets:
            raise self.field_problem(
                "sli.threshold",
                f"sli.threshold {decimal_text(sli.threshold)} is not a bucket boundary of "
                f"{sli.histogram} (buckets: {', '.join(decimal_text(b) for b in buckets)}); "
                "a latency SLI can only count requests below a boundary"
            )
