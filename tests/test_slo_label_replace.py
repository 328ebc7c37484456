"""Query SLIs that copy a label with label_replace(<expr>, "dst", "$1", "src", "(.*)") between their sum and their
rate (how import-slo renames a Pyrra grouping label the SLO reserves, and how users rename labels by hand): their
generated tests feed `src` and expect `dst` of the same value in the alerts, and pass under promtool. A
label_replace() the planner cannot follow leaves the SLO untested, with the reason, never with a wrong test.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from monitoring import SLO, QuerySLI
from monitoring.checks.tools import Tool
from monitoring.cli import main
from monitoring.project import Project
from monitoring.slo import promtool_tests as slo_tests
from tests.slo_imports import imported_stack, prove

ROOT = Path(__file__).resolve().parent.parent


def _copied(selector: str, *copies: tuple[str, str], by: tuple[str, ...], regex: str = "(.*)",
            replacement: str = "$1") -> str:
    """sum by (by) of the rate of selector, through label_replace() copies (dst, src), innermost first."""
    inner = f"rate({selector}[{{{{window}}}}])"
    for dst, src in copies:
        inner = f'label_replace({inner}, "{dst}", "{replacement}", "{src}", "{regex}")'
    return f"sum by ({', '.join(by)}) ({inner})"


def _slo(name: str, errors: str, total: str, group_by: tuple[str, ...]) -> SLO:
    return SLO(name=name, service="api", objective="99", period="7d", sli=QuerySLI(errors=errors, total=total),
               group_by=group_by)


def _copying_slos() -> tuple[SLO, ...]:
    one = ("host", "route")
    chain = (("via", "route"), ("host", "via"))  # host copies what an inner copy wrote
    both = (("spec_service", "service"), ("spec_slo", "slo"))
    bucket = 'api_latency_seconds_bucket{le="0.5"}'
    return (
        _slo("one-copy", _copied('api_requests_total{code=~"5.."}', one, by=("host",)),
             _copied("api_requests_total", one, by=("host",)), ("host",)),
        _slo("chained-copies", _copied('api_requests_total{code=~"5.."}', *chain, by=("host", "code_class")),
             _copied("api_requests_total", *chain, by=("host", "code_class")), ("host", "code_class")),
        _slo("reserved-labels", _copied("api_errors_total", *both, by=("spec_service", "spec_slo")),
             _copied("api_requests_total", *both, by=("spec_service", "spec_slo")), ("spec_service", "spec_slo")),
        _slo("good-and-total",
             f"{_copied('api_latency_seconds_count', one, by=('host',))} - {_copied(bucket, one, by=('host',))}",
             _copied("api_latency_seconds_count", one, by=("host",)), ("host",)),
    )


def test_the_planner_feeds_the_source_label_and_expects_the_copy() -> None:
    one, chained, reserved, good_total = _copying_slos()
    for slo in (one, chained, reserved, good_total):
        assert slo_tests.untested_why(slo) is None
    series = slo_tests.sli_series(one)
    assert series.group == {"host": "group-a"}
    assert series.bad == ['api_requests_total{code="5aa", route="group-a"}']
    assert all('route="group-a"' in s and "host" not in s for s in series.good + series.total)
    assert slo_tests.sli_series(chained).group == {"host": "group-a", "code_class": "group-a"}
    assert 'route="group-a"' in slo_tests.sli_series(chained).bad[0]
    fed = slo_tests.sli_series(reserved)
    assert fed.group == {"spec_service": "group-a", "spec_slo": "group-a"}
    assert fed.bad == ['api_errors_total{service="group-a", slo="group-a"}']
    latency = slo_tests.sli_series(good_total)
    assert latency.group == {"host": "group-a"}
    assert latency.good == ['api_latency_seconds_bucket{le="0.5", route="group-a"}']
    assert latency.total == ['api_latency_seconds_count{route="group-a"}']


@pytest.mark.integration
def test_slos_that_copy_a_label_get_tests_that_pass_under_promtool(tmp_path: Path, promtool: Tool) -> None:
    assert prove(tmp_path, imported_stack(_copying_slos()), promtool) == 4


def _untested(errors: str, total: str, group_by: tuple[str, ...] = ("host",)) -> str:
    slo = _slo("renamed", errors, total, group_by)
    assert not slo_tests.testable(slo)
    assert slo_tests.render_text(imported_stack((slo,)), slo) is None
    why = slo_tests.untested_why(slo)
    assert why is not None and "\n" not in why
    return why


@pytest.mark.parametrize(("regex", "replacement"), [("(.+)", "$1"), ("([^:]*).*", "$1"), ("(.*)", "x-$1"),
                                                    ("(.*)", "$2"), ("(.*)", "")])
def test_a_label_replace_that_is_no_whole_copy_leaves_the_slo_untested(regex: str, replacement: str) -> None:
    errors = _copied('api_requests_total{code=~"5.."}', ("host", "route"), by=("host",), regex=regex,
                     replacement=replacement)
    total = _copied("api_requests_total", ("host", "route"), by=("host",))
    why = _untested(errors, total)
    assert why.startswith("slo 'renamed': its query SLI is not of the form sum(rate(<selector>[{{window}}])) "
                          f"(sli.errors: label_replace() into 'host' with replacement {replacement!r} and regex "
                          f"{regex!r} is not a copy of a whole label value")
    assert why.endswith("so no promtool test was generated for its alerts")


def test_copies_the_planner_cannot_feed_leave_the_slo_untested() -> None:
    total = _copied("api_requests_total", ("host", "route"), by=("host",))
    # The errors' group label comes from another label than the total's.
    assert "copy their group labels from different labels" in _untested(
        _copied('api_requests_total{code=~"5.."}', ("host", "code"), by=("host",)), total)
    # A copy over a label the selector matches on: the bad and the good series could become one.
    assert "label_replace() overwrites 'code', which its selector matches on" in _untested(
        _copied('api_requests_total{code=~"5.."}', ("code", "route"), by=("host", "code")),
        _copied("api_requests_total", ("code", "route"), by=("host", "code")), ("host", "code"))
    # The metric name, which rate() drops.
    assert "not a label a test series carries" in _untested(
        _copied('api_requests_total{code=~"5.."}', ("host", "__name__"), by=("host",)), total)


PYRRA = """\
apiVersion: pyrra.dev/v1alpha1
kind: ServiceLevelObjective
metadata:
  name: api-errors
  namespace: api
spec:
  target: '99.0'
  window: 7d
  indicator:
    ratio:
      errors:
        metric: api_requests_total{code=~"5.."}
      total:
        metric: api_requests_total
      grouping: [service, route]
---
apiVersion: pyrra.dev/v1alpha1
kind: ServiceLevelObjective
metadata:
  name: api-latency
  namespace: api
spec:
  target: '99.5'
  window: 28d
  indicator:
    latency:
      success:
        metric: api_latency_seconds_bucket{le="0.5"}
      total:
        metric: api_latency_seconds_count
      grouping: [service, slo]
"""

STACK = """\
from monitoring import Stack
from slos.slos_api import SLOS
from tests.test_slo_stacks import api_service, routing

stack = Stack(name="imported", services=(api_service(),), routing=routing(), slos=SLOS)
"""


@pytest.mark.integration
def test_a_pyrra_grouping_by_a_reserved_label_imports_generates_and_passes_monitoring_test(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], promtool: Tool) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.monitoring]\nstack = "proj:stack"\n')
    (tmp_path / "pyrra.yaml").write_text(PYRRA)
    (tmp_path / "proj.py").write_text(STACK)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.syspath_prepend(str(ROOT))
    monkeypatch.chdir(tmp_path)
    assert main(["import-slo", str(tmp_path / "pyrra.yaml"), "--directory", str(tmp_path / "slos")]) == 0
    assert 'label_replace(rate(api_requests_total{code=~"5.."}' in (tmp_path / "slos" / "slos_api.py").read_text()
    project = Project.find(tmp_path)
    capsys.readouterr()
    assert main(["generate"], project=project) == 0
    assert "no promtool test" not in capsys.readouterr().err
    tests = sorted((tmp_path / "out" / "prometheus" / "tests").glob("*.slo.*.yml"))
    assert len(tests) == 2
    errors = next(t for t in tests if "api-errors" in t.name).read_text()
    assert 'series: api_requests_total{code="5aa", route="group-a", service="group-a"}' in errors
    assert textwrap.indent("route: group-a\nservice: api\nseverity: critical\nslo: api-errors\n"
                           "spec_service: group-a\ntier: page\n", " " * 8) in errors
    status = main(["test"], project=project)
    out = capsys.readouterr().out
    assert status == 0, out
    assert "all alert tests passed" in out and "untested" not in out

