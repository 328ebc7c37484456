"""k6 gates follow the stack's SLOs and alerts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from monitoring.errors import DefinitionError
from monitoring.model import LatencySLI, LoadTestGates, Stack
from monitoring.output.emitters import GenerateContext, render_files
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
    assert json.loads(files["k6/thresholds.json"]) == {"http_req_duration": ["p(95)<500"],
                                                        "http_req_failed": ["rate<0.05"]}
    assert "export const thresholds = {" in files["k6/thresholds.js"]
    assert '"p(95)<500"' in files["k6/thresholds.js"]


def test_changing_the_slo_threshold_changes_the_gate(stack: Stack) -> None:
    assert stack.load_test is not None
    changed = with_latency_threshold(stack, stack.load_test.latency_slo, "0.2")
    assert k6.render(changed) == {"http_req_duration": ["p(95)<200"], "http_req_failed": ["rate<0.05"]}


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
     "alert 'MCPServiceAbsent': a load-test error gate needs an expression of the form `ratio > number`"),
])
def test_gates_that_reference_nothing_usable(stack: Stack, gates: LoadTestGates, message: str) -> None:
    with pytest.raises(DefinitionError) as error:
        k6.gates(stack, gates)
    assert message in str(error.value)
