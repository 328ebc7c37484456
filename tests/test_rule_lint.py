"""The rule checks over whole stacks: the shipped ones pass, and `monitoring validate` reports errors and warnings."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from alerts.stack import stack as mcp_stack
from monitoring import Alert, RuleGroup, Stack
from monitoring.checks.report import result_lines
from monitoring.checks.rule_lint import check_rule_lint, defined_rules, lint, slo_generated_rules
from monitoring.checks.tools import Tool
from monitoring.output.emitters import GenerateContext, emit_slo_rules
from monitoring.output.manifest import Manifest
from tests.conftest import write_out
from tests.e2e.stack import example as e2e_example
from tests.stacks.example import stack as example_stack
from tests.test_alert_shapes import MCP_STACK, SHAPES_STACK
from tests.test_slo_stacks import variety

ROOT = Path(__file__).resolve().parent.parent
RATE_OF_GAUGE = Alert(name="MCPConnectionsGrowing", severity="warning",
                      expr="rate(mcp_active_connections[10m]) > 1",
                      summary="Connections pile up.", description="Connections pile up.")
RAW_COUNTER = Alert(name="MCPManyErrors", severity="warning", expr='mcp_requests_total{status="error"} > 100',
                    summary="Many errors.", description="Many errors.")


def with_alerts(*alerts: Alert) -> Stack:
    """The repository's stack (its dashboards/ fit it) with one more rule group on the MCP service."""
    service = mcp_stack.services[0]
    group = RuleGroup(name="mcp-server.linted", rules=alerts)
    return mcp_stack.model_copy(update={"services": (
        service.model_copy(update={"rule_groups": (*service.rule_groups, group)}), *mcp_stack.services[1:])})


# For `monitoring validate --stack tests.test_rule_lint:...`.
BROKEN = with_alerts(RATE_OF_GAUGE, RAW_COUNTER)
WARNED = with_alerts(RAW_COUNTER)
GAUGE_ERROR = ("promql/rate-on-gauge: service 'mcp-server', rule group 'mcp-server.linted', alert "
               "'MCPConnectionsGrowing', field expr: rate() over 'mcp_active_connections', which the metric catalog "
               "declares a gauge: it reads every decrease as a counter reset; use deriv() or delta() for a gauge, in "
               "'rate(mcp_active_connections[10m]) > 1'")
COUNTER_WARNING = ("warning: promql/counter-without-rate: service 'mcp-server', rule group 'mcp-server.linted', "
                   "alert 'MCPManyErrors', field expr: counter 'mcp_requests_total' is read without rate(), irate() "
                   "or increase(): its raw value only grows, and drops to zero when the process restarts, in "
                   "'mcp_requests_total{status=\"error\"} > 100'")


@pytest.mark.parametrize("stack", [mcp_stack, example_stack, variety(), e2e_example(), SHAPES_STACK, MCP_STACK],
                         ids=["mcp-production", "example", "variety", "e2e", "alert-shapes", "mcp-pack-shapes"])
def test_shipped_stacks_have_no_problem(stack: Stack) -> None:
    defined, generated = defined_rules(stack), slo_generated_rules(stack)
    assert len(defined) == sum(len(g.rules) for s in stack.services for g in s.rule_groups)
    assert bool(generated) == bool(stack.slos)
    assert lint(stack, defined + generated) == []


def test_slo_rules_are_read_as_written() -> None:
    """The documents are the rules of the generated SLO rule files: group, kind, name and expression."""
    written = []
    for _, text in emit_slo_rules(mcp_stack, GenerateContext("alerts.stack:stack")):
        for group in yaml.safe_load(text)["groups"]:
            written += [(group["name"], "alert" if "alert" in r else "record", r.get("alert") or r["record"],
                         r["expr"].strip()) for r in group["rules"]]
    documents = slo_generated_rules(mcp_stack)
    assert [(d.group, d.kind, d.name, d.expr) for d in documents] == written
    assert {d.service for d in documents} == {"mcp-server"}
    assert {d.name for d in documents if d.kind == "alert"} == {
        slo.alert_name(tier) for slo in mcp_stack.slos for tier in slo.tiers}


def test_errors_fail_and_warnings_are_printed_either_way(tmp_path: Path) -> None:
    broken_out, warned_out = write_out(BROKEN, tmp_path / "broken"), write_out(WARNED, tmp_path / "warned")
    [broken] = check_rule_lint(Manifest.read(broken_out), broken_out)
    assert not broken.ok
    assert broken.details == GAUGE_ERROR
    assert broken.warnings == COUNTER_WARNING
    assert broken.checked == "140 rules (20 defined, 120 from SLOs), 9 checks, 1 warning"

    [warned] = check_rule_lint(Manifest.read(warned_out), warned_out)
    assert warned.ok and not warned.details
    assert result_lines([warned]) == ["ok   lint rules: 139 rules (19 defined, 120 from SLOs), 9 checks, 1 warning",
                                      f"    {COUNTER_WARNING}"]


@pytest.mark.integration
def test_validate_command_runs_the_rule_checks(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str], promtool: Tool,
                                               amtool: Tool) -> None:
    from monitoring.cli import main
    from monitoring.project import Project

    project = Project.find(ROOT)
    for name, status in (("WARNED", 0), ("BROKEN", 1)):
        out = tmp_path / name
        argv = ["--stack", f"tests.test_rule_lint:{name}", "--out", str(out)]
        assert main(["generate", *argv], project=project) == 0
        capsys.readouterr()
        assert main(["validate", "--out", str(out)], project=project) == status  # validate reads out/ alone
        printed = capsys.readouterr().out
        assert "ok   promtool check rules" in printed  # promtool accepts both rules
        assert f"    {COUNTER_WARNING}\n" in printed
        if status:
            assert f"FAIL lint rules: 140 rules (20 defined, 120 from SLOs), 9 checks, 1 warning\n    {GAUGE_ERROR}\n" \
                in printed
            assert printed.rstrip().endswith("validation failed")
        else:
            assert printed.rstrip().endswith("all checks passed")
