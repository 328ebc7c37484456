import pytest

from monitoring.checks.lint import CatalogEntry, LintContext, RuleDocument, promql_histogram_quantile_le
from tests.lint_rule_cases import alert, messages, record

AT = "service 'api', rule group 'api.alerts', alert 'APIProblem', field expr"
BUCKET = "http_request_duration_seconds_bucket"


def quantile(buckets: str) -> str:
    return f"histogram_quantile(0.95, {buckets}) > 1"


def lost(how: str, expr: str) -> str:
    return (f"{AT}: histogram_quantile() over '{BUCKET}' needs the le label, but `{how}` aggregates it away; "
            f"keep le, as in `sum by (le) (...)`, in {expr!r}")


CASES = [
    ("sum by le and job", alert(quantile(f"sum by (le, job) (rate({BUCKET}[5m]))")), []),
    ("no aggregation", alert(quantile(f"rate({BUCKET}[5m])")), []),
    ("without other labels", alert(quantile(f"sum without (instance) (increase({BUCKET}[1h]))")), []),
    ("topk keeps every label", alert(quantile(f"topk(5, rate({BUCKET}[5m]))")), []),
    ("a filter on the right of and", alert(quantile(f"sum by (le) (rate({BUCKET}[5m])) "
                                                    "and on () sum(rate(http_requests_total[5m])) > 1")), []),
    ("a recording rule of bucket rates",
     alert(quantile("sum by (le) (job:http_request_duration_seconds_bucket:rate5m)")), []),
    ("sum by job", alert(quantile(f"sum by (job) (rate({BUCKET}[5m]))")),
     [lost("sum by (job)", quantile(f"sum by (job) (rate({BUCKET}[5m]))"))]),
    ("without le", alert(quantile(f"sum without (le) (rate({BUCKET}[5m]))")),
     [lost("sum without (le)", quantile(f"sum without (le) (rate({BUCKET}[5m]))"))]),
    ("sum with no clause", alert(quantile(f"sum(rate({BUCKET}[5m]))")),
     [lost("sum", quantile(f"sum(rate({BUCKET}[5m]))"))]),
    ("an inner aggregation drops le", alert(quantile(f"sum by (le) (max by (job) (rate({BUCKET}[5m])))")),
     [lost("max by (job)", quantile(f"sum by (le) (max by (job) (rate({BUCKET}[5m])))"))]),
    ("raw buckets", alert(quantile(f'sum by (le) ({BUCKET}{{job="a"}})')),
     [f"{AT}: histogram_quantile() over '{BUCKET}' outside rate() or increase(): bucket counters only grow, so "
      f"the quantile spans the whole life of the process; use rate({BUCKET}[5m]), in "
      f"'histogram_quantile(0.95, sum by (le) ({BUCKET}{{job=\"a\"}})) > 1'"]),
    ("in a recording rule, both problems",
     record(f"histogram_quantile(0.5, sum by (job) ({BUCKET}))", name="job:http_request_duration_seconds:p50"),
     ["service 'api', rule group 'api.alerts', record 'job:http_request_duration_seconds:p50', field expr: "
      f"histogram_quantile() over '{BUCKET}' needs the le label, but `sum by (job)` aggregates it away; keep le, "
      f"as in `sum by (le) (...)`, in 'histogram_quantile(0.5, sum by (job) ({BUCKET}))'",
      "service 'api', rule group 'api.alerts', record 'job:http_request_duration_seconds:p50', field expr: "
      f"histogram_quantile() over '{BUCKET}' outside rate() or increase(): bucket counters only grow, so the "
      f"quantile spans the whole life of the process; use rate({BUCKET}[5m]), in "
      f"'histogram_quantile(0.5, sum by (job) ({BUCKET}))'"]),
]


@pytest.mark.parametrize(("description", "doc", "expected"), CASES, ids=[c[0] for c in CASES])
def test_histogram_quantile_le(description: str, doc: RuleDocument, expected: list[str]) -> None:
    assert messages(promql_histogram_quantile_le.CHECK, doc) == expected


NATIVE = "http_request_duration_seconds"
NATIVE_CONTEXT = LintContext(metrics=(CatalogEntry(NATIVE, "histogram", native=True),
                                      CatalogEntry("rpc_duration_seconds", "histogram")))
NATIVE_CASES = [
    ("a native histogram summed with no clause", quantile(f"sum(rate({NATIVE}[5m]))"), []),
    ("a native histogram summed by job", quantile(f"sum by (job) (rate({NATIVE}[5m]))"), []),
    ("a classic histogram beside it still needs le", quantile("sum(rate(rpc_duration_seconds_bucket[5m]))"),
     ["sum"]),
    ("a native and a classic series under one sum",
     quantile(f"sum(rate({NATIVE}[5m]) or rate(rpc_duration_seconds_bucket[5m]))"), ["sum"]),
]


@pytest.mark.parametrize(("description", "expr", "lost_by"), NATIVE_CASES, ids=[c[0] for c in NATIVE_CASES])
def test_native_histograms_have_no_le(description: str, expr: str, lost_by: list[str]) -> None:
    problems = promql_histogram_quantile_le.CHECK.run(alert(expr), NATIVE_CONTEXT)
    assert [p.summary for p in problems] == ["histogram_quantile without le"] * len(lost_by)
    assert all(f"`{how}` aggregates it away" in p.message for p, how in zip(problems, lost_by, strict=True))
