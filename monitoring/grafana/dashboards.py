"""Dashboards: the model's dashboards (declared, per service, per service's SLOs) built with grafanalib,
then normalised to modern Grafana JSON. Pure: no files are read or written."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from grafanalib import core as g

from monitoring import conventions
from monitoring.errors import DefinitionError
from monitoring.grafana import service_dashboard, slo_dashboard
from monitoring.grafana.datasource import DATASOURCE_VARIABLE, datasource_ref, datasource_variable
from monitoring.grafana.normalise import from_grafanalib
from monitoring.model.dashboards import Dashboard, DashboardSettings, Panel, default_folder
from monitoring.model.stack import Stack

COLUMNS = 24
_REF_IDS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


@dataclass(frozen=True)
class RenderedDashboard:
    """One dashboard's JSON, its folder, and where it was defined (for messages)."""

    folder: str
    uid: str
    data: dict[str, Any]
    source: str


def model_dashboards(stack: Stack) -> list[Dashboard]:
    """The stack's declared dashboards, then one per service and one per service with SLOs."""
    settings = stack.dashboard_settings
    dashboards = list(stack.dashboards)
    if settings.service_dashboards:
        dashboards += [service_dashboard.build(service) for service in stack.services if service.metrics]
    if settings.slo_dashboards:
        dashboards += [slo_dashboard.build(service, slos) for service, slos in slo_dashboard.slos_by_service(stack)]
    return dashboards


def render(stack: Stack) -> list[RenderedDashboard]:
    settings = stack.dashboard_settings
    folder = default_folder(stack.folders, settings)
    return [
        RenderedDashboard(dashboard.folder or folder, dashboard.dashboard_uid, render_dashboard(dashboard, settings),
                          f"dashboard {dashboard.name!r}")
        for dashboard in model_dashboards(stack)
    ]


def render_dashboard(dashboard: Dashboard, settings: DashboardSettings) -> dict[str, Any]:
    return from_grafanalib(to_grafanalib(dashboard, settings))


def to_grafanalib(dashboard: Dashboard, settings: DashboardSettings) -> g.Dashboard:
    return g.Dashboard(
        title=dashboard.name,
        uid=dashboard.dashboard_uid,
        description=dashboard.description,
        tags=sorted({*settings.tags, *dashboard.tags}),
        timezone=settings.timezone,
        refresh=settings.refresh or None,
        time=g.Time(settings.time_from, "now"),
        graphTooltip=g.GRAPH_TOOLTIP_MODE_SHARED_CROSSHAIR,
        templating=g.Templating(list=_variables(dashboard)),
        panels=_layout(dashboard),
    )


def _variables(dashboard: Dashboard) -> list[Any]:
    """datasource always; job and instance where queries use them (instance's query uses $job)."""
    used = dashboard.used_variables()
    datasource = "${" + DATASOURCE_VARIABLE + "}"
    variables: list[Any] = [datasource_variable()]
    if used & {"job", "instance"}:
        jobs = "|".join(dashboard.jobs)
        selector = f'up{{job=~"{jobs}"}}' if jobs else "up"
        variables.append(g.Template(name="job", label="Job", query=f"label_values({selector}, job)",
                                    dataSource=datasource, includeAll=True, multi=True, refresh=2))
    if "instance" in used:
        variables.append(g.Template(name="instance", label="Instance", query='label_values(up{job=~"$job"}, instance)',
                                    dataSource=datasource, includeAll=True, multi=True, allValue=".*", refresh=2))
    variables += [
        g.Template(name=v.name, label=v.label or None, query=v.query, dataSource=datasource,
                   includeAll=v.include_all, multi=v.multi, refresh=2)
        for v in dashboard.variables
    ]
    return variables


class _Cursor:
    """Left-to-right, top-to-bottom placement on Grafana's 24-column grid."""

    def __init__(self) -> None:
        self.x = self.y = self.line_height = 0

    def place(self, width: int, height: int) -> g.GridPos:
        if self.x + width > COLUMNS:
            self.newline()
        pos = g.GridPos(h=height, w=width, x=self.x, y=self.y)
        self.x += width
        self.line_height = max(self.line_height, height)
        return pos

    def newline(self) -> None:
        self.y += self.line_height
        self.x = self.line_height = 0


def _layout(dashboard: Dashboard) -> list[Any]:
    cursor = _Cursor()
    next_id = iter(range(1, 10_000))
    panels: list[Any] = [_panel(p, cursor.place(p.width, p.height), next(next_id)) for p in dashboard.panels]
    for row in dashboard.rows:
        cursor.newline()
        header = cursor.place(COLUMNS, 1)
        row_id = next(next_id)
        cursor.newline()
        # A collapsed row holds its panels; they are laid out below it but take no room until it opens.
        inner = _Cursor() if row.collapsed else cursor
        if row.collapsed:
            inner.y = cursor.y
        children = [_panel(p, inner.place(p.width, p.height), next(next_id)) for p in row.panels]
        if row.collapsed:
            panels.append(g.RowPanel(title=row.title, id=row_id, gridPos=header, collapsed=True, panels=children))
        else:
            panels.append(g.RowPanel(title=row.title, id=row_id, gridPos=header))
            panels += children
    return panels


def _targets(panel: Panel) -> list[g.Target]:
    return [
        g.Target(expr=q.expr, legendFormat=q.legend, refId=_REF_IDS[i], instant=q.instant, format=q.format,
                 datasource=datasource_ref())
        for i, q in enumerate(panel.queries)
    ]


def _thresholds(panel: Panel) -> list[g.Threshold]:
    steps = [g.Threshold(panel.base_color, 0, 0.0)]
    steps += [g.Threshold(t.color, i, t.value) for i, t in enumerate(panel.thresholds, start=1)]
    return steps


def _field_defaults(panel: Panel) -> dict[str, Any]:
    """Settings grafanalib's panels cannot take (floats for min and max), set through extraJson."""
    defaults: dict[str, Any] = {"unit": panel.unit}
    for key in ("min", "max", "decimals"):
        if getattr(panel, key) is not None:
            defaults[key] = getattr(panel, key)
    if panel.thresholds:
        defaults["thresholds"] = {"mode": "absolute", "steps": [s.to_json_data() for s in _thresholds(panel)]}
    return {"fieldConfig": {"defaults": defaults}}


def _panel(panel: Panel, grid: g.GridPos, panel_id: int) -> Any:
    common: dict[str, Any] = {
        "title": panel.title, "description": panel.description or None, "gridPos": grid, "id": panel_id,
        "maxDataPoints": None, "dataSource": None if panel.type == "text" else datasource_ref(),
    }
    if panel.type == "text":
        return g.Text(content=panel.content, **common)
    common["targets"] = _targets(panel)
    common["extraJson"] = _field_defaults(panel)
    if panel.type == "timeseries":
        return g.TimeSeries(
            unit=panel.unit, tooltipMode="multi", tooltipSort="desc", lineWidth=1,
            fillOpacity=30 if panel.stacked else 10, gradientMode="opacity" if not panel.stacked else "none",
            stacking={"mode": "normal", "group": "A"} if panel.stacked else {"mode": "none", "group": "A"},
            thresholdsStyleMode="dashed" if panel.show_thresholds else "off", **common)
    if panel.type == "stat":
        return g.Stat(format=panel.unit, reduceCalc="lastNotNull", graphMode="area", colorMode="value",
                      noValue=None, **common)
    if panel.type == "gauge":
        return g.GaugePanel(format=panel.unit, calc="lastNotNull", min=None, max=None, **common)
    if panel.type == "bargauge":
        return g.BarGauge(format=panel.unit, calc="lastNotNull", displayMode="gradient", min=None, max=None,
                          orientation="horizontal", **common)
    if panel.type == "table":
        return _table(panel, common)
    return g.Heatmap(dataFormat="tsbuckets", yAxis=g.YAxis(format=panel.unit), legend={"show": True},
                     yBucketBound="auto", **common)


def _table(panel: Panel, common: dict[str, Any]) -> g.Table:
    """An instant table: one row per series, the labels as columns, each query's value named by its legend."""
    names = {
        ("Value" if len(panel.queries) == 1 else f"Value #{_REF_IDS[i]}"): q.legend or f"Value {_REF_IDS[i]}"
        for i, q in enumerate(panel.queries)
    }
    transformations = [{"id": "merge", "options": {}}] if len(panel.queries) > 1 else []
    transformations.append({"id": "organize", "options": {"excludeByName": {"Time": True}, "renameByName": names}})
    first = next(iter(names.values()))
    return g.Table(unit=panel.unit, transformations=transformations,
                   sortBy=[g.TableSortByField(displayName=first, desc=True)], **common)


def output(stack: Stack, rendered: list[RenderedDashboard]) -> dict[str, Any]:
    """out/grafana as plain data: folders.json, and each dashboard under its folder. Uids must be unique."""
    seen: dict[str, str] = {}
    for dashboard in rendered:
        if dashboard.uid in seen:
            raise DefinitionError(f"dashboard uid {dashboard.uid!r} is used twice: by {seen[dashboard.uid]} "
                                  f"and by {dashboard.source}", field="uid", value=dashboard.uid)
        seen[dashboard.uid] = dashboard.source
    files: dict[str, Any] = {
        conventions.GRAFANA_FOLDERS_FILE: [{"uid": f.uid, "title": f.title}
                                           for f in sorted(stack.folders, key=lambda f: f.uid)],
    }
    for dashboard in rendered:
        files[conventions.dashboard_file(dashboard.folder, dashboard.uid)] = dashboard.data
    return files
