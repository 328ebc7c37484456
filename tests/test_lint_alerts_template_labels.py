import pytest

from monitoring.checks.lint import RuleDocument, alerts_template_labels
from tests.lint_rule_cases import alert, messages, record

AT = "service 'api', rule group 'api.alerts', alert 'APIProblem', field"

CASES = [
    ("labels kept by the aggregation",
     alert("sum by (job, code) (rate(http_requests_total[5m])) > 1",
           description="{{ $labels.job }} {{ $labels.code }}"), []),
    ("labels of the selector itself",
     alert('up{job="api"} == 0', description="{{ $labels.instance }} of {{ $labels.tier }}"), []),
    ("absent keeps its equality matchers", alert('absent(up{job="api"})', description="No {{ $labels.job }}."), []),
    ("index form of a kept label",
     alert("sum by (job) (queue_depth) > 1", description='{{ index $labels "job" }}'), []),
    ("a recording rule is not an alert", record("sum by (job) (rate(http_requests_total[5m]))"), []),
    ("an expression over unknown series is not judged",
     alert("other_total > 1", description="{{ $labels.job }}"), []),
    # The classic: the description names the instance, the aggregation dropped it.
    ("instance aggregated away", alert('sum by (job) (rate(http_requests_total{code=~"5.."}[5m])) > 1',
                                       description="{{ $labels.instance }} returns errors."),
     [f"{AT} description: $labels.instance is always empty, because the alert's expression does not keep "
      "'instance' (its result carries job), in 'sum by (job) (rate(http_requests_total{code=~\"5..\"}[5m])) > 1'"]),
    ("an aggregation without by, in an extra annotation",
     alert("histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket[5m]))) > 1",
           annotations={"dashboard": "https://grafana/d/api?var-job={{ $labels.job }}"}),
     [f"{AT} dashboard: $labels.job is always empty, because the alert's expression does not keep 'job' (its "
      "result carries no labels), in "
      "'histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket[5m]))) > 1'"]),
    ("group_left keeps the left side's labels",
     alert("sum by (job, code) (rate(http_requests_total[5m])) / on(job) group_left sum by (job) "
           "(rate(http_requests_total[5m])) > 0.5", description='{{ index $labels "instance" }}: {{ $labels.code }}'),
     [f"{AT} description: $labels.instance is always empty, because the alert's expression does not keep 'instance' "
      "(its result carries code, job), in 'sum by (job, code) (rate(http_requests_total[5m])) / on(job) group_left "
      "sum by (job) (rate(http_requests_total[5m])) > 0.5'"]),
    ("a label value's template, which Prometheus expands too",
     alert("sum by (job) (rate(http_requests_total[5m])) > 1", labels={"owner": "team-{{ $labels.team }}"},
           description="{{ $labels.job }}"),
     [f"{AT} labels.owner: $labels.team is always empty, because the alert's expression does not keep 'team' "
      "(its result carries job), in 'sum by (job) (rate(http_requests_total[5m])) > 1'"]),
    ("on() without grouping keeps only the on labels",
     alert("sum by (job, code) (rate(http_requests_total[5m])) > on(job) sum by (job) (queue_depth)",
           description="{{ $labels.code }}"),
     [f"{AT} description: $labels.code is always empty, because the alert's expression does not keep 'code' (its "
      "result carries job), in 'sum by (job, code) (rate(http_requests_total[5m])) > on(job) sum by (job) "
      "(queue_depth)'"]),
]


@pytest.mark.parametrize(("description", "doc", "expected"), CASES, ids=[c[0] for c in CASES])
def test_template_labels(description: str, doc: RuleDocument, expected: list[str]) -> None:
    assert messages(alerts_template_labels.CHECK, doc) == expected
