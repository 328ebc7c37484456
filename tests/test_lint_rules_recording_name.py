import pytest

from monitoring.checks.lint import RuleDocument, rules_recording_name
from tests.lint_rule_cases import alert, messages, record


def at(name: str) -> str:
    return f"service 'api', rule group 'api.alerts', record {name!r}, field record"


CASES = [
    ("level, metric and operations agree", record("sum by (job) (rate(http_requests_total[5m]))"), []),
    ("two labels, in any order",
     record("sum by (job, code) (rate(http_requests_total[5m]))", name="code_job:http_requests:rate5m"), []),
    ("a ratio of two aggregations by the same labels",
     record("sum by (job) (rate(http_requests_total{code=~\"5..\"}[5m])) / sum by (job) "
            "(rate(http_requests_total[5m]))", name="job:http_requests_errors:ratio_rate5m"), []),
    ("no by: the level is free", record("sum(rate(http_requests_total[1h]))", name="cluster:http_requests:rate1h"),
     []),
    ("a name the model declares fixed from outside (an HPA's metric)",
     record("sum by (job) (rate(http_requests_total[2m]))", name="http_requests_per_second",
            name_fixed_by="the HPA's Pods metric"), []),
    ("an alert is not judged", alert("sum by (code) (rate(http_requests_total[1m])) > 1", name="JobProblem"), []),
    # Copied from a job-level rule and regrouped by instance without renaming.
    ("level names a label the rule drops",
     record("sum by (instance) (rate(http_requests_total[5m]))", name="job:http_requests:rate5m"),
     [f"{at('job:http_requests:rate5m')}: level 'job' should name the labels it keeps: 'instance' (by (instance)), "
      "in 'sum by (instance) (rate(http_requests_total[5m]))'"]),
    ("operations name a window the rule does not use",
     record("sum by (job) (rate(http_requests_total[1m]))", name="job:http_requests:rate5m"),
     [f"{at('job:http_requests:rate5m')}: operations 'rate5m' should name rate1m, in "
      "'sum by (job) (rate(http_requests_total[1m]))'"]),
    ("two colons at most", record("sum by (job) (rate(http_requests_total[5m]))", name="job:http:requests:rate5m"),
     [f"{at('job:http:requests:rate5m')}: the name must be level:metric:operations (three parts, metric and "
      "operations not empty), in 'sum by (job) (rate(http_requests_total[5m]))'"]),
    ("aggregations keep different labels",
     record("sum by (job) (rate(http_requests_total[5m])) / sum by (code) (rate(http_requests_total[5m]))",
            name="job:http_requests:ratio_rate5m"),
     [f"{at('job:http_requests:ratio_rate5m')}: its aggregations keep different labels (code; job), in "
      "'sum by (job) (rate(http_requests_total[5m])) / sum by (code) (rate(http_requests_total[5m]))'"]),
]


@pytest.mark.parametrize(("description", "doc", "expected"), CASES, ids=[c[0] for c in CASES])
def test_recording_name(description: str, doc: RuleDocument, expected: list[str]) -> None:
    assert messages(rules_recording_name.CHECK, doc) == expected


def test_an_undeclared_name_outside_the_convention_is_refused_by_the_model() -> None:
    from monitoring.errors import DefinitionError
    from monitoring.model import RecordingRule

    with pytest.raises(DefinitionError, match=r"must follow level:metric:operations .*name_fixed_by"):
        RecordingRule(record="http_requests_per_second", expr="sum(rate(http_requests_total[2m]))")
