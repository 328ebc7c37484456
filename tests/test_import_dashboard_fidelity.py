"""`monitoring import` of Grafana dashboards: mapped onto the model only when the model keeps every setting the
dashboard states that Grafana acts on, else kept as JSON with the reason; malformed JSON refused by file, line
and JSON path; what `generate` would refuse (an empty title, a uid Grafana does not take) refused or fixed at
import."""

from __future__ import annotations

import copy
import json
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from monitoring import conventions
from monitoring.cli import main
from monitoring.errors import InputFileError
from monitoring.grafana.dashboards import render_dashboard
from monitoring.grafana.hand_written import json_dashboard
from monitoring.imports import import_files
from monitoring.imports.dashboards import DashboardImport, import_dashboard
from monitoring.imports.source import read
from monitoring.imports.write import write_import
from monitoring.model.dashboards import (
    Dashboard,
    DashboardRow,
    DashboardSettings,
    DashboardVariable,
    Panel,
    PanelQuery,
    Threshold,
)

Json = dict[str, Any]

CPU = '100 * (1 - avg(rate(node_cpu_seconds_total{mode="idle", instance=~"$node"}[$__rate_interval])))'
MEMORY = 'node_memory_MemTotal_bytes{instance=~"$node"} - node_memory_MemAvailable_bytes{instance=~"$node"}'


def node_dashboard() -> Json:
    """A node exporter dashboard as Grafana 10 exports it, of what the model holds: a stat, a row, a time series
    and a query variable."""
    return {
        "title": "Node overview", "uid": "node-overview", "schemaVersion": 39, "tags": ["linux"],
        "annotations": {"list": [{"builtIn": 1, "datasource": {"type": "grafana", "uid": "-- Grafana --"},
                                  "enable": True, "hide": True, "iconColor": "rgba(0, 211, 255, 1)",
                                  "name": "Annotations & Alerts", "type": "dashboard"}]},
        "templating": {"list": [
            {"name": "node", "label": "Node", "type": "query", "multi": True, "includeAll": True,
             "datasource": {"type": "prometheus", "uid": "${datasource}"},
             "query": {"query": "label_values(node_uname_info, instance)", "refId": "A"},
             "current": {"text": "All", "value": "$__all"}, "options": []}]},
        "panels": [
            {"id": 1, "type": "stat", "title": "CPU busy", "gridPos": {"x": 0, "y": 0, "w": 6, "h": 4},
             "datasource": {"type": "prometheus", "uid": "${datasource}"},
             "fieldConfig": {"defaults": {"unit": "percent", "color": {"mode": "thresholds"},
                                          "thresholds": {"mode": "absolute", "steps": [
                                              {"color": "green", "value": None}, {"color": "red", "value": 90}]}},
                             "overrides": []},
             "options": {"reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False}},
             "targets": [{"refId": "A", "expr": CPU, "datasource": {"type": "prometheus", "uid": "${datasource}"},
                          "editorMode": "code", "range": True}]},
            {"id": 2, "type": "row", "title": "Memory", "collapsed": False, "panels": [],
             "gridPos": {"x": 0, "y": 4, "w": 24, "h": 1}},
            {"id": 3, "type": "timeseries", "title": "Memory used", "gridPos": {"x": 0, "y": 5, "w": 24, "h": 8},
             "datasource": {"type": "prometheus", "uid": "${datasource}"},
             "fieldConfig": {"defaults": {"unit": "bytes"}, "overrides": []},
             "targets": [{"refId": "A", "expr": MEMORY, "legendFormat": "{{instance}}"}]},
        ],
    }


def _import(tmp_path: Path, dashboard: Json, name: str = "node.json") -> DashboardImport:
    path = tmp_path / name
    path.write_text(json.dumps(dashboard, indent=2), encoding="utf-8")
    return import_dashboard(read(path, name))


def _shown(imported: DashboardImport) -> Json:
    """What generate publishes of the import: the model's dashboard rendered, or the JSON kept."""
    if imported.dashboard is not None:
        return render_dashboard(imported.dashboard, DashboardSettings())
    assert imported.json is not None
    return imported.json


def _panels(dashboard: Json) -> Iterator[Json]:
    for panel in dashboard["panels"]:
        yield panel
        yield from panel.get("panels") or []


def panel(dashboard: Json, title: str) -> Json:
    return next(p for p in _panels(dashboard) if p.get("title") == title)


def variable(dashboard: Json, name: str) -> Json:
    return next(v for v in dashboard["templating"]["list"] if v["name"] == name)


def test_a_dashboard_of_what_the_model_holds_is_mapped_onto_it(tmp_path: Path) -> None:
    imported = _import(tmp_path, node_dashboard())
    assert imported.dashboard is not None, imported.reason
    shown = _shown(imported)
    assert variable(shown, "node")["query"] == "label_values(node_uname_info, instance)"
    assert panel(shown, "CPU busy")["fieldConfig"]["defaults"]["thresholds"]["steps"][1] == {"color": "red",
                                                                                              "value": 90}


# --- 1. a setting the model cannot hold keeps the dashboard as JSON; one it holds is kept in the model ---------

def _job_variable(data: Json) -> None:
    """The dashboard's own `job`: one job at a time, of the node exporter's series (queries say job="$job")."""
    data["templating"]["list"].insert(0, {"name": "job", "type": "query", "multi": False, "includeAll": False,
                                          "query": "label_values(node_uname_info, job)"})
    data["panels"][0]["targets"][0]["expr"] = CPU.replace('instance=~"$node"', 'job="$job", instance=~"$node"')


def _set(path: str, value: Any) -> Callable[[Json], None]:
    def change(data: Json) -> None:
        *head, last = path.split(".")
        node: Any = data
        for key in head:
            node = node[int(key)] if key.isdigit() else node.setdefault(key, {})
        node[last] = value
    return change


def _singlestat(data: Json) -> None:
    data["panels"][0] = {"id": 1, "type": "singlestat", "title": "CPU busy",
                         "gridPos": {"x": 0, "y": 0, "w": 6, "h": 4},
                         "format": "percent", "valueName": "current", "thresholds": "85,95",
                         "colors": ["#299c46", "rgba(237, 129, 40, 0.89)", "#d44a3a"],
                         "gauge": {"show": True, "minValue": 0, "maxValue": 100, "thresholdMarkers": True},
                         "targets": [{"refId": "A", "expr": CPU}]}


def _graph(data: Json) -> None:
    data["panels"][2] = {"id": 3, "type": "graph", "title": "Memory used",
                         "gridPos": {"x": 0, "y": 5, "w": 24, "h": 8},
                         "stack": True, "percentage": True, "fill": 1, "linewidth": 1, "lines": True,
                         "yaxes": [{"format": "bytes", "logBase": 2, "show": True}, {"format": "short", "show": True}],
                         "tooltip": {"shared": True, "sort": 2},
                         "targets": [{"refId": "A", "expr": MEMORY, "legendFormat": "{{instance}}"}]}


def _at(path: str) -> Callable[[Json], Any]:
    """The value at a path of the published dashboard: "panel:Title:a.b", "variable:name:key" or "a.b"."""
    def get(shown: Json) -> Any:
        kind, _, rest = path.partition(":")
        node: Any = shown
        if kind in ("panel", "variable"):
            name, _, rest = rest.partition(":")
            node = panel(shown, name) if kind == "panel" else variable(shown, name)
        else:
            rest = path
        for key in rest.split("."):
            node = node[int(key)] if key.isdigit() else node.get(key)
        return node
    return get


MAPPINGS = [{"type": "value", "options": {"0": {"text": "Down", "color": "red"}, "1": {"text": "Up"}}}]

# (what the dashboard states, how, where generate's output must hold it, the value there)
SETTINGS = [
    ("job variable of its own series, one job", _job_variable, "variable:job:query",
     "label_values(node_uname_info, job)"),
    ("job variable single-select", _job_variable, "variable:job:multi", False),
    ("variable regex", _set("templating.list.0.regex", "/([^:]+):.*/"), "variable:node:regex", "/([^:]+):.*/"),
    ("variable allValue", _set("templating.list.0.allValue", ".+"), "variable:node:allValue", ".+"),
    ("row repeat", _set("panels.1.repeat", "node"), "panel:Memory:repeat", "node"),
    ("panel timeShift", _set("panels.2.timeShift", "1d"), "panel:Memory used:timeShift", "1d"),
    ("panel timeFrom", _set("panels.2.timeFrom", "6h"), "panel:Memory used:timeFrom", "6h"),
    ("value mappings", _set("panels.0.fieldConfig.defaults.mappings", MAPPINGS),
     "panel:CPU busy:fieldConfig.defaults.mappings", MAPPINGS),
    ("reduce by min", _set("panels.0.options.reduceOptions.calcs", ["min"]),
     "panel:CPU busy:options.reduceOptions.calcs", ["min"]),
    ("percentage thresholds", _set("panels.0.fieldConfig.defaults.thresholds.mode", "percentage"),
     "panel:CPU busy:fieldConfig.defaults.thresholds.mode", "percentage"),
    ("stacked to 100%", _set("panels.2.fieldConfig.defaults.custom", {"stacking": {"mode": "percent",
                                                                                    "group": "A"}}),
     "panel:Memory used:fieldConfig.defaults.custom.stacking.mode", "percent"),
    ("log axis", _set("panels.2.fieldConfig.defaults.custom", {"scaleDistribution": {"type": "log", "log": 2}}),
     "panel:Memory used:fieldConfig.defaults.custom.scaleDistribution.type", "log"),
    ("query min interval", _set("panels.2.targets.0.interval", "1m"), "panel:Memory used:targets.0.interval", "1m"),
    ("time range", _set("time", {"from": "now-24h", "to": "now"}), "time.from", "now-24h"),
    ("refresh", _set("refresh", "30s"), "refresh", "30s"),
    ("singlestat thresholds", _singlestat, "panel:CPU busy:fieldConfig.defaults.thresholds.steps.2.value", 95),
    ("singlestat gauge range", _singlestat, "panel:CPU busy:fieldConfig.defaults.max", 100),
    ("graph stacked to 100%", _graph, "panel:Memory used:fieldConfig.defaults.custom.stacking.mode", "percent"),
    ("graph log axis", _graph, "panel:Memory used:fieldConfig.defaults.custom.scaleDistribution.log", 2),
]


@pytest.mark.parametrize(("case", "change", "path", "value"), SETTINGS, ids=[c[0] for c in SETTINGS])
def test_what_the_dashboard_states_is_what_generate_publishes(tmp_path: Path, case: str,
                                                              change: Callable[[Json], None], path: str,
                                                              value: Any) -> None:
    data = node_dashboard()
    change(data)
    imported = _import(tmp_path, data)
    assert _at(path)(_shown(imported)) == value, (case, imported.reason)
    if imported.dashboard is None:
        # The reason is one line, naming what the model cannot hold.
        assert imported.reason and "\n" not in imported.reason


def test_the_reason_names_the_first_settings_the_model_cannot_hold(tmp_path: Path) -> None:
    data = node_dashboard()
    for change in (_job_variable, _set("templating.list.1.regex", "/([^:]+):.*/"),
                   _set("panels.2.timeShift", "1d"), _set("panels.2.targets.0.interval", "1m"),
                   _set("panels.0.options.reduceOptions.calcs", ["min"])):
        change(data)
    path = tmp_path / "node.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    result = import_files([path])
    assert "imported/dashboards.py" not in result.files
    loader = result.files["dashboards/node-overview.dashboard.py"]
    reason = re.search(r"because (.*)\.\n", loader)
    assert reason is not None
    assert reason.group(1).startswith("the model cannot hold these of its settings: variable 'job' multi = false, "
                                      "variable 'job' includeAll = false, variable 'node' regex = ")
    assert reason.group(1).endswith(" and 2 more")
    kept = json.loads(result.files["dashboards/node-overview.json"])
    assert variable(kept, "job")["query"] == "label_values(node_uname_info, job)"


def test_generates_own_dashboards_come_back_as_the_same_model(tmp_path: Path) -> None:
    """The comparison takes what the model writes as the model's: generate's output, imported, is the same
    Dashboard (job variable of a series, tag links, alert annotation, a collapsed row)."""
    requests = Panel(title="Requests", unit="reqps", thresholds=(Threshold(value=100, color="red"),),
                     queries=(PanelQuery(expr='sum(rate(http_requests_total{job=~"$job", code=~"$code"}[5m]))',
                                         legend="{{code}}"),))
    errors = Panel(title="Errors", type="timeseries", stacked=True, show_thresholds=True,
                   queries=(PanelQuery(expr='sum by (code) (rate(http_requests_total{code=~"5.."}[5m]))'),))
    table = Panel(title="Slowest", type="table", width=24,
                  queries=(PanelQuery(expr="topk(5, http_request_duration_seconds_sum)", instant=True,
                                      format="table", legend="seconds"),))
    original = Dashboard(name="API", uid="api", tags=("api",), job_series="http_requests_total",
                         link_tags=("api",), alert_annotation='ALERTS{alertstate="firing"}', time_from="now-24h",
                         variables=(DashboardVariable(name="code", query="label_values(http_requests_total, code)"),),
                         panels=(requests,),
                         rows=(DashboardRow(title="Errors", panels=(errors, table), collapsed=True),))
    rendered = render_dashboard(original, DashboardSettings())
    imported = _import(tmp_path, rendered, "api.json")
    assert imported.dashboard is not None, imported.reason
    assert render_dashboard(imported.dashboard, DashboardSettings()) == rendered
    assert (imported.dashboard.job_series, imported.dashboard.link_tags, imported.dashboard.alert_annotation) == \
        (original.job_series, original.link_tags, original.alert_annotation)


# --- 2. malformed JSON: one line naming the file, line and JSON path; or accepted, where Grafana takes it ------

# (JSON path, how it is changed: a value or DELETE, the refusal's path or None where it is accepted)
DELETE = object()
SHAPES = [
    ("panels.0.fieldConfig.defaults.thresholds.steps.1.color", DELETE,
     r"panels\[0\]\.fieldConfig\.defaults\.thresholds\.steps\[1\] has no color"),
    ("panels.0.fieldConfig.defaults.thresholds.steps.1.color", None,
     r"panels\[0\]\.fieldConfig\.defaults\.thresholds\.steps\[1\]\.color"),
    ("panels.0.fieldConfig.defaults.thresholds.steps.1.color", 5,
     r"panels\[0\]\.fieldConfig\.defaults\.thresholds\.steps\[1\]\.color"),
    ("panels.0.fieldConfig.defaults.thresholds.steps.1.value", "90",
     r"panels\[0\]\.fieldConfig\.defaults\.thresholds\.steps\[1\]\.value"),
    ("panels.0.fieldConfig.defaults.thresholds.steps.1", None,
     r"panels\[0\]\.fieldConfig\.defaults\.thresholds\.steps\[1\] is not an object"),
    ("panels.0.fieldConfig.defaults.thresholds.steps", {}, r"panels\[0\]\.fieldConfig\.defaults\.thresholds\.steps"),
    ("panels.0.fieldConfig.defaults.thresholds.steps", None, None),
    ("panels.0.fieldConfig.defaults.thresholds", [], r"panels\[0\]\.fieldConfig\.defaults\.thresholds"),
    ("panels.0.fieldConfig.defaults", None, None),
    ("panels.0.fieldConfig", None, None),
    ("panels.0.fieldConfig.defaults.custom", "x", r"panels\[0\]\.fieldConfig\.defaults\.custom"),
    ("panels.0.fieldConfig.defaults.custom", {"stacking": "normal"},
     r"panels\[0\]\.fieldConfig\.defaults\.custom\.stacking"),
    ("panels.0.fieldConfig.defaults.unit", 5, r"panels\[0\]\.fieldConfig\.defaults\.unit"),
    ("panels.0.fieldConfig.defaults.decimals", "2", r"panels\[0\]\.fieldConfig\.defaults\.decimals"),
    ("panels.0.fieldConfig.defaults.mappings", {}, r"panels\[0\]\.fieldConfig\.defaults\.mappings"),
    ("panels.0.gridPos", None, None),
    ("panels.0.gridPos.w", "6", r"panels\[0\]\.gridPos\.w"),
    ("panels.0.targets", None, None),
    ("panels.0.targets", {}, r"panels\[0\]\.targets"),
    ("panels.0.targets.0", None, r"panels\[0\]\.targets\[0\] is not an object"),
    ("panels.0.targets.0.expr", None, None),
    ("panels.0.targets.0.expr", ["up"], r"panels\[0\]\.targets\[0\]\.expr"),
    ("panels.0.targets.0.legendFormat", 5, r"panels\[0\]\.targets\[0\]\.legendFormat"),
    ("panels.0.title", None, None),
    ("panels.0.type", DELETE, None),
    ("panels.0.options", [], r"panels\[0\]\.options"),
    ("panels.0.options", None, None),
    ("panels.0.datasource", 5, r"panels\[0\]\.datasource"),
    ("panels.1.panels", None, None),
    ("panels.1.panels", "x", r"panels\[1\]\.panels"),
    ("panels.1.collapsed", "no", r"panels\[1\]\.collapsed"),
    ("templating", [], r"templating"),
    ("templating.list", None, None),
    ("templating.list.0", None, r"templating\.list\[0\] is not an object"),
    ("templating.list.0.query", None, None),
    ("templating.list.0.query", {"refId": "A"}, None),
    ("templating.list.0.query", 5, r"templating\.list\[0\]\.query"),
    ("templating.list.0.query", {"query": 5}, r"templating\.list\[0\]\.query"),
    ("templating.list.0.name", DELETE, r"templating\.list\[0\] has no name"),
    ("templating.list.0.multi", "yes", r"templating\.list\[0\]\.multi"),
    ("time", None, None),
    ("time", "now-6h", r"time"),
    ("time.from", 5, r"time\.from"),
    ("timezone", 5, r"timezone"),
    ("weekStart", 5, r"weekStart"),
    ("refresh", 5, r"refresh"),
    ("refresh", False, None),
    ("description", ["x"], r"description"),
    ("tags", [5], r"tags\[0\]"),
    ("uid", None, None),
    ("links", {}, r"links"),
    ("annotations.list", [None], r"annotations\.list\[0\]"),
]


def _changed(data: Json, path: str, value: Any) -> Json:
    data = copy.deepcopy(data)
    *head, last = path.split(".")
    node: Any = data
    for key in head:
        node = node[int(key)] if key.isdigit() else node.setdefault(key, {})
    key: Any = int(last) if last.isdigit() else last
    if value is DELETE:
        del node[key]
    else:
        node[key] = value
    return data


def _accepted_by_generate(imported: DashboardImport) -> None:
    """What generate does with the import: renders the model's dashboard, or reads the kept JSON."""
    if imported.dashboard is not None:
        render_dashboard(imported.dashboard, DashboardSettings())
    else:
        assert imported.json is not None and imported.reason
        json_dashboard("monitoring", copy.deepcopy(imported.json), "node.dashboard.py")


@pytest.mark.parametrize(("path", "value", "refusal"), SHAPES,
                         ids=[f"{p}={'deleted' if v is DELETE else json.dumps(v)}" for p, v, _ in SHAPES])
def test_malformed_json_is_refused_by_its_path_or_accepted(tmp_path: Path, path: str, value: Any,
                                                            refusal: str | None) -> None:
    data = _changed(node_dashboard(), path, value)
    if refusal is None:
        _accepted_by_generate(_import(tmp_path, data))
        return
    with pytest.raises(InputFileError) as caught:
        _import(tmp_path, data)
    message = str(caught.value)
    assert "\n" not in message
    assert re.match(rf"node\.json:\d+: (?:\S+ )*{refusal}", message), message


MALFORMED = [None, [], {}, "x", 1.5, DELETE]


def _paths(value: Any, path: str = "") -> Iterator[str]:
    if path:
        yield path
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        yield from _paths(item, f"{path}.{key}" if path else str(key))


def test_no_malformed_value_anywhere_breaks_the_import(tmp_path: Path) -> None:
    """Every place of a dashboard, each kind of value put there (or its key taken away): a one-line refusal
    naming the file, or an import generate takes; never another exception."""
    base = node_dashboard()
    for path in _paths(base):
        for value in MALFORMED:
            data = _changed(base, path, value)
            try:
                imported = _import(tmp_path, data)
            except InputFileError as exc:
                assert str(exc).startswith("node.json:") and "\n" not in str(exc), (path, value, str(exc))
                continue
            _accepted_by_generate(imported)


def test_a_threshold_step_without_colour_exits_2_naming_file_and_path(tmp_path: Path,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "dash.json"
    source.write_text(json.dumps({"title": "t", "panels": [{"type": "stat", "fieldConfig": {"defaults": {
        "thresholds": {"steps": [{"color": "red"}, {"value": 5}]}}}, "targets": [{"expr": "up"}]}]}),
        encoding="utf-8")
    assert main(["import", "--directory", str(tmp_path / "project"), str(source)]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "Traceback" not in err
    assert err.endswith(f"{source}:1: panels[0].fieldConfig.defaults.thresholds.steps[1] has no color")


# --- 3. what generate refuses, refused or fixed at import, by the model's own rules --------------------------

@pytest.mark.parametrize("title", ["", "   ", "CPU\nbusy"])
def test_a_title_grafana_refuses_is_refused_at_import(tmp_path: Path, title: str) -> None:
    data = {**node_dashboard(), "title": title}
    with pytest.raises(InputFileError) as caught:
        _import(tmp_path, data)
    assert re.fullmatch(r"node\.json:\d+: title: .*", str(caught.value)), str(caught.value)


@pytest.mark.parametrize("uid", ["a/b", "node overview", "x" * 41, "日本"])
def test_a_uid_grafana_refuses_becomes_one_it_takes_with_a_note(tmp_path: Path, uid: str) -> None:
    imported = _import(tmp_path, {**node_dashboard(), "uid": uid})
    assert imported.uid is not None and conventions.uid_problem(imported.uid) is None
    assert imported.json is not None and imported.json["uid"] == imported.uid
    assert any(f"the uid {uid!r} became {imported.uid!r}" in note for note in imported.notes)
    _accepted_by_generate(imported)


def test_fixed_and_refused_dashboards_from_the_command_line(tmp_path: Path) -> None:
    """import, then generate, as a user runs them: an empty title stops the import (exit 2, one line); a uid
    with a slash is imported under one Grafana takes, and generate writes it."""
    inputs = tmp_path / "in"
    inputs.mkdir()
    (inputs / "empty.json").write_text(json.dumps({"title": "", "panels": []}), encoding="utf-8")
    (inputs / "slash.json").write_text(json.dumps({"title": "t", "uid": "a/b", "panels": []}), encoding="utf-8")
    project = tmp_path / "project"

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "monitoring", *args], cwd=project, capture_output=True,
                              text=True, check=False)

    project.mkdir()
    refused = run("import", str(inputs / "empty.json"))
    assert refused.returncode == 2 and refused.stderr.count("\n") == 1
    assert f"{inputs / 'empty.json'}:1: title: '' is blank" in refused.stderr
    result = import_files([inputs / "slash.json"])
    write_import(result, project)
    (project / "pyproject.toml").write_text(f'[tool.monitoring]\nstack = "{result.stack}"\n', encoding="utf-8")
    assert "The uid 'a/b' became 'a-b'" in result.files["dashboards/a-b.dashboard.py"]
    generated = run("generate")
    assert generated.returncode == 0, generated.stderr
    assert json.loads((project / "out" / "grafana" / "dashboards" / "monitoring" / "a-b.json").read_text(
        encoding="utf-8"))["uid"] == "a-b"


@pytest.mark.parametrize(("first", "second", "uid"), [
    ({"title": "A", "uid": "same"}, {"title": "B", "uid": "same"}, "same"),
    ({"title": "Shop"}, {"title": "shop"}, "shop"),  # uids made from the titles, as generate makes them
    ({"title": "Shop", "uid": "shop"}, {"title": "shop"}, "shop"),
])
def test_two_dashboards_of_one_uid_are_refused_naming_both(tmp_path: Path, first: dict[str, Any],
                                                           second: dict[str, Any], uid: str) -> None:
    paths = []
    for name, data in (("first.json", first), ("second.json", second)):
        paths.append(tmp_path / name)
        paths[-1].write_text(json.dumps({**data, "panels": []}), encoding="utf-8")
    with pytest.raises(InputFileError) as refused:
        import_files(paths)
    message = str(refused.value)
    assert "\n" not in message and message.startswith(f"{paths[1]}:1:"), message
    assert f"the uid {uid!r}" in message and "first.json" in message
