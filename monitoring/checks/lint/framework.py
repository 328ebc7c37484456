"""What every lint check shares: its metadata, the document it reads, and the problems it reports.

A check reads one kind of document: a dashboard's JSON, or one Prometheus rule (`applies_to`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeVar

from monitoring import promql
from monitoring.grafana.panel_places import panel_places
from monitoring.grafana.variables import STAND_IN_DURATION, substitute
from monitoring.promql.label_sets import SeriesInfo, stack_series
from monitoring.units import duration_ms, format_duration

if TYPE_CHECKING:  # `validate` lints out/ without importing the model
    from monitoring.model.metrics import AnyMetric
    from monitoring.model.rules import Alert, RecordingRule, VerbatimRule
    from monitoring.model.stack import Stack

Severity = Literal["error", "warning"]
DocumentKind = Literal["dashboard", "rule"]


@dataclass(frozen=True)
class Problem:
    """A diagnostic in two parts: a short summary, and a sentence naming the file, object and field."""

    check: str
    summary: str
    message: str
    severity: Severity = "error"

    def line(self) -> str:
        return f"{self.check}: {self.message}"


@dataclass(frozen=True)
class Query:
    """One query of a panel: where it is, as written, as parsed (stand-ins for variables), and the parse."""

    where: str
    expr: str
    substituted: str
    ast: Any = None  # None when it does not parse
    error: str = ""


@dataclass(frozen=True)
class PanelQuery:
    """A dashboard query read the way the rule checks read a rule's expression (`ast`, `where()`, `quoted()`),
    so that the label-aware checks judge panels too. Variables stand in for values of their kind (see
    `query_stand_ins`); a matcher or label that holds an unknown variable is not judged."""

    place: str
    expr: str
    ast: Any
    kind: str = "query"

    @cached_property
    def nodes(self) -> tuple[Any, ...]:
        """Every node of `ast`, walked once for all the checks that look at each."""
        return tuple(promql.nodes(self.ast))

    def where(self) -> str:
        """'<file>: dashboard 'API', panel 3 'Latency', field targets[0].expr'."""
        return self.place

    def quoted(self) -> str:
        """The query as written (variables and all), on one line, quoted."""
        return repr(" ".join(self.expr.split()))


@dataclass(frozen=True)
class DashboardDocument:
    """One dashboard's JSON, and where it came from (the file named in every message)."""

    source: str
    data: Mapping[str, Any]

    @cached_property
    def queries(self) -> tuple[Query, ...]:
        """Every non-empty query, parsed once for all the checks that read PromQL."""
        return _parse_queries(self)

    def panel_queries(self, ctx: LintContext) -> tuple[PanelQuery, ...]:
        """Every query that parses, with durations that mean what Grafana would put there (see
        `query_stand_ins`), for the checks that also read dashboards (`Check.reads_dashboards`)."""
        values = query_stand_ins(self.data, ctx)
        title = self.data.get("title")
        dashboard = f"dashboard {title!r}, " if isinstance(title, str) and title else ""
        found = []
        for ref, i, expr in _exprs(self.data):
            try:
                tree = promql.parse(substitute(expr, values))
            except ValueError:
                continue  # dashboard/promql reports it
            found.append(PanelQuery(f"{self.source}: {dashboard}{ref.label()}, field targets[{i}].expr", expr, tree))
        return tuple(found)


@dataclass(frozen=True)
class RuleDocument:
    """One alerting or recording rule as Prometheus evaluates it: its service, group, name and expression."""

    service: str
    group: str
    kind: Literal["alert", "record"]
    name: str
    expr: str
    # What alert checks read besides the expression: `for`, the group's evaluation interval (both in ms; 0 when
    # unset or unknown), every annotation, summary and description included, and the alert's own labels.
    for_ms: int = 0
    interval_ms: int = 0
    annotations: Mapping[str, str] = field(default_factory=dict)
    labels: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, service: str, group: str, rule: Alert | RecordingRule | VerbatimRule,
           interval: str | None = None) -> RuleDocument:
        from monitoring.model.rules import RecordingRule, VerbatimRule

        if isinstance(rule, RecordingRule) or (isinstance(rule, VerbatimRule) and rule.record):
            return cls(service, group, "record", rule.name, rule.expr, interval_ms=_ms(interval))
        if isinstance(rule, VerbatimRule):
            return cls(service, group, "alert", rule.name, rule.expr, _ms(rule.for_), _ms(interval),
                       dict(rule.annotations), dict(rule.labels))
        annotations = {"summary": rule.summary, "description": rule.description, **rule.annotations}
        return cls(service, group, "alert", rule.name, rule.expr, _ms(rule.for_), _ms(interval), annotations,
                   dict(rule.labels))

    @cached_property
    def ast(self) -> Any:
        """The parsed expression; rules are parsed when they are defined, so this does not fail."""
        return promql.parse(self.expr)

    @cached_property
    def nodes(self) -> tuple[Any, ...]:
        """Every node of `ast`, walked once for all the checks that look at each."""
        return tuple(promql.nodes(self.ast))

    def where(self) -> str:
        """Where, for a message: service 'api', rule group 'api.alerts', alert 'APIErrors', field expr."""
        return f"service {self.service!r}, rule group {self.group!r}, {self.kind} {self.name!r}, field expr"

    def quoted(self) -> str:
        """The expression on one line, quoted, to end a message."""
        return repr(" ".join(self.expr.split()))


# What a check that reads PromQL judges: a rule's expression, or a dashboard query read the same way.
Expression = RuleDocument | PanelQuery


@dataclass(frozen=True)
class CatalogEntry:
    """A metric of the catalog as the checks need it, without the model: its name, type and, for a histogram,
    whether it is native (one series, no `le`).

        CatalogEntry("http_requests_total", "counter")
    """

    name: str
    type: str
    native: bool = False


@dataclass(frozen=True)
class LintContext:
    """What checks may know besides the document: series names the stack defines (None: unknown), and the
    metric catalog, which says what type each series is."""

    known_series: frozenset[str] | None = None
    # The catalog's metrics: the model's, or anything with the same `name` and `type` ("counter", "gauge",
    # "histogram", "summary"), such as the records `validate` reads back from out/manifest.json.
    metrics: tuple[AnyMetric | CatalogEntry, ...] = ()
    # Series whose labels are known (catalog, Prometheus' own, the stack's recording rules): their labels,
    # declared values and scrape jobs. Checks stay quiet about a series that is not here.
    series: Mapping[str, SeriesInfo] = field(default_factory=dict)
    # Recorded series whose name something outside the stack fixes (RecordingRule.name_fixed_by): name -> who.
    fixed_names: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, stack: Stack) -> LintContext:
        """Everything the stack says about its series, for the rule checks."""
        return cls(stack.known_series(), stack.metrics, stack_series(stack), stack.fixed_record_names())

    @cached_property
    def longest_scrape_interval(self) -> int:
        """The longest scrape interval of any job the series are scraped by, in ms (0 when none is known)."""
        return max((ms for info in self.series.values() for ms in info.jobs.values()), default=0)

    @cached_property
    def gauges(self) -> frozenset[str]:
        return frozenset(m.name for m in self.metrics if m.type == "gauge")

    @cached_property
    def native_histograms(self) -> frozenset[str]:
        """Native histograms: one series each, whose buckets carry no `le` label."""
        return frozenset(m.name for m in self.metrics if m.type == "histogram" and getattr(m, "native", False))

    @cached_property
    def counters(self) -> dict[str, str]:
        """Every series that only grows, named for a message: "counter 'x_total'", or for a histogram's or
        summary's counter part "'x_count' (a counter of histogram 'x')"."""
        found: dict[str, str] = {}
        for metric in self.metrics:
            if metric.type == "counter":
                found[metric.name] = f"counter {metric.name!r}"
            elif metric.type in ("histogram", "summary"):
                parts = ("_bucket", "_count", "_sum") if metric.type == "histogram" else ("_count", "_sum")
                parts = ("",) if getattr(metric, "native", False) else parts  # a native histogram: one series
                found.update({metric.name + part: f"{metric.name + part!r} (a counter of {metric.type} "
                                                  f"{metric.name!r})" for part in parts})
        return found


def _ms(duration: str | None) -> int:
    return duration_ms(duration) if duration else 0


Document = TypeVar("Document", DashboardDocument, RuleDocument)


@dataclass(frozen=True)
class Check(Generic[Document]):
    """A check's metadata, in the spirit of pint's CheckMeta: id, severity, whether it needs a server, and the
    kind of document it reads (dashboard checks get a DashboardDocument, rule checks a RuleDocument)."""

    id: str
    summary: str
    run: Callable[[Document, LintContext], list[Problem]]
    severity: Severity = "error"
    online: bool = False
    applies_to: DocumentKind = "dashboard"
    # A rule check that also reads every dashboard query, as a PanelQuery (the label-aware checks).
    reads_dashboards: bool = False

    @property
    def module(self) -> str:
        """The module that holds the check: 'dashboard/panel-ids' -> 'dashboard_panel_ids'."""
        return self.id.replace("/", "_").replace("-", "_")

    @property
    def doc(self) -> str:
        """The doc page, relative to the repository root."""
        return f"docs/checks/{self.id}.md"

    def problem(self, summary: str, message: str) -> Problem:
        return Problem(self.id, summary, message, self.severity)


@dataclass(frozen=True)
class PanelRef:
    """A panel and its place in the dashboard: `panels[3]` or `panels[2].panels[0]` for collapsed rows."""

    path: str
    panel: Mapping[str, Any]
    parent: Mapping[str, Any] | None = field(default=None)

    def label(self) -> str:
        title = self.panel.get("title")
        ident = self.panel.get("id")
        name = f"panel {ident}" if isinstance(ident, int) else f"panel at {self.path}"
        return f"{name} {title!r}" if isinstance(title, str) and title else name


def iter_panels(data: Mapping[str, Any]) -> Iterator[PanelRef]:
    """Every panel, rows first and then the panels a collapsed row holds."""
    for panels, index, path, row in panel_places(data):
        yield PanelRef(path, panels[index], row)


def targets(ref: PanelRef) -> Iterator[tuple[int, Mapping[str, Any]]]:
    items = ref.panel.get("targets")
    if isinstance(items, list):
        for i, target in enumerate(items):
            if isinstance(target, dict):
                yield i, target


def prometheus_targets(ref: PanelRef) -> Iterator[tuple[int, Mapping[str, Any]]]:
    """The panel's targets that query Prometheus: those whose data source (the target's own, else the panel's)
    is of type "prometheus", a variable's type, or not set at all (the dashboard's default, which the normaliser
    makes the Prometheus `$datasource`). Not those of another type, such as {"type": "loki", ...} or Grafana's
    expressions ("__expr__"), whose queries are not PromQL; nor those whose type is unknown, a reference by uid
    alone such as {"uid": "Logs"}, which dashboard/datasource-type reports."""
    for i, target in targets(ref):
        if datasource_type(target, ref) in ("prometheus", None):
            yield i, target


def datasource_type(target: Mapping[str, Any], ref: PanelRef) -> str | Literal[False] | None:
    """The type of the target's data source (its own, else its panel's): "prometheus", "loki"...; None for a
    variable's type or none set (the default); False when it is not known (a reference without a type)."""
    source = target.get("datasource") or ref.panel.get("datasource")
    if not isinstance(source, dict):
        return None  # none (the default), or not a reference at all: dashboard/target-schema's to report
    kind, uid = source.get("type"), source.get("uid")
    if isinstance(kind, str) and kind and not kind.startswith("$"):
        return kind
    if (isinstance(kind, str) and kind.startswith("$")) or (isinstance(uid, str) and uid.startswith("$")) or not uid:
        return None
    return False


def field_path(parts: Sequence[str | int]) -> str:
    """'fieldConfig.defaults.custom.lineWidth' or 'targets[0].expr' from a sequence of keys and indexes."""
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def at_panel(doc: DashboardDocument, ref: PanelRef, field_name: str) -> str:
    """'<file>: panel 3 'Latency', field targets[0].expr' for a message."""
    return f"{doc.source}: {ref.label()}, field {field_name}"


def at_dashboard(doc: DashboardDocument, field_name: str) -> str:
    return f"{doc.source}: dashboard {doc.data.get('title', '')!r}, field {field_name}"


def stand_ins(data: Mapping[str, Any]) -> dict[str, str]:
    """Values for the dashboard's own variables: interval variables hold durations, constants their value,
    custom and text box variables their current (or first) value, so that `topk($topk, ...)` parses."""
    templating = data.get("templating")
    values: dict[str, str] = {}
    for variable in templating.get("list", []) if isinstance(templating, Mapping) else []:
        if not isinstance(variable, Mapping) or not isinstance(variable.get("name"), str):
            continue
        if variable.get("type") == "interval":
            values[variable["name"]] = STAND_IN_DURATION
        elif variable.get("type") == "constant" and isinstance(variable.get("query"), str):
            values[variable["name"]] = variable["query"]
        elif variable.get("type") in ("custom", "textbox") and (value := _chosen_value(variable)) is not None:
            values[variable["name"]] = value
    return values


def _chosen_value(variable: Mapping[str, Any]) -> str | None:
    """The one value a custom or text box variable holds now: its current value, else its first option, else
    (a text box) its query; None when that is several values or "All", which stand for any value."""
    current = variable.get("current")
    candidates = [current.get("value") if isinstance(current, Mapping) else None]
    options = variable.get("options")
    candidates += [o.get("value") for o in options[:1] if isinstance(o, Mapping)] if isinstance(options, list) else []
    query = variable.get("query")
    candidates.append(query.split(",")[0].strip() if isinstance(query, str) and query else None)
    for value in candidates:
        if value is None or value == "":
            continue
        return value if isinstance(value, str) and "$" not in value else None  # a list, or All: any value
    return None


# Grafana's own floor for $__interval: the data source's scrape interval, 15s unless set.
GRAFANA_MIN_INTERVAL_MS = 15_000
_RELATIVE = re.compile(r"^now-(\d+[smhdwy])$")


def query_stand_ins(data: Mapping[str, Any], ctx: LintContext) -> dict[str, str]:
    """Values for the variables of a dashboard's queries, chosen so that the checks judge what Grafana runs:

    - `$__rate_interval` is at least four scrapes (Grafana computes it from the data source's scrape interval,
      which has to be the jobs'): four of the longest interval the stack scrapes at;
    - `$__interval` and `$__auto` can be as short as the data source's scrape interval: 15s, Grafana's default;
    - `$__range` is the dashboard's time range (`now-6h` -> 6h);
    - an interval variable, the shortest value it offers; a constant, its value;
    - anything else stays unknown (PLACEHOLDER), and what holds it is not judged.
    """
    values = stand_ins(data)
    templating = data.get("templating")
    for variable in templating.get("list", []) if isinstance(templating, Mapping) else []:
        if isinstance(variable, Mapping) and variable.get("type") == "interval" and isinstance(variable.get("name"),
                                                                                                str):
            values[variable["name"]] = _shortest(str(variable.get("query") or "")) or STAND_IN_DURATION
    scrapes = 4 * (ctx.longest_scrape_interval or GRAFANA_MIN_INTERVAL_MS)
    values.update({"__rate_interval": format_duration(scrapes),
                   "__interval": format_duration(GRAFANA_MIN_INTERVAL_MS),
                   "__auto": format_duration(GRAFANA_MIN_INTERVAL_MS)})
    time = data.get("time")
    start = time.get("from") if isinstance(time, Mapping) else None
    match = _RELATIVE.match(start) if isinstance(start, str) else None
    values["__range"] = match[1] if match else "6h"
    return values


def _shortest(options: str) -> str | None:
    durations = []
    for option in options.split(","):
        try:
            durations.append(duration_ms(option.strip()))
        except ValueError:
            continue  # 'auto' and friends
    return format_duration(min(durations)) if durations else None


def _exprs(data: Mapping[str, Any]) -> Iterator[tuple[PanelRef, int, str]]:
    """(panel, target index, expr) for every non-empty query expression of the dashboard that is PromQL."""
    for ref in iter_panels(data):
        for i, target in prometheus_targets(ref):
            expr = target.get("expr")
            if isinstance(expr, str) and expr.strip():
                yield ref, i, expr


def _parse_queries(doc: DashboardDocument) -> tuple[Query, ...]:
    values = stand_ins(doc.data)
    found = []
    for ref, i, expr in _exprs(doc.data):
        substituted = substitute(expr, values)
        try:
            found.append(Query(at_panel(doc, ref, f"targets[{i}].expr"), expr, substituted, promql.parse(substituted)))
        except ValueError as exc:
            # Quote the query as written, not with the stand-ins.
            reason = str(exc).removesuffix(f": {' '.join(substituted.split())!r}")
            found.append(Query(at_panel(doc, ref, f"targets[{i}].expr"), expr, substituted, error=reason))
    return tuple(found)
