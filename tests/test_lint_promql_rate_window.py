import pytest

from monitoring.checks.lint import PanelQuery, RuleDocument, promql_rate_window
from tests.lint_rule_cases import PANEL, alert, messages, panel_query, record

AT = "service 'api', rule group 'api.alerts', alert 'APIProblem', field expr"

CASES = [
    ("four scrapes of a 15s job", alert("rate(http_requests_total[1m]) > 1"), []),
    ("five minutes of the slower job", alert("rate(jobs_total[5m]) > 1"), []),
    ("the job matcher picks the faster job", alert('increase(jobs_total{job="worker"}[2m]) > 1'), []),
    ("recording rule outputs and unknown series are not judged",
     alert("rate(job:http_requests:rate5m[1m]) > 1 or rate(other_total[10s]) > 1"), []),
    ("deriv is not a counter function", alert("deriv(queue_depth[30s]) > 1"), []),
    # The stack scrapes every 30s, and a copied 1m rate holds two samples at best.
    ("1m rate of a 30s job", alert("sum(rate(jobs_total[1m])) > 1"),
     [f"{AT}: rate() over 'jobs_total' reads 1m, fewer than 4 scrapes of job 'worker' (every 30s): use at least "
      "2m, in 'sum(rate(jobs_total[1m])) > 1'"]),
    ("irate over a range of two scrapes", record("sum by (job) (irate(http_requests_total[30s]))",
                                                 name="job:http_requests:irate30s"),
     ["service 'api', rule group 'api.alerts', record 'job:http_requests:irate30s', field expr: irate() over "
      "'http_requests_total' reads 30s, fewer than 4 scrapes of job 'api' (every 15s): use at least 1m, in "
      "'sum by (job) (irate(http_requests_total[30s]))'"]),
    ("increase of a histogram's count",
     alert('increase(http_request_duration_seconds_count{job="api"}[45s]) > 100'),
     [f"{AT}: increase() over 'http_request_duration_seconds_count' reads 45s, fewer than 4 scrapes of job 'api' "
      "(every 15s): use at least 1m, in 'increase(http_request_duration_seconds_count{job=\"api\"}[45s]) > 100'"]),
    # Dashboard queries: $__rate_interval is four scrapes by construction, $__range the dashboard's time range.
    ("panel: $__rate_interval", panel_query("sum(rate(jobs_total[$__rate_interval]))"), []),
    ("panel: $__range of a 1h dashboard", panel_query("sum(increase(jobs_total[$__range]))",
                                                      time={"from": "now-1h", "to": "now"}), []),
    ("panel: an interval variable whose options are long enough",
     panel_query("sum(rate(jobs_total[$interval]))", interval="2m,5m,1h"), []),
    # The classic Grafana mistake: $__interval shrinks to the data source's scrape interval when zoomed in.
    ("panel: rate over $__interval", panel_query("sum(rate(http_requests_total[$__interval]))"),
     [f"{PANEL}: rate() over 'http_requests_total' reads 15s, fewer than 4 scrapes of job 'api' (every 15s): use "
      "at least 1m, in 'sum(rate(http_requests_total[$__interval]))'"]),
    ("panel: the shortest option of an interval variable",
     panel_query("sum(rate(jobs_total[$interval]))", interval="auto,1m,10m"),
     [f"{PANEL}: rate() over 'jobs_total' reads 1m, fewer than 4 scrapes of job 'worker' (every 30s): use at least "
      "2m, in 'sum(rate(jobs_total[$interval]))'"]),
]


@pytest.mark.parametrize(("description", "doc", "expected"), CASES, ids=[c[0] for c in CASES])
def test_rate_window(description: str, doc: RuleDocument | PanelQuery, expected: list[str]) -> None:
    assert messages(promql_rate_window.CHECK, doc) == expected
