"""Old dashboard JSON kept by `monitoring import` is migrated the way Grafana migrates it, and what has no modern
equivalent is named; the result passes the dashboard checks."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from monitoring.checks.lint import DashboardDocument, LintContext, lint_dashboards
from monitoring.errors import InputFileError
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
    assert defaults["custom"] == {"drawStyle": "line", "lineWidth": 1, "fillOpacity": 10,
                                  "stacking": {"mode": "normal", "group": "A"}}
    assert graph["options"]["legend"] == {"showLegend": True, "calcs": [], "displayMode": "table",
                                          "placement": "right"}
    overrides = graph["fieldConfig"]["overrides"]
    assert {"matcher": {"id": "byName", "options": "reads"},
            "properties": [{"id": "custom.transform", "value": "negative-Y"}]} in overrides
    assert {"matcher": {"id": "byName", "options": "reads"},
            "properties": [{"id": "color", "value": {"mode": "fixed", "fixedColor": "#7EB26D"}}]} in overrides
    assert graph["targets"] == [{"refId": "A", "expr": "rate(up[5m])", "intervalFactor": 1}]
    assert stat["type"] == "stat" and stat["options"]["colorMode"] == "background"
    assert stat["options"]["reduceOptions"]["calcs"] == ["lastNotNull"]
    assert stat["fieldConfig"]["defaults"]["thresholds"]["steps"] == [
        {"color": "green", "value": None}, {"color": "orange", "value": 0.7}, {"color": "red", "value": 0.8}]
    assert over["gridPos"] == {"x": 6, "y": 9, "w": 12, "h": 6}  # below the graph, which ends at y 9
    assert data["annotations"]["list"][0]["datasource"] == {"type": "grafana", "uid": "-- Grafana --"}
    assert "iteration" not in data and "__requires" not in data
    assert notes == ["panels migrated as Grafana does: graph to timeseries (2), singlestat to stat (1)",
                     "settings without a modern equivalent, dropped: seriesOverrides.zindex (1 panel), "
                     "targets.step (1 panel)"]
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
        f"{path}:1: dashboard 'Old': settings without a modern equivalent, dropped: seriesOverrides.zindex "
        "(1 panel), targets.step (1 panel): dropped, as Grafana drops them when it migrates the panels"]
    with pytest.raises(InputFileError, match=r"seriesOverrides\.zindex .*unsupported; without --strict it is dropped"):
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
    assert notes == ["settings without a modern equivalent, dropped: nameFilter (1 panel)"]
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
