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
]


@pytest.mark.parametrize(("description", "doc", "expected"), CASES, ids=[c[0] for c in CASES])
def test_for_interval(description: str, doc: RuleDocument, expected: list[str]) -> None:
    assert messages(alerts_for_interval.CHECK, doc) == expected
