import pytest

from monitoring.checks.lint import PanelQuery, RuleDocument, promql_label_value
from tests.lint_rule_cases import PANEL, alert, messages, panel_query

AT = "service 'api', rule group 'api.alerts', alert 'APIProblem', field expr"
VALUES = "matches none of the values the catalog declares for label 'status' (ok, failed), so it selects nothing"

CASES = [
    ("a declared value", alert('rate(jobs_total{status="failed"}[5m]) > 1'), []),
    ("a regular expression matching one value", alert('rate(jobs_total{status=~"fail.*"}[5m]) > 1'), []),
    ("a negative matcher that keeps one value", alert('rate(jobs_total{status!="ok"}[5m]) > 1'), []),
    ("a label without declared values", alert('rate(jobs_total{queue="anything"}[5m]) > 1'), []),
    ("a series without declared values", alert('rate(http_requests_total{code="teapot"}[5m]) > 1'), []),
    # An HTTP-style error matcher on a worker whose status is ok/failed: the error ratio is always 0.
    ("an HTTP code against ok/failed", alert('rate(jobs_total{status=~"5.."}[5m]) > 1'),
     [f"{AT}: matcher status=~\"5..\" of 'jobs_total' {VALUES}, in 'rate(jobs_total{{status=~\"5..\"}}[5m]) > 1'"]),
    ("a misspelt value", alert('sum(rate(jobs_total{status="fialed"}[5m])) / sum(rate(jobs_total[5m])) > 0.1'),
     [f"{AT}: matcher status=\"fialed\" of 'jobs_total' {VALUES}, in "
      "'sum(rate(jobs_total{status=\"fialed\"}[5m])) / sum(rate(jobs_total[5m])) > 0.1'"]),
    ("a regular expression is anchored", alert('rate(jobs_total{status=~"fail"}[5m]) > 1'),
     [f"{AT}: matcher status=~\"fail\" of 'jobs_total' {VALUES}, in 'rate(jobs_total{{status=~\"fail\"}}[5m]) > 1'"]),
    ("a negative regular expression that excludes every value", alert('rate(jobs_total{status!~"ok|failed"}[5m]) > 1'),
     [f"{AT}: matcher status!~\"ok|failed\" of 'jobs_total' {VALUES}, in "
      "'rate(jobs_total{status!~\"ok|failed\"}[5m]) > 1'"]),
    ("panel: a variable's value is unknown, so not judged",
     panel_query('sum(rate(jobs_total{status=~"$status", queue=~"$queue"}[$__rate_interval]))',
                 variables=("datasource", "status", "queue")), []),
    # The service dashboard's HTTP error ratio, drawn over a worker whose outcomes are ok/failed: always 0.
    ("panel: an HTTP error matcher on ok/failed",
     panel_query('sum(rate(jobs_total{status=~"5.."}[$__rate_interval])) / sum(rate(jobs_total[$__rate_interval]))'),
     [f"{PANEL}: matcher status=~\"5..\" of 'jobs_total' {VALUES}, in "
      "'sum(rate(jobs_total{status=~\"5..\"}[$__rate_interval])) / sum(rate(jobs_total[$__rate_interval]))'"]),
]


@pytest.mark.parametrize(("description", "doc", "expected"), CASES, ids=[c[0] for c in CASES])
def test_label_value(description: str, doc: RuleDocument | PanelQuery, expected: list[str]) -> None:
    assert messages(promql_label_value.CHECK, doc) == expected
