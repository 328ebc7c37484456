"""Dashboards: the model's dashboards (declared, per service, per service's SLOs) as Grafana's current-schema
JSON, through the typed builders of `emit`. Pure: no files are read or written."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Hashable, Iterable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import Any

from monitoring import conventions
from monitoring.errors import DefinitionError
from monitoring.grafana import emit, service_dashboard, slo_calendar_dashboard, slo_dashboard
from monitoring.grafana.datasource import datasource_variable
from monitoring.grafana.variables import variables_in
from monitoring.model.dashboards import Dashboard, DashboardRow, DashboardSettings, Panel, default_folder
from monitoring.model.service import Service
from monitoring.model.slo import SLO
from monitoring.model.stack import Stack
from monitoring.output.files import to_json
from monitoring.slo import stand_ins

COLUMNS = 24
_REF_IDS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def ref_id(index: int) -> str:
    """The refId of a panel's query at index, as Grafana names them: A to Z, then AA, AB...

        >>> [ref_id(0), ref_id(25), ref_id(26), ref_id(701), ref_id(702)]
        ['A', 'Z', 'AA', 'ZZ', 'AAA']
    """
    name = ""
    index += 1
    while index:
        index, letter = divmod(index - 1, len(_REF_IDS))
        name = _REF_IDS[letter] + name
    return name


@dataclass(frozen=True)
class RenderedDashboard:
    """One dashboard's JSON, its folder, where it was defined (for messages) and its title (unique in its
    folder; kept beside the data, which may already be JSON text)."""

    folder: str
    uid: str
    data: dict[str, Any]
    source: str
    title: str


def model_dashboards(stack: Stack) -> Iterator[Dashboard]:
    """The stack's declared dashboards, then one per service and one per service with SLOs, each built
    when it is asked for."""
    for group in dashboard_groups(stack):
        yield from map(_built, group())


@dataclass(frozen=True)
class SLOBoard:
    """A service's SLO dashboard before it is built: `render_json` writes it from the texts of its rows, each
    written once per key (see `_slo_board_json`); everything else builds it (`dashboard`).

        SLOBoard(service, slos).dashboard().name   # 'api SLOs'
    """

    service: Service
    slos: tuple[SLO, ...]

    def dashboard(self) -> Dashboard:
        return slo_dashboard.build(self.service, self.slos)


def _built(item: Dashboard | SLOBoard) -> Dashboard:
    return item.dashboard() if isinstance(item, SLOBoard) else item


def dashboard_groups(stack: Stack) -> list[Callable[[], Iterable[Dashboard | SLOBoard]]]:
    """model_dashboards in order, as groups that each build their dashboards when called, independently of
    the others (the declared ones, then one group per service): a large stack's groups can be built in
    several processes."""
    settings = stack.dashboard_settings
    groups: list[Callable[[], Iterable[Dashboard | SLOBoard]]] = [lambda: stack.dashboards]
    by_service = slo_dashboard.slos_by_service(stack)
    if settings.service_dashboards:
        slos = {service.name: objectives for service, objectives in by_service}
        groups += [partial(_service_dashboards, service, slos.get(service.name, ()))
                   for service in stack.services if service.metrics]
    if settings.slo_dashboards:
        groups += [partial(_slo_dashboards, service, slos) for service, slos in by_service]
    return groups


def group_key(group: Callable[[], Iterable[Dashboard | SLOBoard]]) -> Hashable:
    """What a group of dashboard_groups shares with others in a process's caches: for a service's SLO dashboards,
    the shapes of its SLOs. Their rows' texts are written once per key (see _ROWS), and rows of one shape mostly
    share a key; the rules and tests of an SLO go to a worker by its shape too, which then has its names worked
    out (see stand_ins). None for the rest."""
    if isinstance(group, partial) and group.func is _slo_dashboards:
        return tuple(slo.plan.shape for slo in group.args[1])
    return None


def _service_dashboards(service: Service, slos: tuple[SLO, ...]) -> Iterator[Dashboard]:
    yield service_dashboard.build(service, slos)


def _slo_dashboards(service: Service, slos: tuple[SLO, ...]) -> Iterator[Dashboard | SLOBoard]:
    yield SLOBoard(service, slos)
    yield from slo_calendar_dashboard.build(service, slos)


def render(stack: Stack, dashboards: Iterable[Dashboard | SLOBoard] | None = None) -> Iterator[RenderedDashboard]:
    """Every dashboard of the model (or those given) as JSON data, one at a time, so that only one is in
    memory."""
    settings = stack.dashboard_settings
    for dashboard in model_dashboards(stack) if dashboards is None else map(_built, dashboards):
        # Asked for each dashboard, not once: a stack that makes no dashboard may declare no folder.
        folder = dashboard.folder or default_folder(stack.folders, settings)
        yield RenderedDashboard(folder, dashboard.dashboard_uid,
                                render_dashboard(dashboard, settings), f"dashboard {dashboard.name!r}",
                                dashboard.name)


def render_json(stack: Stack, dashboards: Iterable[Dashboard | SLOBoard]) -> Iterator[RenderedDashboard]:
    """`render`, each dashboard's data its JSON text (exactly `to_json` of what `render` gives)."""
    settings = stack.dashboard_settings
    for item in dashboards:
        if isinstance(item, SLOBoard):
            head = slo_dashboard.build(item.service, ())  # the dashboard without its rows
            text = _slo_board_json(stack, item, head, settings)
        else:
            head = item
            text = to_json(render_dashboard(item, settings))
        yield RenderedDashboard(head.folder or default_folder(stack.folders, settings), head.dashboard_uid,
                                text,  # type: ignore[arg-type]
                                f"dashboard {head.name!r}", head.name)


# --- SLO dashboards from row texts ----------------------------------------------------------------------------
# A service's SLO dashboard is a row per SLO. A row's JSON depends on the SLO's names, on what `slo_dashboard.
# row_key` holds, and on where the row starts (its first panel id, its top on the grid): it is written once per
# key with stand-ins for the names (see monitoring.slo.stand_ins; slugs need no escaping in JSON). The dashboard
# is then the JSON of the dashboard without rows, with the rows' panels put into its empty panel list: indented
# JSON is compositional, every line break in it is structural (JSON strings escape theirs).
_ROWS = stand_ins.NamedTexts()
_NO_PANELS = '\n  "panels": [],\n'


def _slo_board_json(stack: Stack, board: SLOBoard, head: Dashboard, settings: DashboardSettings) -> str:
    """to_json(render_dashboard(board.dashboard(), settings)), put together from the texts of its rows."""
    rows = []
    top, next_id = 0, 1
    for slo in board.slos:
        key = ("slo-row", slo_dashboard.row_key(slo), top, next_id)
        text = _ROWS.text(key, stack, slo, partial(_row_json, top=top, first_id=next_id))
        text, _, tail = text.rpartition("\n")
        top, next_id, own_variables = map(int, tail.split())
        if own_variables:  # the dashboard's variables follow its queries: not those of the dashboard without rows
            return to_json(render_dashboard(board.dashboard(), settings))
        rows.append(text)
    text = to_json(render_dashboard(head, settings))
    if not rows:
        return text
    assert text.count(_NO_PANELS) == 1 and not head.panels
    return text.replace(_NO_PANELS, '\n  "panels": [\n' + ",\n".join(rows) + "\n  ],\n")


def _row_json(stack: Stack, slo: SLO, top: int, first_id: int) -> str:
    """The panels of the SLO's row as `render_dashboard` lays them out from `top` and `first_id`, as JSON at
    the indentation of a dashboard's panels; then a line: where the next row starts (top, id), and 1 if its
    queries use dashboard variables (else 0)."""
    row = slo_dashboard.slo_row(slo)
    cursor = _Cursor()
    cursor.y = top
    ids = itertools.count(first_id)
    panels = _row_layout(row, cursor, ids)
    text = ",\n".join("    " + to_json(panel)[:-1].replace("\n", "\n    ") for panel in panels)
    own = any(variables_in(q.expr) for p in row.panels for q in p.queries)
    return f"{text}\n{cursor.y + cursor.line_height} {next(ids)} {int(own)}"


def render_dashboard(dashboard: Dashboard, settings: DashboardSettings) -> dict[str, Any]:
    """The dashboard's JSON in Grafana's current schema, straight from the model."""
    return emit.dashboard(
        uid=dashboard.dashboard_uid, title=dashboard.name, description=dashboard.description,
        tags=sorted({*settings.tags, *dashboard.tags}), timezone=dashboard.timezone or settings.timezone,
        refresh=settings.refresh, time_from=dashboard.time_from or settings.time_from, week_start=dashboard.week_start,
        variables=_variables(dashboard), panels=_layout(dashboard),
        links=[emit.tag_link(tag) for tag in dashboard.link_tags],
        annotations=[emit.alert_annotation(dashboard.alert_annotation)] if dashboard.alert_annotation else [],
    )


def _variables(dashboard: Dashboard) -> list[dict[str, Any]]:
    """datasource always; job and instance where queries use them (instance's query uses $job)."""
    used = dashboard.used_variables()
    variables = [datasource_variable()]
    if used & {"job", "instance"}:
        jobs = "|".join(dashboard.jobs)
        series = dashboard.job_series or "up"
        selector = f'{series}{{job=~"{jobs}"}}' if jobs else series
        variables.append(emit.query_variable(name="job", label="Job", query=f"label_values({selector}, job)",
                                             include_all=True, multi=True))
    if "instance" in used:
        variables.append(emit.query_variable(name="instance", label="Instance",
                                             query='label_values(up{job=~"$job"}, instance)',
                                             include_all=True, multi=True, all_value=".*"))
    variables += [
        emit.query_variable(name=v.name, label=v.label or None, query=v.query, include_all=v.include_all,
                            multi=v.multi)
        for v in dashboard.variables
    ]
    return variables


class _Cursor:
    """Left-to-right, top-to-bottom placement on Grafana's 24-column grid."""

    def __init__(self) -> None:
        self.x = self.y = self.line_height = 0

    def place(self, width: int, height: int) -> dict[str, int]:
        if self.x + width > COLUMNS:
            self.newline()
        pos = emit.grid_pos(height, width, self.x, self.y)
        self.x += width
        self.line_height = max(self.line_height, height)
        return pos

    def newline(self) -> None:
        self.y += self.line_height
        self.x = self.line_height = 0


def _layout(dashboard: Dashboard) -> list[dict[str, Any]]:
    cursor = _Cursor()
    next_id: Iterator[int] = itertools.count(1)
    panels = [_panel(p, cursor.place(p.width, p.height), next(next_id)) for p in dashboard.panels]
    for row in dashboard.rows:
        panels += _row_layout(row, cursor, next_id)
    return panels


def _row_layout(row: DashboardRow, cursor: _Cursor, next_id: Iterator[int]) -> list[dict[str, Any]]:
    """The row's header and panels, from the next line of the cursor."""
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
        return [emit.row(panel_id=row_id, title=row.title, grid=header, collapsed=True, panels=children)]
    return [emit.row(panel_id=row_id, title=row.title, grid=header), *children]


def _targets(panel: Panel) -> list[dict[str, Any]]:
    return [emit.target(q.expr, ref_id(i), legend=q.legend, instant=q.instant, query_format=q.format)
            for i, q in enumerate(panel.queries)]


def _field_defaults(panel: Panel) -> dict[str, Any]:
    """Thresholds are always written: the panel's own, or the base colour alone. Left out, Grafana would
    fill in its default (red from 80), which means nothing for a ratio or a rate."""
    steps = tuple((t.value, t.color) for t in panel.thresholds)
    return emit.field_defaults(unit=panel.unit, decimals=panel.decimals, min=panel.min, max=panel.max,
                               thresholds=emit.thresholds(panel.base_color, steps))


def _panel(panel: Panel, grid: dict[str, int], panel_id: int) -> dict[str, Any]:
    common: dict[str, Any] = {"panel_id": panel_id, "title": panel.title, "grid": grid,
                              "description": panel.description}
    if panel.type == "text":
        return emit.text(content=panel.content, **common)
    common["targets"] = _targets(panel)
    common["defaults"] = _field_defaults(panel)
    if panel.type == "timeseries":
        return emit.timeseries(stacked=panel.stacked, thresholds_style="dashed" if panel.show_thresholds else "off",
                               **common)
    if panel.type == "stat":
        return emit.stat(**common)
    if panel.type == "gauge":
        return emit.gauge(**common)
    if panel.type == "bargauge":
        return emit.bargauge(**common)
    if panel.type == "table":
        names = {
            ("Value" if len(panel.queries) == 1 else f"Value #{ref_id(i)}"): q.legend or f"Value {ref_id(i)}"
            for i, q in enumerate(panel.queries)
        }
        return emit.table(value_names=names, sort_by=next(iter(names.values())), **common)
    return emit.heatmap(unit=None if panel.unit == "short" else panel.unit, **common)


def output(stack: Stack, rendered: Iterable[RenderedDashboard]) -> Iterator[tuple[str, Any]]:
    """out/grafana as (path, plain data): folders.json, then each dashboard under its folder as it comes.
    Uids must be unique, and titles within a folder (Grafana refuses to save a second dashboard of the same
    title in a folder): a second use stops the stream (and so the writer, which then leaves out/ alone)."""
    yield conventions.GRAFANA_FOLDERS_FILE, [{"uid": f.uid, "title": f.title}
                                             for f in sorted(stack.folders, key=lambda f: f.uid)]
    seen: dict[str, str] = {}
    titles: dict[tuple[str, str], tuple[str, str]] = {}
    for dashboard in rendered:
        if dashboard.uid in seen:
            raise DefinitionError(f"dashboard uid {dashboard.uid!r} is used twice: by {seen[dashboard.uid]} "
                                  f"and by {dashboard.source}", field="uid", value=dashboard.uid)
        seen[dashboard.uid] = dashboard.source
        slug = conventions.dashboard_title_slug(dashboard.title)
        key = (dashboard.folder, slug)
        if key in titles:
            title, source = titles[key]
            same = (f"title {title!r} is used twice" if title == dashboard.title else
                    f"titles {title!r} and {dashboard.title!r} are one title to Grafana, which compares their "
                    f"slug {slug!r},")
            raise DefinitionError(f"dashboard {same} in folder {dashboard.folder!r}: by {source} and by "
                                  f"{dashboard.source}", field="title", value=dashboard.title)
        titles[key] = (dashboard.title, dashboard.source)
        yield conventions.dashboard_file(dashboard.folder, dashboard.uid), dashboard.data
