import pytest

from monitoring.checks.lint import dashboard_promql
from tests.lint_cases import dashboard, messages, panel, target

INTERVAL = {"name": "window", "type": "interval", "query": "5m,1h"}
TOPK = {"name": "topk", "type": "custom", "query": "15,50", "current": {"text": "15", "value": "15"},
        "options": [{"text": "15", "value": "15"}, {"text": "50", "value": "50"}]}
LIMIT = {"name": "limit", "type": "textbox", "query": "0.5"}
LOKI = {"type": "loki", "uid": "logs"}

CASES = [
    ("rate over $__rate_interval", dashboard(), []),
    ("number variables", dashboard(panel(1, targets=[target("sum(increase(up[$__range])) / $__range_s")])), []),
    ("an interval variable as a range", dashboard(panel(1, targets=[target("rate(up[$window])")]),
                                                  templating={"list": [INTERVAL]}), []),
    ("unbalanced parenthesis", dashboard(panel(1, targets=[target("sum(rate(up[$__rate_interval])")])),
     ["d.json: panel 1 'Requests', field targets[0].expr: PromQL does not parse (unclosed left parenthesis), "
      "in 'sum(rate(up[$__rate_interval])'"]),
    ("range of a label variable", dashboard(panel(1, targets=[target("rate(up[$job])")])),
     ["d.json: panel 1 'Requests', field targets[0].expr: PromQL does not parse (unexpected character inside "
      "brackets: '_'), in 'rate(up[$job])'"]),
    ("an empty query is left alone", dashboard(panel(1, targets=[target("")])), []),
    # Ceph's pool overview: a custom variable holds the k of topk(); its value stands in, not a label value.
    ("a custom variable as topk's k", dashboard(panel(1, targets=[target("topk($topk, rate(up[5m]))")]),
                                               templating={"list": [TOPK]}), []),
    ("a text box variable as a threshold", dashboard(panel(1, targets=[target("up > ${limit}")]),
                                                    templating={"list": [LIMIT]}), []),
    # Queries of other data sources are theirs: LogQL on a Loki panel, a Grafana expression in a Prometheus panel.
    ("LogQL of a Loki panel", dashboard(panel(1, datasource=LOKI, targets=[
        {"refId": "A", "expr": '{app="mcp"} |= "error"'}, target('{app="mcp"} |= "error"', ref="B")])),
     ["d.json: panel 1 'Requests', field targets[1].expr: PromQL does not parse (unexpected character: '|'), "
      "in '{app=\"mcp\"} |= \"error\"'"]),
    ("a Grafana expression beside a query", dashboard(panel(1, targets=[
        target(), {"refId": "B", "datasource": {"type": "__expr__", "uid": "__expr__"}, "type": "math",
                   "expression": "$A * 2", "expr": "$A * 2 +"}])), []),
    ("a data source of another type given for the target alone", dashboard(panel(1, targets=[
        target('sum(count_over_time({app="mcp"} |= "error" [5m]))', datasource=LOKI), target("sum(", ref="B")])),
     ["d.json: panel 1 'Requests', field targets[1].expr: PromQL does not parse (unclosed left parenthesis), "
      "in 'sum('"]),
]


@pytest.mark.parametrize(("description", "data", "expected"), CASES, ids=[c[0] for c in CASES])
def test_promql(description: str, data: dict, expected: list[str]) -> None:
    assert messages(dashboard_promql.CHECK, data) == expected
