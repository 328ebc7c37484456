import pytest

from monitoring.checks.lint import dashboard_schema
from tests.lint_cases import dashboard, messages, panel, row

CASES = [
    ("a modern dashboard", dashboard(row(1), panel(2, y=1), panel(3, "S", "stat", x=12, y=1)), []),
    ("legacy dashboard keys", dashboard(rows=[], sharedCrosshair=True),
     ["d.json: dashboard 'D', field (top level): Additional properties are not allowed ('rows', 'sharedCrosshair' "
      "were unexpected)"]),
    ("schemaVersion as a string", dashboard(schemaVersion="39"),
     ["d.json: dashboard 'D', field schemaVersion: '39' is not of type 'integer'"]),
    ("legacy panel keys", dashboard(panel(1, span=6, editable=True)),
     ["d.json: panel 1 'Requests', field (panel): Additional properties are not allowed ('editable', 'span' were "
      "unexpected)"]),
    ("data source as a name", dashboard(panel(1, datasource="Prometheus")),
     ["d.json: panel 1 'Requests', field datasource: 'Prometheus' is not of type 'object'"]),
    ("a row without its panels list", dashboard({"id": 1, "type": "row", "title": "R", "collapsed": False,
                                                  "gridPos": {"x": 0, "y": 0, "w": 24, "h": 1}}),
     ["d.json: panel 1 'R', field (panel): 'panels' is a required property"]),
    # Each panel once: a collapsed row's panel as itself, never again as a member of the row.
    ("a row holding a panel with a legacy key", dashboard(row(1, collapsed=True, panels=[panel(2, y=1, span=6)])),
     ["d.json: panel 2 'Requests', field (panel): Additional properties are not allowed ('span' was unexpected)"]),
    # A deprecated or plugin panel's keys are its type's: dashboard/panel-type names it, in one line.
    ("a graph panel", dashboard(panel(1, kind="graph", bars=False, yaxes=[], aliasColors={})), []),
    ("a row holding a plugin panel", dashboard(row(1, collapsed=True, panels=[
        panel(2, kind="natel-discrete-panel", y=1, rowHeight=50)])), []),
    # A query variable's query as Grafana 10 and later export it: an object of the data source's own fields.
    ("a Prometheus query variable's query object", dashboard(templating={"list": [
        {"name": "job", "type": "query", "datasource": {"type": "prometheus", "uid": "${datasource}"},
         "query": {"qryType": 1, "query": "label_values(up, job)", "refId": "PrometheusVariableQueryEditor"}}]}), []),
    ("a Loki query variable's query object", dashboard(templating={"list": [
        {"name": "app", "type": "query", "datasource": {"type": "loki", "uid": "logs"},
         "query": {"label": "app", "stream": "", "type": 1}}]}), []),
    ("a query that is neither text nor an object", dashboard(templating={"list": [
        {"name": "job", "type": "query", "query": ["label_values(up, job)"]}]}),
     ["d.json: dashboard 'D', field templating.list[0].query: ['label_values(up, job)'] is not valid under any of "
      "the given schemas"]),
    ("variable of an unknown type", dashboard(templating={"list": [{"name": "x", "type": "select"}]}),
     ["d.json: dashboard 'D', field templating.list[0].type: 'select' is not one of ['query', 'adhoc', 'groupby', "
      "'constant', 'datasource', 'interval', 'textbox', 'custom', 'system', 'snapshot', 'switch']"]),
]


@pytest.mark.parametrize(("description", "data", "expected"), CASES, ids=[c[0] for c in CASES])
def test_schema(description: str, data: dict, expected: list[str]) -> None:
    assert messages(dashboard_schema.CHECK, data) == expected
