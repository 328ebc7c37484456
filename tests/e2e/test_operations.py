"""Probes and the HPA metric end to end: the real blackbox exporter and Prometheus against demo MCP servers.

Three demo servers (each a pod of namespace mcp, at 5, 10 and 20 requests per second) are scraped and probed on
/health and /ready through the blackbox exporter, with the generated blackbox.yml, prometheus.yml and rules of the
MCP probe and capacity packs. Making one server's /ready fail fires the readiness alert and turns the fleet
degraded; making all of them fail turns it unhealthy. The HPA's per-pod rate is read back from Prometheus.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import requests

from monitoring import Receiver, Route, Routing, ScrapeJob, Service, Stack, StaticConfig
from monitoring.checks.blackbox import find_exporter
from monitoring.errors import ToolMissingError
from monitoring.output.emitters import GenerateContext, render_files
from monitoring.output.files import write_tree
from monitoring.packs import blackbox, mcp, mcp_capacity, mcp_probes
from tests.binaries import binary_missing

from .conftest import require_server
from .environment import Exporter
from .harness import LOOPBACK, Process, Servers, WebhookSink, free_port, wait_for

pytestmark = pytest.mark.e2e

RATES = (5.0, 10.0, 20.0)  # requests per second of each demo server
TIMEOUT = 60.0


@dataclass
class Operations:
    servers: Servers
    demos: list[Exporter]
    pods: list[str]

    def state(self, job: str) -> float | None:
        return self.servers.scalar(f'{blackbox.FLEET_HEALTH}{{job="{job}"}}')

    def firing(self, alertname: str) -> list[dict[str, str]]:
        return [a["labels"] for a in self.servers.prometheus_alerts()
                if a["state"] == "firing" and a["labels"]["alertname"] == alertname]

    def wait(self, what: str, check: object, timeout: float = TIMEOUT) -> object:
        return wait_for(what, check, timeout, self.servers.diagnostics)  # type: ignore[arg-type]


def build(demos: list[Exporter], pods: list[str], exporter: str) -> Stack:
    """The probe and capacity packs as in alerts/stack.py, on loopback: the MCP job labels each target with its
    pod, as Kubernetes discovery does."""
    hosts = tuple(d.address for d in demos)
    scrape = ScrapeJob(name="mcp-server", scrape_interval="1s", scrape_timeout="1s", static_configs=tuple(
        StaticConfig(targets=(d.address,), labels={"namespace": "mcp", "pod": pod}) for d, pod in zip(
            demos, pods, strict=True)))
    return Stack(
        name="mcp-operations", scrape_interval="1s", scrape_timeout="1s", evaluation_interval="1s",
        services=(Service(name="mcp-server", metrics=mcp.metrics(), scrape_jobs=(scrape,)),
                  mcp_probes.service(hosts, interval="1s", exporter=exporter, failing_for="3s", slow_for="1m"),
                  mcp_capacity.service()),
        catalogs=(*mcp.shared_catalogs(), mcp_capacity.catalog()),
        routing=Routing(route=Route(receiver="default"), receivers=(Receiver(name="default"),)),
    )


@pytest.fixture(scope="module")
def operations(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Operations]:
    prometheus = require_server("prometheus")
    try:
        exporter_binary = find_exporter()
    except ToolMissingError as exc:
        binary_missing(str(exc))
    workdir = tmp_path_factory.mktemp("operations")
    logs = workdir / "logs"
    logs.mkdir()
    demos = [Exporter(f"ops/{i}", ["--role", "mcp", "--rate", str(rate), "--seed", str(i + 1)], logs)
             for i, rate in enumerate(RATES)]
    pods = [f"mcp-server-{i}" for i in range(len(demos))]
    with contextlib.ExitStack() as cleanup:
        for demo in demos:
            demo.launch()
            cleanup.callback(demo.kill)
        for demo in demos:
            demo.wait_listening()
        exporter_address = f"{LOOPBACK}:{free_port()}"
        stack = build(demos, pods, exporter_address)
        config = workdir / "config"
        write_tree(render_files(stack, GenerateContext("tests.e2e.test_operations:build")), config)
        processes = [
            Process("blackbox-exporter", [exporter_binary, f"--config.file={config}/blackbox/blackbox.yml",
                                          f"--web.listen-address={exporter_address}"], logs / "blackbox.log"),
            Process("prometheus", [prometheus, f"--config.file={config}/prometheus/prometheus.yml",
                                   f"--storage.tsdb.path={workdir}/data",
                                   f"--web.listen-address={LOOPBACK}:{free_port()}"], logs / "prometheus.log"),
        ]
        for process in processes:
            process.start()
            cleanup.callback(process.stop)
        sink = WebhookSink()  # not started: nothing routes here, the servers' diagnostics want one
        servers = Servers(processes[1].argv[-1].split("=", 1)[1], "127.0.0.1:9", sink,
                          lambda: [*processes, *(d.process for d in demos if d.process)])
        wait_for("the blackbox exporter", lambda: requests.get(f"http://{exporter_address}/metrics", timeout=2).ok,
                 TIMEOUT, servers.diagnostics)
        wait_for("Prometheus", lambda: requests.get(f"{servers.prometheus}/-/ready", timeout=2).ok,
                 TIMEOUT, servers.diagnostics)
        yield Operations(servers, demos, pods)


def _ready(ops: Operations, indexes: range | list[int], ready: bool) -> None:
    for i in indexes:
        ops.demos[i].control(ready=ready)


def test_readiness_failures_degrade_then_break_the_fleet(operations: Operations) -> None:
    ops = operations
    ops.wait("a healthy fleet on both probes", lambda: ops.state(mcp_probes.READY_JOB) == 0
             and ops.state(mcp_probes.HEALTH_JOB) == 0)
    _ready(ops, [0], False)
    failing_url = f"http://{ops.demos[0].address}/ready"
    alerts = ops.wait("MCPReadinessProbeFailing for the first server",
                      lambda: [a for a in ops.firing("MCPReadinessProbeFailing") if a["instance"] == failing_url])
    assert alerts == [{"alertname": "MCPReadinessProbeFailing", "instance": failing_url,
                       "job": mcp_probes.READY_JOB, "severity": "warning"}]
    assert ops.state(mcp_probes.READY_JOB) == 1  # one of three: fewer than half, degraded
    assert ops.state(mcp_probes.HEALTH_JOB) == 0  # liveness is untouched
    assert not ops.firing("MCPLivenessProbeFailing")

    _ready(ops, range(len(ops.demos)), False)
    ops.wait("an unhealthy fleet", lambda: ops.state(mcp_probes.READY_JOB) == 2)
    ops.wait("every server's readiness alert", lambda: len(ops.firing("MCPReadinessProbeFailing")) == 3)

    _ready(ops, range(len(ops.demos)), True)
    ops.wait("a healthy fleet again", lambda: ops.state(mcp_probes.READY_JOB) == 0)


def test_hpa_metric_is_each_pods_request_rate(operations: Operations) -> None:
    ops = operations
    expected = dict(zip(ops.pods, RATES, strict=True))
    seen: list[dict[str, float]] = [{}]

    def per_pod() -> dict[str, float] | None:
        result = ops.servers.query(f'{mcp_capacity.REQUESTS_PER_POD}{{namespace="mcp"}}')
        values = seen[0] = {r["metric"]["pod"]: float(r["value"][1]) for r in result}
        close = values.keys() == expected.keys() and all(
            abs(values[pod] - rate) <= 0.05 * rate for pod, rate in expected.items())
        return values if close else None

    try:
        # rate() divides by its whole 2m window: the value is right once the series is two minutes old.
        values = ops.wait("the recorded per-pod request rate near each demo's rate", per_pod, timeout=240)
    except AssertionError as exc:
        raise AssertionError(f"last seen {seen[0]}, expected {expected}\n{exc}") from None
    assert values == pytest.approx(expected, rel=0.05)
    print(f"{mcp_capacity.REQUESTS_PER_POD} per pod: {values} (demo rates {expected})")


def test_generated_blackbox_config_was_the_one_served(operations: Operations) -> None:
    targets = [t for t in operations.servers.targets() if t["labels"]["job"] == mcp_probes.READY_JOB]
    assert {t["scrapeUrl"].split("?")[0].rsplit("/", 1)[1] for t in targets} == {"probe"}
    assert all("module=http_ready" in t["scrapeUrl"] for t in targets)
    assert sorted(t["labels"]["instance"] for t in targets) == sorted(
        f"http://{d.address}/ready" for d in operations.demos)
