import pytest

from monitoring.checks.lint import dashboard_metrics
from tests.lint_cases import dashboard, messages, panel, target

CASES = [
    ("catalog metrics", dashboard(panel(1, targets=[
        target("histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket[5m])))"),
        target("up", "B")])), []),
    ("a metric named by a variable is not judged", dashboard(panel(1, targets=[target('{__name__=~"$job"}')])), []),
    ("typo in a metric name", dashboard(panel(1, targets=[target("sum(rate(http_request_total[5m]))")])),
     ["d.json: panel 1 'Requests', field targets[0].expr: selects 'http_request_total', which is in no metric "
      "catalog and no recording rule, in 'sum(rate(http_request_total[5m]))'"]),
    ("by __name__", dashboard(panel(1, targets=[target('{__name__="nope"}')])),
     ["d.json: panel 1 'Requests', field targets[0].expr: selects 'nope', which is in no metric catalog and no "
      "recording rule, in '{__name__=\"nope\"}'"]),
]


@pytest.mark.parametrize(("description", "data", "expected"), CASES, ids=[c[0] for c in CASES])
def test_metrics(description: str, data: dict, expected: list[str]) -> None:
    assert messages(dashboard_metrics.CHECK, data) == expected


def test_without_a_catalog_nothing_is_judged() -> None:
    data = dashboard(panel(1, targets=[target("nope")]))
    assert messages(dashboard_metrics.CHECK, data, known=None) == []
