"""grafanalib's output normalised to modern JSON: every modern panel type passes Grafana's schemas."""

from __future__ import annotations

import copy
import os
import re
from typing import Any

import pytest
from grafanalib import core as g
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from monitoring.checks.lint import CHECKS, DashboardDocument, LintContext, lint_dashboards
from monitoring.errors import DefinitionError
from monitoring.grafana import hand_written
from monitoring.grafana.normalise import NormaliseError, from_grafanalib, grafanalib_json, normalise
from monitoring.grafana.schemas import SCHEMA_VERSION
from monitoring.output.files import to_json

DS = {"type": "prometheus", "uid": "${datasource}"}


def target(expr: str = "up") -> g.Target:
    return g.Target(expr=expr, refId="A")


def every_panel_type() -> g.Dashboard:
    """grafanalib's defaults for each modern panel type: the legacy layouts the normaliser must rewrite."""
    return g.Dashboard(
        title="All types", uid="all-types", sharedCrosshair=True,
        templating=g.Templating(list=[g.Template(name="job", query="label_values(up, job)", dataSource="$datasource")]),
        panels=[
            g.RowPanel(title="Row", gridPos=g.GridPos(h=1, w=24, x=0, y=0)),
            g.TimeSeries(title="Series", targets=[target()], gridPos=g.GridPos(h=8, w=12, x=0, y=1),
                         legendDisplayMode="hidden", stacking={}),
            g.Stat(title="Stat", targets=[target()], gridPos=g.GridPos(h=8, w=12, x=12, y=1)),
            g.GaugePanel(title="Gauge", targets=[target()], gridPos=g.GridPos(h=8, w=12, x=0, y=9), calc="max"),
            g.BarGauge(title="Bars", targets=[target()], gridPos=g.GridPos(h=8, w=12, x=12, y=9), label="Up"),
            g.Heatmap(title="Heatmap", targets=[target()], gridPos=g.GridPos(h=8, w=12, x=0, y=17),
                      dataFormat="tsbuckets", yAxis=g.YAxis(format="s")),
            g.Table(title="Table", targets=[target()], gridPos=g.GridPos(h=8, w=12, x=12, y=17),
                    displayMode="color-text"),
            g.Text(title="Notes", content="*hi*", mode="text", gridPos=g.GridPos(h=4, w=24, x=0, y=25)),
        ],
    ).auto_panel_ids()


def nulls(value: Any, path: str = "") -> list[str]:
    if value is None:
        return [path]
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in nulls(v, f"{path}.{k}")]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in nulls(v, f"{path}[{i}]")]
    return []


def panels(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {p["title"]: p for p in data["panels"]}


@pytest.fixture(scope="module")
def modern() -> dict[str, Any]:
    return from_grafanalib(every_panel_type())


def test_every_modern_panel_type_passes_every_check(modern: dict[str, Any]) -> None:
    assert lint_dashboards([DashboardDocument("all.json", modern)], LintContext(frozenset({"up"}))) == []
    assert len(CHECKS) >= 9


def test_grafanalib_output_fails_the_schema_before_normalising() -> None:
    raw = grafanalib_json(every_panel_type())
    problems = lint_dashboards([DashboardDocument("raw.json", raw)], LintContext(frozenset({"up"})))
    assert {p.check for p in problems} >= {"dashboard/schema", "dashboard/panel-schema", "dashboard/target-schema"}


def test_legacy_keys_and_nulls_are_gone(modern: dict[str, Any]) -> None:
    for key in ("rows", "sharedCrosshair", "hideControls", "style", "__inputs", "id", "version", "gnetId"):
        assert key not in modern
    assert modern["schemaVersion"] == SCHEMA_VERSION >= 39
    assert modern["graphTooltip"] == 1  # what sharedCrosshair meant
    # The only null Grafana wants is a threshold base step's value (-Infinity).
    assert all(path.endswith("steps[0].value") for path in nulls(modern)), nulls(modern)
    for panel in modern["panels"]:
        for key in ("span", "height", "editable", "error", "minSpan"):
            assert key not in panel
        for t in panel.get("targets", []):
            assert {"target", "metric", "step", "query", "intervalFactor"}.isdisjoint(t)
            assert t["datasource"] == DS


def test_datasources_become_type_and_uid(modern: dict[str, Any]) -> None:
    assert [v["name"] for v in modern["templating"]["list"]] == ["datasource", "job"]
    assert modern["templating"]["list"][0] == {"name": "datasource", "label": "Data source", "type": "datasource",
                                               "query": "prometheus", "refresh": 1, "hide": 0}
    assert modern["templating"]["list"][1]["datasource"] == DS
    assert all(p["datasource"] == DS for p in modern["panels"] if p["type"] not in ("row", "text"))
    named = normalise({"panels": [{"type": "stat", "datasource": "Prometheus EU", "targets": [{"expr": "up"}]}]})
    assert named["panels"][0]["datasource"] == {"uid": "Prometheus EU"}  # not declared: its type is unknown
    assert named["panels"][0]["targets"][0]["datasource"] == {"uid": "Prometheus EU"}
    assert [v["name"] for v in named["templating"]["list"]] == []  # no ${datasource} used, none added


def test_legacy_panel_layouts_are_migrated(modern: dict[str, Any]) -> None:
    by_title = panels(modern)
    series = by_title["Series"]["options"]["legend"]
    assert (series["displayMode"], series["showLegend"]) == ("list", False)
    assert by_title["Series"]["fieldConfig"]["defaults"]["custom"]["stacking"] == {"mode": "none", "group": "A"}
    gauge = by_title["Gauge"]
    assert gauge["options"]["reduceOptions"] == {"calcs": ["max"], "fields": "", "values": False}
    assert gauge["fieldConfig"]["defaults"]["thresholds"]["steps"] == [{"color": "green", "value": None},
                                                                      {"color": "red", "value": 80.0}]
    bars = by_title["Bars"]
    assert "fieldOptions" not in bars["options"]
    assert bars["fieldConfig"]["defaults"]["displayName"] == "Up"
    heatmap = by_title["Heatmap"]
    assert heatmap["options"]["calculate"] is False  # tsbuckets: Prometheus computes the buckets
    assert heatmap["options"]["yAxis"]["unit"] == "s"
    for legacy in ("cards", "dataFormat", "xAxis", "yBucketBound", "hideZeroBuckets"):
        assert legacy not in heatmap
    assert by_title["Table"]["fieldConfig"]["defaults"]["custom"] == {"align": "auto", "displayMode": "color-text",
                                                                      "filterable": False, "inspect": False}
    assert by_title["Notes"]["options"] == {"mode": "markdown", "content": "*hi*"}
    assert "datasource" not in by_title["Notes"]


@pytest.mark.parametrize("grafanalib", [True, False], ids=["grafanalib's JSON", "a dashboard's own JSON"])
def test_normalise_is_idempotent_and_leaves_its_input_alone(modern: dict[str, Any], grafanalib: bool) -> None:
    """Read as grafanalib's output, grafanalib's defaults go (what from_grafanalib gives); read as a dashboard's
    own JSON, the same values are settings its author stated, and stay."""
    raw = grafanalib_json(every_panel_type())
    before = copy.deepcopy(raw)
    once = normalise(raw, grafanalib=grafanalib)
    assert raw == before
    assert normalise(once, grafanalib=grafanalib) == once
    assert (once == modern) is grafanalib
    queries = [t for p in once["panels"] for t in p.get("targets", [])]
    assert {t.get("intervalFactor") for t in queries} == ({None} if grafanalib else {2})


# An export of a dashboard that places one library panel twice, once inside a collapsed row, as Grafana 9 and
# later write it: each place refers to the panel, whose model `__elements` holds.
SHARED = {"type": "timeseries", "title": "Shared requests", "datasource": {"type": "prometheus", "uid": "prom"},
          "gridPos": {"x": 0, "y": 0, "w": 6, "h": 4}, "id": 9, "libraryPanel": {"uid": "lib-1", "name": "Requests"},
          "targets": [{"refId": "A", "expr": "sum(rate(up[5m]))", "datasource": {"type": "prometheus", "uid": "prom"}}]}
WITH_LIBRARY_PANELS = {
    "title": "Library", "uid": "library",
    "__elements": {"lib-1": {"name": "Requests", "uid": "lib-1", "kind": 1, "model": SHARED}},
    "panels": [{"id": 1, "gridPos": {"x": 0, "y": 0, "w": 12, "h": 8},
                "libraryPanel": {"uid": "lib-1", "name": "Requests"}},
               {"id": 2, "type": "row", "title": "More", "collapsed": True,
                "gridPos": {"x": 0, "y": 8, "w": 24, "h": 1},
                "panels": [{"id": 3, "gridPos": {"x": 12, "y": 9, "w": 12, "h": 8},
                            "libraryPanel": {"uid": "lib-1", "name": "Requests"}}]}]}


def test_an_exports_library_panels_are_inlined_where_they_are_placed() -> None:
    """Grafana 9 and later write `__elements` into every export: the models of its library panels, which the
    dashboard API cannot create. Each place gets the model, at its own position and id, as Grafana inlines them
    in an export for another instance; the dashboard is then whole, and passes every check."""
    data = normalise(WITH_LIBRARY_PANELS)

    assert "__elements" not in data and "__elements" not in normalise({"title": "T", "panels": [], "__elements": {}})
    first, row = data["panels"]
    inner = row["panels"][0]
    assert [(p["id"], p["gridPos"], p["title"], p["type"]) for p in (first, inner)] == [
        (1, {"x": 0, "y": 0, "w": 12, "h": 8}, "Shared requests", "timeseries"),
        (3, {"x": 12, "y": 9, "w": 12, "h": 8}, "Shared requests", "timeseries")]
    assert first["targets"] == inner["targets"] == [
        {"refId": "A", "expr": "sum(rate(up[5m]))", "datasource": {"type": "prometheus", "uid": "prom"}}]
    assert "libraryPanel" not in first and "libraryPanel" not in inner
    assert first is not inner and first["targets"] is not inner["targets"]  # each place its own copy
    assert normalise(data) == data
    assert lint_dashboards([DashboardDocument("library.json", data)], LintContext(frozenset({"up"}))) == []
    assert WITH_LIBRARY_PANELS["panels"][0] == {  # the caller's data is left as it was
        "id": 1, "gridPos": {"x": 0, "y": 0, "w": 12, "h": 8}, "libraryPanel": {"uid": "lib-1", "name": "Requests"}}


@pytest.mark.parametrize(("change", "message"), [
    (lambda d: d.pop("__elements"), r"panels\[0\]\.libraryPanel: library panel 'Requests' is not in the dashboard's "
                                     r"__elements: export the dashboard for sharing externally"),
    (lambda d: d["panels"][1]["panels"][0].update(libraryPanel={"uid": "lib-2"}),
     r"panels\[1\]\.panels\[0\]\.libraryPanel: library panel 'lib-2' is not in the dashboard's __elements"),
    (lambda d: d["__elements"]["lib-1"].pop("model"), r"panels\[0\]\.libraryPanel: library panel 'Requests' is not in"),
    (lambda d: d.update(__elements=[1]), r"__elements must be an object, not a list \(\[1\]\)"),
], ids=["no elements", "another uid", "no model", "not an object"])
def test_a_library_panel_the_dashboard_does_not_hold_is_refused_by_path(change, message: str) -> None:
    data = copy.deepcopy(WITH_LIBRARY_PANELS)
    change(data)
    with pytest.raises(NormaliseError, match=message):
        normalise(data)


def test_legacy_rows_are_laid_out_on_the_grid() -> None:
    """grafanalib's Row (Grafana 4's rows) goes on the grid as Grafana lays it out: a row of span 4 and 8 panels
    side by side; rows beside panels are refused, as neither place says where the other's panels go."""
    legacy = g.Dashboard(title="Old", rows=[g.Row(panels=[g.Text(content="x", span=4), g.Text(content="y", span=8)])])
    panels = from_grafanalib(legacy)["panels"]
    assert [(p["type"], p["gridPos"]) for p in panels] == [
        ("text", {"x": 0, "y": 0, "w": 8, "h": 7}), ("text", {"x": 8, "y": 0, "w": 16, "h": 7})]
    with pytest.raises(NormaliseError, match="holds both Grafana 4's `rows` and `panels`"):
        normalise({"title": "Old", "rows": [{"panels": [{"type": "text"}]}], "panels": [{"type": "text"}]})


def test_graph_panels_are_left_for_the_checks_to_report() -> None:
    data = from_grafanalib(g.Dashboard(title="Old", panels=[
        g.Graph(title="Requests", targets=[target()], gridPos=g.GridPos(h=8, w=12, x=0, y=0))]).auto_panel_ids())
    assert data["panels"][0]["type"] == "graph"
    problems = lint_dashboards([DashboardDocument("old.json", data)], LintContext(frozenset({"up"})))
    assert "old.json: panel 1 'Requests', field type: 'graph' is a deprecated panel type, which Grafana migrates " \
           "with losses (use timeseries)" in [p.message for p in problems]


# --- hand-written JSON of any shape: normalised, or one line naming the JSON path -------------------------------
# The keys and texts the normaliser reads, so that generated dicts reach its migrations (a `heatmap` with a legacy
# `yAxis`, a `row` with `panels`...), each holding any JSON value.
_KEYS = ("type", "targets", "fieldConfig", "defaults", "overrides", "thresholds", "steps", "value", "custom",
         "options", "legend", "reduceOptions", "fieldOptions", "mode", "panels", "datasource", "templating", "list",
         "current", "text", "yAxis", "format", "yBucketBound", "dataFormat", "show", "scaleDistribution", "stacking",
         "mappings", "schemaVersion", "timepicker", "title", "uid", "collapsed", "displayMode", "rows", "repeat",
         "id", "limit", "nameFilter", "stateFilter", "useProxy", "showLegend", "tooltipOptions", "tooltip", "op",
         "from", "to", "properties", "repeatPanelId", "repeatDirection", "description", "libraryPanel", "name",
         "model", "gridPos", "yaxes", "seriesOverrides", "aliasColors", "gauge", "sparkline", "colors", "valueName",
         "nullPointMode", "lines", "bars", "points", "fill", "stack", "percentage", "decimals", "yaxis", "grid",
         "legendType", "pieType", "span", "height", "showTitle", "collapse", "repeatIteration", "styles",
         "transform", "showHeader", "valueMaps", "rangeMaps", "mappingType", "fillGradient", "links", "filters",
         "index", "footer", "fields", "logBase", "sort", "sortDesc", "values", "avg", "pattern", "colorMode")
_TEXTS = ("row", "timeseries", "stat", "gauge", "bargauge", "heatmap", "table", "text", "interval", "datasource",
          "tsbuckets", "upper", "short", "hidden", "linear", "auto", "null", "$datasource", "", "39", "dashlist",
          "alertlist", "news", "histogram", "piechart", "xychart", "mappings", "=", "v", "graph", "singlestat",
          "table-old", "grafana-piechart-panel", "grafana-singlestat-panel", "connected", "lib")
_SCALARS = (st.none() | st.booleans() | st.integers() | st.floats() | st.sampled_from(_TEXTS)
            | st.text(max_size=4))
_JSON = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(_KEYS) | st.text(max_size=3),
                                                                 inner, max_size=4),
    max_leaves=24)
_DASHBOARDS = st.fixed_dictionaries(
    {"title": st.text(min_size=1, max_size=8), "panels": st.lists(_JSON, max_size=4)},
    optional={key: _JSON for key in ("templating", "schemaVersion", "uid", "timepicker", "rows", "annotations",
                                     "__elements")})


@settings(max_examples=int(os.environ.get("FUZZ_EXAMPLES", "400")), deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(_DASHBOARDS)
def test_any_json_dashboard_normalises_or_is_one_line_naming_the_file(data: dict[str, Any]) -> None:
    before = copy.deepcopy(data)
    try:
        rendered = hand_written.json_dashboard("ops", data, "boards/any.dashboard.py")
    except DefinitionError as exc:
        assert str(exc).startswith("custom dashboard boards/any.dashboard.py: "), exc
        assert "\n" not in str(exc)
    else:
        assert rendered.data["uid"] == rendered.uid
        to_json(rendered.data)  # what generate writes
    assert data == before  # the user's dict is not changed


# Old panels (what grafanalib's Graph, SingleStat and PieChart write, an old export's table-old) with any value in
# any of the settings their migration reads.
OLD_SETTINGS = ("yaxes", "seriesOverrides", "aliasColors", "legend", "tooltip", "gauge", "sparkline", "colors",
                "valueName", "nullPointMode", "lines", "bars", "points", "linewidth", "fill", "stack", "percentage",
                "decimals", "yaxis", "xaxis", "grid", "legendType", "pieType", "format", "thresholds", "steppedLine",
                "dashes", "dashLength", "pointradius", "colorBackground", "colorValue", "fieldConfig", "options",
                "fillGradient", "valueMaps", "rangeMaps", "mappingType", "styles", "transform", "showHeader",
                "columns", "span", "height")
OLD_PANELS = st.builds(
    lambda kind, settings: {"type": kind, "title": "Old", "gridPos": {"x": 0, "y": 0, "w": 12, "h": 8},
                            "targets": [{"refId": "A", "expr": "up"}], **settings},
    st.sampled_from(["graph", "singlestat", "grafana-singlestat-panel", "grafana-piechart-panel", "table-old"]),
    st.dictionaries(st.sampled_from(OLD_SETTINGS), _JSON | st.lists(st.dictionaries(
        st.sampled_from(("format", "min", "max", "logBase", "show", "alias", "yaxis", "color", "transform",
                         "minValue", "maxValue", "decimals", "values", "avg", "sort", "sortDesc", "value", "op",
                         "fill", "line", "colorMode", "pattern", "type", "unit", "text", "from", "to", "label",
                         "thresholdLabels", "bars", "points", "dashes", "stack", "fillBelowTo", "link",
                         "linkUrl")), _SCALARS, max_size=4), max_size=3), max_size=6))


@settings(max_examples=int(os.environ.get("FUZZ_EXAMPLES", "300")), deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(OLD_PANELS, min_size=1, max_size=3))
def test_an_old_panel_of_any_settings_is_migrated_or_refused_in_one_line(panels: list[dict[str, Any]]) -> None:
    """What generate does with a hand-written dashboard's old panels: migrated (then checked like any other), or
    one line naming the file, never a traceback; advice one line each."""
    data = {"title": "Old", "panels": panels}
    before = copy.deepcopy(data)
    warnings: list[str] = []
    try:
        rendered = hand_written.json_dashboard("ops", data, "boards/old.dashboard.py", warn=warnings.append)
    except DefinitionError as exc:
        assert str(exc).startswith("custom dashboard boards/old.dashboard.py: "), exc
        assert "\n" not in str(exc)
    else:
        assert {p["type"] for p in rendered.data["panels"]} <= {"timeseries", "stat", "gauge", "piechart", "table"}
        assert normalise(rendered.data) == rendered.data
        to_json(rendered.data)
        assert warnings and all(w.startswith("custom dashboard boards/old.dashboard.py: ") and "\n" not in w
                                for w in warnings)
    assert data == before


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_JSON)
def test_normalise_raises_only_its_own_error(value: Any) -> None:
    data = value if isinstance(value, dict) else {"panels": [value]}
    try:
        normalised = normalise(data)
    except NormaliseError as exc:
        assert "\n" not in str(exc)
    else:
        assert normalise(normalised) == normalised


@pytest.mark.parametrize(("data", "message"), [
    ({"title": "t", "panels": [1]}, "panels[0] must be an object, not a number (1)"),
    ({"title": "t", "panels": [{"type": ["x"]}]}, "panels[0].type must be a string, not a list (['x'])"),
    ({"title": "t", "panels": [{"targets": "abc"}]}, "panels[0].targets must be a list, not a string ('abc')"),
    ({"title": "t", "panels": [{"type": "stat", "fieldConfig": []}]},
     "panels[0].fieldConfig must be an object, not a list ([])"),
    ({"title": "t", "panels": [], "templating": {"list": [3]}},
     "templating.list[0] must be an object, not a number (3)"),
    ({"title": "t", "panels": [{"type": "row", "panels": [None]}]}, "panels[0].panels[0] must be an object, not null"),
    ({"title": "t", "panels": [{"type": "heatmap", "legend": ["show"]}]},
     "panels[0].legend must be an object, not a list (['show'])"),
    ({"title": "t", "panels": [{"type": "stat", "options": "big"}]},
     "panels[0].options must be an object, not a string ('big')"),  # was replaced by {}, dropping what it held
    ({"title": "t", "panels": [{"type": "dashlist", "limit": 3, "options": [3]}]},
     "panels[0].options must be an object, not a list ([3])"),
    ({"title": "t", "panels": [], "schemaVersion": "new"}, "schemaVersion must be a whole number, not a string"),
    ({"title": "t", "panels": [], "tags": {"a", "b"}}, "`dashboard` is not JSON data: tags is a set ("),
    ({"title": "t", "panels": [], "templating": {"list": [{"name": ["x"], "type": "query"}]}},
     "templating.list[0].name must be a string, not a list (['x'])"),
], ids=["panel a number", "type a list", "targets a string", "fieldConfig a list", "variable a number",
        "row panel null", "heatmap legend a list", "options a string", "list options a list", "schemaVersion a word",
        "a set", "variable name a list"])
def test_json_of_the_wrong_kind_names_its_path(data: dict[str, Any], message: str) -> None:
    with pytest.raises(DefinitionError) as caught:
        hand_written.json_dashboard("ops", data, "boards/x.dashboard.py")
    assert str(caught.value).startswith(f"custom dashboard boards/x.dashboard.py: {message}"), caught.value


def _only_target(query: Any) -> dict[str, Any]:
    dashboard = g.Dashboard(title="Other sources", uid="other-sources", panels=[
        g.TimeSeries(title="Series", targets=[query], gridPos=g.GridPos(h=8, w=12, x=0, y=0))])
    return from_grafanalib(dashboard)["panels"][0]["targets"][0]  # type: ignore[no-any-return]


def test_other_data_sources_keep_their_query() -> None:
    """The keys grafanalib writes empty on every Target are another data source's query: kept when set."""
    from grafanalib.elasticsearch import ElasticsearchTarget
    from grafanalib.influxdb import InfluxDBTarget
    from grafanalib.opentsdb import OpenTSDBTarget

    assert _only_target(g.Target(target="stats.api.requests", refId="A"))["target"] == "stats.api.requests"
    assert _only_target(ElasticsearchTarget(query="status:500", refId="A"))["query"] == "status:500"
    assert _only_target(InfluxDBTarget(query="SELECT mean(value)", refId="A"))["query"] == "SELECT mean(value)"
    assert _only_target(OpenTSDBTarget(metric="sys.cpu.user", refId="A"))["metric"] == "sys.cpu.user"
    assert _only_target(g.Target(expr="up", refId="A", intervalFactor=1))["intervalFactor"] == 1
    # grafanalib's copies and defaults still go
    assert set(_only_target(target())) & {"query", "target", "metric", "step", "intervalFactor"} == set()


def test_a_query_step_becomes_its_interval_unless_one_is_set() -> None:
    """`step` is the Grafana 4 name of a query's minimum step: Grafana 5 renamed it `interval`."""
    assert _only_target(g.Target(expr="up", refId="A", step=60))["interval"] == "60s"
    assert _only_target(g.Target(expr="up", refId="A", step=60, interval="5m"))["interval"] == "5m"
    data = normalise({"title": "t", "panels": [{"type": "stat", "title": "s", "targets": [
        {"refId": "A", "expr": "up", "step": "$step"},
        {"refId": "B", "expr": "up", "step": "", "intervalFactor": ""}]}]})
    assert [t.get("interval") for t in data["panels"][0]["targets"]] == ["$step", None]
    assert "intervalFactor" not in data["panels"][0]["targets"][1]
    with pytest.raises(NormaliseError, match=r"panels\[0\]\.targets\[0\]\.step must be a number of seconds or "
                                             r"a duration such as '1m' .*, not a list"):
        _only_target(g.Target(expr="up", refId="A", step=[60]))


def test_an_empty_data_source_name_means_the_default_one() -> None:
    from grafanalib.influxdb import InfluxDBTarget

    assert _only_target(InfluxDBTarget(query="SELECT 1", refId="A"))["datasource"] == DS
    data = normalise({"title": "t", "panels": [{"type": "stat", "title": "s", "datasource": "",
                                                "gridPos": {"h": 4, "w": 4, "x": 0, "y": 0},
                                                "targets": [{"refId": "A", "expr": "up", "datasource": ""}]}],
                      "templating": {"list": [{"name": "job", "type": "query", "datasource": "",
                                               "query": "label_values(up, job)"}]}})
    assert data["panels"][0]["datasource"] == DS and data["panels"][0]["targets"][0]["datasource"] == DS
    assert "datasource" not in data["templating"]["list"][-1]


def _only_panel(panel: Any) -> dict[str, Any]:
    """The panel normalised, after the whole dashboard passed every check (Grafana's schemas among them)."""
    data = from_grafanalib(g.Dashboard(title="Legacy panels", uid="legacy-panels", panels=[panel]).auto_panel_ids())
    assert lint_dashboards([DashboardDocument("legacy.json", data)], LintContext(frozenset({"up"}))) == []
    return data["panels"][0]  # type: ignore[no-any-return]


def test_heatmap_settings_reach_the_modern_options() -> None:
    """What a Grafana 7 heatmap sets lands where Grafana's own migration puts it, and passes the schema."""
    options = _only_panel(g.Heatmap(
        title="Latency", targets=[target()], gridPos=g.GridPos(h=8, w=12, x=0, y=0),
        color=g.HeatmapColor(colorScheme="interpolateBlues", min=0, max=50), hideZeroBuckets=True,
        cards={"cardPadding": 2, "cardRound": 3}, xBucketSize="1m", yBucketNumber=20,
        yAxis=g.YAxis(decimals=1, min=0, max=10, label="seconds", logBase=2, show=False)))["options"]
    assert options["color"]["scheme"] == "Blues" and (options["color"]["min"], options["color"]["max"]) == (0, 50)
    assert options["filterValues"] == {"le": 1e-9}
    assert (options["cellGap"], options["cellRadius"]) == (2, 3)
    assert options["calculation"] == {"xBuckets": {"mode": "size", "value": "1m"},
                                      "yBuckets": {"mode": "count", "value": "20", "scale": {"type": "log", "log": 2}}}
    assert options["yAxis"] == {"axisPlacement": "hidden", "decimals": 1, "min": 0, "max": 10, "axisLabel": "seconds"}
    opacity = _only_panel(g.Heatmap(title="Opacity", targets=[target()], gridPos=g.GridPos(h=8, w=12, x=0, y=0),
                                    color=g.HeatmapColor(mode="opacity", cardColor="#ff0000", colorScale="linear")))
    assert opacity["options"]["color"] | {"steps": 0} == {
        "mode": "opacity", "fill": "#ff0000", "scale": "linear", "exponent": 0.5, "scheme": "Oranges",
        "steps": 0, "reverse": False}


def test_heatmap_settings_with_no_modern_place_are_refused() -> None:
    common = {"title": "h", "targets": [target()], "gridPos": g.GridPos(h=8, w=12, x=0, y=0)}
    with pytest.raises(NormaliseError, match=r"panels\[0\]\.highlightCards .* no modern heatmap equivalent"):
        _only_panel(g.Heatmap(highlightCards=False, **common))
    with pytest.raises(NormaliseError, match=r"panels\[0\]: bucket sizes.*only to buckets the heatmap calculates"):
        _only_panel(g.Heatmap(dataFormat="tsbuckets", yBucketSize=2, **common))


def test_table_settings_reach_the_modern_table_or_are_refused() -> None:
    common = {"title": "t", "targets": [target()], "gridPos": g.GridPos(h=8, w=12, x=0, y=0)}
    assert _only_panel(g.Table(colorMode="fixed", **common))["fieldConfig"]["defaults"]["color"] == {"mode": "fixed"}
    with pytest.raises(NormaliseError, match=r"panels\[0\]\.columns .* use a reduce or organize transformation"):
        _only_panel(g.Table(columns=[g.Column(text="Avg", value="avg")], **common))
    with pytest.raises(NormaliseError, match=r"panels\[0\]\.fontSize .* no modern table equivalent"):
        _only_panel(g.Table(fontSize="120%", **common))


def test_every_data_source_reference_becomes_type_and_uid() -> None:
    """Annotations name their data source as panels do; Grafana's built-in ones keep their own type."""
    declared = {"Prometheus": {"type": "prometheus", "uid": "prom"}}
    data = from_grafanalib(g.Dashboard(
        title="Refs", uid="refs", annotations=g.Annotations(list=[
            {"name": "deploys", "datasource": "Prometheus", "expr": "changes(deploys_total[5m])", "enable": True,
             "iconColor": "red"},
            {"name": "Annotations & Alerts", "datasource": "-- Grafana --", "builtIn": 1, "enable": True,
             "iconColor": "rgba(0, 211, 255, 1)", "type": "dashboard"}]),
        panels=[g.TimeSeries(title="Mixed", dataSource="-- Mixed --", gridPos=g.GridPos(h=8, w=12, x=0, y=0),
                             targets=[g.Target(expr="up", refId="A", datasource="Prometheus")])]).auto_panel_ids(),
        datasources=declared)
    assert [a["datasource"] for a in data["annotations"]["list"]] == [
        {"type": "prometheus", "uid": "prom"}, {"type": "grafana", "uid": "-- Grafana --"}]
    assert data["panels"][0]["datasource"] == {"type": "datasource", "uid": "-- Mixed --"}
    assert data["panels"][0]["targets"][0]["datasource"] == {"type": "prometheus", "uid": "prom"}
    known = LintContext(frozenset({"up", "deploys_total"}))
    assert lint_dashboards([DashboardDocument("refs.json", data)], known) == []
    with pytest.raises(NormaliseError, match=r"annotations\.list\[0\] must be an object, not a number"):
        normalise({"title": "t", "panels": [], "annotations": {"list": [3]}})


def test_a_data_source_the_dashboard_declares_by_name_keeps_its_type() -> None:
    """An export's inputs and the data source variables give the type of the data sources referenced by name, as
    Grafana's own migration does: a Loki panel of an old export stays a Loki panel, whose LogQL no check reads
    as PromQL. A name the stack declares gets its type (see the next test)."""
    logql = '{app="mcp"} |= "error"'
    data = normalise({
        "title": "Logs", "__inputs": [{"name": "DS_LOKI", "type": "datasource", "pluginId": "loki"},
                                      {"name": "DS_PROM", "type": "datasource", "pluginId": "prometheus"}],
        "templating": {"list": [{"name": "logs", "type": "datasource", "query": "loki"}]},
        "panels": [{"id": i + 1, "type": "logs", "title": f"p{i}", "gridPos": {"x": 0, "y": 8 * i, "w": 12, "h": 8},
                    "datasource": source, "targets": [{"refId": "A", "expr": logql}]}
                   for i, source in enumerate(["${DS_LOKI}", "$logs", "[[logs]]"])]
        + [{"id": 4, "type": "timeseries", "title": "up", "gridPos": {"x": 12, "y": 0, "w": 12, "h": 8},
            "datasource": "$DS_PROM", "targets": [{"refId": "A", "expr": "up", "datasource": "Prometheus"}]}]},
        datasources={"Prometheus": {"type": "prometheus", "uid": "prom"}})
    assert [(p["datasource"], p["targets"][0]["datasource"]) for p in data["panels"]] == [
        ({"type": "loki", "uid": "${DS_LOKI}"},) * 2, ({"type": "loki", "uid": "${logs}"},) * 2,
        ({"type": "loki", "uid": "${logs}"},) * 2,
        ({"type": "prometheus", "uid": "${DS_PROM}"}, {"type": "prometheus", "uid": "prom"})]
    assert lint_dashboards([DashboardDocument("logs.json", data)], LintContext(frozenset({"up"}))) == []


def test_a_named_data_source_gets_the_type_and_uid_the_stack_declares() -> None:
    """As Grafana's migration finds a name (or a uid) among the instance's data sources and writes its {type,
    uid}: here among the stack's. A name it cannot find stays {"uid": name}, of no known type, whose queries no
    check reads as PromQL (dashboard/datasource-type warns); "default" is the default data source, as none is."""
    logql = '{app="mcp"} |= "error"'
    declared = {"Loki": {"type": "loki", "uid": "loki"}, "loki": {"type": "loki", "uid": "loki"},
                "Prometheus EU": {"type": "prometheus", "uid": "prom-eu"},
                "prom-eu": {"type": "prometheus", "uid": "prom-eu"}}
    sources = ["Loki", "loki", "prom-eu", "Elastic", "default"]
    data = normalise({"title": "Named", "panels": [
        {"id": i + 1, "type": "timeseries", "title": f"p{i}", "gridPos": {"x": 0, "y": 8 * i, "w": 12, "h": 8},
         "datasource": source, "targets": [{"refId": "A", "expr": logql if i < 2 else "up"}]}
        for i, source in enumerate(sources)]}, datasources=declared)
    assert [p["datasource"] for p in data["panels"]] == [
        {"type": "loki", "uid": "loki"}, {"type": "loki", "uid": "loki"}, {"type": "prometheus", "uid": "prom-eu"},
        {"uid": "Elastic"}, {"type": "prometheus", "uid": "${datasource}"}]
    assert [v["name"] for v in data["templating"]["list"]] == ["datasource"]  # for the "default" panel
    problems = lint_dashboards([DashboardDocument("named.json", data)], LintContext(frozenset({"up"})))
    assert [(p.check, p.severity) for p in problems] == [("dashboard/datasource-type", "warning")]
    assert "panel 4 'p3', field datasource: data source 'Elastic' has no type" in problems[0].message


def test_an_exports_inputs_become_the_variables_its_references_need() -> None:
    """Grafana's import page asks for an export's inputs and writes the answers in; the dashboard API takes
    `${DS_PROMETHEUS}` as it is. Each data source input becomes a data source variable of its plugin's type, and
    each constant a hidden constant, unless the dashboard defines the name already."""
    data = normalise({
        "title": "Node", "__inputs": [
            {"name": "DS_PROMETHEUS", "label": "Prometheus", "type": "datasource", "pluginId": "prometheus"},
            {"name": "VAR_WINDOW", "label": "window", "type": "constant", "value": "5m"},
            {"name": "DS_LOKI", "label": "Logs", "type": "datasource", "pluginId": "loki"},
            {"name": "bad name", "type": "datasource", "pluginId": "loki"}],
        "templating": {"list": [{"name": "DS_LOKI", "type": "datasource", "query": "loki", "label": "Mine"}]},
        "panels": [{"id": 1, "type": "timeseries", "title": "CPU", "gridPos": {"x": 0, "y": 0, "w": 12, "h": 8},
                    "datasource": "${DS_PROMETHEUS}",
                    "targets": [{"refId": "A", "expr": "rate(node_cpu_seconds_total[${VAR_WINDOW}])"}]}]})
    assert data["templating"]["list"] == [
        {"name": "DS_PROMETHEUS", "label": "Prometheus", "type": "datasource", "query": "prometheus", "refresh": 1,
         "hide": 0},
        {"name": "VAR_WINDOW", "label": "window", "type": "constant", "query": "5m", "hide": 2},
        {"name": "DS_LOKI", "type": "datasource", "query": "loki", "label": "Mine"}]
    known = LintContext(frozenset({"node_cpu_seconds_total"}))
    assert lint_dashboards([DashboardDocument("node.json", data)], known) == []


@pytest.mark.parametrize(("data", "message"), [
    ({"title": "t", "panels": [{"\n": 2**64}]}, r"panels\[0\]\['\\n'\] is an integer beyond 64 bits"),
    ({"title": "t", "panels": [], "schemaVersion": 2.0**64}, r"schemaVersion a number .* is beyond any of Grafana's"),
])
def test_a_path_or_a_number_no_writer_takes_is_one_line(data: dict[str, Any], message: str) -> None:
    with pytest.raises((NormaliseError, DefinitionError), match=message) as refused:
        hand_written.json_dashboard("mcp", data, "boards/x.dashboard.py")
    assert "\n" not in str(refused.value)


def test_panel_links_get_the_fields_grafanas_schema_requires() -> None:
    panel = _only_panel(g.TimeSeries(title="Linked", targets=[target()], gridPos=g.GridPos(h=8, w=12, x=0, y=0),
                                     links=[g.DataLink(title="Runbook", linkUrl="https://runbooks.example/up",
                                                       isNewTab=True)]))
    assert panel["links"] == [{"title": "Runbook", "url": "https://runbooks.example/up", "targetBlank": True,
                               "type": "link", "icon": "external link", "tooltip": "", "tags": [],
                               "asDropdown": False, "includeVars": False, "keepTime": False}]


# --- grafanalib's panels for Grafana's other core visualizations -------------------------------------------------
def core_panels() -> list[Any]:
    """One of each grafanalib panel for a core visualization beyond the seven with a schema here, without ids."""
    at = [g.GridPos(h=8, w=12, x=12 * (i % 2), y=8 * (i // 2)) for i in range(8)]
    return [
        g.BarChart(title="Bars", targets=[target()], gridPos=at[0]),
        g.Histogram(title="Spread", targets=[target()], gridPos=at[1], legendDisplayMode="hidden"),
        g.Logs(title="Logs", targets=[target()], gridPos=at[2], showTime=True, wrapLogMessages=True),
        g.StateTimeline(title="States", targets=[target()], gridPos=at[3]),
        g.PieChartv2(title="Share", targets=[target()], gridPos=at[4], legendValues=["percent"]),
        g.News(title="News", feedUrl="https://grafana.com/blog/news.xml", showImage=False, gridPos=at[5]),
        g.DashboardList(title="Boards", gridPos=at[6], showStarred=False, showSearch=True, showRecent=True,
                        showHeadings=False, maxItems=5, searchQuery="api", searchTags=["team-a"]),
        g.AlertList(title="Alerts", gridPos=at[7], show=g.ALERTLIST_SHOW_CHANGES, limit=20, sortOrder=g.SORT_IMPORTANCE,
                    onlyAlertsOnDashboard=False, nameFilter="Api", dashboardTags=["team-a"],
                    stateFilter=[g.ALERTLIST_STATE_ALERTING, g.ALERTLIST_STATE_PENDING]),
    ]


def test_core_panels_pass_every_check_with_every_setting_in_its_modern_place() -> None:
    data = from_grafanalib(g.Dashboard(title="Core", uid="core", panels=core_panels()))
    assert lint_dashboards([DashboardDocument("core.json", data)], LintContext(frozenset({"up"}))) == []
    by_title = panels(data)
    # The dashboard list's and the alert list's panel-level settings, where Grafana's own migrations put them.
    assert by_title["Boards"]["options"] == {"showStarred": False, "showRecentlyViewed": True, "showSearch": True,
                                             "showHeadings": False, "maxItems": 5, "query": "api",
                                             "tags": ["team-a"]}
    assert by_title["Alerts"]["options"] == {
        "alertName": "Api", "showOptions": "changes", "maxItems": 20, "sortOrder": 3, "dashboardAlerts": False,
        "tags": ["team-a"], "stateFilter": {"alerting": True, "pending": True}}
    for legacy in ("starred", "recent", "search", "headings", "limit", "query", "tags", "show", "sortOrder",
                   "onlyAlertsOnDashboard", "nameFilter", "dashboardTags", "stateFilter"):
        assert legacy not in by_title["Boards"] and legacy not in by_title["Alerts"]
    assert by_title["News"]["options"] == {"feedUrl": "https://grafana.com/blog/news.xml", "showImage": False}
    assert by_title["Logs"]["options"]["showTime"] is True and by_title["Logs"]["options"]["wrapLogMessage"] is True
    # A legend as Grafana's schemaVersion 37 migration leaves it: `showLegend`, never a `hidden` display mode.
    assert by_title["Spread"]["options"]["legend"] == {"displayMode": "list", "placement": "bottom",
                                                       "showLegend": False}
    assert by_title["States"]["options"]["legend"]["showLegend"] is True
    assert by_title["Share"]["options"]["legend"] == {"displayMode": "list", "placement": "bottom",
                                                      "values": ["percent"], "showLegend": True}
    assert normalise(data) == data


def test_an_old_panel_setting_and_its_option_set_differently_are_refused() -> None:
    """grafanalib's AlertList has both `nameFilter` (the old place) and `alertName` (the option): Grafana would
    keep the option and drop the other, so one of them at its default yields, and two values are refused."""
    def alert_name(**kwargs: Any) -> Any:
        data = from_grafanalib(g.Dashboard(title="A", panels=[g.AlertList(title="Alerts", **kwargs)]))
        return data["panels"][0]["options"]["alertName"]

    assert alert_name(alertName="Api") == alert_name(nameFilter="Api") == alert_name(alertName="Api", nameFilter="Api")
    with pytest.raises(NormaliseError, match=r"panels\[0\]\.nameFilter \(a string \('Db'\)\) and "
                                             r"panels\[0\]\.options\.alertName \(a string \('Api'\)\) are the old and "
                                             r"the new place of one setting: keep only options\.alertName"):
        alert_name(alertName="Api", nameFilter="Db")
    with pytest.raises(NormaliseError, match=r"panels\[0\]\.stateFilter\[0\] must be a string, not a number"):
        normalise({"title": "t", "panels": [{"type": "alertlist", "stateFilter": [1]}]})
    json_list = normalise({"title": "t", "panels": [{"type": "dashlist", "limit": 3, "folderId": 7,
                                                     "options": {"keepTime": True}}]})
    assert json_list["panels"][0]["options"] == {"keepTime": True, "maxItems": 3, "folderId": 7}


def test_a_news_setting_current_grafana_has_no_more_is_refused() -> None:
    def news(**kwargs: Any) -> dict[str, Any]:
        return from_grafanalib(g.Dashboard(title="N", panels=[g.News(title="News", **kwargs)]))["panels"][0]

    assert "useProxy" not in news()["options"]  # grafanalib's default asks for nothing
    with pytest.raises(NormaliseError, match=r"panels\[0\]\.options\.useProxy \(true or false \(True\)\) has no "
                                             r"modern news panel equivalent: leave it unset"):
        news(useProxy=True)


def test_panels_without_ids_get_the_ids_auto_panel_ids_would_give() -> None:
    """The lowest positive integers no panel uses, in panel order, a row's panels after it: what
    grafanalib's Dashboard.auto_panel_ids() gives, so that calling it in the dashboard file changes nothing."""
    def board() -> g.Dashboard:
        return g.Dashboard(title="Ids", uid="ids", panels=[
            g.Text(title="a", content="x", gridPos=g.GridPos(h=2, w=8, x=0, y=0)),
            g.Text(title="b", content="x", id=2, gridPos=g.GridPos(h=2, w=8, x=8, y=0)),
            g.RowPanel(title="row", collapsed=True, gridPos=g.GridPos(h=1, w=24, x=0, y=2), panels=[
                g.Text(title="c", content="x", gridPos=g.GridPos(h=2, w=8, x=0, y=3)),
                g.Text(title="d", content="x", id=5, gridPos=g.GridPos(h=2, w=8, x=8, y=3))]),
            g.AlertList(title="e", gridPos=g.GridPos(h=2, w=8, x=0, y=5)),
            g.Text(title="f", content="x", id=0, gridPos=g.GridPos(h=2, w=8, x=8, y=5))])

    data = from_grafanalib(board())
    row = data["panels"][2]
    assert [p["id"] for p in data["panels"]] == [1, 2, 3, 6, 7]
    assert [p["id"] for p in row["panels"]] == [4, 5]
    assert data == from_grafanalib(board().auto_panel_ids())
    assert lint_dashboards([DashboardDocument("ids.json", data)], LintContext(frozenset({"up"}))) == []
    assert normalise(data) == data


def test_duplicate_panel_ids_are_kept_for_the_checks_to_report() -> None:
    data = normalise({"title": "t", "panels": [{"type": "text", "title": "a", "id": 3}, {"type": "text", "title": "b"},
                                               {"type": "text", "title": "c", "id": 3}]})
    assert [p["id"] for p in data["panels"]] == [3, 1, 3]
    problems = lint_dashboards([DashboardDocument("d.json", data)], LintContext(frozenset()))
    assert "d.json: panel 3 'c', field id: 3 is already the id of the panel at panels[0]" in [
        p.message for p in problems if p.check == "dashboard/panel-ids"]


def test_panels_inside_an_expanded_row_are_refused() -> None:
    """Grafana shows the panels that follow an expanded row and reads a row's own `panels` only when it is
    collapsed (grafanalib's own example nests a graph in an expanded RowPanel): never shown, so refused."""
    inside = g.Text(title="hidden", content="x", gridPos=g.GridPos(h=2, w=8, x=0, y=1))
    with pytest.raises(NormaliseError, match=r"\Apanels\[1\]\.panels: an expanded row \(collapsed false\) holds panels "
                                             r"that Grafana never shows \(1\): set collapsed to true, or put them "
                                             r"after the row\Z"):
        from_grafanalib(g.Dashboard(title="R", panels=[
            g.Text(title="a", content="x", gridPos=g.GridPos(h=1, w=8, x=0, y=0)),
            g.RowPanel(title="row", gridPos=g.GridPos(h=1, w=24, x=0, y=1), panels=[inside])]))
    collapsed = from_grafanalib(g.Dashboard(title="R", panels=[
        g.RowPanel(title="row", collapsed=True, gridPos=g.GridPos(h=1, w=24, x=0, y=0), panels=[inside])]))
    assert [p["title"] for p in collapsed["panels"][0]["panels"]] == ["hidden"]


def test_a_row_setting_with_no_place_on_a_row_is_refused() -> None:
    """A row is a title bar: a panel's description, time override, links or horizontal repetition would be
    dropped (or fail the schema), so each is refused; what it does anyway (repeat downwards) is kept."""
    def row(**kwargs: Any) -> dict[str, Any]:
        templating = g.Templating(list=[g.Template(name="job", query="label_values(up, job)",
                                                  dataSource="$datasource")])
        return from_grafanalib(g.Dashboard(title="R", templating=templating, panels=[
            g.RowPanel(title="row", gridPos=g.GridPos(h=1, w=24, x=0, y=0), **kwargs)]))

    repeated = row(repeat=g.Repeat("v", "job"))
    assert repeated["panels"][0] == {"collapsed": False, "gridPos": {"h": 1, "w": 24, "x": 0, "y": 0}, "id": 1,
                                     "panels": [], "repeat": "job", "title": "row", "type": "row"}
    assert lint_dashboards([DashboardDocument("r.json", repeated)], LintContext(frozenset({"up"}))) == []
    for kwargs, key, value in [
        ({"description": "about"}, "description", "a string ('about')"),
        ({"timeFrom": "1h"}, "timeFrom", "a string ('1h')"),
        ({"transparent": True}, "transparent", "true or false (True)"),
        ({"links": [g.DataLink(title="l", linkUrl="https://x")]}, "links", "a list"),
        ({"repeat": g.Repeat("h", "job")}, "repeatDirection", "a string ('h')"),
        ({"repeat": g.Repeat("v", "job", maxPerRow=4)}, "maxPerRow", "a number (4)"),
    ]:
        with pytest.raises(NormaliseError, match=rf"\Apanels\[0\]\.{key} \({re.escape(value)}.* has no place on a "
                                                 r"row, which Grafana shows as a title bar only: leave it unset\Z"):
            row(**kwargs)


def test_grafana_7_value_mappings_take_the_modern_form() -> None:
    """grafanalib's StatValueMapping, StatRangeMapping, StatMapping and ValueMap write Grafana 7 mappings
    (`type: 1` or `2`, or none at all), which Grafana's schemaVersion 30 migration rewrites, and which no
    migration touches once the dashboard says schemaVersion 39: the normaliser rewrites them as that migration
    does, value mappings in one, a number's text coloured by the threshold it reaches."""
    common = {"targets": [target()], "gridPos": g.GridPos(h=8, w=12, x=0, y=0)}
    stat = _only_panel(g.Stat(title="s", thresholds=[g.Threshold("green", 0, 0.0), g.Threshold("red", 1, 80.0)],
                              mappings=[g.StatValueMapping("Up", "1"), g.StatValueMapping("None", "null"),
                                        g.StatRangeMapping("Busy", "10", "20"),
                                        g.StatValueMappings(g.StatValueMappingItem("Down", "0", "red")),
                                        g.StatValueMapping("90", "9")], **common))
    assert stat["fieldConfig"]["defaults"]["mappings"] == [
        {"type": "value", "options": {"1": {"text": "Up"}, "0": {"text": "Down", "color": "red"},
                                      "9": {"text": "90", "color": "red"}}},
        {"type": "special", "options": {"match": "null", "result": {"text": "None"}}},
        {"type": "range", "options": {"from": 10.0, "to": 20.0, "result": {"text": "Busy"}}}]
    gauge = _only_panel(g.GaugePanel(title="g", valueMaps=[g.ValueMap("OK", "1")], **common))
    assert gauge["fieldConfig"]["defaults"]["mappings"] == [{"type": "value", "options": {"1": {"text": "OK"}}}]
    table = _only_panel(g.Table(title="t", mappings=[g.StatMapping("Low", startValue="0", endValue="5")],
                                overrides=[{"matcher": {"id": "byName", "options": "Value"}, "properties": [
                                    {"id": "mappings", "value": [{"type": 1, "value": "1", "text": "one"}]}]}],
                                **common))
    assert table["fieldConfig"]["defaults"]["mappings"] == [
        {"type": "range", "options": {"from": 0.0, "to": 5.0, "result": {"text": "Low"}}}]
    assert table["fieldConfig"]["overrides"][0]["properties"][0]["value"] == [
        {"type": "value", "options": {"1": {"text": "one"}}}]
    for panel in (stat, gauge, table):  # each passed every check in _only_panel; and normalising changes no more
        assert normalise({"title": "m", "panels": [copy.deepcopy(panel)]})["panels"] == [panel]
    with pytest.raises(NormaliseError, match=r"panels\[0\]\.fieldConfig\.defaults\.mappings\[0\] \(an object .*\) "
                                             r"is no value mapping Grafana knows"):
        _only_panel(g.GaugePanel(title="g", valueMaps=[g.ValueMap("Big", "9", op=">")], **common))


def test_the_copies_of_a_repeated_panel_an_old_export_kept_are_dropped() -> None:
    """Grafana before 7.4 saved the copies it made of a repeated panel or row (`repeatPanelId`, `repeatByRow`)
    and their variable values (`scopedVars`); its schemaVersion 27 migration drops them, which it no longer runs
    once the dashboard says 39: the normaliser drops them too, or each copy would be shown beside the new ones."""
    def stat(**fields: Any) -> dict[str, Any]:
        return {"type": "stat", "title": "Up $job", "gridPos": {"h": 4, "w": 6, "x": 6 * len(fields), "y": 0},
                "targets": [{"expr": 'up{job="$job"}', "refId": "A"}], **fields}

    job = {"job": {"text": "api", "value": "api", "selected": True}}
    data = normalise({"title": "Repeats", "templating": {"list": [
        {"name": "job", "type": "query", "query": "label_values(up, job)", "datasource": "$datasource"}]},
        "panels": [stat(id=1, repeat="job", scopedVars=job),
                   stat(id=2, repeatPanelId=1, repeatIteration=1600000000000, scopedVars=job),
                   {"type": "row", "title": "By job", "id": 3, "collapsed": True, "repeat": "job",
                    "gridPos": {"h": 1, "w": 24, "x": 0, "y": 4}, "panels": [stat(id=4, repeatPanelId=1)]},
                   {"type": "row", "title": "By job", "id": 5, "collapsed": True, "repeatByRow": True,
                    "gridPos": {"h": 1, "w": 24, "x": 0, "y": 5}, "panels": []}]})
    assert [(p["id"], p["type"]) for p in data["panels"]] == [(1, "stat"), (3, "row")]
    assert data["panels"][1]["panels"] == [] and "scopedVars" not in data["panels"][0]
    assert lint_dashboards([DashboardDocument("r.json", data)], LintContext(frozenset({"up"}))) == []


def test_a_grafana_7_tooltip_setting_takes_its_modern_place() -> None:
    """Grafana 7.4's time series kept its tooltip in `options.tooltipOptions`, which Grafana's schemaVersion 30
    migration renames `options.tooltip`; the normaliser did not, and so replaced a multi tooltip by its default."""
    def series(options: dict[str, Any], kind: str = "timeseries") -> dict[str, Any]:
        panel = {"type": kind, "title": "t", "id": 1, "gridPos": {"h": 8, "w": 12, "x": 0, "y": 0},
                 "targets": [{"expr": "up", "refId": "A"}], "options": options}
        return normalise({"title": "Old", "schemaVersion": 27, "panels": [panel]})

    data = series({"tooltipOptions": {"mode": "multi"}})
    assert data["panels"][0]["options"]["tooltip"] == {"mode": "multi", "sort": "none"}
    assert "tooltipOptions" not in data["panels"][0]["options"]
    assert lint_dashboards([DashboardDocument("o.json", data)], LintContext(frozenset({"up"}))) == []
    assert series({"tooltipOptions": {"mode": "none"}}, "xychart")["panels"][0]["options"] == {
        "tooltip": {"mode": "none"}}
    with pytest.raises(NormaliseError, match=r"panels\[0\]\.options\.tooltipOptions \(an object .*\) and "
                                             r"panels\[0\]\.options\.tooltip \(an object .*\) are the old and the new "
                                             r"place of one setting: keep only options\.tooltip"):
        series({"tooltipOptions": {"mode": "multi"}, "tooltip": {"mode": "single"}})
