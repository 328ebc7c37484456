"""Old dashboard JSON kept by `monitoring import` is migrated the way Grafana migrates it, and what has no modern
equivalent is named; the result passes the dashboard checks."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from monitoring.checks.lint import DashboardDocument, LintContext, lint_dashboards
from monitoring.errors import InputFileError
from monitoring.grafana import hand_written
from monitoring.grafana.legacy_dashboard import modernise
from monitoring.grafana.normalise import normalise
from monitoring.imports import import_files
from tests.test_dashboard_normalise import OLD_PANELS

GRAPH = {"id": 2, "type": "graph", "title": "Client IOPS", "gridPos": {"x": 0, "y": 1, "w": 12, "h": 8},
         "datasource": "$datasource", "bars": False, "lines": True, "linewidth": 1, "fill": 1, "stack": True,
         "nullPointMode": "null", "renderer": "flot", "dashes": False, "dashLength": 10,
         "legend": {"show": True, "rightSide": True, "alignAsTable": True},
         "aliasColors": {"reads": "#7EB26D"}, "seriesOverrides": [{"alias": "reads", "transform": "negative-Y"},
                                                                  {"alias": "/writes.*/", "zindex": 3}],
         "yaxes": [{"format": "ops", "min": 0, "show": True}, {"format": "short", "show": True}],
         "targets": [{"refId": "A", "expr": "rate(up[5m])", "format": "", "intervalFactor": 1, "step": 2}]}
SINGLESTAT = {"id": 3, "type": "singlestat", "title": "Used", "gridPos": {"x": 12, "y": 1, "w": 6, "h": 4},
              "format": "percentunit", "valueName": "current", "thresholds": "0.7,0.8",
              "colors": ["green", "orange", "red"], "colorBackground": True, "gauge": {"show": False},
              "prefixFontSize": "50%", "targets": [{"refId": "A", "expr": "up"}]}
OLD = {"title": "Old", "uid": "old", "schemaVersion": 16, "__requires": [], "iteration": 1,
       "annotations": {"list": [{"name": "Annotations & Alerts", "datasource": "-- Grafana --", "enable": True,
                                 "builtIn": 1, "showIn": 0, "tags": [], "type": "dashboard"}]},
       "panels": [{"id": 1, "type": "row", "title": "Overview", "collapse": False, "showTitle": True,
                   "gridPos": {"x": 0, "y": 0, "w": 9, "h": 12}}, GRAPH, SINGLESTAT,
                  # Ceph's RGW overview: a panel placed over the two above it, which Grafana pushes down.
                  {"id": 4, "type": "graph", "title": "Over", "gridPos": {"x": 6, "y": 3, "w": 12, "h": 6},
                   "targets": [{"refId": "A", "expr": "up"}]}]}


def test_panels_are_migrated_as_grafana_does() -> None:
    data, notes = modernise(OLD)
    row, graph, stat, over = data["panels"]
    assert row == {"id": 1, "type": "row", "title": "Overview", "collapsed": False, "panels": [],
                   "gridPos": {"x": 0, "y": 0, "w": 24, "h": 1}}
    assert graph["type"] == "timeseries" and graph["datasource"] == "$datasource"
    defaults = graph["fieldConfig"]["defaults"]
    assert defaults["unit"] == "ops" and defaults["min"] == 0
    assert defaults["custom"] == {"drawStyle": "line", "lineWidth": 1, "fillOpacity": 10, "showPoints": "never",
                                  "stacking": {"mode": "normal", "group": "A"}}
    assert graph["options"]["legend"] == {"showLegend": True, "calcs": [], "displayMode": "table",
                                          "placement": "right"}
    overrides = graph["fieldConfig"]["overrides"]
    assert {"matcher": {"id": "byName", "options": "reads"},
            "properties": [{"id": "custom.transform", "value": "negative-Y"}]} in overrides
    assert {"matcher": {"id": "byName", "options": "reads"},
            "properties": [{"id": "color", "value": {"mode": "fixed", "fixedColor": "#7EB26D"}}]} in overrides
    # The legacy step is the query's minimum step, as when `generate` normalises a dashboard.
    assert graph["targets"] == [{"refId": "A", "expr": "rate(up[5m])", "intervalFactor": 1, "interval": "2s"}]
    assert stat["type"] == "stat" and stat["options"]["colorMode"] == "background"
    assert stat["options"]["reduceOptions"]["calcs"] == ["lastNotNull"]
    assert stat["fieldConfig"]["defaults"]["thresholds"]["steps"] == [
        {"color": "green", "value": None}, {"color": "orange", "value": 0.7}, {"color": "red", "value": 0.8}]
    assert over["gridPos"] == {"x": 6, "y": 9, "w": 12, "h": 6}  # below the graph, which ends at y 9
    assert data["annotations"]["list"][0]["datasource"] == {"type": "grafana", "uid": "-- Grafana --"}
    assert "iteration" not in data and "__requires" not in data
    assert notes == ["panels migrated as Grafana does: graph to timeseries (2), singlestat to stat (1)",
                     "settings the migration does not carry over, dropped: seriesOverrides.zindex (1 panel)"]
    # As `generate` writes it (normalise adds what every modern dashboard has), it passes every dashboard check.
    problems = lint_dashboards([DashboardDocument("old.json", normalise(data))], LintContext())
    assert [p.line() for p in problems] == []
    assert OLD["panels"][1]["type"] == "graph"  # the input is left as it was


def test_dropped_settings_are_warnings_or_under_strict_an_error(tmp_path: Path) -> None:
    import json

    path = tmp_path / "old.json"
    path.write_text(json.dumps({**OLD, "templating": {"list": [{"name": "i", "type": "interval", "query": "1m"}]}}),
                    encoding="utf-8")
    result = import_files([path])
    assert [w for w in result.warnings if "dropped" in w] == [
        f"{path}:1: dashboard 'Old': settings the migration does not carry over, dropped: seriesOverrides.zindex "
        "(1 panel): not imported"]
    with pytest.raises(InputFileError,
                       match=r"seriesOverrides\.zindex .*unsupported; without --strict it is not imported"):
        import_files([path], strict=True)


def test_dashboard_and_alert_list_settings_move_into_their_options() -> None:
    """Grafana 7's dashboard and alert lists kept their settings at the panel's top level; Grafana moves them into
    `options` when it loads such a panel, and so does the import: none is named as dropped."""
    old = {"title": "Lists", "uid": "lists", "schemaVersion": 16, "panels": [
        {"id": 1, "type": "dashlist", "title": "Boards", "gridPos": {"x": 0, "y": 0, "w": 12, "h": 8},
         "starred": False, "search": True, "headings": True, "limit": 5, "query": "api", "tags": ["team"]},
        {"id": 2, "type": "alertlist", "title": "Alerts", "gridPos": {"x": 12, "y": 0, "w": 12, "h": 8},
         "show": "changes", "limit": 20, "sortOrder": 3, "onlyAlertsOnDashboard": True, "nameFilter": "Api",
         "dashboardTags": ["team"], "stateFilter": ["alerting", "no_data"], "options": {"alertName": "Db"}}]}
    data, notes = modernise(old)
    boards, alerts = data["panels"]
    assert boards["options"] == {"showStarred": False, "showSearch": True, "showHeadings": True, "maxItems": 5,
                                 "query": "api", "tags": ["team"]}
    assert alerts["options"] == {"alertName": "Db", "showOptions": "changes", "maxItems": 20, "sortOrder": 3,
                                 "dashboardAlerts": True, "tags": ["team"],
                                 "stateFilter": {"alerting": True, "no_data": True}}
    # The option set in both places keeps its new value, as in Grafana, and the old one is named as dropped.
    assert notes == ["settings the migration does not carry over, dropped: nameFilter (1 panel)"]
    problems = lint_dashboards([DashboardDocument("lists.json", normalise(data))], LintContext())
    assert [p.line() for p in problems] == []


def test_an_exports_library_panels_are_imported_inlined(tmp_path: Path) -> None:
    """The dashboard an import writes holds what each library panel shows, where it is placed: the dashboard API
    cannot create library panels, and the code is now where the panel is shared."""
    import json

    from tests.test_dashboard_normalise import WITH_LIBRARY_PANELS

    path = tmp_path / "library.json"
    path.write_text(json.dumps(WITH_LIBRARY_PANELS), encoding="utf-8")
    written = "\n".join(import_files([path]).files.values())
    assert written.count("sum(rate(up[5m]))") == 2 and "libraryPanel" not in written and "lib-1" not in written
    broken = {**WITH_LIBRARY_PANELS, "__elements": {}}
    path.write_text(json.dumps(broken), encoding="utf-8")
    with pytest.raises(InputFileError, match=r"library\.json:1: .*panels\[0\]\.libraryPanel: library panel 'Requests' "
                                             r"is not in the dashboard's __elements"):
        import_files([path])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(st.lists(OLD_PANELS, min_size=1, max_size=3))
def test_old_panels_of_any_settings_import_or_are_one_line(tmp_path: Path, panels: list) -> None:
    """An export's old panels with settings of any shape: imported, or one line naming the file, the line and the
    field; never a traceback from inside the migration."""
    import json

    path = tmp_path / "old.json"
    path.write_text(json.dumps({"title": "Old", "panels": panels}), encoding="utf-8")
    try:
        result = import_files([path])
    except InputFileError as exc:
        assert str(exc).startswith(f"{path}:") and "\n" not in str(exc), exc
    else:
        assert all("\n" not in warning for warning in result.warnings)


@pytest.mark.parametrize(("text", "message"), [
    ('{"title": "T", "panels": [{"type": "stat", "maxDataPoints": NaN}]}',
     "panels[0].maxDataPoints is nan, which JSON cannot hold"),
    ('{"title": "T", "panels": [{"type": "stat", "id": 123456789012345678901234567890}]}', "panels[0].id"),
    ('{"title": "T", "panels": [{"type": "graph", "seriesOverrides": [[{"alias": "x"}]], "yaxes": [null]}]}', None),
], ids=["nan", "beyond-64-bits", "ceph's-lists-in-series-overrides"])
def test_what_grafana_cannot_read_is_refused_and_what_it_ignores_is_ignored(tmp_path: Path, text: str,
                                                                            message: str | None) -> None:
    path = tmp_path / "d.json"
    path.write_text(text, encoding="utf-8")
    if message is None:
        assert import_files([path]).files
        return
    with pytest.raises(InputFileError) as caught:
        import_files([path])
    assert str(caught.value).startswith(f"{path}:1: not a dashboard Grafana can read: ") and message in str(
        caught.value)


def _checked(data: dict) -> list[str]:
    """What the dashboard checks say of a dashboard as generate writes it."""
    return [p.line() for p in lint_dashboards([DashboardDocument("d.json", normalise(data))], LintContext())]


def test_only_prometheus_queries_are_held_to_its_query_schema() -> None:
    """An old panel anywhere in a dashboard must not cost another data source's queries their settings: only
    queries of Prometheus (by type, by a variable of its type, or the default) lose what its schema lacks."""
    other = {"graphite": {"refId": "A", "target": "aliasByNode(servers.*.cpu, 1)", "textEditor": True},
             "elasticsearch": {"refId": "A", "query": "status:500", "bucketAggs": [{"type": "date_histogram"}],
                               "metrics": [{"type": "count"}]},
             "__expr__": {"refId": "B", "type": "math", "expression": "$A * 100"},
             "testdata": {"refId": "A", "scenarioId": "random_walk"}}
    panels = [{"id": i, "type": "graph", "title": kind, "gridPos": {"x": 0, "y": 8 * i, "w": 24, "h": 8},
               "datasource": {"type": kind, "uid": kind}, "targets": [dict(target)]}
              for i, (kind, target) in enumerate(sorted(other.items()), 1)]
    panels += [{"id": 10, "type": "logs", "title": "by name", "datasource": "Logs",
                "targets": [{"refId": "A", "expr": "{app=\"api\"}", "maxLines": 500}]},
               {"id": 11, "type": "logs", "title": "a Loki variable", "datasource": "$logs",
                "targets": [{"refId": "A", "expr": "{app=\"api\"}", "maxLines": 500}]},
               {"id": 12, "type": "timeseries", "title": "Prometheus", "datasource": "${prom}",
                "targets": [{"refId": "A", "expr": "up", "maxLines": 500}]}]
    data, notes = modernise({"title": "Mixed", "panels": panels, "templating": {"list": [
        {"name": "logs", "type": "datasource", "query": "loki"},
        {"name": "prom", "type": "datasource", "query": "prometheus"}]}})
    kept = {p["title"]: p["targets"] for p in data["panels"]}
    for kind, target in other.items():
        assert kept[kind] == [target]
    assert kept["by name"] == kept["a Loki variable"] == [{"refId": "A", "expr": "{app=\"api\"}", "maxLines": 500}]
    assert kept["Prometheus"] == [{"refId": "A", "expr": "up"}]
    assert notes[-1] == "settings the migration does not carry over, dropped: targets.maxLines (1 panel)"


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 23), st.integers(0, 30), st.integers(1, 24), st.integers(1, 9)),
                max_size=25))
def test_overlapping_panels_are_pushed_down_as_grafana_does(boxes: list) -> None:
    """Each panel, in reading order, goes to the first place at or below its own that no panel before it takes:
    what pushing it below each one it overlaps, again and again, comes to."""
    panels = [{"type": "text", "gridPos": {"x": x, "y": y, "w": w, "h": h}} for x, y, w, h in boxes]
    data, _ = modernise({"title": "Grid", "panels": panels})
    placed: list[dict] = []
    for box in sorted((p["gridPos"] for p in panels), key=lambda b: (b["y"], b["x"])):
        y = box["y"]
        while True:
            over = [b for b in placed if b["x"] < box["x"] + box["w"] and box["x"] < b["x"] + b["w"]
                    and b["y"] < y + box["h"] and y < b["y"] + b["h"]]
            if not over:
                break
            y = over[0]["y"] + over[0]["h"]
        placed.append({**box, "y": y})
    expected = {(b["x"], b["w"], b["h"], b["y"]) for b in placed}
    assert {(b["x"], b["w"], b["h"], b["y"]) for b in (p["gridPos"] for p in data["panels"])} == expected


def test_grafana_4_rows_are_laid_out_on_the_grid_as_grafana_does(tmp_path: Path) -> None:
    """schemaVersion 14's rows: spans of twelfths become widths of 24 columns, heights in pixels grid rows of 38
    (at least 90 pixels), a full row wraps, and since one row shows its title every row gets a row panel, a
    collapsed one holding its panels. `import` and `generate` lay them out alike."""
    import json

    graph = {"type": "graph", "title": "Load", "span": 6, "targets": [{"refId": "A", "expr": "up"}]}
    old = {"title": "Rows", "schemaVersion": 14, "rows": [
        {"title": "First", "showTitle": True, "height": "250px", "panels": [
            {**graph, "id": 1}, {**graph, "id": 2, "span": 4}, {**graph, "id": 3, "span": 4, "height": 400}]},
        {"title": "Folded", "collapse": True, "height": 60, "panels": [{**graph, "id": 4, "span": 12}]},
        {"title": "Last", "panels": [{"id": 5, "type": "text", "title": "Note"}]}]}
    data, _ = modernise(old)
    assert [(p["type"], p.get("title"), p["gridPos"]) for p in data["panels"]] == [
        ("row", "First", {"x": 0, "y": 0, "w": 24, "h": 1}),
        ("timeseries", "Load", {"x": 0, "y": 1, "w": 12, "h": 7}),
        ("timeseries", "Load", {"x": 12, "y": 1, "w": 8, "h": 7}),
        ("timeseries", "Load", {"x": 0, "y": 8, "w": 8, "h": 11}),  # no room left in the row: it wraps
        # Grafana starts the next row one row height below the wrap (y 15), over the tall panel: the grid then
        # pushes it, and what follows, below that panel.
        ("row", "Folded", {"x": 0, "y": 19, "w": 24, "h": 1}),
        ("row", "Last", {"x": 0, "y": 20, "w": 24, "h": 1}),
        ("text", "Note", {"x": 0, "y": 21, "w": 8, "h": 7})]
    folded = data["panels"][4]
    assert folded["collapsed"] is True and [p["gridPos"] for p in folded["panels"]] == [
        {"x": 0, "y": 16, "w": 24, "h": 3}]
    assert [p["id"] for p in data["panels"]] == [6, 1, 2, 3, 7, 8, 5] and "rows" not in data
    assert _checked(data) == []
    generated = hand_written.json_dashboard("ops", old, "boards/rows.dashboard.py")
    assert [p["gridPos"] for p in generated.data["panels"]] == [p["gridPos"] for p in data["panels"]]
    path = tmp_path / "rows.json"
    path.write_text(json.dumps(old), encoding="utf-8")
    assert any('"title": "Folded"' in text for text in import_files([path]).files.values())


def test_graph_settings_reach_the_time_series_panel() -> None:
    """The graph's legend values and sort, tooltip order, both axes (the right one for the series drawn against
    it), log scale, gradient and thresholds become what Grafana's migration makes of them."""
    graph = {"id": 1, "type": "graph", "title": "Latency", "gridPos": {"x": 0, "y": 0, "w": 12, "h": 8},
             "targets": [{"refId": "A", "expr": "up"}], "fillGradient": 4, "linewidth": True,
             "legend": {"show": True, "values": True, "current": True, "avg": True, "max": False, "total": True,
                        "sort": "avg", "sortDesc": True},
             "tooltip": {"shared": True, "sort": 2, "value_type": "individual"},
             "seriesOverrides": [{"alias": "errors", "yaxis": 2, "bars": False, "lines": True, "zindex": 0,
                                  "dashes": False, "color": None}],
             "yaxes": [{"format": "reqps", "min": "0", "label": "rps", "logBase": 10},
                       {"format": "percentunit", "min": 0, "max": 1, "label": "errors", "logBase": 1}],
             "thresholds": [{"value": 50, "op": "lt", "colorMode": "warning", "fill": True, "line": False},
                            {"value": 100, "op": "gt", "colorMode": "critical", "fill": False, "line": True}]}
    data, notes = modernise({"title": "G", "panels": [graph]})
    panel = data["panels"][0]
    defaults = panel["fieldConfig"]["defaults"]
    assert defaults["unit"] == "reqps" and defaults["min"] == 0
    assert defaults["custom"] == {"axisLabel": "rps", "scaleDistribution": {"type": "log", "log": 10},
                                  "drawStyle": "line", "gradientMode": "opacity", "fillOpacity": 40,
                                  "showPoints": "never", "thresholdsStyle": {"mode": "line+area"}}
    assert defaults["thresholds"] == {"mode": "absolute", "steps": [
        {"color": "orange", "value": None}, {"color": "transparent", "value": 50}, {"color": "red", "value": 100}]}
    assert panel["options"] == {
        "legend": {"showLegend": True, "calcs": ["lastNotNull", "mean", "sum"], "displayMode": "list",
                   "placement": "bottom", "sortBy": "Mean", "sortDesc": True},
        "tooltip": {"mode": "multi", "sort": "desc"}}
    assert panel["fieldConfig"]["overrides"] == [{"matcher": {"id": "byName", "options": "errors"}, "properties": [
        {"id": "custom.axisPlacement", "value": "right"}, {"id": "unit", "value": "percentunit"},
        {"id": "max", "value": 1}, {"id": "custom.axisLabel", "value": "errors"}]}]
    # grafanalib's series override defaults carry nothing; a line width of true is no number.
    assert notes == ["panels migrated as Grafana does: graph to timeseries (1)"]
    assert _checked(data) == []


def test_singlestat_and_table_settings_reach_the_modern_panels() -> None:
    gauge = {"id": 1, "type": "singlestat", "title": "Up", "gridPos": {"x": 0, "y": 0, "w": 6, "h": 6},
             "targets": [{"refId": "A", "expr": "up"}], "thresholds": "1,2", "colors": ["red", "orange", "green"],
             "gauge": {"show": True, "minValue": 0, "maxValue": True, "thresholdLabels": True,
                       "thresholdMarkers": False},
             "mappingType": 1, "valueMaps": [{"op": "=", "value": "0", "text": "DOWN"}]}
    table = {"id": 2, "type": "table-old", "title": "Hosts", "gridPos": {"x": 6, "y": 0, "w": 18, "h": 6},
             "targets": [{"refId": "A", "expr": "up", "format": "table"}], "transform": "table", "showHeader": False,
             "styles": [{"pattern": "Time", "type": "date", "dateFormat": "YYYY-MM-DD"},
                        {"pattern": "/instance|job/", "alias": "Where", "align": "left"},
                        {"pattern": "Value", "type": "number", "unit": "percentunit", "decimals": 1,
                         "colorMode": "cell", "thresholds": ["0.5", "0.9"], "colors": ["red", "orange", "green"],
                         "link": True, "linkUrl": "/d/host?var-host=$__cell_1", "linkTooltip": "Host"},
                        {"pattern": "/.*/", "type": "hidden"}]}
    data, notes = modernise({"title": "S", "panels": [gauge, table]})
    stat, modern = data["panels"]
    assert stat["type"] == "gauge" and "max" not in stat["fieldConfig"]["defaults"]
    assert stat["options"]["showThresholdLabels"] is True and stat["options"]["showThresholdMarkers"] is False
    assert stat["fieldConfig"]["defaults"]["mappings"] == [{"type": 1, "value": "0", "text": "DOWN"}]
    assert modern["transformations"] == [{"id": "merge", "options": {"reducers": []}}]
    assert modern["options"] == {"showHeader": False}
    # The style for every column sets only what Grafana's migration sets from it: hiding them all would hide
    # the columns the other styles name.
    assert modern["fieldConfig"]["defaults"] == {}
    assert [o["matcher"] for o in modern["fieldConfig"]["overrides"]] == [
        {"id": "byName", "options": "Time"}, {"id": "byRegexp", "options": "/instance|job/"},
        {"id": "byName", "options": "Value"}]
    assert modern["fieldConfig"]["overrides"][2]["properties"] == [
        {"id": "unit", "value": "percentunit"}, {"id": "decimals", "value": 1},
        {"id": "thresholds", "value": {"mode": "absolute", "steps": [
            {"color": "red", "value": None}, {"color": "orange", "value": 0.5}, {"color": "green", "value": 0.9}]}},
        {"id": "custom.cellOptions", "value": {"type": "color-background"}},
        {"id": "links", "value": [{"title": "Host", "url": "/d/host?var-host=${__data.fields[1]}",
                                   "targetBlank": False}]}]
    assert notes == ["panels migrated as Grafana does: singlestat to stat (1), table-old to table (1)"]
    assert _checked(data) == []


def test_what_a_grafana_export_holds_validates_once_generated() -> None:
    """Fields a Grafana 10 export writes that the published schema words otherwise: a dashboard link or a data
    link with only some fields, a variable's index and resolved data source, an ad hoc variable with no filters,
    a table footer over every field ("")."""
    source = {"type": "prometheus", "uid": "${datasource}"}
    export = {"title": "Export", "uid": "export", "schemaVersion": 39,
              "links": [{"title": "Docs", "type": "link", "url": "https://example.com", "targetBlank": True}],
              "templating": {"list": [
                  {"name": "datasource", "type": "datasource", "query": "prometheus", "queryValue": ""},
                  {"name": "job", "type": "query", "datasource": source, "query": "label_values(up, job)",
                   "index": -1, "refresh": 1},
                  {"name": "Filters", "type": "adhoc", "datasource": source, "filters": []}]},
              "panels": [
                  {"id": 1, "type": "table", "title": "Table", "datasource": source,
                   "gridPos": {"h": 8, "w": 12, "x": 0, "y": 0},
                   "options": {"showHeader": True, "footer": {"show": False, "reducer": ["sum"], "fields": ""}},
                   "targets": [{"expr": "up", "refId": "A", "format": "table", "instant": True}]},
                  {"id": 2, "type": "timeseries", "title": "Series", "datasource": source,
                   "gridPos": {"h": 8, "w": 12, "x": 12, "y": 0}, "targets": [{"expr": "up", "refId": "A"}],
                   "fieldConfig": {"defaults": {"links": [{"title": "drill", "url": "/d/x", "targetBlank": True}]},
                                   "overrides": []}}]}
    generated = hand_written.json_dashboard("ops", export, "boards/export.dashboard.py").data
    assert [p.line() for p in lint_dashboards([DashboardDocument("d.json", generated)], LintContext())] == []
    assert generated["panels"][1]["fieldConfig"]["defaults"]["links"][0]["url"] == "/d/x"


def test_grafanalibs_graph_thresholds_are_coloured_as_grafana_colours_them() -> None:
    from grafanalib import core as g

    from monitoring.grafana.normalise import from_grafanalib

    board = g.Dashboard(title="T", panels=[g.Graph(
        title="x", targets=[g.Target(expr="up", refId="A")], gridPos=g.GridPos(h=8, w=12, x=0, y=0),
        thresholds=[g.GraphThreshold(value=10.0), g.GraphThreshold(value=20.0, colorMode="warning")])])
    rendered = hand_written._modernised(from_grafanalib(board), "t", None, "boards/t.dashboard.py", lambda _: None)
    defaults = rendered["panels"][0]["fieldConfig"]["defaults"]
    assert defaults["thresholds"]["steps"] == [{"color": "transparent", "value": None},
                                               {"color": "red", "value": 10.0}, {"color": "orange", "value": 20.0}]
    assert defaults["custom"]["thresholdsStyle"] == {"mode": "line+area"}
    assert [p.line() for p in lint_dashboards([DashboardDocument("d.json", rendered)], LintContext())] == []


def test_numbers_beyond_what_the_settings_hold_stay_within_them() -> None:
    """Huge or negative numbers in old settings become values the modern settings hold (never an infinity that
    JSON writes as null, nor an integer beyond 64 bits): fill and gradient within 0..100, points within 1..40,
    decimals within 0..20 or unset, a whole float axis bound left a float where an integer cannot hold it."""
    from monitoring.output.files import to_json

    data, _ = modernise({"title": "T", "panels": [
        {"type": "graph", "title": "g", "decimals": 1e300, "fill": -1e308, "fillGradient": 1e308, "points": True,
         "pointradius": 1e308, "yaxes": [{"min": 1e300, "max": -1e300, "decimals": 5e20}],
         "seriesOverrides": [{"alias": "a", "fill": 1e308, "pointradius": -1e308}]},
        {"type": "table-old", "title": "t", "styles": [{"pattern": "v", "decimals": 1e300}]}]})
    graph, table = data["panels"]
    custom = graph["fieldConfig"]["defaults"]["custom"]
    assert (custom["fillOpacity"], custom["pointSize"]) == (100, 40)
    assert "decimals" not in graph["fieldConfig"]["defaults"]
    assert graph["fieldConfig"]["defaults"]["min"] == 1e300
    assert graph["fieldConfig"]["overrides"][0]["properties"] == [{"id": "custom.fillOpacity", "value": 100},
                                                                   {"id": "custom.pointSize", "value": 1}]
    assert table["fieldConfig"]["overrides"] == []
    assert "null" not in to_json(normalise(data)).replace('"value": null', "")


def test_more_old_settings_carried_as_grafana_carries_them() -> None:
    """The singlestat's value name, null text and table column; range maps it has alone; a text panel's Grafana 6
    content; an export's inputs, kept for generate to make variables of; regular expressions kept whole, flags
    and all; a graph's tooltip of one series unless shared, its legend width and hidden axis, a constant
    transform; an override without an alias, and settings of odd kinds, carrying nothing (and no traceback)."""
    stat = {"id": 1, "type": "singlestat", "title": "Name", "valueName": "name", "nullText": "none yet",
            "tableColumn": "Value #A", "rangeMaps": [{"from": "null", "to": "null", "text": "N/A yet"},
                                                     {"from": "0", "to": "10", "text": "low"}]}
    text = {"id": 2, "type": "text", "title": "Note", "content": "# Read me", "mode": "markdown"}
    graph = {"id": 3, "type": "graph", "title": "Net", "datasource": "${DS_PROMETHEUS}",
             "targets": [{"refId": "A", "expr": "up"}], "tooltip": {"sort": 2},
             "legend": {"show": True, "sideWidth": 250, "hideZero": True},
             "yaxes": [{"format": "bytes", "show": False}, {"format": "short"}],
             "seriesOverrides": [{"alias": "/tx/i", "transform": "constant"}, {"alias": "", "color": "red"}]}
    table = {"id": 4, "type": "table-old", "title": "T", "styles": [{"pattern": "v", "colorMode": ["cell"]}]}
    inputs = [{"name": "DS_PROMETHEUS", "type": "datasource", "pluginId": "prometheus", "label": "Prometheus"}]
    for index, panel in enumerate((stat, text, graph, table)):
        panel["gridPos"] = {"x": 0, "y": 8 * index, "w": 24, "h": 8}
    data, notes = modernise({"title": "More", "__inputs": inputs, "panels": [stat, text, graph, table]})
    stat, text, graph, table = data["panels"]
    assert stat["options"]["textMode"] == "name" and stat["options"]["reduceOptions"] == {
        "calcs": ["mean"], "fields": "/^Value\\ \\#A$/", "values": False}
    assert stat["fieldConfig"]["defaults"]["noValue"] == "none yet"
    assert stat["fieldConfig"]["defaults"]["mappings"] == [{"type": 1, "value": "null", "text": "N/A yet"},
                                                           {"type": 2, "from": "0", "to": "10", "text": "low"}]
    assert text["options"] == {"content": "# Read me", "mode": "markdown"} and "content" not in text
    assert data["__inputs"] == inputs
    assert graph["options"]["tooltip"] == {"mode": "single", "sort": "none"}
    assert graph["options"]["legend"]["width"] == 250
    assert graph["fieldConfig"]["defaults"]["custom"]["axisPlacement"] == "hidden"
    assert graph["fieldConfig"]["overrides"] == [{"matcher": {"id": "byRegexp", "options": "/tx/i"}, "properties": [
        {"id": "custom.transform", "value": "constant"}]}]
    assert table["fieldConfig"]["overrides"] == []
    assert "settings the migration does not carry over, dropped: legend.hideZero (1 panel)" in notes
    generated = hand_written.json_dashboard("ops", data, "boards/more.dashboard.py").data
    assert [p.line() for p in lint_dashboards([DashboardDocument("d.json", generated)], LintContext())
            if "datasource" not in p.line()] == []
    assert [v["name"] for v in generated["templating"]["list"]] == ["DS_PROMETHEUS"]


def test_grafana_4_rows_of_modern_panels_are_laid_out_and_their_text_kept() -> None:
    """Rows without any old panel type: generate still lays them out and pushes a wrapped row's overlap down,
    and a text panel's Grafana 6 content reaches its options."""
    old = {"title": "Text rows", "rows": [
        {"showTitle": False, "height": "300px", "panels": [
            {"id": 1, "type": "text", "title": "a", "content": "x", "mode": "markdown", "span": 8},
            {"id": 2, "type": "text", "title": "b", "content": "y", "mode": "markdown", "span": 8, "height": 600}]},
        {"panels": [{"id": 3, "type": "text", "title": "c", "content": "z", "mode": "markdown", "span": 12}]}]}
    generated = hand_written.json_dashboard("ops", old, "boards/rows.dashboard.py").data
    assert [(p["gridPos"], p["options"]["content"]) for p in generated["panels"]] == [
        ({"x": 0, "y": 0, "w": 16, "h": 8}, "x"), ({"x": 0, "y": 8, "w": 16, "h": 16}, "y"),
        ({"x": 0, "y": 24, "w": 24, "h": 7}, "z")]
    assert [p.line() for p in lint_dashboards([DashboardDocument("d.json", generated)], LintContext())] == []


@pytest.mark.parametrize(("version", "panel_extra", "migrated"), [
    (22, {}, True),  # Grafana 6's Angular table, named `table`: styles and all carried over
    ("23", {}, True),  # an export may write the version as a string
    (22, {"table": "table2"}, False),  # already the new table (Grafana 7's beta)
    (30, {}, False),  # `table` has meant the new table since version 24: Grafana reads no styles there
])
def test_an_angular_table_of_a_dashboard_before_version_24_is_migrated_as_table_old(
        version: object, panel_extra: dict, migrated: bool) -> None:
    """Grafana's migration to schemaVersion 24 names a `table` panel with column styles `table-old`, whose own
    migration then carries the styles over: an old export's table keeps its aliases and units."""
    table = {"id": 1, "type": "table", "title": "Latency", "gridPos": {"x": 0, "y": 0, "w": 24, "h": 8},
             "targets": [{"refId": "A", "expr": "up", "format": "table", "instant": True}], "transform": "table",
             "styles": [{"pattern": "instance", "alias": "Host"},
                        {"pattern": "Value", "type": "number", "unit": "ms", "decimals": 2}], **panel_extra}
    generated = hand_written.json_dashboard("ops", {"title": "Old", "uid": "old", "schemaVersion": version,
                                                    "panels": [table]}, "boards/old.dashboard.py").data
    [panel] = generated["panels"]
    assert panel["type"] == "table"
    overrides = panel["fieldConfig"]["overrides"]
    if migrated:
        assert [o["matcher"]["options"] for o in overrides] == ["instance", "Value"]
        assert {"id": "displayName", "value": "Host"} in overrides[0]["properties"]
        assert {"id": "unit", "value": "ms"} in overrides[1]["properties"]
        assert panel["transformations"] == [{"id": "merge", "options": {"reducers": []}}]
        assert _checked(generated) == []
    else:  # left as written: the dashboard checks name what the new table does not read
        assert overrides == [] and panel["styles"] == table["styles"]
