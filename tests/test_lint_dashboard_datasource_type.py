import pytest

from monitoring.checks.lint import dashboard_datasource_type, dashboard_promql
from tests.lint_cases import dashboard, messages, panel, row, target

LOGQL = '{app="api"} |= "error"'
UNCHECKED = ("has no type (a name the stack does not declare, or a uid alone), so its queries are not checked: "
             "declare it in the stack's datasources, ")
CASES = [
    ("typed data sources", dashboard(
        panel(1), panel(2, "Logs", "logs", x=12, datasource={"type": "loki", "uid": "loki"},
                        targets=[target(LOGQL, datasource={"type": "loki", "uid": "loki"})])), []),
    ("a variable's type", dashboard(panel(1, datasource={"uid": "${datasource}"},
                                          targets=[target(datasource={"uid": "$datasource"})])), []),
    ("no data source: the default", dashboard(panel(1, datasource=None, targets=[{"refId": "A", "expr": "up"}])),
     []),
    ("a name alone on the panel", dashboard(panel(1, "Errors", "logs", datasource={"uid": "Loki"},
                                                  targets=[{"refId": "A", "expr": LOGQL}])),
     [f"d.json: panel 1 'Errors', field datasource: data source 'Loki' {UNCHECKED}DataSource(name='Loki', type=...)"]),
    ("the panel's name copied into its targets, as the normaliser writes it", dashboard(panel(
        1, "Errors", "logs", datasource={"uid": "Loki"}, targets=[target(LOGQL, datasource={"uid": "Loki"})])),
     [f"d.json: panel 1 'Errors', field datasource: data source 'Loki' {UNCHECKED}DataSource(name='Loki', type=...)"]),
    ("a name alone on each target, once per name", dashboard(panel(1, targets=[
        target(LOGQL, datasource={"uid": "Loki"}), target(LOGQL, "B", datasource={"uid": "Loki"}),
        target("up", "C", datasource={"uid": "Prometheus EU"})])),
     [f"d.json: panel 1 'Requests', field targets[0].datasource: data source 'Loki' {UNCHECKED}"
      "DataSource(name='Loki', type=...)",
      f"d.json: panel 1 'Requests', field targets[2].datasource: data source 'Prometheus EU' {UNCHECKED}"
      "DataSource(name='Prometheus EU', type=...)"]),
    ("an empty type", dashboard(panel(1, datasource={"type": "", "uid": "logs"},
                                      targets=[{"refId": "A", "expr": LOGQL}])),
     [f"d.json: panel 1 'Requests', field datasource: data source 'logs' {UNCHECKED}DataSource(name='logs', "
      "type=...)"]),
    ("inside a collapsed row", dashboard(row(1, collapsed=True, panels=[
        panel(2, "Errors", datasource={"uid": "Loki"}, targets=[{"refId": "A", "expr": LOGQL}])])),
     [f"d.json: panel 2 'Errors', field datasource: data source 'Loki' {UNCHECKED}DataSource(name='Loki', type=...)"]),
]


@pytest.mark.parametrize(("description", "data", "expected"), CASES, ids=[c[0] for c in CASES])
def test_datasource_type(description: str, data: dict, expected: list[str]) -> None:
    assert messages(dashboard_datasource_type.CHECK, data) == expected


def test_the_queries_of_a_data_source_of_unknown_type_are_not_read_as_promql() -> None:
    """A warning, and nothing else: a LogQL query under a name the stack does not declare is no PromQL error."""
    data = dashboard(panel(1, "Errors", "logs", datasource={"uid": "Loki"}, targets=[{"refId": "A", "expr": LOGQL}]),
                     panel(2, "Bad", x=12, targets=[target("sum(rate(up[5m])")]))
    found = [m.split(": ")[1] for m in messages(dashboard_promql.CHECK, data)]
    assert found == ["panel 2 'Bad', field targets[0].expr"]
