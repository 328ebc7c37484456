"""A dashboard's own JSON keeps the settings it states where grafanalib's default is not Grafana's; only
grafanalib's output loses the values grafanalib writes whether they were set or not. Values that are Grafana's own
defaults too (a query's `hide: false`, a panel's `transparent: false`) ask for nothing, and go from any dashboard.

`"intervalFactor": 2` in Grafana JSON is Grafana's resolution 1/2 (its Prometheus data source reads
`target.intervalFactor || 1`): dropping it because grafanalib's Target defaults to 2 published the query at
resolution 1/1. Each value is followed through the path a JSON dashboard takes to out/: a dashboard file that
loads the JSON, as `monitoring import` writes one, and `monitoring generate`.
"""

from __future__ import annotations

import copy
import json
import textwrap
from typing import Any

import pytest

from monitoring import conventions
from monitoring.cli import main
from monitoring.grafana import normalise as normaliser
from monitoring.project import Project

EXPR = "sum(rate(http_requests_total[5m]))"

# Every value grafanalib writes by default that the normaliser drops from grafanalib's output: (where, key,
# value, what out/ holds for it when a dashboard's JSON states it: None, nothing). A legacy `step` is migrated.
DEFAULTS: list[tuple[str, str, Any, dict[str, Any]]] = [
    ("target", "intervalFactor", 2, {"intervalFactor": 2}),  # resolution 1/2; Grafana's default is 1/1
    ("target", "step", 10, {"interval": "10s"}),
    ("target", "target", "", {"target": None}),
    ("target", "metric", "", {"metric": None}),
    ("target", "query", "", {"query": None}),
    ("target", "query", EXPR, {"query": None}),  # grafanalib's copy of `expr`
    ("target", "interval", "", {"interval": None}),
    ("target", "hide", False, {"hide": None}),
    ("panel", "hideTimeOverride", False, {"hideTimeOverride": None}),
    ("panel", "transparent", False, {"transparent": None}),
    ("panel", "links", [], {"links": None}),
    ("panel", "transformations", [], {"transformations": None}),
]
IDS = [f"{where} {key}={value!r}" for where, key, value, _ in DEFAULTS]


def test_the_table_covers_every_grafanalib_default_the_normaliser_drops() -> None:
    """A default added to the normaliser's tables without a case here fails this test."""
    stated = {(where, key, json.dumps(value)) for where, key, value, _ in DEFAULTS}
    known = {("panel", key, json.dumps(value)) for key, value in normaliser._PANEL_DEFAULTS.items()}
    known |= {("target", key, json.dumps(value))
              for key, values in normaliser._TARGET_DEFAULTS.items() for value in values}
    known |= {("target", key, json.dumps(value)) for key, value in normaliser._GRAFANALIB_TARGET_DEFAULTS.items()}
    known |= {("target", "query", json.dumps(EXPR)), ("target", "interval", '""'), ("target", "hide", "false")}
    assert known <= stated, sorted(known - stated)
    # and each of them is one grafanalib's output loses
    for where, key, value, _ in DEFAULTS:
        target = {"refId": "A", "expr": EXPR, key: value} if where == "target" else {"refId": "A", "expr": EXPR}
        panel = {"type": "timeseries", "title": "p", "targets": [target]} | ({key: value} if where == "panel" else {})
        out = normaliser.normalise({"title": "t", "panels": [panel]}, grafanalib=True)["panels"][0]
        assert key not in (out["targets"][0] if where == "target" else out), (where, key, value)


def _panel(index: int, where: str, key: str, value: Any) -> dict[str, Any]:
    target: dict[str, Any] = {"refId": "A", "expr": EXPR, "datasource": {"type": "prometheus", "uid": "prom"}}
    panel: dict[str, Any] = {"id": index + 1, "type": "timeseries", "title": f"case {index}",
                             "datasource": {"type": "prometheus", "uid": "prom"},
                             "gridPos": {"h": 4, "w": 24, "x": 0, "y": 4 * index}, "targets": [target]}
    (target if where == "target" else panel)[key] = copy.deepcopy(value)
    return panel


KEPT = {"title": "Kept", "uid": "kept", "schemaVersion": 39,
        "panels": [_panel(i, where, key, value) for i, (where, key, value, _) in enumerate(DEFAULTS)]}
# A dashboard with a panel Grafana migrates (graph): normalised again after the migration, as JSON still.
OLD = {"title": "Old graph", "uid": "old-graph", "schemaVersion": 16, "panels": [
    {"id": 1, "type": "graph", "title": "Requests", "gridPos": {"h": 8, "w": 12, "x": 0, "y": 0},
     "datasource": "$datasource", "lines": True, "linewidth": 1,
     "targets": [{"refId": "A", "expr": EXPR, "intervalFactor": 2, "hide": False, "interval": ""}]}],
    "templating": {"list": [{"name": "datasource", "type": "datasource", "query": "prometheus"}]}}

# What `monitoring import` writes beside a dashboard it keeps as JSON.
LOADER = ('import json\nfrom pathlib import Path\n\n'
          'dashboard = json.loads(Path(__file__).with_name("{stem}.json").read_text(encoding="utf-8"))\n')
GRAFANALIB = '''
    from grafanalib.core import Dashboard, GridPos, Target, TimeSeries
    dashboard = Dashboard(title="Made with grafanalib", uid="made-with-grafanalib", panels=[TimeSeries(
        title="Requests", dataSource="${{datasource}}", gridPos=GridPos(h=8, w=12, x=0, y=0),
        targets=[Target(expr="{expr}", refId="A")])]).auto_panel_ids()
'''


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """The dashboards `monitoring generate` wrote for a project with the JSON dashboards and a grafanalib one."""
    project = tmp_path_factory.mktemp("json-defaults")
    (project / "pyproject.toml").write_text('[tool.monitoring]\nstack = "alerts.stack:stack"\ndashboards = "boards"\n')
    boards = project / "boards"
    boards.mkdir()
    for stem, data in (("kept", KEPT), ("old", OLD)):
        (boards / f"{stem}.json").write_text(json.dumps(data, indent=2))
        (boards / f"{stem}.dashboard.py").write_text(LOADER.format(stem=stem))
    (boards / "made.dashboard.py").write_text(textwrap.dedent(GRAFANALIB.format(expr=EXPR)))
    assert main(["generate"], project=Project.find(project)) == 0
    grafana = project / "out"
    return {uid: json.loads((grafana / conventions.dashboard_file("mcp", uid)).read_text())
            for uid in ("kept", "old-graph", "made-with-grafanalib")}


@pytest.mark.parametrize(("index", "case"), list(enumerate(DEFAULTS)), ids=IDS)
def test_a_json_dashboard_keeps_what_it_states_unless_it_is_grafanas_default(
        out: dict[str, dict[str, Any]], index: int, case: tuple[str, str, Any, dict[str, Any]]) -> None:
    where, _, _, expected = case
    panel = out["kept"]["panels"][index]
    assert panel["title"] == f"case {index}"
    found = panel["targets"][0] if where == "target" else panel
    assert {key: found.get(key) for key in expected} == expected


def test_resolution_1_2_reaches_out_when_the_json_says_it(out: dict[str, dict[str, Any]]) -> None:
    assert out["kept"]["panels"][0]["targets"][0]["intervalFactor"] == 2
    # through the migration of an old graph panel too
    (panel,) = out["old-graph"]["panels"]
    assert panel["type"] == "timeseries"
    assert {k: panel["targets"][0].get(k) for k in ("intervalFactor", "hide", "interval")} == {
        "intervalFactor": 2, "hide": None, "interval": None}


def test_a_grafanalib_dashboard_still_loses_grafanalibs_defaults(out: dict[str, dict[str, Any]]) -> None:
    (panel,) = out["made-with-grafanalib"]["panels"]
    assert set(panel).isdisjoint(normaliser._PANEL_DEFAULTS), sorted(panel)
    (target,) = panel["targets"]
    assert set(target).isdisjoint({"intervalFactor", "step", "target", "metric", "query", "interval", "hide"}), target


def test_what_generate_wrote_is_a_fixed_point_of_the_json_path(out: dict[str, dict[str, Any]]) -> None:
    """Normalising out/'s JSON again, as a dashboard's own JSON, changes nothing and leaves its input alone."""
    for data in out.values():
        before = copy.deepcopy(data)
        assert normaliser.normalise(data) == data == before


def test_an_empty_resolution_or_step_is_unset_whoever_wrote_it() -> None:
    """Grafana 5 exports write `"intervalFactor": ""` for a query whose resolution was never chosen, which Grafana
    reads as 1/1 (`target.intervalFactor || 1`): it states nothing, and the query schema wants a number there."""
    panel = {"type": "stat", "title": "s", "targets": [{"refId": "A", "expr": "up", "intervalFactor": "", "step": ""}]}
    for grafanalib in (False, True):
        data = normaliser.normalise({"title": "t", "panels": [copy.deepcopy(panel)]}, grafanalib=grafanalib)
        assert set(data["panels"][0]["targets"][0]) == {"refId", "expr", "datasource"}


def test_a_rows_settings_at_their_default_go_from_json_too() -> None:
    """A row has none of a panel's display settings: at their default they ask for nothing, from any source."""
    row = {"type": "row", "title": "r", "collapsed": False, "transparent": False, "links": [], "transformations": [],
           "hideTimeOverride": False, "gridPos": {"h": 1, "w": 24, "x": 0, "y": 0}}
    (normalised,) = normaliser.normalise({"title": "t", "panels": [row]})["panels"]
    assert set(normalised) == {"type", "title", "collapsed", "gridPos", "panels", "id"}
