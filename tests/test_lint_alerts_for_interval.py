import pytest

from monitoring.checks.lint import RuleDocument, alerts_for_interval
from tests.lint_rule_cases import alert, messages, record

AT = "service 'api', rule group 'api.alerts', alert 'APIProblem', field for"

CASES = [
    ("no for", alert("queue_depth > 100", interval="1m"), []),
    ("for of one interval", alert("queue_depth > 100", for_="1m", interval="1m"), []),
    ("for longer than the interval", alert("queue_depth > 100", for_="5m", interval="30s"), []),
    ("explicit 0s", alert("queue_depth > 100", for_="0s", interval="1m"), []),
    ("a recording rule has no for", record("sum by (job) (rate(http_requests_total[5m]))"), []),
    # Copied from a stack that evaluates every 15s into one that evaluates every minute.
    ("30s for under a 1m interval", alert("queue_depth > 100", for_="30s", interval="1m"),
     [f"{AT}: 30s is shorter than the group's evaluation interval 1m: the alert cannot stay pending that long, it "
      "fires at the next evaluation, 1m later; set for to 0s or at least 1m"]),
    ("15s for under a 30s group interval", alert("up == 0", for_="15s", interval="30s"),
     [f"{AT}: 15s is shorter than the group's evaluation interval 30s: the alert cannot stay pending that long, it "
      "fires at the next evaluation, 30s later; set for to 0s or at least 30s"]),
    # One event keeps an event count above 0 for its window only.
    ("restart alert whose for fits in its window", alert("changes(queue_depth[15m]) > 0", for_="10m"), []),
    ("event count without for", alert("increase(jobs_total[5m]) > 0"), []),
    ("repeated events are the point: a rate threshold",
     alert("rate(jobs_total[5m]) > 0.5", for_="15m"), []),
    ("a count compared with a bool is no condition", alert("resets(jobs_total[5m]) > bool 0", for_="10m"), []),
    ("a count above 3 needs several events", alert("changes(queue_depth[5m]) > 3", for_="10m"), []),
    ("or: the other side can stay true", alert("increase(jobs_total[5m]) > 0 or queue_depth > 100", for_="10m"),
     []),
    # The restart alert copied from a crash-loop rule: it was meant to page on one restart and never does.
    ("restart alert with a for longer than its window",
     alert('changes(process_start_time_seconds{job="api"}[5m]) > 0', for_="10m"),
     [f"{AT}: 10m is not shorter than the 5m window of changes(): one event keeps the condition true for 5m at "
      "most, so the alert cannot stay pending for 10m and a single event never fires it; set for below 5m (or "
      "0s), or widen the window beyond the for, in 'changes(process_start_time_seconds{job=\"api\"}[5m]) > 0'"]),
    ("a failed job, summed by queue, with for equal to the window",
     alert('sum by (queue) (increase(jobs_total{status="failed"}[15m])) >= 1 and queue_depth > 0', for_="15m"),
     [f"{AT}: 15m is not shorter than the 15m window of increase(): one event keeps the condition true for 15m at "
      "most, so the alert cannot stay pending for 15m and a single event never fires it; set for below 15m (or "
      "0s), or widen the window beyond the for, in 'sum by (queue) (increase(jobs_total{status=\"failed\"}[15m])) "
      ">= 1 and queue_depth > 0'"]),
    ("threshold on the left", alert("0 < resets(jobs_total[1m])", for_="5m"),
     [f"{AT}: 5m is not shorter than the 1m window of resets(): one event keeps the condition true for 1m at "
      "most, so the alert cannot stay pending for 5m and a single event never fires it; set for below 1m (or "
      "0s), or widen the window beyond the for, in '0 < resets(jobs_total[1m])'"]),
]


@pytest.mark.parametrize(("description", "doc", "expected"), CASES, ids=[c[0] for c in CASES])
def test_for_interval(description: str, doc: RuleDocument, expected: list[str]) -> None:
    assert messages(alerts_for_interval.CHECK, doc) == expected
