import pytest

from monitoring.checks.lint import RuleDocument, promql_counter_without_rate
from tests.lint_rule_cases import CONTEXT, alert, messages, record

AT = "service 'api', rule group 'api.alerts', alert 'APIProblem', field expr"
WHY = "is read without rate(), irate() or increase(): its raw value only grows, and drops to zero when the " \
      "process restarts"
COUNT = "'http_request_duration_seconds_count' (a counter of histogram 'http_request_duration_seconds')"
SUM = "'http_request_duration_seconds_sum' (a counter of histogram 'http_request_duration_seconds')"

CASES = [
    ("rate, irate and increase", alert("sum(rate(http_requests_total[5m])) / sum(irate(http_requests_total[1m])) "
                                       "> increase(http_requests_total[1h])"), []),
    ("resets and changes", alert("resets(http_requests_total[1h]) > 0 or changes(http_requests_total[1h]) > 0"), []),
    ("an average latency from rates", alert("rate(http_request_duration_seconds_sum[5m]) / "
                                            "rate(http_request_duration_seconds_count[5m]) > 1"), []),
    ("a counter in a subquery inside rate", alert("rate(max by (job) (http_requests_total)[5m:1m]) > 1"), []),
    ("presence only", alert("absent(http_requests_total) or count(http_requests_total) == 0 "
                            "or group(absent_over_time(http_requests_total[5m]))"), []),
    ("a gauge and a summary's quantiles", alert("queue_depth > 100 or rpc_duration_seconds > 1"), []),
    ("a recording rule's output ending in _total is not a counter",
     record("sum by (job) (rate(http_requests_total[5m]))", name="job:http_requests_total:rate5m"), []),
    ("a counter compared with a number", alert("http_requests_total > 5"),
     [f"{AT}: counter 'http_requests_total' {WHY}, in 'http_requests_total > 5'"]),
    ("an average latency from raw counters",
     alert("http_request_duration_seconds_sum\n/\nhttp_request_duration_seconds_count > 1"),
     [f"{AT}: {COUNT} {WHY}, in 'http_request_duration_seconds_sum / http_request_duration_seconds_count > 1'",
      f"{AT}: {SUM} {WHY}, in 'http_request_duration_seconds_sum / http_request_duration_seconds_count > 1'"]),
    ("a summary's _count outside rate", alert("rpc_duration_seconds_count - rpc_duration_seconds_count offset 1h > 0"),
     [f"{AT}: 'rpc_duration_seconds_count' (a counter of summary 'rpc_duration_seconds') {WHY}, in "
      "'rpc_duration_seconds_count - rpc_duration_seconds_count offset 1h > 0'"]),
    ("count of a filtered counter reads its value", alert("count(http_requests_total > 5) > 0"),
     [f"{AT}: counter 'http_requests_total' {WHY}, in 'count(http_requests_total > 5) > 0'"]),
    ("delta and max_over_time are not for counters",
     record("delta(http_requests_total[5m]) + max_over_time(http_requests_total[1h])",
            name="job:http_requests:delta5m"),
     ["service 'api', rule group 'api.alerts', record 'job:http_requests:delta5m', field expr: counter "
      f"'http_requests_total' {WHY}, in 'delta(http_requests_total[5m]) + max_over_time(http_requests_total[1h])'"]),
]


@pytest.mark.parametrize(("description", "doc", "expected"), CASES, ids=[c[0] for c in CASES])
def test_counter_without_rate(description: str, doc: RuleDocument, expected: list[str]) -> None:
    assert messages(promql_counter_without_rate.CHECK, doc) == expected


def test_it_is_a_warning() -> None:
    problems = promql_counter_without_rate.CHECK.run(alert("http_requests_total > 5"), CONTEXT)
    assert [p.severity for p in problems] == ["warning"]
