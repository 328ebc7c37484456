"""The demo exporter on its own (no Prometheus needed): catalog, label values, faults and the control endpoint."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator

import pytest
import requests
from prometheus_client import disable_created_metrics, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from monitoring.demo.server import DemoServer
from monitoring.demo.workload import (
    CPU_LIMIT_CORES,
    MEMORY_LIMIT_BYTES,
    CadvisorWorkload,
    KubeStateWorkload,
    MCPWorkload,
    Workload,
)
from monitoring.packs import mcp

disable_created_metrics()
PODS = ("mcp/mcp-server-0", "mcp/mcp-server-1")


def samples(workload: Workload) -> list[tuple[str, dict[str, str], float]]:
    text = generate_latest(workload.registry).decode()
    return [(s.name, s.labels, s.value) for family in text_string_to_metric_families(text) for s in family.samples]


def operations(workload: Workload, **labels: str) -> float:
    """Observations of the OpenTelemetry operation histogram with these labels."""
    return sum(value for name, sample_labels, value in samples(workload)
               if name == f"{mcp.OPERATION_DURATION}_count"
               and all(sample_labels.get(k) == v for k, v in labels.items()))


@pytest.mark.parametrize(("workload", "catalog"), [
    (lambda: MCPWorkload(), mcp.metrics),
    (lambda: CadvisorWorkload(PODS), mcp.cadvisor_metrics),
    (lambda: KubeStateWorkload(PODS), mcp.kube_state_metrics),
], ids=["mcp", "cadvisor", "kube-state-metrics"])
def test_exposes_exactly_its_catalog(workload, catalog) -> None:
    demo = workload()
    demo.tick(10.0)
    exposed = {name for name, _, _ in samples(demo)}
    assert exposed == {series for metric in catalog() for series in metric.series_names()}


def test_label_values_are_those_of_real_mcp_servers() -> None:
    demo = MCPWorkload(rate=100)
    demo.tick(60.0)
    seen = [labels for name, labels, _ in samples(demo) if name == f"{mcp.OPERATION_DURATION}_count"]
    methods = {labels["mcp_method_name"] for labels in seen}
    assert {"initialize", "notifications/initialized", "tools/list", "tools/call", "resources/read"} <= methods
    assert {labels["network_transport"] for labels in seen} == {"tcp", "pipe"}
    tools = {labels["gen_ai_tool_name"] for labels in seen if labels["mcp_method_name"] == "tools/call"}
    assert "" not in tools and len(tools) > 1
    # Background noise: a client's invalid params and tools reporting isError, never a server fault.
    assert {labels["error_type"] for labels in seen} == {"", "-32602", "tool_error"}


def test_error_ratio_fails_exactly_that_share_of_answered_requests() -> None:
    demo = MCPWorkload()
    assert demo.control({"error_ratio": 0.5, "error_type": "-32603"})["error_ratio"] == 0.5
    demo.tick(50.0)  # 1000 operations
    answered = operations(demo) - operations(demo, mcp_method_name="notifications/initialized")
    assert operations(demo, error_type="-32603") == pytest.approx(answered / 2, abs=1)
    assert operations(demo, mcp_method_name="notifications/initialized", error_type="-32603") == 0


def test_timeouts_take_the_timeout() -> None:
    demo = MCPWorkload()
    demo.control({"error_ratio": 1.0, "error_type": "timeout"})
    demo.tick(5.0)
    fast = [value for name, labels, value in samples(demo)
            if name == f"{mcp.OPERATION_DURATION}_bucket" and labels["error_type"] == "timeout"
            and float(labels["le"]) < 10]
    assert operations(demo, error_type="timeout") > 0 and set(fast) == {0.0}


def test_latency_shift_slows_every_request() -> None:
    demo = MCPWorkload()
    demo.tick(5.0)

    def under_one_second() -> float:
        return sum(v for name, labels, v in samples(demo)
                   if name == "mcp_request_duration_seconds_bucket" and labels["le"] == "1.0")

    before = under_one_second()
    demo.control({"latency_shift": 2})
    demo.tick(5.0)
    assert under_one_second() == before
    assert sum(v for n, _, v in samples(demo) if n == "mcp_request_duration_seconds_count") > before


def test_memory_and_cpu_follow_the_ratios_of_the_limits() -> None:
    demo = CadvisorWorkload(PODS)
    demo.control({"memory_ratio": 0.9, "cpu_ratio": 0.5})
    demo.tick(10.0)
    memory = [v for n, _, v in samples(demo) if n == "container_memory_working_set_bytes"]
    cpu = [v for n, _, v in samples(demo) if n == "container_cpu_usage_seconds_total"]
    assert memory == pytest.approx([0.9 * MEMORY_LIMIT_BYTES] * 2, rel=0.02)
    assert cpu == pytest.approx([0.5 * CPU_LIMIT_CORES * 10] * 2)
    limits = {(labels["pod"], labels["resource"], labels["unit"]): v
              for n, labels, v in samples(KubeStateWorkload(PODS)) if n == "kube_pod_container_resource_limits"}
    assert limits[("mcp-server-1", "memory", "byte")] == MEMORY_LIMIT_BYTES
    assert limits[("mcp-server-1", "cpu", "core")] == CPU_LIMIT_CORES


@pytest.fixture
def server() -> Iterator[str]:
    demo = DemoServer(MCPWorkload(), "127.0.0.1", 0)
    demo.start()
    try:
        yield f"http://127.0.0.1:{demo.port}"
    finally:
        demo.stop()


def test_control_endpoint_stops_and_resumes_serving(server: str) -> None:
    assert requests.get(f"{server}/metrics", timeout=5).status_code == 200
    state = requests.post(f"{server}/control", json={"serving": False}, timeout=5).json()
    assert state["serving"] is False
    response = requests.get(f"{server}/metrics", timeout=5)
    assert response.status_code == 503
    stopped_at = requests.get(f"{server}/control", timeout=5).json()["operations"]
    assert requests.post(f"{server}/control", json={"serving": True}, timeout=5).json()["serving"] is True
    assert requests.get(f"{server}/metrics", timeout=5).status_code == 200
    assert stopped_at <= requests.get(f"{server}/control", timeout=5).json()["operations"]


def test_ready_switch_fails_readiness_not_liveness(server: str) -> None:
    assert requests.get(f"{server}/ready", timeout=5).status_code == 200
    assert requests.post(f"{server}/control", json={"ready": False}, timeout=5).json()["ready"] is False
    assert requests.get(f"{server}/ready", timeout=5).status_code == 503
    assert requests.get(f"{server}/health", timeout=5).status_code == 200
    requests.post(f"{server}/control", json={"ready": True, "serving": False}, timeout=5)
    assert requests.get(f"{server}/ready", timeout=5).status_code == 503  # not serving is not ready either
    requests.post(f"{server}/control", json={"serving": True}, timeout=5)
    assert requests.get(f"{server}/ready", timeout=5).status_code == 200


@pytest.mark.parametrize(("body", "message"), [
    ({"error_ratio": 1.5}, "knob 'error_ratio': must be a number from 0 to 1.0, not 1.5"),
    ({"serving": "no"}, "knob 'serving': must be true or false, not 'no'"),
    ({"memory_ratio": 0.9}, "unknown knob 'memory_ratio' for the mcp demo"),
    ([1, 2], "the body must be a JSON object"),
])
def test_bad_control_requests_change_nothing(server: str, body: object, message: str) -> None:
    before = requests.get(f"{server}/control", timeout=5).json()
    response = requests.post(f"{server}/control", json=body, timeout=5)
    assert response.status_code == 400
    assert message in response.json()["error"]
    after = requests.get(f"{server}/control", timeout=5).json()
    assert {k: v for k, v in after.items() if k != "operations"} == {
        k: v for k, v in before.items() if k != "operations"}


def test_a_taken_port_is_a_one_line_error(server: str) -> None:
    port = server.rsplit(":", 1)[1]
    result = subprocess.run([sys.executable, "-m", "monitoring.demo", "--port", port], capture_output=True,
                            text=True, timeout=30, check=False)
    assert result.returncode == 2
    assert result.stderr.startswith(f"demo: cannot serve the mcp role on 127.0.0.1:{port}: ")
    assert len(result.stderr.strip().splitlines()) == 1
