"""OpenSLO v1 specs read into SLO definitions: SLO, SLI, AlertPolicy and AlertCondition objects (inline or
referenced by name, in any document of any file read together), with Prometheus data sources.

How OpenSLO maps onto the model:
- an SLO with n objectives is n SLOs (`<name>` for one, `<name>-<objective displayName>` for several);
- `ratioMetric` good/total or bad/total: each query is a counter's vector selector (summed and rated over each
  window) or PromQL over `{{window}}`; bad events are total - good when the spec counts good ones;
- a rolling `timeWindow` of days or weeks is the period; `budgetingMethod: Occurrences` is the model's budget;
- each AlertCondition (`kind: burnrate`, `op: gt`) is a window pair: its lookbackWindow the long window, a twelfth
  of it the short one (as in the SRE Workbook's 1h/5m), its threshold the burn rate, its alertAfter the tier's
  `for`. Conditions of the severity with the highest burn rate are the page tier, the other severity the ticket.

Everything else is named: an error for what would change the meaning (another data source type, timeslice
budgeting, calendar windows, raw ratios, threshold metrics, composite objectives), a note for what belongs to
the stack rather than to the SLO (data source connection details, notification targets).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from monitoring import promql
from monitoring.imports.yaml_input import written_items
from monitoring.model.slo import (
    SLO,
    WINDOW_PLACEHOLDER,
    AlertTier,
    AlertWindow,
    CalendarPeriod,
    SLOAlerting,
    Timeslices,
    WindowPolicy,
)
from monitoring.slo.naming import NAMINGS
from monitoring.slo.spec_input import ImportedSpecs, Spec, make, period_of
from monitoring.units import duration_ms, format_duration

API_VERSION = "openslo/v1"
KINDS = ("SLO", "SLI", "AlertPolicy", "AlertCondition", "AlertNotificationTarget", "DataSource", "Service")
PROMETHEUS = "prometheus"
DEFAULT_PERIOD = "30d"
# The short window of a burn-rate condition is this share of its lookback window (the Workbook's 1h/5m, 6h/30m).
SHORT_WINDOW_SHARE = 12
SHORTEST_SHORT_WINDOW_MS = 60_000
_PLACEHOLDER = re.compile(r"\{\{\s*\.?window\s*\}\}")
_LABEL_NAME = re.compile(r"[^A-Za-z0-9_]")


@dataclass
class Objects:
    """The OpenSLO objects of every file read, by kind and name; SLOs are resolved once all are in."""

    by_kind: dict[str, dict[str, Spec]] = field(default_factory=lambda: {kind: {} for kind in KINDS})
    referenced: set[tuple[str, str]] = field(default_factory=set)

    def add(self, spec: Spec) -> bool:
        """Keep an OpenSLO document; False when the document is not OpenSLO."""
        api = spec.data.get("apiVersion")
        if not (isinstance(api, str) and api.startswith("openslo/")):
            return False
        if api != API_VERSION:
            raise spec.unsupported("apiVersion", f"{api!r}: this importer reads OpenSLO {API_VERSION}")
        spec.get("apiVersion")
        kind = spec.text("kind")
        if kind not in KINDS:
            raise spec.error(f"kind {kind!r} is not an OpenSLO v1 kind ({', '.join(KINDS)})", key="kind")
        name = _name(spec)
        if name in self.by_kind[kind]:
            raise spec.error(f"{kind} {name!r} is defined twice (also at {self.by_kind[kind][name].at()})")
        self.by_kind[kind][name] = spec
        return True

    def ref(self, kind: str, spec: Spec, key: str) -> Spec:
        """The object of kind that spec's field key names; an error naming the field when none was read."""
        name = spec.text(key)
        if name not in self.by_kind[kind]:
            known = ", ".join(sorted(self.by_kind[kind])) or "none"
            raise spec.error(f"{spec.name(key)} {name!r} names no {kind} in the files read ({kind}s: {known})",
                             key=key)
        self.referenced.add((kind, name))
        return self.by_kind[kind][name]

    def resolve(self, result: ImportedSpecs) -> None:
        """Every SLO into result; the objects no SLO refers to are named in a warning (a Service, a notification
        target: the stack's own definitions say what they say)."""
        for spec in self.by_kind["SLO"].values():
            _slo(spec, self, result)
        for kind in KINDS[1:]:
            for name, spec in self.by_kind[kind].items():
                spec.get("kind", "metadata", "spec")
                spec.done()
                if (kind, name) not in self.referenced:
                    result.unused.append(f"{spec.at()}: {kind} {name!r} is used by no SLO read; not imported")


def _name(spec: Spec) -> str:
    metadata = spec.need_child("metadata")
    return metadata.need_text("name")


def _metadata(spec: Spec, notes: list[str],
              reserved: tuple[str, ...] = NAMINGS["default"].reserved) -> tuple[str, str | None, dict[str, str]]:
    """name, displayName and the labels of an object's metadata (annotations are noted: they are tool-specific)."""
    metadata = spec.need_child("metadata")
    name = metadata.need_text("name")
    display = metadata.text("displayName")
    labels: dict[str, str] = {}
    raw = metadata.get("labels", default={}) or {}
    if not isinstance(raw, Mapping):
        raise metadata.error("metadata.labels must be a mapping of label names to values", key="labels")
    for key, value in written_items(raw).items():
        label = _LABEL_NAME.sub("_", str(key))
        if label != str(key):
            notes.append(f"{name}: metadata.labels.{key} is the label {label} (Prometheus label names are "
                         "letters, digits and _)")
        if label in reserved:
            notes.append(f"{name}: metadata.labels.{key}: label {label} is reserved here; kept as spec_{label}")
            label = "spec_" + label
        if isinstance(value, list):
            notes.append(f"{name}: metadata.labels.{key} has several values; kept as one, comma-separated")
            value = ",".join(str(v) for v in value)
        labels[label] = str(value)
    annotations = metadata.get("annotations")
    if annotations:
        notes.append(f"{name}: metadata.annotations ({', '.join(sorted(map(str, annotations)))}) are "
                     "tool-specific and not carried")
    metadata.done()
    return name, display, labels


def _unlabelled(spec: Spec, kind: str, notes: list[str]) -> str:
    """The name of an object whose labels have nowhere to go but a note."""
    name, _, labels = _metadata(spec, notes)
    if labels:
        notes.append(f"{kind} {name}: metadata.labels ({', '.join(sorted(labels))}) are not carried")
    return name


def _inline_or_ref(item: Spec, objects: Objects, kind: str, ref_key: str) -> Spec:
    """An object given inline (kind/metadata/spec) or by reference (ref_key: name)."""
    if item.present(ref_key):
        target = objects.ref(kind, item, ref_key)
        item.done()
        return target
    item.get("kind")
    if item.data.get("kind") not in (None, kind):
        raise item.error(f"{item.name('kind')} must be {kind}", key="kind")
    return item


def _source_type(source: Spec, objects: Objects, notes: list[str]) -> str:
    given = source.text("type")
    if source.present("metricSourceRef"):
        data_source = objects.ref("DataSource", source, "metricSourceRef")
        body = data_source.need_child("spec")
        referenced = body.text("type")
        if body.get("connectionDetails") is not None:
            notes.append(f"DataSource {_name(data_source)}: connectionDetails are not carried; the rules run in "
                         "the stack's Prometheus")
        body.get("description")
        body.done()
        if given is not None and referenced is not None and given.lower() != referenced.lower():
            raise source.error(f"{source.name('type')} {given!r} differs from the type {referenced!r} of "
                               f"DataSource {_name(data_source)!r}", key="type")
        given = given or referenced
    if given is None:
        raise source.error(f"{source.name('type')} is required (or metricSourceRef naming a DataSource)")
    return given


def _query(metric: Spec, objects: Objects, notes: list[str]) -> tuple[str, bool]:
    """The PromQL of one of good/bad/total over {{window}}, and whether it was a plain selector."""
    source = metric.need_child("metricSource")
    kind = _source_type(source, objects, notes)
    if kind.lower() != PROMETHEUS:
        raise source.unsupported("type", f"{kind!r}: only Prometheus data sources map onto Prometheus rules")
    body = source.need_child("spec")
    query = str(body.require("query")).strip()
    body.done()
    source.done()
    metric.done()
    if _PLACEHOLDER.search(query):
        return query, False
    try:
        node = promql.parse(query)
    except ValueError as exc:
        raise body.error(f"{body.name('query')} does not parse: {exc}", key="query") from None
    if type(node).__name__ != "VectorSelector":
        raise body.error(f"{body.name('query')} {query!r} must be a counter's vector selector (rated over each "
                         f"window) or PromQL over {WINDOW_PLACEHOLDER}", key="query")
    return f"sum(rate({query}[{WINDOW_PLACEHOLDER}]))", True


def _sli(sli: Spec, objects: Objects, notes: list[str]) -> tuple[dict[str, str], str | None]:
    """The QuerySLI fields of an SLI spec, and its description."""
    body = sli.need_child("spec")
    description = body.text("description")
    if body.present("thresholdMetric"):
        raise body.unsupported("thresholdMetric", "a threshold metric needs an SLI that counts the time a value "
                               "meets its threshold, which the model does not have yet; write a ratioMetric")
    ratio = body.need_child("ratioMetric")
    body.done()
    if ratio.present("raw", "rawType"):
        raise ratio.unsupported(ratio.present("raw", "rawType") or "raw",
                                "a precomputed ratio cannot be weighted by traffic; write good (or bad) and total")
    if ratio.get("counter") is False:
        raise ratio.unsupported("counter", "false (gauges): the SLI rates counters; write counters, or PromQL over "
                                f"{WINDOW_PLACEHOLDER}")
    good, bad = ratio.child("good"), ratio.child("bad")
    if (good is None) == (bad is None):
        raise ratio.error(f"{ratio.name('ratioMetric')} needs exactly one of good and bad")
    total, _ = _query(ratio.need_child("total"), objects, notes)
    ratio.done()
    if bad is not None:
        return {"type": "query", "errors": _query(bad, objects, notes)[0], "total": total}, description
    assert good is not None
    good_query, _ = _query(good, objects, notes)
    # Bad events are all events but the good ones; each side is parenthesised unless it is one sum(...).
    return {"type": "query", "errors": f"{_operand(total)} - {_operand(good_query)}", "total": total}, description


def _operand(query: str) -> str:
    return query if query.startswith("sum(rate(") and query.endswith("]))") and query.count("sum(") == 1 else (
        f"({query})")


# Calendar-aligned windows the model reports on: the unit, and the rolling period its alerts use meanwhile.
CALENDAR_UNITS = {"1M": ("month", "30d"), "1w": ("week", "7d"), "7d": ("week", "7d")}


def _period(body: Spec, notes: list[str], name: str) -> tuple[str, CalendarPeriod | None]:
    """The rolling period, and the calendar period of a calendar-aligned window (alerts stay rolling)."""
    windows = list(body.children("timeWindow"))
    if not windows:
        notes.append(f"{name}: no timeWindow; the period is {DEFAULT_PERIOD}")
        return DEFAULT_PERIOD, None
    if len(windows) > 1:
        raise body.error(f"{body.name('timeWindow')} must hold exactly one window", key="timeWindow")
    window = windows[0]
    duration = str(window.require("duration"))
    calendar, rolling = window.child("calendar"), window.get("isRolling")
    if calendar is not None and rolling is True:
        raise window.error(f"{window.name('isRolling')} must be false for a calendar-aligned window", key="isRolling")
    if calendar is None and rolling is not False:
        window.done()
        return period_of(window, "duration", duration), None
    if calendar is None:
        raise window.error(f"{window.name('calendar')} is required when isRolling is false")
    if duration not in CALENDAR_UNITS:
        raise window.unsupported("duration", f"{duration!r}: a calendar-aligned window is a month (1M) or a week "
                                 "(1w) here")
    unit, period = CALENDAR_UNITS[duration]
    zone = calendar.text("timeZone", default="UTC")
    if calendar.get("startTime") is not None:
        notes.append(f"{name}: timeWindow calendar startTime {calendar.text('startTime')}: each {unit} starts at "
                     f"its calendar boundary in {zone}")
    calendar.done()
    window.done()
    notes.append(f"{name}: the error budget is reported per calendar {unit}; alerts use a rolling {period}")
    return period, make(calendar, CalendarPeriod, unit=unit, timezone=zone)


def _budgeting(method: str, objective: Spec) -> Timeslices | None:
    """Timeslices budgeting of an objective (its timeSliceWindow and timeSliceTarget), None for Occurrences."""
    if method == "Occurrences":
        for key in ("timeSliceTarget", "timeSliceWindow"):
            if objective.present(key):
                raise objective.unsupported(key, "it belongs to timeslice budgeting, and budgetingMethod is "
                                            "Occurrences")
        return None
    window = objective.get("timeSliceWindow")
    target = objective.get("timeSliceTarget")
    if window is None or target is None:
        raise objective.error(f"{objective.name('timeSliceWindow')} and timeSliceTarget are required with "
                              "budgetingMethod Timeslices")
    # A bare number is minutes (OpenSLO's default unit).
    text = f"{window}m" if isinstance(window, int | float) else str(window)
    return make(objective, Timeslices, window=text, target=str(target))


def _objective(objective: Spec) -> Decimal:
    target, percent = objective.get("target"), objective.get("targetPercent")
    if (target is None) == (percent is None):
        raise objective.error(f"{objective.name('target')} or targetPercent is required (exactly one)")
    try:
        return Decimal(str(percent)) if percent is not None else Decimal(str(target)) * 100
    except InvalidOperation:
        raise objective.error(f"{objective.name('target')} {target or percent!r} is not a number") from None


@dataclass(frozen=True)
class _Condition:
    severity: str
    burn: Decimal
    long: str
    after: str | None
    spec: Spec


def _condition(item: Spec, objects: Objects, notes: list[str]) -> _Condition:
    condition = _inline_or_ref(item, objects, "AlertCondition", "conditionRef")
    name = _unlabelled(condition, "AlertCondition", notes)
    body = condition.need_child("spec")
    severity = body.need_text("severity")
    if body.text("description"):
        notes.append(f"AlertCondition {name}: description not carried (the alerts describe their windows)")
    rule = body.need_child("condition")
    body.done()
    kind = rule.text("kind", default="burnrate")
    if kind != "burnrate":
        raise rule.unsupported("kind", f"{kind!r}: only burnrate conditions map onto burn-rate alerts")
    op = rule.text("op")
    if op not in ("gt", "gte"):
        raise rule.unsupported("op", f"{op!r}: a burn-rate alert fires above its threshold (gt or gte)")
    if op == "gte":
        notes.append(f"AlertCondition {name}: op gte fires above the threshold (the same but at equality)")
    try:
        burn = Decimal(str(rule.require("threshold")))
    except InvalidOperation:
        raise rule.error(f"{rule.name('threshold')} must be a number", key="threshold") from None
    long = str(rule.require("lookbackWindow"))
    after = rule.text("alertAfter")
    rule.done()
    condition.done()
    return _Condition(severity, burn, long, None if after in (None, "0m", "0s") else after, rule)


def _alerting(body: Spec, objects: Objects, notes: list[str], name: str) -> tuple[SLOAlerting, WindowPolicy | None]:
    conditions: list[_Condition] = []
    for item in body.children("alertPolicies"):
        policy = _inline_or_ref(item, objects, "AlertPolicy", "alertPolicyRef")
        policy_name = _unlabelled(policy, "AlertPolicy", notes)
        spec = policy.need_child("spec")
        if spec.get("alertWhenBreaching") is False:
            raise spec.unsupported("alertWhenBreaching", "false: burn-rate alerts fire while the budget burns")
        if spec.get("alertWhenNoData"):
            raise spec.unsupported("alertWhenNoData", "true: an SLO with no data has no burn rate to alert on")
        if spec.get("alertWhenResolved") is not None:
            notes.append(f"AlertPolicy {policy_name}: alertWhenResolved is the receivers' send_resolved in the "
                         "stack's routing")
        spec.get("description")
        for target in spec.children("notificationTargets"):
            objects.referenced.add(("AlertNotificationTarget", str(target.data.get("targetRef"))))
            notes.append(f"AlertPolicy {policy_name}: notification target "
                         f"{target.data.get('targetRef') or target.data.get('metadata', {}).get('name')} is "
                         "the stack's routing (route on the severity label)")
        found = list(spec.children("conditions"))
        if len(found) != 1:
            raise spec.error(f"{spec.name('conditions')} must hold exactly one condition", key="conditions")
        conditions.append(_condition(found[0], objects, notes))
        spec.done()
        policy.get("kind", "metadata")
        policy.done()
    if not conditions:
        notes.append(f"{name}: no alertPolicies; alerts use the built-in multi-window policy")
        return SLOAlerting(), None
    return _tiers(conditions, body)


def _tiers(conditions: list[_Condition], body: Spec) -> tuple[SLOAlerting, WindowPolicy]:
    """The severity with the fastest burn rate pages; another tickets."""
    severities = sorted({c.severity for c in conditions}, key=lambda s: -max(c.burn for c in conditions
                                                                              if c.severity == s))
    if len(severities) > 2:
        raise body.unsupported("alertPolicies", f"severities {', '.join(severities)}: alerts have two tiers "
                               "(page and ticket), so at most two severities")
    rows, tiers = [], {}
    for tier, severity in zip(("page", "ticket"), severities, strict=False):
        mine = [c for c in conditions if c.severity == severity]
        holds = {c.after for c in mine}
        if len(holds) > 1:
            raise mine[-1].spec.error(f"the {severity} conditions wait different alertAfter times "
                                      f"({', '.join(sorted(str(h) for h in holds))}); one tier has one")
        tiers[tier] = AlertTier(severity=severity, **({"for": holds.pop()} if None not in holds else {}))
        for condition in mine:
            long_ms = duration_ms(condition.long)
            short_ms = max(long_ms // SHORT_WINDOW_SHARE, SHORTEST_SHORT_WINDOW_MS)
            if short_ms >= long_ms:
                raise condition.spec.error(f"lookbackWindow {condition.long} is too short for a burn-rate window "
                                           "pair (at least 2m)", key="lookbackWindow")
            rows.append(AlertWindow(tier=tier, long=condition.long, short=format_duration(short_ms),
                                    burn_rate=condition.burn))
    if "ticket" not in tiers:
        tiers["ticket"] = AlertTier(severity="warning", enabled=False)
    return SLOAlerting(**tiers), WindowPolicy(windows=tuple(rows))


def _objective_name(name: str, objective: Spec, number: int, count: int) -> str:
    if count == 1:
        return name
    display = objective.text("displayName") or ""
    slug = re.sub(r"[^a-z0-9]+", "-", display.lower()).strip("-")
    return f"{name}-{slug or number + 1}"


def _slo(doc: Spec, objects: Objects, result: ImportedSpecs) -> None:
    notes: list[str] = []
    name, display, labels = _metadata(doc, notes, result.reserved)
    body = doc.need_child("spec")
    service = body.need_text("service")
    objects.referenced.add(("Service", service))  # a Service object of that name, if any, is this one
    imported = result.service(service, doc.path.name)
    if body.present("indicator", "indicatorRef") is None:
        raise body.error(f"{body.name('indicator')} or indicatorRef is required")
    indicator = (objects.ref("SLI", body, "indicatorRef") if body.present("indicatorRef")
                 else body.need_child("indicator"))
    indicator.get("kind", "apiVersion")
    labels = {**_metadata(indicator, notes, result.reserved)[2], **labels}
    sli, sli_description = _sli(indicator, objects, notes)
    indicator.done()
    period, calendar = _period(body, notes, name)
    method = body.text("budgetingMethod")
    if method is None:
        raise body.error(f"{body.name('budgetingMethod')} is required (Occurrences or Timeslices)")
    if method not in ("Occurrences", "Timeslices"):
        raise body.unsupported("budgetingMethod", f"{method!r}: the average of the slices' ratios is not "
                               "supported yet; Occurrences and Timeslices are")
    alerting, policy = _alerting(body, objects, notes, name)
    description = ". ".join(t.rstrip(".") for t in (display, body.text("description"), sli_description) if t)
    objectives = list(body.children("objectives"))
    if not objectives:
        raise body.error(f"{body.name('objectives')} needs at least one objective", key="objectives")
    body.done()
    doc.get("kind")
    doc.done()
    for number, objective in enumerate(objectives):
        for key in ("indicator", "indicatorRef", "compositeWeight"):
            if objective.present(key):
                raise objective.unsupported(key, "composite SLOs are not supported; write one SLO per indicator")
        for key in ("op", "value"):
            if objective.present(key):
                raise objective.unsupported(key, "it belongs to threshold metrics, which are not supported yet")
        budgeting = _budgeting(method, objective)
        percent = _objective(objective)
        objective.get("displayName")
        objective.done()
        slo = make(objective, SLO, name=_objective_name(name, objective, number, len(objectives)), service=service,
                   objective=percent, period=period, description=description, labels=labels, sli=sli,
                   alerting=alerting, naming=result.naming,
                   **({"window_policy": policy} if policy is not None else {}),
                   **({"budgeting": budgeting} if budgeting is not None else {}),
                   **({"calendar": calendar} if calendar is not None else {}))
        imported.add(slo, objective)
    imported.notes.extend(notes)
