import pytest

from monitoring.checks.lint import RuleDocument, promql_rate_on_gauge
from tests.lint_rule_cases import alert, messages, record

AT = "service 'api', rule group 'api.alerts', alert 'APIProblem', field expr"
WHY = "which the metric catalog declares a gauge: it reads every decrease as a counter reset; use deriv() or delta() " \
      "for a gauge"

CASES = [
    ("rate of a counter", alert("sum(rate(http_requests_total[5m])) > 1"), []),
    ("rate of a histogram's buckets", alert("rate(http_request_duration_seconds_bucket[5m]) > 1"), []),
    ("deriv and delta of a gauge", alert("deriv(queue_depth[10m]) > 1 or delta(queue_depth[10m]) > 5"), []),
    ("a gauge read as it is", alert("queue_depth > 100"), []),
    ("rate of a recording rule's output", alert("rate(job:http_requests:rate5m[5m]) > 1"), []),
    ("rate of a gauge", alert("sum by (job) (rate(queue_depth[5m])) > 1"),
     [f"{AT}: rate() over 'queue_depth', {WHY}, in 'sum by (job) (rate(queue_depth[5m])) > 1'"]),
    ("irate of a gauge selected by __name__", alert('irate({__name__="queue_depth", job="a"}[5m]) > 1'),
     [f"{AT}: irate() over 'queue_depth', {WHY}, in 'irate({{__name__=\"queue_depth\", job=\"a\"}}[5m]) > 1'"]),
    ("increase of a gauge in a subquery, in a recording rule",
     record("increase((queue_depth)[1h:1m])", name="job:queue_depth:increase1h"),
     ["service 'api', rule group 'api.alerts', record 'job:queue_depth:increase1h', field expr: increase() over "
      f"'queue_depth', {WHY}, in 'increase((queue_depth)[1h:1m])'"]),
    ("one message for the same mistake twice, multi-line expression",
     alert("rate(queue_depth[5m])\n  /\nrate(queue_depth[1h]) > 2"),
     [f"{AT}: rate() over 'queue_depth', {WHY}, in 'rate(queue_depth[5m]) / rate(queue_depth[1h]) > 2'"]),
    ("rate and irate of a gauge", alert("rate(queue_depth[5m]) > irate(queue_depth[5m])"),
     [f"{AT}: rate() over 'queue_depth', {WHY}, in 'rate(queue_depth[5m]) > irate(queue_depth[5m])'",
      f"{AT}: irate() over 'queue_depth', {WHY}, in 'rate(queue_depth[5m]) > irate(queue_depth[5m])'"]),
]


@pytest.mark.parametrize(("description", "doc", "expected"), CASES, ids=[c[0] for c in CASES])
def test_rate_on_gauge(description: str, doc: RuleDocument, expected: list[str]) -> None:
    assert messages(promql_rate_on_gauge.CHECK, doc) == expected
