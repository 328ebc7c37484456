"""Grafana in the model: folders, dashboard settings, and dashboards declared as rows of panels.

A `Dashboard` here is data; `monitoring.grafana.dashboards` emits it as Grafana's current-schema JSON.
Hand-written grafanalib dashboards (`dashboards/*.dashboard.py`) skip this model: they are normalised,
and meet the same checks after rendering.
"""

from __future__ import annotations

import re
from typing import Annotated, ClassVar, Literal

from pydantic import AfterValidator, Field, field_validator

from monitoring import conventions, promql
from monitoring.grafana.schemas import PANEL_TYPES
from monitoring.grafana.variables import GLOBAL_VARIABLES, PLACEHOLDER, substitute, variables_in
from monitoring.model.base import FieldProblem, Model, model_check, require_unique
from monitoring.model.common import FiniteFloat, Title

VARIABLE_NAME = re.compile(r"\A[a-zA-Z][a-zA-Z0-9_]{0,199}\Z")
_REFRESH = re.compile(r"\A(?:[1-9][0-9]{0,5}[smhd])?\Z")
_TIME_FROM = re.compile(r"\Anow-[1-9][0-9]{0,5}[smhdwMy]\Z")
_CALENDAR_FROM = re.compile(r"\A(?:now-[1-9][0-9]{0,5}[smhdwMy]|now/[dwMy])\Z")


def _matching(pattern: re.Pattern[str], field: str, example: str) -> AfterValidator:
    def check(text: str) -> str:
        if not pattern.match(text):
            raise ValueError(f"{field} {text!r} must look like {example!r}")
        return text
    return AfterValidator(check)
# Variables every generated dashboard may use: the data source, and job and instance from `up`.
STANDARD_VARIABLES = ("datasource", "job", "instance")
PanelType = Literal[PANEL_TYPES]  # type: ignore[valid-type]


def _check_uid(value: str) -> str:
    problem = conventions.uid_problem(value)
    if problem:
        raise ValueError(problem)
    return value


class _Titled(Model):
    """Errors name the object by its title (the base names objects by `name`)."""

    name_fields: ClassVar[tuple[str, ...]] = ("title",)


class Folder(Model):
    """A Grafana folder that dashboards are published into.

        Folder(uid="shop", title="Shop")
    """

    kind: ClassVar[str] = "folder"
    uid: str
    title: Title

    @field_validator("uid")
    @classmethod
    def _uid(cls, uid: str) -> str:
        return _check_uid(uid)


DEFAULT_FOLDER = Folder(uid="monitoring", title="Monitoring")

# A data source plugin's id (prometheus, loki, grafana-postgresql-datasource), and a data source uid as Grafana
# allows one (letters, digits, '-' and '_', at most 40).
_PLUGIN_ID = re.compile(r"\A[a-z0-9][a-z0-9_-]{0,99}\Z")
_DATASOURCE_UID = re.compile(r"\A[A-Za-z0-9_-]{1,40}\Z")
# What a dashboard means by these is Grafana's own, not a data source of the instance.
BUILT_IN_DATASOURCES = ("-- Grafana --", "-- Mixed --", "-- Dashboard --", "default")


class DataSource(Model):
    """A Grafana data source that hand-written dashboards refer to by name (grafanalib's `dataSource="Loki"`,
    an old export's `"datasource": "Loki"`): its plugin type, and the uid Grafana knows it by, as the instance's
    provisioning declares them. Use it for every data source a dashboard names that is not Prometheus' `$datasource`.

    Declared, a reference by its name or uid becomes `{"type": "loki", "uid": "loki"}`, which is what Grafana's
    own migration makes of it from the instance's data sources; the queries of a Loki panel are then not read as
    PromQL, and those of a Prometheus one are. A name the stack does not declare stays `{"uid": "Loki"}`, as
    Grafana leaves a name it cannot find; its type is unknown, so its queries are not checked (validate warns).
    Without a uid, the name stands for it: Grafana finds a data source by its name as well.

        loki = DataSource(name="Loki", type="loki", uid="loki")
        europe = DataSource(name="Prometheus EU", type="prometheus")  # no uid: the name stands for it
        # then Stack(..., datasources=(loki, europe))
    """

    kind: ClassVar[str] = "data source"
    name: str = Field(min_length=1, max_length=190)
    type: str
    uid: str | None = None

    @field_validator("name")
    @classmethod
    def _name(cls, name: str) -> str:
        if name in BUILT_IN_DATASOURCES or name.startswith("$") or name != name.strip() or not name.isprintable():
            raise ValueError(f"name {name!r} must be a data source's own name: not one of Grafana's built-in ones "
                             f"({', '.join(BUILT_IN_DATASOURCES)}), not a variable ($name), printable, without "
                             "spaces at either end")
        return name

    @field_validator("type")
    @classmethod
    def _type(cls, kind: str) -> str:
        if not _PLUGIN_ID.match(kind):
            raise ValueError(f"type {kind!r} must be a data source plugin's id, such as 'prometheus' or 'loki'")
        return kind

    @field_validator("uid")
    @classmethod
    def _uid(cls, uid: str | None) -> str | None:
        if uid is not None and not _DATASOURCE_UID.match(uid):
            raise ValueError(f"uid {uid!r} must be 1 to 40 letters, digits, '-' or '_', as Grafana's are")
        return uid

    def reference(self) -> dict[str, str]:
        """What a panel or query refers to it by: {"type": ..., "uid": ...}."""
        return {"type": self.type, "uid": self.uid or self.name}


class DashboardSettings(Model):
    """What every dashboard of the stack shares, and which dashboards are generated.

        DashboardSettings(folder="shop", refresh="1m", time_from="now-6h")
    """

    kind: ClassVar[str] = "dashboard settings"
    folder: str | None = None  # the folder of generated dashboards; None: the first declared folder
    refresh: Annotated[str, _matching(_REFRESH, "refresh", "30s")] = "1m"
    time_from: Annotated[str, _matching(_TIME_FROM, "time_from", "now-6h")] = "now-6h"
    timezone: str = "browser"
    tags: tuple[str, ...] = ()
    service_dashboards: bool = True
    slo_dashboards: bool = True


class Threshold(Model):
    """From value up, the panel shows color (Grafana colour names or #rrggbb).

        Threshold(value=0.9, color="red")
    """

    kind: ClassVar[str] = "threshold"
    value: FiniteFloat
    color: str = Field(min_length=1)


class PanelQuery(Model):
    """A PromQL query; Grafana variables such as $__rate_interval and $job are allowed.

        PanelQuery(expr="sum(rate(app_requests_total[$__rate_interval]))", legend="requests")
    """

    kind: ClassVar[str] = "panel query"
    expr: str = Field(min_length=1)
    legend: str = ""
    instant: bool = False
    format: Literal["time_series", "table", "heatmap"] = "time_series"

    @field_validator("expr")
    @classmethod
    def _parses(cls, expr: str) -> str:
        promql.parse(substitute(expr))
        return expr.strip()


class Panel(_Titled):
    """One graph, number or table of a Dashboard, with its PromQL queries (checked against the stack's series).

        Panel(title="Requests", unit="reqps", queries=(PanelQuery(expr="sum(rate(app_requests_total[5m]))"),))
    """

    kind: ClassVar[str] = "panel"
    title: str = Field(min_length=1)
    type: PanelType = "timeseries"
    queries: tuple[PanelQuery, ...] = ()
    description: str = ""
    unit: str = "short"
    decimals: int | None = Field(default=None, ge=0, le=20)  # a float64 holds 17 significant digits
    min: FiniteFloat | None = None
    max: FiniteFloat | None = None
    base_color: str = "green"
    thresholds: tuple[Threshold, ...] = ()
    show_thresholds: bool = False  # draw the thresholds as dashed lines (time series)
    stacked: bool = False
    width: int = Field(default=12, ge=1, le=24)
    height: int = Field(default=8, ge=1, le=100)
    content: str = ""  # markdown, for text panels

    @model_check
    def _consistent(self) -> Panel:
        if self.type == "text":
            if self.queries or not self.content:
                raise self.field_problem("queries" if self.queries else "content",
                                         "a text panel has content and no queries")
        elif not self.queries:
            raise self.field_problem("queries", f"a {self.type} panel needs at least one query")
        elif self.content:
            raise self.field_problem("content", f"content is for text panels, not {self.type}")
        values = [t.value for t in self.thresholds]
        if values != sorted(set(values)):
            raise self.field_problem("thresholds", f"thresholds {values} must be strictly increasing")
        if self.base_color != "green" and not self.thresholds:
            raise self.field_problem("base_color", f"base_color {self.base_color!r} is the color below the first "
                                     "threshold: give thresholds too")
        return self


class DashboardRow(_Titled):
    """A titled row of panels in a Dashboard, optionally collapsed.

        latency = Panel(title="p99", unit="s", queries=(PanelQuery(
            expr="histogram_quantile(0.99, sum by (le) (rate(app_request_duration_seconds_bucket[5m])))"),))
        DashboardRow(title="Latency", panels=(latency,), collapsed=True)
    """

    kind: ClassVar[str] = "dashboard row"
    title: str = Field(min_length=1)
    panels: tuple[Panel, ...] = Field(min_length=1)
    collapsed: bool = False


class DashboardVariable(Model):
    """A query variable, e.g. label_values(mcp_tool_executions_total{job=~"$job"}, tool_name).

        DashboardVariable(name="code", query="label_values(app_requests_total, code)", multi=True)
    """

    kind: ClassVar[str] = "dashboard variable"
    name: str
    query: str = Field(min_length=1)
    label: str = ""
    multi: bool = True
    include_all: bool = True

    @field_validator("name")
    @classmethod
    def _name(cls, name: str) -> str:
        if not VARIABLE_NAME.match(name):
            raise ValueError(f"variable name {name!r} must start with a letter and hold letters, digits and '_'")
        if name in STANDARD_VARIABLES:
            raise ValueError(f"variable {name!r} is defined on every dashboard already")
        return name


class Dashboard(Model):
    """A dashboard: stat panels on top, then rows. Queries may use $datasource, $job and $instance,
    which every dashboard defines (job and instance only where used), and their own `variables`.

        requests = Panel(title="Requests", unit="reqps",
                         queries=(PanelQuery(expr="sum(rate(app_requests_total[5m]))"),))
        Dashboard(name="Shop overview", panels=(requests,), tags=("shop",))
    """

    kind: ClassVar[str] = "dashboard"
    name: Title
    uid: str | None = None
    folder: str | None = None
    description: str = ""
    tags: tuple[str, ...] = ()
    jobs: tuple[str, ...] = ()  # the scrape jobs the `job` variable offers; empty: every job (see job_series)
    job_series: str = ""  # the `job` variable offers the jobs (of `jobs`) that expose this series; default `up`
    link_tags: tuple[str, ...] = ()  # links to the dashboards with each tag, keeping time range and variables
    alert_annotation: str = ""  # an ALERTS query whose firing alerts are marked on every panel
    variables: tuple[DashboardVariable, ...] = ()
    panels: tuple[Panel, ...] = ()
    rows: tuple[DashboardRow, ...] = ()
    # The dashboard's own time range start, zone and first day of the week, over the stack's settings: a calendar
    # range such as "now/M" (this month so far) or "now/w" (this week so far).
    time_from: Annotated[str, _matching(_CALENDAR_FROM, "time_from", "now/M")] | None = None
    timezone: str | None = None
    week_start: Literal["monday", "sunday", "saturday"] | None = None

    @field_validator("uid")
    @classmethod
    def _uid(cls, uid: str | None) -> str | None:
        return uid if uid is None else _check_uid(uid)

    @field_validator("alert_annotation")
    @classmethod
    def _annotation_parses(cls, expr: str) -> str:
        if expr:
            promql.parse(substitute(expr))
        return expr.strip()

    @model_check
    def _consistent(self) -> Dashboard:
        if not self.panels and not self.rows:
            raise ValueError("a dashboard needs panels or rows")
        require_unique("variable", [v.name for v in self.variables], "variables[{}].name")
        defined = set(STANDARD_VARIABLES) | {v.name for v in self.variables} | GLOBAL_VARIABLES
        texts = [(f"variable {v.name!r}", f"variables[{i}].query", v.query) for i, v in enumerate(self.variables)]
        texts += [(f"panel {p.title!r}", f"{path}.queries[{i}].expr", q.expr)
                  for path, p in self.panel_paths() for i, q in enumerate(p.queries)]
        for where, field, text in texts:
            unknown = [name for name in variables_in(text) if name not in defined]
            if unknown:
                raise FieldProblem(f"{where}: ${unknown[0]} is not a variable of this dashboard, in {text!r}",
                                   field=field, value=text)
        return self

    @property
    def dashboard_uid(self) -> str:
        return self.uid or conventions.dashboard_uid(self.name)

    def all_panels(self) -> tuple[Panel, ...]:
        return self.panels + tuple(p for row in self.rows for p in row.panels)

    def panel_paths(self) -> list[tuple[str, Panel]]:
        """all_panels, each with its path from the dashboard ("panels[0]", "rows[1].panels[0]")."""
        return [*((f"panels[{i}]", p) for i, p in enumerate(self.panels)),
                *((f"rows[{r}].panels[{i}]", p) for r, row in enumerate(self.rows) for i, p in enumerate(row.panels))]

    def used_variables(self) -> frozenset[str]:
        texts = [v.query for v in self.variables] + [q.expr for p in self.all_panels() for q in p.queries]
        return frozenset(name for text in texts for name in variables_in(text))


def check_dashboards(folders: tuple[Folder, ...], settings: DashboardSettings,
                     dashboards: tuple[Dashboard, ...], known_series: frozenset[str]) -> None:
    """The references between folders, settings and dashboards, and the series every query selects: a
    FieldProblem whose field is the path from the stack ("dashboards[0].folder")."""
    require_unique("folder uid", [f.uid for f in folders], "folders[{}].uid")
    require_unique("folder title", [f.title for f in folders], "folders[{}].title")
    seen: set[str] = set()
    for index, dashboard in enumerate(dashboards):  # a uid not given is made from the name
        if dashboard.dashboard_uid in seen:
            if dashboard.uid:
                raise FieldProblem(f"duplicate dashboard uid name {dashboard.uid!r}", field=f"dashboards[{index}].uid",
                                   value=dashboard.uid)
            # Without a uid, the name is where it comes from: say so, or the message names a uid nobody wrote.
            raise FieldProblem(f"dashboard {dashboard.name!r} has no uid, and the uid derived from its name, "
                               f"{dashboard.dashboard_uid!r}, is already another dashboard's: rename it or give it "
                               "a uid", field=f"dashboards[{index}].name", value=dashboard.name)
        seen.add(dashboard.dashboard_uid)
    declared = [f.uid for f in folders]
    if not folders and (dashboards or settings.service_dashboards or settings.slo_dashboards):
        raise FieldProblem("folders is empty: declare a folder for the dashboards, or turn off "
                           "dashboard_settings.service_dashboards and slo_dashboards", field="folders", value=folders)
    if settings.folder is not None and settings.folder not in declared:
        raise FieldProblem(f"dashboard_settings.folder {settings.folder!r} is not a declared folder "
                           f"(folders: {', '.join(declared) or 'none'})", field="dashboard_settings.folder",
                           value=settings.folder)
    for index, dashboard in enumerate(dashboards):
        if dashboard.folder is not None and dashboard.folder not in declared:
            raise FieldProblem(f"dashboard {dashboard.name!r}: folder {dashboard.folder!r} is not a declared folder "
                               f"(folders: {', '.join(declared) or 'none'})", field=f"dashboards[{index}].folder",
                               value=dashboard.folder)
        for path, panel in dashboard.panel_paths():
            for at, query in enumerate(panel.queries):
                selected = promql.selected_metrics(substitute(query.expr)) - {PLACEHOLDER}
                unknown = sorted(selected - known_series)
                if unknown:
                    raise FieldProblem(f"dashboard {dashboard.name!r}, panel {panel.title!r}: query selects "
                                       f"{unknown[0]!r}, which is in no metric catalog and no recording rule",
                                       field=f"dashboards[{index}].{path}.queries[{at}].expr", value=query.expr)


def default_folder(folders: tuple[Folder, ...], settings: DashboardSettings) -> str:
    """The folder uid of generated dashboards."""
    if settings.folder is not None:
        return settings.folder
    if not folders:
        raise ValueError("dashboards need a folder: declare one in folders")
    return folders[0].uid
