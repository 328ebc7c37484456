import pytest

from monitoring.checks.lint import PanelQuery, RuleDocument, promql_label_unknown
from tests.lint_rule_cases import PANEL, alert, messages, panel_query, record

AT = "service 'api', rule group 'api.alerts', alert 'APIProblem', field expr"
OF = "counter 'http_requests_total' of service 'api' (labels: code)"

CASES = [
    ("catalog label", alert('sum(rate(http_requests_total{code=~"5.."}[5m])) > 1'), []),
    ("target, static and external labels",
     alert('sum by (instance, tier) (rate(http_requests_total{job="api", cluster="eu"}[5m])) > 1'), []),
    ("le of a histogram's buckets, kept by the aggregation",
     alert("histogram_quantile(0.9, sum by (le) (rate(http_request_duration_seconds_bucket[5m]))) > 1"), []),
    ("labels of up, by label of a recording rule",
     alert('sum by (job) (job:http_requests:rate5m) > 1 or up{instance="a"} == 0'), []),
    ("any label under a job that copies pod labels", alert('queue_depth{job="worker-pods", app="x"} > 1'), []),
    ("a series nobody declares is not judged", alert('other_total{kode="5"} > 1'), []),
    ("without a label the series carries", alert("sum without (instance) (queue_depth) > 1"), []),
    # The README's example with the label misspelt: the alert can never fire.
    ("typo in a matcher", alert('sum(rate(http_requests_total{kode=~"5.."}[5m])) > 1'),
     [f"{AT}: matcher on label 'kode', which 'http_requests_total' never carries: neither {OF} nor its scrape "
      "job api (labels: cluster, instance, job, tier) produce it, in "
      "'sum(rate(http_requests_total{kode=~\"5..\"}[5m])) > 1'"]),
    ("a label of the pod job, selected on the static job only", alert('up{job="api", namespace="shop"} == 0'),
     [f"{AT}: matcher on label 'namespace', which 'up' never carries: neither 'up', which Prometheus writes per "
      "target (labels: none) nor its scrape job api (labels: cluster, instance, job, tier) produce it, in "
      "'up{job=\"api\", namespace=\"shop\"} == 0'"]),
    ("by a label the aggregated series lost",
     record("sum by (code) (sum by (job) (rate(http_requests_total[5m])))", name="code:http_requests:rate5m"),
     ["service 'api', rule group 'api.alerts', record 'code:http_requests:rate5m', field expr: by label 'code' of "
      "sum() is carried by no series it aggregates (they carry job), in "
      "'sum by (code) (sum by (job) (rate(http_requests_total[5m])))'"]),
    ("by a misspelt label", alert('sum by (stauts) (rate(jobs_total{job="worker"}[5m])) > 1'),
     [f"{AT}: by label 'stauts' of sum() is carried by no series it aggregates (they carry cluster, instance, job, "
      "queue, status), in 'sum by (stauts) (rate(jobs_total{job=\"worker\"}[5m])) > 1'"]),
    ("a misspelt label on a series the pod job may carry anything", alert('rate(jobs_total{stauts="ok"}[5m]) > 1'),
     []),
    # Dashboard queries: variables stand in for values, so a matcher's value may be one; a label name may too.
    ("panel: variables as values and label names",
     panel_query('sum by ($group) (rate(http_requests_total{job=~"$job", code=~"${code:regex}"}[$__rate_interval]))',
                 variables=("datasource", "job", "group", "code")), []),
    # A panel that a service dashboard copied with the catalog's label misspelt: it draws nothing.
    ("panel: typo in a matcher",
     panel_query('sum(rate(http_requests_total{job=~"$job", kode=~"5.."}[$__rate_interval]))'),
     [f"{PANEL}: matcher on label 'kode', which 'http_requests_total' never carries: neither {OF} nor its scrape "
      "job api (labels: cluster, instance, job, tier) produce it, in "
      "'sum(rate(http_requests_total{job=~\"$job\", kode=~\"5..\"}[$__rate_interval]))'"]),
    ("panel: by a label the series lost",
     panel_query("sum by (code) (sum by (job) (rate(http_requests_total[$__range])))"),
     [f"{PANEL}: by label 'code' of sum() is carried by no series it aggregates (they carry job), in "
      "'sum by (code) (sum by (job) (rate(http_requests_total[$__range])))'"]),
]


@pytest.mark.parametrize(("description", "doc", "expected"), CASES, ids=[c[0] for c in CASES])
def test_label_unknown(description: str, doc: RuleDocument | PanelQuery, expected: list[str]) -> None:
    assert messages(promql_label_unknown.CHECK, doc) == expected
