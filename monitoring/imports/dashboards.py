"""Grafana dashboard JSON (file or API form, any schemaVersion) to a model Dashboard, or kept as JSON.

A dashboard becomes a `Dashboard` only when the model keeps everything it states that Grafana acts on. Old panels
are first migrated as Grafana migrates them (graph to timeseries, singlestat to stat or gauge: see
legacy_dashboard); the dashboard is mapped onto the model, the model's dashboard rendered as `generate` renders
it, and every setting of the migrated input compared with what the rendering holds at the same place. One
setting the rendering lacks or holds at another value (a variable's regex, a panel's time shift, a value
mapping, a log axis, a query's min interval...) keeps the dashboard as Grafana JSON, and the module says which
(the first few). JSON is always safe: generate normalises it keeping what it states, and `monitoring validate`
checks it against Grafana's schemas.

What the comparison leaves out: what an export records that Grafana does not act on (ids, versions, the
selection a variable had when exported, a query's refId), the data source references (the model's panels query
Prometheus through `$datasource`; a dashboard whose queries go to more than one data source is kept as JSON),
and values that state what Grafana does when they are absent (null, "", [], {} and the defaults in
`_DEFAULTS`).

Malformed input (a value the mapping reads of another kind than Grafana's schema gives it, a threshold step
without its colour) is an error naming the file and the JSON path; so is a title Grafana refuses, and whatever
`generate` would refuse of the JSON kept, by generate's own reading. A uid Grafana does not take is replaced by
one made from it, with a note.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from typing import Annotated, Any, get_args

from pydantic import BaseModel, TypeAdapter, ValidationError

from monitoring import conventions, promql
from monitoring.checks.shapes import OPTIONAL
from monitoring.errors import DefinitionError
from monitoring.grafana import emit, legacy_dashboard
from monitoring.grafana.dashboards import render_dashboard
from monitoring.grafana.datasource import DATASOURCE_VARIABLE
from monitoring.grafana.normalise import (
    NormaliseError,
    inline_library_panels,
    json_problem,
    variable_name,
    variable_types,
)
from monitoring.grafana.schemas import MIGRATED_PANEL_TYPES
from monitoring.grafana.variables import substitute
from monitoring.imports import input_shapes
from monitoring.imports.source import Mapping, SourceFile
from monitoring.model.common import Title
from monitoring.model.dashboards import (
    STANDARD_VARIABLES,
    Dashboard,
    DashboardRow,
    DashboardSettings,
    DashboardVariable,
    Panel,
    PanelQuery,
    PanelType,
    Threshold,
)

# The old types the model's panels take once migrated as Grafana migrates them; the others' migrated settings
# (a pie chart's, table-old's column styles) do not map, so such dashboards are kept as JSON.
_MIGRATED = {old: MIGRATED_PANEL_TYPES[old] for old in ("graph", "singlestat")}
_MODEL_TYPES = set(get_args(PanelType))
_DEFAULT_SOURCES = (None, "", "default")
_MIXED = "-- Mixed --"
# Grafana's own data sources, referred to by name in old dashboards: neither queries Prometheus.
_BUILT_IN_TYPES = {"-- Grafana --": "grafana", "-- Dashboard --": "datasource"}
# A `job` variable the model writes itself: label_values(<series>, job), or of the series of some jobs.
_JOB_QUERY = re.compile(r'\Alabel_values\(([A-Za-z_:][A-Za-z0-9_:]*)(?:\{job=~"([^"|]+(?:\|[^"|]+)*)"\})?, job\)\Z')

# What the mapping reads beyond the shapes `input_shapes` checks, of the kinds Grafana's schema gives them: a
# threshold step's colour and a variable's name and type among them (Grafana's schema requires them; a step
# without a colour shows none, a variable without a name cannot be used). Null stands for absent, as Grafana
# reads it.
_STEP = {"color": str, OPTIONAL: {"value": (int, float, None)}}
_MODE = ({OPTIONAL: {"mode": (str, None)}}, None)
_DEFAULTS_READ = {OPTIONAL: {"thresholds": ({OPTIONAL: {"steps": ([_STEP], None)}}, None),
                             "custom": ({OPTIONAL: {"stacking": _MODE, "thresholdsStyle": _MODE}}, None)}}
_PANEL_READ: dict[str, Any] = {OPTIONAL: {
    "fieldConfig": ({OPTIONAL: {"defaults": (_DEFAULTS_READ, None)}}, None),
    "options": ({OPTIONAL: {"content": (str, None)}}, None)}}
_PANEL_READ[OPTIONAL]["panels"] = ([_PANEL_READ], None)  # a row's
_VARIABLE_READ = {"name": str, "type": str, OPTIONAL: {"multi": (bool, None), "includeAll": (bool, None),
                             "query": (str, {OPTIONAL: {"query": (str, None)}}, None)}}
_READS = {OPTIONAL: {
    "panels": ([_PANEL_READ], None), "rows": ([{OPTIONAL: {"panels": ([_PANEL_READ], None)}}], None),
    "templating": ({OPTIONAL: {"list": ([_VARIABLE_READ], None)}}, None),
    "description": (str, None), "timezone": (str, None), "weekStart": (str, None),
    "refresh": (str, bool, None),  # old Grafana wrote false for no refresh
    "time": ({OPTIONAL: {"from": (str, None), "to": (str, None)}}, None)}}

# --- what the comparison leaves out --------------------------------------------------------------------------
# Paths below each object compared (a dashboard, a variable, a panel, a query), list indexes written `[]`.
# What an export records that Grafana does not act on: the object's identity in one instance, the state it was
# in when exported, the query editor's mode, legacy keys modern Grafana ignores. Data sources: see the module.
_IGNORED = {
    "dashboard": {"id", "version", "schemaVersion", "gnetId", "iteration", "revision", "__inputs", "__requires",
                  "__elements", "style", "hideControls", "panels", "templating", "annotations",
                  # Grafana 4's time picker settings, which its current one no longer reads.
                  "timepicker.time_options", "timepicker.collapse", "timepicker.enable", "timepicker.notice",
                  "timepicker.now", "timepicker.status", "timepicker.type"},
    "variable": {"current", "options", "datasource", "definition", "error", "index", "queryValue", "useTags",
                 "tags", "tagsQuery", "tagValuesQuery", "allFormat", "multiFormat"},
    "panel": {"id", "datasource", "pluginVersion", "targets", "panels", "scopedVars", "repeatIteration",
              "libraryPanel"},
    "target": {"refId", "datasource", "hide", "key", "editorMode", "queryType", "intervalMs", "maxDataPoints",
               "utcOffsetSec", "requestId", "range"},
    "dashboard_annotations": {"annotations.list[].datasource"},
}
# Values that state what Grafana does without them, where the model's rendering writes nothing.
_DEFAULTS: dict[str, dict[str, tuple[Any, ...]]] = {
    "dashboard": {"editable": (True,), "fiscalYearStartMonth": (0,), "liveNow": (False,), "preload": (False,),
                  "timepicker.hidden": (False,), "refresh": (False,)},
    "variable": {"hide": (0,), "skipUrlSync": (False,), "multi": (False,), "includeAll": (False,),
                 "allowCustomValue": (True,)},
    "panel": {"transparent": (False,), "hideTimeOverride": (False,), "collapsed": (False,),
              "repeatDirection": ("h",),
              "fieldConfig.defaults.custom.cellOptions.type": ("auto",),
              "options.reduceOptions.fields": ("",), "options.reduceOptions.values": (False,)},
    "target": {"exemplar": (False,), "intervalFactor": (1,), "instant": (False,), "format": ("time_series",)},
    "dashboard_annotations": {},
}
# Each panel's colour scheme when it gives none: by thresholds, except the time series' palette (written).
_THRESHOLD_COLORED = ("stat", "gauge", "bargauge", "table")
# The built-in annotation Grafana adds to every dashboard that lacks one: stating it, enabled and hidden, adds
# nothing.
_BUILT_IN_ANNOTATION = {"builtIn": 1, "enable": True, "hide": True}
# What the model's rendering adds to a panel that changes the data it shows (a table's columns renamed and
# sorted): a panel that does not state the same is not the model's.
_ADDED = ("transformations", "options.sortBy")
_SHOWN_LOSSES = 4  # settings the reason names; the count says how many more


@dataclass
class DashboardImport:
    """One dashboard: the model object, or the JSON it is kept as and the reason."""

    source: str
    title: str
    uid: str | None
    exprs: list[str] = field(default_factory=list)
    dashboard: Dashboard | None = None
    json: dict[str, Any] | None = None
    reason: str = ""
    notes: list[str] = field(default_factory=list)  # what modernising did and dropped, and what the import fixed


def is_dashboard(document: Any) -> bool:
    return isinstance(document, dict) and ("panels" in document or "rows" in document or "dashboard" in document)


def import_dashboard(source: SourceFile) -> DashboardImport:
    data = source.documents[0] if source.documents else None
    if isinstance(data, dict) and isinstance(data.get("dashboard"), dict):
        data = data["dashboard"]  # the HTTP API's {dashboard, meta} form
    if not isinstance(data, dict) or not isinstance(data.get("title"), str) or not (
        isinstance(data.get("panels"), list) or isinstance(data.get("rows"), list)
    ):
        raise source.error(1, "not a Grafana dashboard: expected an object with a title and a list of panels "
                              "(or {dashboard, meta} as the HTTP API returns it)")
    input_shapes.check(source, data, input_shapes.DASHBOARD)
    input_shapes.check(source, data, _READS)
    # What Python's JSON reader takes and Grafana's does not (NaN, Infinity, integers beyond 64 bits): the
    # dashboard is written out again, so it is refused here, by its path.
    problem = json_problem(data)
    if problem:
        raise source.error(1, f"not a dashboard Grafana can read: {problem}")
    title_problem = _problem(Title, data["title"])
    if title_problem:
        raise source.error(_line(data, "title"), f"title: {title_problem}")
    original = data
    data = copy.deepcopy(data)
    try:
        inline_library_panels(data)  # what they show is the dashboard's: in its code from now on
    except NormaliseError as exc:
        raise source.error(1, str(exc)) from None
    panels = _flat_panels(data)
    sources = _Sources(data)
    uid, uid_note = _usable_uid(data)
    result = DashboardImport(source.name, data["title"], uid)
    # Only Prometheus queries tell the catalog about metrics: a Loki query may parse as PromQL, but the names in
    # it are not Prometheus series.
    result.exprs = [t["expr"] for p in panels for t in p.get("targets") or []
                    if isinstance(t.get("expr"), str) and sources.kind(t, p) == "prometheus"]
    modern, result.notes = legacy_dashboard.modernise(data)
    try:
        if uid_note:
            raise _Unmapped(f"its uid {data['uid']!r} is not one Grafana takes")
        _check_old_types(panels)
        _check_one_source(data, panels, sources)
        dashboard = _model(modern, sources)
        lost = _losses(modern, render_dashboard(dashboard, DashboardSettings()))
        if lost:
            more = f" and {len(lost) - _SHOWN_LOSSES} more" if len(lost) > _SHOWN_LOSSES else ""
            raise _Unmapped(f"the model cannot hold these of its settings: {', '.join(lost[:_SHOWN_LOSSES])}{more}")
        result.dashboard = dashboard
    except (_Unmapped, DefinitionError, ValueError) as exc:
        result.reason = _reason(exc)
        if uid_note:
            modern["uid"] = uid
            result.notes.append(uid_note)
        result.json = modern
        _check_generate(source, original, modern)
    return result


def _reason(exc: Exception) -> str:
    """Why the model does not take the dashboard, on one line; a model error without the place in this module's
    code where it was raised, which says nothing of the dashboard."""
    if isinstance(exc, DefinitionError):
        text = f"{exc.definition}: {exc.problem}" if exc.definition else str(exc.problem)
    else:
        text = str(exc)
    return " ".join(text.split())


def _problem(kind: Any, value: Any) -> str | None:
    """Why the model's type `kind` refuses value (its own message), or None."""
    try:
        _adapter(kind).validate_python(value)
    except ValidationError as exc:
        return str(exc.errors()[0]["msg"]).removeprefix("Value error, ")
    return None


@cache
def _adapter(kind: Any) -> TypeAdapter[Any]:
    return TypeAdapter(kind)


def _field_accepts(model: type[BaseModel], name: str, value: Any) -> bool:
    """Whether the model's field takes value, by the field's own rules."""
    info = model.model_fields[name]
    kind = Annotated[(info.annotation, *info.metadata)] if info.metadata else info.annotation
    return _problem(kind, value) is None


def _line(data: Any, key: str) -> int:
    return (data.line_of(key) if isinstance(data, Mapping) else None) or getattr(data, "line", 0) or 1


def _usable_uid(data: dict[str, Any]) -> tuple[str | None, str]:
    """The dashboard's uid, or one made from it (else from the title) where Grafana would refuse it, and the
    note that says so."""
    uid = data.get("uid")
    if not uid or conventions.uid_problem(uid) is None:
        return uid or None, ""
    made = conventions.stable_uid(uid)
    if conventions.uid_problem(made) is not None:
        made = conventions.dashboard_uid(data["title"])
    return made, (f"the uid {uid!r} became {made!r}, as Grafana's uids are {conventions.UID_RULE}; links to the "
                  "old uid's address no longer reach the dashboard")


def _check_generate(source: SourceFile, original: dict[str, Any], kept: dict[str, Any]) -> None:
    """Refuse, naming the file, what `generate` would refuse of the kept JSON, by generate's own reading."""
    from monitoring.grafana.hand_written import json_dashboard  # imports the stack's model: only when needed

    name = "the kept JSON"
    try:
        json_dashboard("imported", copy.deepcopy(kept), name)
    except DefinitionError as exc:
        message = str(exc).removeprefix(f"custom dashboard {name}: ")
        key = exc.field if isinstance(exc.field, str) and exc.field in original else ""
        raise source.error(_line(original, key), f"{key + ': ' if key else ''}{message}") from None


def _check_old_types(panels: list[dict[str, Any]]) -> None:
    for panel in panels:
        kind = panel.get("type")
        if kind in MIGRATED_PANEL_TYPES and kind not in _MIGRATED:
            raise _Unmapped(f"panel {panel.get('title') or ''!r} has type {kind!r}, which the model lacks")


def _check_prometheus(target: dict[str, Any], panel: dict[str, Any], sources: _Sources) -> None:
    kind = sources.kind(target, panel)
    if kind == "prometheus":
        return
    title = panel.get("title") or ""
    source = target.get("datasource") or panel.get("datasource")
    if kind is None:
        raise _Unmapped(f"panel {title!r} queries the data source {source!r}, whose type the dashboard does not "
                        "say: the model's panels query Prometheus")
    raise _Unmapped(f"panel {title!r} queries a {kind} data source; the model's panels query Prometheus")


def _check_one_source(data: dict[str, Any], panels: list[dict[str, Any]], sources: _Sources) -> None:
    """The model's queries go to one data source, `$datasource`: a dashboard whose queries (or query variables)
    go to several keeps them apart as JSON."""
    found: dict[str, None] = {}
    for panel in panels:
        for target in panel.get("targets") or []:
            _check_prometheus(target, panel, sources)
            found[_source_key(target.get("datasource"), panel.get("datasource"))] = None
    for variable in _variables(data):
        if variable.get("type") == "query":
            if sources.kind(variable, {}) != "prometheus":
                raise _Unmapped(f"variable {variable.get('name')!r} queries a data source other than Prometheus; "
                                "the model's variables query Prometheus")
            found[_source_key(variable.get("datasource"), None)] = None
    if len(found) > 1:
        raise _Unmapped(f"its queries go to {len(found)} data sources ({', '.join(found)}); the model's go to one, "
                        f"${DATASOURCE_VARIABLE}")


def _source_key(own: Any, panel: Any) -> str:
    """How a query's data source (its own, else its panel's) is told apart from another. The default is
    `$datasource`: generate makes a query without a data source query the Prometheus `$datasource`."""
    source = panel if own in _DEFAULT_SOURCES or _is_mixed(own) else own
    reference = source.get("uid") if isinstance(source, dict) else source
    if not isinstance(reference, str) or reference in _DEFAULT_SOURCES or _is_mixed(reference):
        return f"${DATASOURCE_VARIABLE}"
    name = variable_name(reference)
    return f"${name}" if name is not None else repr(reference)


def _variables(data: dict[str, Any]) -> list[dict[str, Any]]:
    return [v for v in (data.get("templating") or {}).get("list") or [] if isinstance(v, dict)]


def _flat_panels(data: dict[str, Any]) -> list[dict[str, Any]]:
    found = []
    for row in data.get("rows") or []:
        found += row.get("panels") or []
    for panel in data.get("panels") or []:
        found.append(panel)
        found += panel.get("panels") or []
    return [p for p in found if isinstance(p, dict) and p.get("type") != "row"]


class _Unmapped(Exception):
    """The dashboard uses something the model has no field for; the message says what."""


class _Sources:
    """The plugin type of the data source each query goes to. The model's panels query Prometheus only, so a
    panel becomes one by its data source, never because its query text happens to parse as PromQL (a Loki
    `rate({app="api"}[5m])` does)."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.variables = variable_types(data)
        self.uids = _typed_uids(data)

    def kind(self, target: dict[str, Any], panel: dict[str, Any]) -> str | None:
        """The target's data source type (its own, else its panel's); a Mixed panel's target without one of its
        own, like any query without one, goes to the default, which generate makes the Prometheus `$datasource`.
        None when the dashboard does not say (a name or uid without a type)."""
        source = target.get("datasource")
        if source in _DEFAULT_SOURCES or _is_mixed(source):
            source = panel.get("datasource")
        if source in _DEFAULT_SOURCES or _is_mixed(source):
            return "prometheus"
        kind, reference = (source.get("type"), source.get("uid")) if isinstance(source, dict) else (None, source)
        if isinstance(kind, str) and kind and not kind.startswith("$"):
            return kind
        reference = kind or reference
        if not isinstance(reference, str) or not reference:
            return "prometheus"  # a reference that names nothing: the default
        name = variable_name(reference)
        if name is not None:
            # `$datasource` is the one every dashboard generate writes declares, of Prometheus's type.
            return self.variables.get(name, "prometheus" if name == DATASOURCE_VARIABLE else None)
        return _BUILT_IN_TYPES.get(reference) or self.uids.get(reference)


def _is_mixed(source: Any) -> bool:
    return source == _MIXED or (isinstance(source, dict) and source.get("uid") == _MIXED)


def _typed_uids(data: Any) -> dict[str, str]:
    """uid -> type of every data source reference in the dashboard that gives both: a panel may name by uid
    alone a data source another reference gives the type of."""
    found: dict[str, str] = {}
    if isinstance(data, dict):
        source = data.get("datasource")
        if isinstance(source, dict) and isinstance(source.get("uid"), str) and isinstance(source.get("type"), str):
            found.setdefault(source["uid"], source["type"])
        for value in data.values():
            found.update({k: v for k, v in _typed_uids(value).items() if k not in found})
    elif isinstance(data, list):
        for item in data:
            found.update({k: v for k, v in _typed_uids(item).items() if k not in found})
    return found


# --- the mapping: the migrated dashboard onto the model ------------------------------------------------------

def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _model(data: dict[str, Any], sources: _Sources) -> Dashboard:
    variables = [_variable(v) for v in _variables(data)]
    top: list[Panel] = []
    rows: list[tuple[str, bool, list[Panel]]] = []  # (title, collapsed, panels)
    for item in _list(data.get("panels")):
        if not isinstance(item, dict):
            continue
        if item.get("type") == "row":
            title = item.get("title")
            if not isinstance(title, str) or not title.strip():
                raise _Unmapped("a row has no title, which the model's rows need")
            collapsed = item.get("collapsed") is True
            children = [_panel(p, sources) for p in _list(item.get("panels")) if isinstance(p, dict)]
            if children and not collapsed:
                raise _Unmapped(f"the open row {title!r} holds panels, as only a collapsed row does")
            rows.append((title, collapsed, children))
        elif rows and rows[-1][1]:
            raise _Unmapped(f"panel {item.get('title') or ''!r} follows the collapsed row {rows[-1][0]!r} "
                            "outside it; the model's rows hold the panels that follow them")
        else:
            (rows[-1][2] if rows else top).append(_panel(item, sources))
    for title, _, children in rows:
        if not children:
            raise _Unmapped(f"row {title!r} has no panels; the model's rows need one")
    time = _dict(data.get("time"))
    job = next((v for v in _variables(data) if v.get("name") == "job"), {})
    job_query = _JOB_QUERY.match(_query_text(job.get("query")) or "")
    extra: dict[str, Any] = {}
    if job_query and job_query.group(1) != "up":
        extra["job_series"] = job_query.group(1)
    if job_query and job_query.group(2):
        extra["jobs"] = tuple(job_query.group(2).split("|"))
    if time.get("to", "now") == "now" and isinstance(time.get("from"), str) \
            and _field_accepts(Dashboard, "time_from", time["from"]):
        extra["time_from"] = time["from"]
    if isinstance(data.get("timezone"), str) and data["timezone"]:
        extra["timezone"] = data["timezone"]
    if _field_accepts(Dashboard, "week_start", data.get("weekStart")):
        extra["week_start"] = data.get("weekStart")
    # The links and the annotation the model writes (generate's own dashboards, imported back); the comparison
    # finds any other.
    links = [link for link in _list(data.get("links")) if isinstance(link, dict)]
    if links and all(isinstance(link.get("title"), str) and link == emit.tag_link(link["title"]) for link in links):
        extra["link_tags"] = tuple(link["title"] for link in links)
    for annotation in _list(_dict(data.get("annotations")).get("list")):
        expr = annotation.get("expr") if isinstance(annotation, dict) else None
        if isinstance(expr, str) and expr.strip() and \
                {**annotation, "datasource": None} == {**emit.alert_annotation(expr), "datasource": None}:
            extra["alert_annotation"] = expr
    return Dashboard(
        name=data["title"], uid=data.get("uid") or None, description=data.get("description") or "",
        tags=tuple(data.get("tags") or ()), variables=tuple(v for v in variables if v is not None),
        panels=tuple(top),
        rows=tuple(DashboardRow(title=title, panels=tuple(children), collapsed=collapsed)
                   for title, collapsed, children in rows), **extra)


def _query_text(query: Any) -> str | None:
    """A query variable's query: a string, or the object newer Grafana writes ({"query": ..., "refId": ...})."""
    query = query.get("query") if isinstance(query, dict) else query
    return query if isinstance(query, str) else None


def _variable(variable: dict[str, Any]) -> DashboardVariable | None:
    name, kind = variable.get("name"), variable.get("type")
    if name in STANDARD_VARIABLES:
        return None  # every dashboard of the model defines these; the comparison says whether they are the same
    if kind != "query":
        raise _Unmapped(f"variable {name!r} is of type {kind!r}; the model has query variables")
    query = _query_text(variable.get("query"))
    if not query or not query.strip():
        raise _Unmapped(f"variable {name!r} has no query; the model's variables have one")
    label = variable.get("label")
    return DashboardVariable(name=name, query=query, label=label if isinstance(label, str) else "",
                             multi=variable.get("multi") is True, include_all=variable.get("includeAll") is True)


def _panel(panel: dict[str, Any], sources: _Sources) -> Panel:
    kind = panel.get("type")
    title = panel.get("title")
    if kind not in _MODEL_TYPES:
        raise _Unmapped(f"panel {title or ''!r} has type {kind!r}, which the model lacks")
    if not isinstance(title, str) or not title.strip():
        raise _Unmapped(f"a {kind} panel has no title, which the model's panels need")
    queries = []
    for target in _list(panel.get("targets")):
        if not isinstance(target, dict) or target.get("hide") is True:
            continue  # a hidden query is not run
        _check_prometheus(target, panel, sources)
        expr = target.get("expr")
        if not isinstance(expr, str) or not expr.strip():
            raise _Unmapped(f"panel {title!r} has a query that is not PromQL")
        promql.parse(substitute(expr))
        legend, query_format = target.get("legendFormat"), target.get("format", "time_series")
        queries.append(PanelQuery(expr=expr, legend=legend if isinstance(legend, str) else "",
                                  instant=target.get("instant") is True,
                                  format=query_format if query_format in ("table", "heatmap") else "time_series"))
    defaults = _dict(_dict(panel.get("fieldConfig")).get("defaults"))
    custom = _dict(defaults.get("custom"))
    steps = [s for s in _list(_dict(defaults.get("thresholds")).get("steps")) if isinstance(s, dict)]
    grid = _dict(panel.get("gridPos"))
    unit = defaults.get("unit")
    options = _dict(panel.get("options"))
    return Panel(
        title=title, type=kind, queries=tuple(queries), description=panel.get("description") or "",
        unit=unit if isinstance(unit, str) and unit else "short", decimals=defaults.get("decimals"),
        min=defaults.get("min"), max=defaults.get("max"),
        # The base color only shows below a threshold: without thresholds Grafana's default stands.
        base_color=(steps[0].get("color") if len(steps) > 1 and steps[0].get("value") is None else None) or "green",
        thresholds=tuple(Threshold(value=s.get("value"), color=s.get("color")) for s in steps
                         if s.get("value") is not None),
        show_thresholds=_dict(custom.get("thresholdsStyle")).get("mode") == "dashed",
        stacked=_dict(custom.get("stacking")).get("mode") == "normal",
        width=grid.get("w", 12), height=grid.get("h", 8),
        content=(options.get("content") or "") if kind == "text" else "",
    )


# --- the comparison: what the model's rendering keeps of what the dashboard states ----------------------------

def _losses(stated: dict[str, Any], rendered: dict[str, Any]) -> list[str]:
    """Each setting of `stated` (the migrated input) that `rendered` (the model's dashboard as generate writes it)
    lacks or holds at another value, as "panel 'CPU' timeShift = \"1d\"": its variables' and panels' first,
    then the dashboard's own. Empty when the model keeps them all."""
    found: list[str] = []

    def note(where: str, lost: Iterator[tuple[str, Any]]) -> None:
        found.extend(f"{where} {path} = {_shown(value)}" for path, value in lost)

    ours = {v.get("name"): v for v in _variables(rendered)}
    names = [v.get("name") for v in _variables(stated)]
    if [n for n in ours if n in names] != [n for n in names if n in ours]:
        found.append(f"the order of its variables ({', '.join(map(str, names))})")
    for variable in _variables(stated):
        name = variable.get("name")
        if name not in ours:
            found.append(f"variable {name!r}")
            continue
        variable = {**variable, "query": _query_text(variable.get("query")) or variable.get("query")}
        note(f"variable {name!r}", _compare(variable, ours[name], "", "variable"))
    panels, ours_panels = list(_panels_in_order(stated)), list(_panels_in_order(rendered))
    if len(panels) == len(ours_panels):
        for panel, mine in zip(panels, ours_panels, strict=True):
            found += _panel_losses(panel, mine)
    else:
        found.append(f"its {len(panels)} panels and rows (the model's: {len(ours_panels)})")
    tags = _list(stated.get("tags"))
    if all(isinstance(tag, str) for tag in tags) and sorted(set(tags)) == rendered.get("tags"):
        stated = {**stated, "tags": []}  # a set of tags: Grafana lists them in its own order
    note("the dashboard's", _compare(stated, rendered, "", "dashboard"))
    annotations = [a for a in _list(_dict(stated.get("annotations")).get("list"))
                   if not (isinstance(a, dict) and all(_same(a.get(k), v) for k, v in _BUILT_IN_ANNOTATION.items()))]
    note("the dashboard's", _compare({"annotations": {"list": annotations}}, rendered, "", "dashboard_annotations"))
    return found


def _panel_losses(panel: dict[str, Any], mine: dict[str, Any]) -> list[str]:
    """What the rendered panel (or row) `mine` does not keep of `panel`, its queries' settings included."""
    kind = panel.get("type")
    where = f"{'row' if kind == 'row' else 'panel'} {panel.get('title') or ''!r}"
    config = _dict(_dict(panel.get("fieldConfig")).get("defaults"))
    if kind in _THRESHOLD_COLORED and _dict(config.get("color")).get("mode") == "thresholds" \
            and "color" not in _dict(_dict(mine.get("fieldConfig")).get("defaults")):
        panel = copy.deepcopy(panel)
        del panel["fieldConfig"]["defaults"]["color"]  # the scheme these panels have when they name none
    found = [f"{where} {path} = {_shown(value)}" for path, value in _compare(panel, mine, "", "panel")]
    for path in _ADDED:
        added, own = _at(mine, path), _at(panel, path)
        if not _unstated(added) and _unstated(own):
            found.append(f"{where} {path} = {_shown(own)} (the model's: {_shown(added)})")
    targets = [t for t in _list(panel.get("targets")) if not (isinstance(t, dict) and t.get("hide") is True)]
    queries = _list(mine.get("targets"))
    if len(targets) != len(queries):
        return [*found, f"{where} queries ({len(targets)}, the model's: {len(queries)})"]
    for index, (target, query) in enumerate(zip(targets, queries, strict=True)):
        if not isinstance(target, dict):
            continue
        # A range query is the default; asked for beside an instant one, Grafana runs both.
        if target.get("range") not in (None, True) or (target.get("range") is True and target.get("instant")):
            found.append(f"{where} targets[{index}].range = {_shown(target['range'])}")
        expr = target.get("expr")
        target = {**target, "expr": expr.strip() if isinstance(expr, str) else expr}
        found += [f"{where} targets[{index}].{path} = {_shown(value)}"
                  for path, value in _compare(target, query, "", "target")]
    return found


def _panels_in_order(data: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The dashboard's rows and panels in reading order, a collapsed row's own panels after it."""
    for panel in _list(data.get("panels")):
        if isinstance(panel, dict):
            yield panel
            if panel.get("type") == "row":
                yield from (p for p in _list(panel.get("panels")) if isinstance(p, dict))


def _compare(stated: Any, rendered: Any, path: str, kind: str) -> Iterator[tuple[str, Any]]:
    """(path, value) of each setting of stated that rendered does not hold the same, below one object of the
    kind (a key of _IGNORED and _DEFAULTS)."""
    if _unstated(stated) or _pattern(path) in _IGNORED[kind]:
        return
    if isinstance(stated, dict) and isinstance(rendered, dict):
        for key, value in stated.items():
            inner = f"{path}.{key}" if path else str(key)
            if key not in rendered and _is_default(value, _DEFAULTS[kind].get(_pattern(inner))):
                continue
            # What the rendering lacks is compared as absent, an object's settings one by one.
            yield from _compare(value, rendered.get(key, {} if isinstance(value, dict) else _ABSENT), inner, kind)
    elif isinstance(stated, list) and isinstance(rendered, list) and len(stated) == len(rendered) and \
            any(isinstance(item, dict) for item in stated):
        for index, (item, mine) in enumerate(zip(stated, rendered, strict=True)):
            yield from _compare(item, mine, f"{path}[{index}]", kind)
    elif not _same(stated, rendered):
        yield path, stated


def _at(data: Any, path: str) -> Any:
    """The value at a dotted path of objects, or None."""
    for key in path.split("."):
        data = data.get(key) if isinstance(data, dict) else None
    return data


def _pattern(path: str) -> str:
    """A path as _IGNORED and _DEFAULTS name it: "panels[3].x" is "panels[].x"."""
    return re.sub(r"\[\d+\]", "[]", path)


_ABSENT = object()


def _unstated(value: Any) -> bool:
    """Whether value states nothing: null, "", [] or {} are what Grafana reads as absent."""
    return value is None or (isinstance(value, str | list | dict) and not value)


def _is_default(value: Any, defaults: tuple[Any, ...] | None) -> bool:
    return defaults is not None and any(_same(value, default) for default in defaults)


def _same(one: Any, other: Any) -> bool:
    """Equal as JSON values: true is not 1, 1 is 1.0."""
    if isinstance(one, bool) or isinstance(other, bool):
        return one is other
    if isinstance(one, int | float) and isinstance(other, int | float):
        return one == other
    if isinstance(one, list) and isinstance(other, list):
        return len(one) == len(other) and all(_same(a, b) for a, b in zip(one, other, strict=True))
    if isinstance(one, dict) and isinstance(other, dict):
        return one.keys() == other.keys() and all(_same(one[k], other[k]) for k in one)
    return isinstance(one, str) and isinstance(other, str) and one == other


def _shown(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 40 else f"{text[:37]}..."
