"""Grafana dashboard JSON (file or API form, any schemaVersion) to a model Dashboard, or kept as JSON.

A dashboard becomes a `Dashboard` when every panel and variable maps onto the model (graph and singlestat
panels are read as the timeseries and stat panels Grafana itself migrates them to). Otherwise it is kept
as Grafana JSON, checked to be a dashboard here, and the module says why.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any, get_args

from monitoring import promql
from monitoring.errors import DefinitionError
from monitoring.grafana import legacy_dashboard
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
from monitoring.imports.source import SourceFile
from monitoring.model.dashboards import (
    STANDARD_VARIABLES,
    Dashboard,
    DashboardRow,
    DashboardVariable,
    Panel,
    PanelQuery,
    PanelType,
    Threshold,
)

# The old types the model's panels take as they are (Grafana's migration): the others' settings do not map, so
# such dashboards are kept as JSON (see legacy_dashboard).
_MIGRATED = {old: MIGRATED_PANEL_TYPES[old] for old in ("graph", "singlestat")}
_MODEL_TYPES = set(get_args(PanelType))
_UNMAPPED_PANEL_KEYS = ("transformations", "links", "repeat", "alert", "seriesOverrides", "transparent")
_DEFAULT_SOURCES = (None, "", "default")
_MIXED = "-- Mixed --"
# Grafana's own data sources, referred to by name in old dashboards: neither queries Prometheus.
_BUILT_IN_TYPES = {"-- Grafana --": "grafana", "-- Dashboard --": "datasource"}


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
    notes: list[str] = field(default_factory=list)  # what modernising the kept JSON did and dropped


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
    # What Python's JSON reader takes and Grafana's does not (NaN, Infinity, integers beyond 64 bits): the
    # dashboard is written out again, so it is refused here, by its path.
    problem = json_problem(data)
    if problem:
        raise source.error(1, f"not a dashboard Grafana can read: {problem}")
    data = copy.deepcopy(data)
    try:
        inline_library_panels(data)  # what they show is the dashboard's: in its code from now on
    except NormaliseError as exc:
        raise source.error(1, str(exc)) from None
    panels = _flat_panels(data)
    sources = _Sources(data)
    result = DashboardImport(source.name, data["title"], data.get("uid"))
    # Only Prometheus queries tell the catalog about metrics: a Loki query may parse as PromQL, but the names in
    # it are not Prometheus series.
    result.exprs = [t["expr"] for p in panels for t in p.get("targets") or []
                    if isinstance(t.get("expr"), str) and sources.kind(t, p) == "prometheus"]
    try:
        result.dashboard = _model(data, sources)
    except (_Unmapped, DefinitionError, ValueError) as exc:
        result.reason = " ".join(str(exc).split())
        result.json, result.notes = legacy_dashboard.modernise(data)
    return result


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


def _model(data: dict[str, Any], sources: _Sources) -> Dashboard:
    if data.get("rows"):
        raise _Unmapped("it uses the legacy rows layout")
    variables = tuple(_variable(v) for v in (data.get("templating") or {}).get("list") or [])
    top: list[Panel] = []
    rows: list[tuple[dict[str, Any], list[Panel]]] = []
    for item in data.get("panels") or []:
        if item.get("type") == "row":
            rows.append((item, [_panel(p, sources) for p in item.get("panels") or []]))
        elif rows and not rows[-1][0].get("collapsed"):
            rows[-1][1].append(_panel(item, sources))
        else:
            top.append(_panel(item, sources))
    return Dashboard(
        name=data["title"], uid=data.get("uid") or None, description=data.get("description") or "",
        tags=tuple(data.get("tags") or ()), variables=tuple(v for v in variables if v is not None),
        panels=tuple(top),
        rows=tuple(DashboardRow(title=row.get("title") or "Row", panels=tuple(ps), collapsed=bool(row.get("collapsed")))
                   for row, ps in rows if ps),
    )


def _variable(variable: dict[str, Any]) -> DashboardVariable | None:
    name, kind = variable.get("name"), variable.get("type")
    if name in STANDARD_VARIABLES and kind in ("datasource", "query"):
        return None  # every dashboard of the model defines these
    if kind != "query":
        raise _Unmapped(f"variable {name!r} is of type {kind!r}; the model has query variables")
    query = variable.get("query")
    query = query.get("query") if isinstance(query, dict) else query
    return DashboardVariable(name=name, query=str(query), label=variable.get("label") or "",
                             multi=bool(variable.get("multi")), include_all=bool(variable.get("includeAll")))


def _panel(panel: dict[str, Any], sources: _Sources) -> Panel:
    kind = _MIGRATED.get(panel.get("type", ""), panel.get("type"))
    title = panel.get("title") or ""
    if kind not in _MODEL_TYPES:
        raise _Unmapped(f"panel {title!r} has type {panel.get('type')!r}, which the model lacks")
    used = [key for key in _UNMAPPED_PANEL_KEYS if panel.get(key)]
    defaults = (panel.get("fieldConfig") or {}).get("defaults") or {}
    if used or (panel.get("fieldConfig") or {}).get("overrides"):
        raise _Unmapped(f"panel {title!r} uses {(used or ['fieldConfig.overrides'])[0]}, which the model lacks")
    queries = []
    for target in panel.get("targets") or []:
        _check_prometheus(target, panel, sources)
        if target.get("hide"):
            continue
        expr = target.get("expr")
        if not isinstance(expr, str) or not expr.strip():
            raise _Unmapped(f"panel {title!r} has a query that is not PromQL")
        promql.parse(substitute(expr))
        fmt = target.get("format", "time_series")
        queries.append(PanelQuery(expr=expr, legend=target.get("legendFormat") or "",
                                  instant=bool(target.get("instant")),
                                  format=fmt if fmt in ("time_series", "table", "heatmap") else "time_series"))
    steps = (defaults.get("thresholds") or {}).get("steps") or []
    grid = panel.get("gridPos") or {}
    axes = panel.get("yaxes") or [{}]
    unit = (defaults.get("unit") or panel.get("format")
            or (axes[0].get("format") if isinstance(axes[0], dict) else None) or "short")
    return Panel(
        title=title or "Panel", type=kind, queries=tuple(queries), description=panel.get("description") or "",
        unit=unit, decimals=defaults.get("decimals", panel.get("decimals")),
        min=defaults.get("min"), max=defaults.get("max"),
        # The base color only shows below a threshold: without thresholds Grafana's default stands.
        base_color=(steps[0].get("color") if len(steps) > 1 and steps[0].get("value") is None else None) or "green",
        thresholds=tuple(Threshold(value=s["value"], color=s["color"]) for s in steps if s.get("value") is not None),
        stacked=bool(panel.get("stack")), width=int(grid.get("w", 12)), height=int(grid.get("h", 8)),
        content=((panel.get("options") or {}).get("content") or panel.get("content") or "") if kind == "text" else "",
    )
