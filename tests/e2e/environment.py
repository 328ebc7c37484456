"""The running end-to-end environment: demo exporters, Alertmanager, Prometheus and the webhook sink.

`start_environment` is a context manager: whatever happens inside it, or while it starts, every process it
started is stopped when it exits.
"""

from __future__ import annotations

import contextlib
import re
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import requests

from monitoring.model import Stack
from monitoring.output.emitters import GenerateContext, render_files
from monitoring.output.files import write_tree

from . import stack as e2e_stack
from .harness import HTTP_TIMEOUT, LOOPBACK, Cancelled, Process, Servers, WebhookSink, free_port, get_json, wait_for

T = TypeVar("T")
START_TIMEOUT = 60.0  # a cold start on a loaded machine
PORT_ATTEMPTS = 3  # a free port can be taken between choosing it and binding it
_LISTENING = re.compile(r"^demo: \S+ on http://[\d.]+:(\d+)/metrics", re.M)


class Exporter:
    """One demo exporter process (python -m monitoring.demo) that can be stopped, restarted and steered."""

    def __init__(self, name: str, args: list[str], log_dir: Path) -> None:
        self.name = name
        self.args = args
        self.log_path = log_dir / f"demo-{name.replace('/', '-')}.log"
        self.process: Process | None = None
        self.port = 0  # chosen by the OS on the first start, reused on restarts
        self.started = 0.0  # time.monotonic() of the last start

    @property
    def address(self) -> str:
        return f"{LOOPBACK}:{self.port}"

    def launch(self) -> None:
        self._log_offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        argv = [sys.executable, "-m", "monitoring.demo", "--port", str(self.port), *self.args]
        self.process = Process(f"demo {self.name}", argv, self.log_path).start()

    def wait_listening(self) -> None:
        """Wait until the exporter prints the address it listens on."""
        deadline = time.monotonic() + START_TIMEOUT
        assert self.process is not None
        while time.monotonic() < deadline:
            match = _LISTENING.search(self.log_path.read_bytes()[self._log_offset:].decode(errors="replace"))
            if match:
                self.port = int(match.group(1))
                self.started = time.monotonic()
                return
            if not self.process.running:
                break
            time.sleep(0.1)
        raise AssertionError(f"the demo exporter did not start listening:\n{self.process.describe()}")

    def kill(self) -> None:
        if self.process is not None:
            self.process.stop()

    def restart(self) -> None:
        self.kill()
        self.launch()
        self.wait_listening()

    def control(self, **knobs: Any) -> dict[str, Any]:
        response = requests.post(f"http://{self.address}/control", json=knobs, timeout=HTTP_TIMEOUT)
        assert response.status_code == 200, f"{self.name} /control {knobs}: {response.status_code} {response.text}"
        return dict(response.json())


@dataclass
class Environment:
    stack: Stack
    config_dir: Path
    sink: WebhookSink
    servers: Servers
    exporters: dict[str, Exporter]  # "job/index" for MCP instances, "cadvisor", "kube-state-metrics"
    cancelled: threading.Event = field(default_factory=threading.Event)
    baseline_targets: list[dict[str, Any]] = field(default_factory=list)
    baseline_rules: list[dict[str, Any]] = field(default_factory=list)
    settle_error: str = ""  # what the servers looked like if they never settled
    scenarios: dict[str, Future[Any]] = field(default_factory=dict)
    # One thread per scenario: a queued scenario would start late and make the run longer.
    pool: ThreadPoolExecutor = field(default_factory=lambda: ThreadPoolExecutor(16, thread_name_prefix="scenario"))

    def wait(self, what: str, check: Callable[[], T | None], timeout: float) -> T:
        return wait_for(what, check, timeout, self.servers.diagnostics, self.cancelled)

    def hold(self, seconds: float) -> None:
        """Sleep, unless the suite is tearing down."""
        if self.cancelled.wait(seconds):
            raise Cancelled("teardown")

    def run_scenarios(self, scenarios: dict[str, Callable[[Environment], Any]]) -> None:
        """Start every scenario in its own thread; they run side by side."""
        self.scenarios = {name: self.pool.submit(run, self) for name, run in scenarios.items()}

    def result(self, name: str, timeout: float = 240.0) -> Any:
        """What a scenario returned; its failure (with diagnostics) is raised here."""
        return self.scenarios[name].result(timeout)


def _start_server(name: str, argv: Callable[[int], list[str]], before_start: Callable[[int], None],
                  log_dir: Path, processes: list[Process], stack: contextlib.ExitStack) -> int:
    """Start a server on a free loopback port (retrying if the port was taken) and wait for /-/ready."""
    failures = []
    for _ in range(PORT_ATTEMPTS):
        port = free_port()
        before_start(port)
        process = Process(name, argv(port), log_dir / f"{name}.log").start()
        processes.append(process)
        stack.callback(process.stop)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline and process.running:
            with contextlib.suppress(requests.RequestException):
                if requests.get(f"http://{LOOPBACK}:{port}/-/ready", timeout=HTTP_TIMEOUT).ok:
                    return port
            time.sleep(0.2)
        process.stop()
        failures.append(process.describe())
    raise AssertionError(f"{name} did not become ready:\n" + "\n".join(failures))


@contextlib.contextmanager
def start_environment(prometheus: str, alertmanager: str, workdir: Path) -> Iterator[Environment]:
    log_dir = workdir / "logs"
    log_dir.mkdir(parents=True)
    config_dir = workdir / "config"
    processes: list[Process] = []
    with contextlib.ExitStack() as cleanup:
        sink = WebhookSink().start()
        cleanup.callback(sink.stop)

        exporters: dict[str, Exporter] = {}
        pods = []
        for job, count in e2e_stack.JOB_INSTANCES.items():
            for index in range(count):
                name = f"{job}/{index}"
                exporters[name] = Exporter(name, ["--role", "mcp", "--seed", str(len(exporters) + 1)], log_dir)
                pods.append(f"mcp/{e2e_stack.pod_name(job, index)}")
        for role in ("cadvisor", "kube-state-metrics"):
            exporters[role] = Exporter(role, ["--role", role, "--pods", ",".join(pods)], log_dir)
        for exporter in exporters.values():  # start them all, then wait: they boot in parallel
            exporter.launch()
            cleanup.callback(exporter.kill)
        for exporter in exporters.values():
            exporter.wait_listening()

        built: dict[str, Stack] = {}

        def generate(alertmanager_port: int) -> None:
            """The stack for this port, rendered and written by the library, as `monitoring generate` does."""
            topology = e2e_stack.Topology(
                alertmanager=f"{LOOPBACK}:{alertmanager_port}",
                sink=sink.address,
                mcp_jobs={job: tuple(exporters[f"{job}/{i}"].address for i in range(count))
                          for job, count in e2e_stack.JOB_INSTANCES.items()},
                cadvisor=exporters["cadvisor"].address,
                kube_state_metrics=exporters["kube-state-metrics"].address,
            )
            built["stack"] = e2e_stack.build(topology)
            write_tree(render_files(built["stack"], GenerateContext("tests.e2e.stack:build")), config_dir)

        am_port = _start_server(
            "alertmanager",
            lambda port: [alertmanager, f"--config.file={config_dir}/alertmanager/alertmanager.yml",
                          f"--storage.path={workdir}/alertmanager-data",
                          f"--web.listen-address={LOOPBACK}:{port}", "--cluster.listen-address="],
            generate, log_dir, processes, cleanup)
        prom_port = _start_server(
            "prometheus",
            lambda port: [prometheus, f"--config.file={config_dir}/prometheus/prometheus.yml",
                          f"--storage.tsdb.path={workdir}/prometheus-data",
                          f"--web.listen-address={LOOPBACK}:{port}"],
            lambda port: None, log_dir, processes, cleanup)

        servers = Servers(f"{LOOPBACK}:{prom_port}", f"{LOOPBACK}:{am_port}", sink,
                          lambda: [*processes, *(e.process for e in exporters.values() if e.process)])
        env = Environment(built["stack"], config_dir, sink, servers, exporters)

        def stop_scenarios() -> None:
            env.cancelled.set()  # a scenario still waiting raises Cancelled at its next poll
            env.pool.shutdown(wait=True, cancel_futures=True)

        cleanup.callback(stop_scenarios)
        yield env


def settle(env: Environment, timeout: float) -> None:
    """Wait until every target is up and every rule has been evaluated; record what was seen, pass or fail."""
    expected = {e.address for e in env.exporters.values()}

    def ready() -> bool:
        env.baseline_targets = env.servers.targets()
        env.baseline_rules = env.servers.rules()
        up = {t["labels"]["instance"] for t in env.baseline_targets if t["health"] == "up"}
        evaluated = all(r["health"] != "unknown" for g in env.baseline_rules for r in g["rules"])
        return up == expected and evaluated

    try:
        env.wait("every target up and every rule evaluated", ready, timeout)
    except AssertionError as exc:
        env.settle_error = str(exc)


def alertmanager_alerts(env: Environment, **labels: str) -> list[dict[str, Any]]:
    return [a for a in get_json(env.servers.alertmanager + "/api/v2/alerts")
            if all(a["labels"].get(k) == v for k, v in labels.items())]


def prometheus_alerts(env: Environment, state: str, **labels: str) -> list[dict[str, Any]]:
    return [a for a in env.servers.prometheus_alerts()
            if a["state"] == state and all(a["labels"].get(k) == v for k, v in labels.items())]
