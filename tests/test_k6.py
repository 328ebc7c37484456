"""k6 gates follow the stack's SLOs and alerts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from monitoring.errors import DefinitionError
from monitoring.model import Alert, LatencySLI, LoadTestGates, Stack
from monitoring.output.emitters import GenerateContext, render_files
from monitoring.packs import mcp
from monitoring.project import Project, load_stack
from monitoring.render import k6

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def stack() -> Stack:
    return load_stack("alerts.stack:stack", ROOT)


def with_latency_threshold(stack: Stack, slo_name: str, threshold: str) -> Stack:
    slos = tuple(s.model_copy(update={"sli": LatencySLI(**(s.sli.model_dump() | {"threshold": threshold}))})
                 if s.name == slo_name else s for s in stack.slos)
    return Stack(**(dict(stack) | {"slos": slos}))


def test_mcp_stack_gates(stack: Stack) -> None:
    files = render_files(stack, GenerateContext("alerts.stack:stack", Project.find(ROOT)))
    # The seed's load-test gates: p(95) under 500 ms, failures under 10% (the error ratio's paging tier).
    assert json.loads(files["k6/thresholds.json"]) == {"http_req_duration": ["p(95)<500"],
                                                        "http_req_failed": ["rate<0.1"]}
    assert "export const thresholds = {" in files["k6/thresholds.js"]
    assert '"p(95)<500"' in files["k6/thresholds.js"]


def test_changing_the_slo_threshold_changes_the_gate(stack: Stack) -> None:
    assert stack.load_test is not None
    changed = with_latency_threshold(stack, stack.load_test.latency_slo, "0.2")
    assert k6.render(changed) == {"http_req_duration": ["p(95)<200"], "http_req_failed": ["rate<0.1"]}


def with_page_threshold(stack: Stack, page: float) -> Stack:
    """The stack with the MCP fleet rebuilt by the pack with another paging error ratio."""
    services = tuple(mcp.service(name="mcp-server", namespace=s.scrape_jobs[0].kubernetes_sd_configs[0].namespaces[0],
                                 labels=s.labels, family="both", thresholds=mcp.Thresholds(error_ratio_page=page))
                     if s.name == "mcp-server" else s for s in stack.services)
    return Stack(**(dict(stack) | {"services": services}))


def test_the_error_gate_is_the_paging_alerts_declared_threshold(stack: Stack) -> None:
    page = next(a for s in stack.services for a in s.alerts if a.name == "MCPHighErrorRate")
    assert (page.severity, page.threshold) == ("critical", 0.1)
    changed = with_page_threshold(stack, 0.2)
    assert k6.render(changed) == {"http_req_duration": ["p(95)<500"], "http_req_failed": ["rate<0.2"]}
    # The warning tier stays where it was; only the page moved.
    warning = next(a for s in changed.services for a in s.alerts if a.name == "MCPElevatedErrorRate")
    assert warning.threshold == 0.05 and warning.expr.endswith("> 0.05")


def test_a_threshold_the_expression_does_not_compare_with_is_refused() -> None:
    with pytest.raises(DefinitionError, match=r"threshold 0.2: expr must end in a comparison with it"):
        Alert(name="Errors", severity="critical", expr="sum(rate(errors_total[5m])) > 0.1", threshold=0.2,
              summary="Errors.", description="Errors.")


def test_percentile_and_alert_are_taken_from_the_gates(stack: Stack) -> None:
    gates = k6.gates(stack, LoadTestGates(latency_slo="tool-call-latency", percentile=99,
                                          error_ratio_alert="MCPHighErrorRate"))
    assert gates["http_req_duration"] == ["p(99)<5000"]


@pytest.mark.parametrize(("gates", "message"), [
    (LoadTestGates(latency_slo="availability", error_ratio_alert="MCPHighErrorRate"),
     "latency_slo 'availability' is not a latency SLO of the stack"),
    (LoadTestGates(latency_slo="control-plane-latency", error_ratio_alert="NoSuchAlert"),
     "error_ratio_alert 'NoSuchAlert' is not an alert of the stack"),
    (LoadTestGates(latency_slo="control-plane-latency", error_ratio_alert="MCPServiceAbsent"),
     "a load-test error gate needs an alert that declares its threshold"),
])
def test_gates_that_reference_nothing_usable(stack: Stack, gates: LoadTestGates, message: str) -> None:
    with pytest.raises(DefinitionError) as error:
        k6.gates(stack, gates)
    assert message in str(error.value)


def _with_twin_slo(stack: Stack) -> Stack:
    """The stack with a second service whose latency SLO has the name of one the stack has (names are unique
    within a service only) and a tighter threshold."""
    original = next(s for s in stack.slos if s.name == "tool-call-latency")
    service = next(s for s in stack.services if s.name == original.service)
    twin_service = service.model_copy(update={"name": "twin", "scrape_jobs": (), "rule_groups": ()})
    assert isinstance(original.sli, LatencySLI)
    twin = original.model_copy(update={"service": "twin",
                                       "sli": original.sli.model_copy(update={"threshold": 0.1}),
                                       "alerting": original.alerting.model_copy(update={"name": "TwinLatency"})})
    return stack.model_copy(update={"services": (*stack.services, twin_service), "slos": (*stack.slos, twin)})


def test_a_name_several_services_use_is_refused_and_a_service_qualified_one_taken(stack: Stack) -> None:
    twins = _with_twin_slo(stack)
    for order in (twins, twins.model_copy(update={"slos": tuple(reversed(twins.slos))})):
        with pytest.raises(DefinitionError) as error:
            k6.gates(order, LoadTestGates(latency_slo="tool-call-latency", error_ratio_alert="MCPHighErrorRate"))
        assert error.value.field == "latency_slo" and "write '<service>/tool-call-latency'" in error.value.problem
    twin = k6.gates(twins, LoadTestGates(latency_slo="twin/tool-call-latency", error_ratio_alert="MCPHighErrorRate"))
    original_service = next(s.service for s in stack.slos if s.name == "tool-call-latency")
    original = k6.gates(twins, LoadTestGates(latency_slo=f"{original_service}/tool-call-latency",
                                             error_ratio_alert=f"{original_service}/MCPHighErrorRate"))
    assert twin["http_req_duration"] == ["p(95)<100"] and original["http_req_duration"] != twin["http_req_duration"]
