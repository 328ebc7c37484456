import pytest

from monitoring.checks.lint import RuleDocument, promql_rate_window
from tests.lint_rule_cases import alert, messages, record

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
]


@pytest.mark.parametrize(("description", "doc", "expected"), CASES, ids=[c[0] for c in CASES])
def test_rate_window(description: str, doc: RuleDocument, expected: list[str]) -> None:
    assert messages(promql_rate_window.CHECK, doc) == expected
