import pytest

from monitoring.checks.lint import dashboard_target_schema
from tests.lint_cases import dashboard, messages, panel, target

CASES = [
    ("a modern target", dashboard(panel(1, targets=[target(legendFormat="{{job}}", instant=True, format="table")])),
     []),
    ("grafanalib's legacy target keys", dashboard(panel(1, targets=[target(step=10, target="", metric="")])),
     ["d.json: panel 1 'Requests', field targets[0]: Additional properties are not allowed ('metric', 'step', "
      "'target' were unexpected)"]),
    ("no expression", dashboard(panel(1, targets=[{"refId": "A"}])),
     ["d.json: panel 1 'Requests', field targets[0]: 'expr' is a required property"]),
    ("unknown format", dashboard(panel(1, targets=[target(format="timeseries")])),
     ["d.json: panel 1 'Requests', field targets[0].format: 'timeseries' is not one of ['time_series', 'table', "
      "'heatmap']"]),
    ("data source as a name", dashboard(panel(1, targets=[target(datasource="Prometheus")])),
     ["d.json: panel 1 'Requests', field targets[0].datasource: 'Prometheus' is not of type 'object'"]),
    # Another data source's targets have fields of their own (Loki's queryType, an expression's type).
    ("a Loki panel's target", dashboard(panel(1, datasource={"type": "loki", "uid": "logs"}, targets=[
        {"refId": "A", "expr": '{app="mcp"}', "queryType": "range"}, target(format="timeseries", ref="B")])),
     ["d.json: panel 1 'Requests', field targets[1].format: 'timeseries' is not one of ['time_series', 'table', "
      "'heatmap']"]),
    ("a Grafana expression", dashboard(panel(1, targets=[
        target(), {"refId": "B", "datasource": {"type": "__expr__", "uid": "__expr__"}, "type": "math",
                   "expression": "$A * 2"}])), []),
]


@pytest.mark.parametrize(("description", "data", "expected"), CASES, ids=[c[0] for c in CASES])
def test_target_schema(description: str, data: dict, expected: list[str]) -> None:
    assert messages(dashboard_target_schema.CHECK, data) == expected
