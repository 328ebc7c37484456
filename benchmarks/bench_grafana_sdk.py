"""Our dashboard emitter (monitoring/grafana/emit.py) against grafana-foundation-sdk's typed builders.

Both build the same dashboards from the same model (every generated dashboard of a synthetic stack and of this
repository's stack): the same panels, positions, queries, units and thresholds. Each output is serialised to
JSON and validated against Grafana's published schemas in ../shared/reference/grafana-schema (the dashboard,
each panel and its options, each Prometheus query); the build + serialise time of each is reported.
The SDK is an optional extra: `pip install -e '.[bench]'`.
Run: .venv/bin/python benchmarks/bench_grafana_sdk.py [--services N] [--repeat R]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench_generate import synthetic_stack

from alerts.stack import stack as repository_stack
from monitoring.grafana import dashboards
from monitoring.grafana.datasource import DATASOURCE_VARIABLE, datasource_ref
from monitoring.grafana.emit import REFRESH_INTERVALS
from monitoring.grafana.schemas import SCHEMA_VERSION
from monitoring.model.dashboards import Dashboard, DashboardSettings, Panel
from monitoring.model.stack import Stack
from monitoring.output.files import to_json

ROOT = Path(__file__).resolve().parent.parent
SCHEMAS = ROOT.parent / "shared" / "reference" / "grafana-schema"
REF_IDS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


# --- grafana-foundation-sdk: the same dashboard through its builders ------------------------------------------

def sdk_dashboard(dashboard: Dashboard, settings: DashboardSettings) -> Any:
    """The dashboard as grafana-foundation-sdk builds it (a models.dashboard.Dashboard)."""
    from grafana_foundation_sdk.builders import dashboard as sdk
    from grafana_foundation_sdk.models import dashboard as model

    board = (sdk.Dashboard(dashboard.name).uid(dashboard.dashboard_uid).tags(sorted({*settings.tags,
                                                                                      *dashboard.tags}))
             .timezone(settings.timezone).time(settings.time_from, "now").editable()
             .tooltip(model.DashboardCursorSync.CROSSHAIR)
             .timepicker(sdk.TimePicker().hidden(False).refresh_intervals(list(REFRESH_INTERVALS))))
    if dashboard.description:
        board = board.description(dashboard.description)
    if settings.refresh:
        board = board.refresh(settings.refresh)
    for variable in _sdk_variables(dashboard):
        board = board.with_variable(variable)
    for tag in dashboard.link_tags:
        board = board.link(sdk.DashboardLink(tag).type(model.DashboardLinkType.DASHBOARDS).tags([tag])
                           .as_dropdown(True).include_vars(True).keep_time(True).target_blank(False)
                           .icon("external link").tooltip(""))
    if dashboard.alert_annotation:
        board = board.annotation(sdk.AnnotationQuery().name("Firing alerts").datasource(_datasource())
                                 .enable(True).icon_color("red").expr(dashboard.alert_annotation))
    built = board.build()
    built.schema_version = SCHEMA_VERSION  # the SDK writes its own release's (41 for 11.6); ours is 39
    built.panels = _sdk_layout(dashboard)  # placed as ours are, so both dashboards look the same
    return built


def _datasource() -> Any:
    from grafana_foundation_sdk.models import dashboard as model

    ref = datasource_ref()
    return model.DataSourceRef(type_val=ref["type"], uid=ref["uid"])


def _sdk_variables(dashboard: Dashboard) -> Iterator[Any]:
    from grafana_foundation_sdk.builders import dashboard as sdk
    from grafana_foundation_sdk.models import dashboard as model

    yield sdk.DatasourceVariable(DATASOURCE_VARIABLE).label("Data source").type("prometheus")
    used = dashboard.used_variables()
    wanted = []
    if used & {"job", "instance"}:
        jobs = "|".join(dashboard.jobs)
        series = dashboard.job_series or "up"
        selector = f'{series}{{job=~"{jobs}"}}' if jobs else series
        wanted.append(("job", "Job", f"label_values({selector}, job)", True, True, None))
    if "instance" in used:
        wanted.append(("instance", "Instance", 'label_values(up{job=~"$job"}, instance)', True, True, ".*"))
    wanted += [(v.name, v.label or None, v.query, v.include_all, v.multi, None) for v in dashboard.variables]
    for name, label, query, include_all, multi, all_value in wanted:
        variable = (sdk.QueryVariable(name).query(query).datasource(_datasource()).include_all(include_all)
                    .multi(multi).refresh(model.VariableRefresh.ON_TIME_RANGE_CHANGED)
                    .sort(model.VariableSort.ALPHABETICAL_ASC))
        if label:
            variable = variable.label(label)
        if all_value:
            variable = variable.all_value(all_value)
        yield variable


def _sdk_layout(dashboard: Dashboard) -> list[Any]:
    from grafana_foundation_sdk.builders import dashboard as sdk
    from grafana_foundation_sdk.models import dashboard as model

    def grid(pos: dict[str, int]) -> Any:
        return model.GridPos(h=pos["h"], w=pos["w"], x=pos["x"], y=pos["y"])

    cursor = dashboards._Cursor()
    next_id = iter(range(1, 10_000))
    panels = [_sdk_panel(p, grid(cursor.place(p.width, p.height)), next(next_id)) for p in dashboard.panels]
    for row in dashboard.rows:
        cursor.newline()
        header = grid(cursor.place(dashboards.COLUMNS, 1))
        row_id = next(next_id)
        cursor.newline()
        inner = dashboards._Cursor() if row.collapsed else cursor
        if row.collapsed:
            inner.y = cursor.y
        children = [_sdk_panel(p, grid(inner.place(p.width, p.height)), next(next_id)) for p in row.panels]
        built = sdk.Row(row.title).id(row_id).grid_pos(header).collapsed(row.collapsed).build()
        if row.collapsed:
            built.panels = children
            panels.append(built)
        else:
            panels += [built, *children]
    return panels


def _sdk_panel(panel: Panel, grid: Any, panel_id: int) -> Any:
    from grafana_foundation_sdk.builders import (
        bargauge,
        common,
        gauge,
        heatmap,
        prometheus,
        stat,
        table,
        text,
        timeseries,
    )
    from grafana_foundation_sdk.builders import dashboard as sdk
    from grafana_foundation_sdk.models import dashboard as model

    kinds: dict[str, Callable[[], Any]] = {"timeseries": timeseries.Panel, "stat": stat.Panel, "gauge": gauge.Panel,
                                           "bargauge": bargauge.Panel, "table": table.Panel,
                                           "heatmap": heatmap.Panel, "text": text.Panel}
    built = kinds[panel.type]().id(panel_id).title(panel.title).grid_pos(grid)
    if panel.description:
        built = built.description(panel.description)
    if panel.type == "text":
        return built.content(panel.content).mode("markdown").build()
    built = built.datasource(_datasource())
    for i, query in enumerate(panel.queries):
        target = (prometheus.Dataquery().expr(query.expr).ref_id(REF_IDS[i]).legend_format(query.legend)
                  .format(query.format).datasource(_datasource()))
        built = built.with_target(target.instant() if query.instant else target.range())
    steps = [model.Threshold(color=panel.base_color, value=None),
             *(model.Threshold(color=t.color, value=t.value) for t in panel.thresholds)]
    built = built.thresholds(sdk.ThresholdsConfig().mode(model.ThresholdsMode.ABSOLUTE).steps(steps))
    for setting in ("unit", "decimals", "min", "max"):
        if getattr(panel, setting) is not None:
            built = getattr(built, setting)(getattr(panel, setting))
    last = common.ReduceDataOptions().calcs(["lastNotNull"]).fields("").values(False)
    if panel.type == "timeseries":
        built = (built.color_scheme(sdk.FieldColor().mode(model.FieldColorModeId.PALETTE_CLASSIC))
                 .legend(common.VizLegendOptions().display_mode("list").placement("bottom").show_legend(True)
                         .calcs([]))
                 .tooltip(common.VizTooltipOptions().mode("multi").sort("desc"))
                 .draw_style("line").line_width(1).fill_opacity(30 if panel.stacked else 10)
                 .gradient_mode("none" if panel.stacked else "opacity").line_interpolation("linear")
                 .show_points("auto").point_size(5).axis_placement("auto").axis_label("").span_nulls(False)
                 .stacking(common.StackingConfig().mode("normal" if panel.stacked else "none").group("A"))
                 .thresholds_style(common.GraphThresholdsStyleConfig()
                                   .mode("dashed" if panel.show_thresholds else "off")))
    elif panel.type == "stat":
        built = (built.reduce_options(last).color_mode("value").graph_mode("area").justify_mode("auto")
                 .text_mode("auto").orientation("auto"))
    elif panel.type == "gauge":
        built = (built.reduce_options(last).orientation("auto").show_threshold_labels(False)
                 .show_threshold_markers(True))
    elif panel.type == "bargauge":
        built = (built.reduce_options(last).display_mode("gradient").value_mode("color").show_unfilled(True)
                 .orientation("horizontal"))
    elif panel.type == "table":
        names = {("Value" if len(panel.queries) == 1 else f"Value #{REF_IDS[i]}"): q.legend or f"Value {REF_IDS[i]}"
                 for i, q in enumerate(panel.queries)}
        merge = [model.DataTransformerConfig(id_val="merge", options={})] if len(panel.queries) > 1 else []
        organize = model.DataTransformerConfig(id_val="organize", options={"excludeByName": {"Time": True},
                                                                           "renameByName": names})
        built = (built.frame_index(0).show_header(True).align("auto").filterable(False).inspect(False)
                 .sort_by([common.TableSortByFieldState().display_name(next(iter(names.values()))).desc(True)])
                 .transformations([*merge, organize]))
    else:
        axis = heatmap.YAxisConfig().axis_placement("left")
        built = (built.calculate(False).show_value("auto").rows_frame(heatmap.RowsHeatmapOptions().layout("auto"))
                 .y_axis(axis if panel.unit in (None, "short") else axis.unit(panel.unit))
                 .color(heatmap.HeatmapColorOptions().mode("scheme").scheme("Oranges").fill("dark-orange")
                        .scale("exponential").exponent(0.5).steps(64).reverse(False)))
    return built.build()


def sdk_json(built: Any) -> str:
    """The SDK's dashboard serialised as ours are (orjson, sorted keys, indented): only the builders differ."""
    return orjson.dumps(built, default=lambda obj: obj.to_json(),
                        option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS).decode() + "\n"


# --- validation against the reference schemas ------------------------------------------------------------------

class Schemas:
    """Grafana's published JSON Schemas, read where they lie beside the repository."""

    def __init__(self) -> None:
        from jsonschema import Draft7Validator

        self._validators: dict[tuple[str, str], Any] = {}
        self._draft = Draft7Validator

    def errors(self, schema_file: str, definition: str, value: object) -> list[str]:
        key = (schema_file, definition)
        if key not in self._validators:
            definitions = json.loads((SCHEMAS / schema_file).read_text())["definitions"]
            self._validators[key] = self._draft({"$ref": f"#/definitions/{definition}", "definitions": definitions})
        return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in self._validators[key].iter_errors(value)]

    def dashboard_errors(self, board: dict[str, Any]) -> list[str]:
        """The dashboard, each panel and row, each panel's options and custom field config, each query."""
        problems = self.errors("dashboard.jsonschema.json", "Dashboard", {**board, "panels": []})
        panels = [p for top in board.get("panels", []) for p in (top, *top.get("panels", []))]
        for panel in panels:
            where = f"panel {panel.get('title')!r}"
            kind = panel.get("type")
            definition = "RowPanel" if kind == "row" else "Panel"
            problems += [f"{where}: {e}" for e in self.errors("dashboard.jsonschema.json", definition, panel)]
            if kind == "row":
                continue
            schema = f"{kind}.jsonschema.json"
            problems += [f"{where} options: {e}" for e in self.errors(schema, "Options", panel.get("options", {}))]
            custom = panel.get("fieldConfig", {}).get("defaults", {}).get("custom")
            if custom is not None and kind in ("timeseries", "table", "heatmap", "bargauge"):
                problems += [f"{where} custom: {e}" for e in self.errors(schema, "FieldConfig", custom)]
            for target in panel.get("targets", []):
                problems += [f"{where} query: {e}"
                             for e in self.errors("prometheus.jsonschema.json", "Dataquery", target)]
        return problems


# --- the run ------------------------------------------------------------------------------------------------------

Build = Callable[[Dashboard, DashboardSettings], Any]
WAYS: dict[str, tuple[Build, Callable[[Any], str]]] = {
    "ours (grafana/emit.py)": (dashboards.render_dashboard, to_json),
    "grafana-foundation-sdk": (sdk_dashboard, sdk_json),
}


def timed(build: Build, serialise: Callable[[Any], str], boards: list[tuple[Dashboard, DashboardSettings]],
          repeat: int) -> tuple[float, float, list[str]]:
    """The best of `repeat` runs over every dashboard: (build seconds, serialise seconds, the JSON texts)."""
    best_build = best_serialise = float("inf")
    texts: list[str] = []
    for _ in range(repeat):
        started = time.perf_counter()
        built = [build(board, settings) for board, settings in boards]
        middle = time.perf_counter()
        texts = [serialise(b) for b in built]
        best_build, best_serialise = min(best_build, middle - started), min(best_serialise,
                                                                             time.perf_counter() - middle)
    return best_build, best_serialise, texts


def model_boards(stack: Stack) -> list[tuple[Dashboard, DashboardSettings]]:
    return [(board, stack.dashboard_settings) for board in dashboards.model_dashboards(stack)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--services", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    try:
        import grafana_foundation_sdk  # noqa: F401
    except ImportError:
        print("grafana-foundation-sdk is not installed: pip install -e '.[bench]'")
        return 1
    boards = model_boards(synthetic_stack(args.services)) + model_boards(repository_stack)
    panels = sum(len(b.panels) + sum(len(r.panels) for r in b.rows) for b, _ in boards)
    print(f"dashboards: {len(boards)}, panels: {panels}")

    schemas = Schemas()
    results = {}
    for name, (build, serialise) in WAYS.items():
        build_s, serialise_s, texts = timed(build, serialise, boards, args.repeat)
        problems = [f"{board.dashboard_uid}: {p}" for (board, _), text in zip(boards, texts, strict=True)
                    for p in schemas.dashboard_errors(json.loads(text))]
        total = results[name] = build_s + serialise_s
        print(f"{name:<24} build {build_s:6.3f} s + serialise {serialise_s:6.3f} s = "
              f"{total * 1000 / len(boards):5.2f} ms per dashboard, {sum(map(len, texts)) / 1e6:4.1f} MB JSON; "
              f"schema: {'valid' if not problems else f'{len(problems)} problems, first: {problems[0]}'}")
        if problems:
            return 1
    ours, sdk = results.values()
    print(f"grafana-foundation-sdk / ours: {sdk / ours:.1f}x; kept: {'ours' if ours <= sdk else 'the SDK'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
