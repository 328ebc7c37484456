"""`monitoring check-hpa` names metrics as prometheus-adapter does, and reads every HPA a user hands it.

prometheus-adapter names a metric with Go's regexp ExpandString on `name.as` (pkg/naming/metric_namer.go), so the
expected values below are Go's, from the documentation of regexp.Expand: "In the template, a variable is denoted by
a substring of the form $name or ${name}, where name is a non-empty sequence of letters, digits, and underscores. A
purely numeric name like $1 refers to the submatch with the corresponding index; other names refer to capturing
parentheses named with the (?P<name>...) syntax. A reference to an out of range or unmatched index or a name that is
not present in the regular expression is replaced with an empty slice. In the $name form, name is taken to be as
long as possible: $1x is equivalent to ${1x}, not ${1}x ... To insert a literal $ in the output, use $$".
"""

from __future__ import annotations

from pathlib import Path

import pytest

from monitoring.checks import adapter as adapter_check
from monitoring.cli import main

# Group 1 and the group named "name" are "http", group 2 is "requests", group 0 the whole series name.
PATTERN, SERIES = r"^(?P<name>[a-z]+)_(.*)_total$", "http_requests_total"


@pytest.mark.parametrize(("template", "expected"), [
    ("$1", "http"),  # a purely numeric name is the submatch of that index
    ("${1}", "http"),  # the braced form of the same
    ("$1_per_second", ""),  # the name is as long as possible: ${1_per_second}, a group the pattern lacks
    ("${1}_per_second", "http_per_second"),  # braces end the name
    ("$name", "http"),  # other names are (?P<name>...) groups
    ("${name}x", "httpx"),
    ("$namex", ""),  # ${namex}: not present in the regular expression
    ("$$", "$"),  # $$ inserts a literal $
    ("x$$1y", "x$1y"),  # ... and what follows it is text
    ("$", "$"),  # no name after $: kept as text
    ("${1", "${1"),  # no closing brace: the $ is kept and the rest read as text
    ("${}", "${}"),  # an empty name is not a reference
    ("$nope", ""),  # an unknown group expands to nothing
    ("$3", ""),  # an out-of-range index expands to nothing
    ("$0", "http_requests_total"),  # index 0 is the whole match
    ("$01", ""),  # a leading zero makes it a name, and no group is named 01
    ("$2x", ""),  # ${2x}, not ${2}x
    ("${2}x", "requestsx"),
    ("$1$2", "httprequests"),
])
def test_go_expand_matches_gos_documented_semantics(template: str, expected: str) -> None:
    match = adapter_check.go_pattern(PATTERN).search(SERIES)
    assert match is not None
    assert adapter_check.go_expand(template, match) == expected


HTTP_RULE = """
- seriesQuery: '%s'
  resources: {overrides: {namespace: {resource: namespace}, pod: {resource: pod}}}
  name: {matches: "%s", as: "%s"}
  metricsQuery: 'sum(rate(<<.Series>>{<<.LabelMatchers>>}[2m])) by (<<.GroupBy>>)'
"""
# The discovery rule of prometheus-adapter's docs/config.md: its names come from whatever series Prometheus holds.
CONTAINER_RULE = """
- seriesQuery: '{__name__=~"^container_.*",container!="POD",namespace!="",pod!=""}'
  resources: {overrides: {namespace: {resource: namespace}, pod: {resource: pod}}}
  name: {matches: "^container_(.*)_seconds_total$", as: "%s"}
  metricsQuery: 'sum(rate(<<.Series>>{<<.LabelMatchers>>}[5m])) by (<<.GroupBy>>)'
"""
HPA = """apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: %s, namespace: shop}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  maxReplicas: 10
  metrics:
  - type: Pods
    pods:
      metric: {name: %s}
      target: {type: AverageValue, averageValue: "10"}
"""


def _check(tmp_path: Path, rules: str, *manifests: str) -> int:
    (tmp_path / "adapter.yml").write_text("rules:" + rules)
    paths = []
    for index, text in enumerate(manifests):
        paths.append(tmp_path / f"hpa{index}.yml")
        paths[-1].write_text(text)
    return main(["check-hpa", *map(str, paths), "--adapter", str(tmp_path / "adapter.yml")])


def _hpa(metric: str, name: str = "web") -> str:
    return HPA % (name, metric)


def test_dollar_one_suffix_is_a_group_name_as_in_go(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    query = 'http_requests_total{namespace!="",pod!=""}'
    assert _check(tmp_path, HTTP_RULE % (query, "^(.*)_total$", "$1_per_second"),
                  _hpa("http_requests_per_second")) == 2
    err = capsys.readouterr().err
    assert "Pods metric 'http_requests_per_second' is not exported" in err and err.count("\n") == 1
    assert "rules[0] names 'http_requests_total' '' with name.as '$1_per_second'" in err
    assert _check(tmp_path, HTTP_RULE % (query, "^(.*)_total$", "${1}_per_second"),
                  _hpa("http_requests_per_second")) == 0


def test_a_name_equality_matcher_selects_one_series(tmp_path: Path) -> None:
    query = '{__name__="http_requests_total",namespace!=""}'
    assert _check(tmp_path, HTTP_RULE % (query, "^(.*)_total$", "${1}_per_second"),
                  _hpa("http_requests_per_second")) == 0


def test_series_filters_drop_the_one_series(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rule = HTTP_RULE % ('http_requests_total{namespace!=""}', "^(.*)_total$", "${1}_per_second")
    rule += "  seriesFilters: [{isNot: '^http_'}]\n"
    assert _check(tmp_path, rule, _hpa("http_requests_per_second")) == 2
    assert "is not exported" in capsys.readouterr().err


def test_several_groups_without_as_are_refused_as_the_adapter_does(tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    rule = HTTP_RULE % ('http_requests_total{namespace!=""}', "^(.*)_(.*)_total$", "")
    assert _check(tmp_path, rule, _hpa("http")) == 2
    assert "name.matches has several groups, so name.as is required" in capsys.readouterr().err


def test_a_discovered_name_cannot_be_told_offline(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _check(tmp_path, CONTAINER_RULE % "", _hpa("cpu_usage")) == 0
    out = capsys.readouterr().out
    assert "hpa 'web' in" in out and "Pods metric 'cpu_usage': cannot tell offline: rules[0]" in out
    assert "1 metric(s) depend on the series the adapter discovers" in out


def test_a_name_no_discovered_series_could_get_is_refused(tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    rules = CONTAINER_RULE % "${1}_per_second"
    assert _check(tmp_path, rules, _hpa("cpu_per_second")) == 0
    assert "cannot tell offline" in capsys.readouterr().out
    assert _check(tmp_path, rules, _hpa("queue_depth")) == 2
    err = capsys.readouterr().err
    assert "Pods metric 'queue_depth' is not exported" in err and err.count("\n") == 1


LIST = """apiVersion: v1
kind: %s
metadata: {resourceVersion: ""}
items:
%s"""


def _items(*hpas: str) -> str:
    return "".join("- " + hpa.replace("\n", "\n  ").rstrip() + "\n" for hpa in hpas)


MCP_RULE = HTTP_RULE % ('mcp_requests_per_second{namespace!=""}', "^mcp_requests_per_second$", "")


@pytest.mark.parametrize("kind", ["List", "HorizontalPodAutoscalerList"])
def test_list_items_are_checked(tmp_path: Path, capsys: pytest.CaptureFixture[str], kind: str) -> None:
    manifest = LIST % (kind, _items(_hpa("mcp_requests_per_second"), _hpa("no_such_metric", "api")))
    assert _check(tmp_path, MCP_RULE, manifest) == 2
    assert "hpa 'api' in" in capsys.readouterr().err


def test_multi_document_files_with_lists(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    manifest = "\n---\n".join([LIST % ("List", _items(_hpa("mcp_requests_per_second"))),
                               _hpa("mcp_requests_per_second", "api"),
                               "apiVersion: v1\nkind: Service\nmetadata: {name: web}\n"])
    assert _check(tmp_path, MCP_RULE, manifest) == 0
    assert "2 HPA(s): every Pods and Object metric is exported" in capsys.readouterr().out


def test_a_list_item_of_another_shape_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    manifest = LIST % ("List", "- {kind: HorizontalPodAutoscaler, spec: 5}\n")
    assert _check(tmp_path, MCP_RULE, manifest) == 2
    assert "hpa0.yml: items[0].spec is not an object" in capsys.readouterr().err


@pytest.mark.parametrize("manifest", [
    "",
    "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\n",
    LIST % ("List", "  []\n"),
], ids=["empty file", "no HPA", "empty List"])
def test_no_hpa_at_all_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str], manifest: str) -> None:
    assert _check(tmp_path, MCP_RULE, manifest) == 2
    err = capsys.readouterr().err
    assert "no HorizontalPodAutoscaler in" in err and err.count("\n") == 1
