"""Synthetic workloads: what an MCP server, cAdvisor and kube-state-metrics would report, with faults to inject.

Each workload advances by `tick(seconds)` and is steered by knobs (`control`). Randomness comes from a seeded
generator. Errors are spread evenly rather than drawn (an error ratio of 0.5 fails exactly every other request),
so a healthy demo never has an unlucky minute that burns an error budget.
"""

from __future__ import annotations

import math
import random
import resource
import threading
import time
from collections.abc import Callable
from typing import Any, ClassVar

from prometheus_client import CollectorRegistry

from monitoring.demo.catalog import build
from monitoring.packs import mcp

# (method, weight): mostly tool calls, as in a busy agent session.
METHODS = (("tools/call", 50), ("resources/read", 15), ("tools/list", 10), ("initialize", 5),
           ("notifications/initialized", 5), ("resources/list", 5), ("prompts/list", 5), ("ping", 5))
TOOLS = ("search_docs", "run_query", "fetch_url", "read_file")
TRANSPORTS = (("tcp", 80), ("pipe", 20))  # streamable HTTP and stdio
RESOURCE_TYPES = ("file", "database")
# Median seconds per method; durations are log-normal around them.
MEDIAN_SECONDS = {"tools/call": 0.12, "resources/read": 0.03, "initialize": 0.02}
DEFAULT_MEDIAN_SECONDS = 0.005
TIMEOUT_SECONDS = 10.0
# Background noise that is not the server's fault: invalid params from clients, tools reporting isError.
# Low enough that the default SLOs (tool calls succeed 99% of the time) hold.
CLIENT_ERROR_RATIO = 0.002
TOOL_ERROR_RATIO = 0.003
ACTIVE_CONNECTIONS = {"tcp": 12, "pipe": 3}

MEMORY_LIMIT_BYTES = 512 * 1024 * 1024
CPU_LIMIT_CORES = 0.5
CONTAINER = mcp.CONTAINER


def _ratio(value: Any, high: float = 1.0) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= high:
        raise ValueError(f"must be a number from 0 to {high}, not {value!r}")
    return float(value)


def _seconds(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 3600:
        raise ValueError(f"must be seconds from 0 to 3600, not {value!r}")
    return float(value)


def _rate(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 10_000:
        raise ValueError(f"must be operations per second above 0 and at most 10000, not {value!r}")
    return float(value)


def _flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"must be true or false, not {value!r}")
    return value


def _error_type(value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError(f"must be a non-empty string such as '-32603' or 'timeout', not {value!r}")
    return value


class Workload:
    """A catalog in its own registry, knobs guarded by a lock, and `tick` to advance time."""

    role: ClassVar[str]
    checks: ClassVar[dict[str, Callable[[Any], Any]]] = {"serving": _flag, "ready": _flag}

    def __init__(self, catalog: tuple[Any, ...], knobs: dict[str, Any], seed: int) -> None:
        self.registry = CollectorRegistry()
        self.metrics = build(catalog, self.registry)
        self.knobs = {"serving": True, "ready": True, **knobs}
        self.rng = random.Random(seed)
        self.lock = threading.Lock()

    @property
    def serving(self) -> bool:
        return bool(self.knobs["serving"])

    def control(self, changes: dict[str, Any]) -> dict[str, Any]:
        """Apply all changes or none; ValueError names the first bad knob."""
        checked = {}
        for name, value in changes.items():
            if name not in self.checks:
                raise ValueError(f"unknown knob {name!r} for the {self.role} demo (knobs: {', '.join(self.checks)})")
            try:
                checked[name] = self.checks[name](value)
            except ValueError as exc:
                raise ValueError(f"knob {name!r}: {exc}") from None
        with self.lock:
            self.knobs.update(checked)
            return self.state()

    def state(self) -> dict[str, Any]:
        return {"role": self.role, **self.knobs}

    def tick(self, seconds: float) -> None:
        with self.lock:
            if self.serving:
                self.advance(seconds)

    def advance(self, seconds: float) -> None:
        raise NotImplementedError


# The classic request counters and histogram that MCP servers expose besides the OpenTelemetry family.
SEED_FAMILY = ("mcp_requests_total", "mcp_request_duration_seconds", "mcp_tool_executions_total",
               "mcp_resource_access_total")


class MCPWorkload(Workload):
    """An MCP server answering a steady stream of JSON-RPC operations."""

    role = "mcp"
    checks: ClassVar[dict[str, Callable[[Any], Any]]] = {
        **Workload.checks, "rate": _rate, "error_ratio": _ratio, "error_type": _error_type,
        "latency_shift": _seconds, "client_error_ratio": _ratio, "tool_error_ratio": _ratio,
    }

    def __init__(self, rate: float = 20.0, seed: int = 1, families: str = "all") -> None:
        super().__init__(mcp.metrics(), {"rate": rate, "error_ratio": 0.0, "error_type": "-32603",
                                         "latency_shift": 0.0, "client_error_ratio": CLIENT_ERROR_RATIO,
                                         "tool_error_ratio": TOOL_ERROR_RATIO}, seed)
        if families == "otel":  # a server instrumented with OpenTelemetry only: the seed family stays unexposed
            for name in SEED_FAMILY:
                self.registry.unregister(self.metrics[name])
        self.operations = 0
        self._due = 0.0  # fractional operations carried to the next tick
        self._debts = {"error_ratio": 0.0, "client_error_ratio": 0.0, "tool_error_ratio": 0.0}
        self._cpu_seen = time.process_time()
        m = self.metrics
        for method, _ in METHODS:  # every method/status pair exists from the first scrape
            for status in ("ok", "error"):
                m["mcp_requests_total"].labels(method=method, status=status)
        for tool in TOOLS:
            for status in ("ok", "error"):
                m["mcp_tool_executions_total"].labels(tool_name=tool, status=status)
        for resource_type in RESOURCE_TYPES:
            m["mcp_resource_access_total"].labels(resource_type=resource_type, operation="read")
        for transport, connections in ACTIVE_CONNECTIONS.items():
            m["mcp_active_connections"].labels(network_transport=transport).set(connections)

    def state(self) -> dict[str, Any]:
        return {**super().state(), "operations": self.operations}

    def advance(self, seconds: float) -> None:
        self._due += self.knobs["rate"] * seconds
        count = math.floor(self._due)
        self._due -= count
        for _ in range(count):
            self._operation()
        self._process_metrics()

    def _choose(self, weighted: tuple[tuple[str, int], ...]) -> str:
        names, weights = zip(*weighted, strict=True)
        return self.rng.choices(names, weights)[0]

    def _due_error(self, knob: str) -> bool:
        """Whether this operation fails, so that exactly the knob's share of operations does."""
        self._debts[knob] += self.knobs[knob]
        if self._debts[knob] >= 1:
            self._debts[knob] -= 1
            return True
        return False

    def _error_type(self, method: str) -> str:
        """'' for success, else the error.type the OpenTelemetry conventions record."""
        if method.startswith("notifications/"):
            return ""  # no response, so no outcome
        if self._due_error("error_ratio"):
            return str(self.knobs["error_type"])
        if self._due_error("client_error_ratio"):
            return "-32602"  # invalid params: the client's fault
        if method == "tools/call" and self._due_error("tool_error_ratio"):
            return "tool_error"  # a result with isError: true
        return ""

    def _operation(self) -> None:
        m = self.metrics
        method = self._choose(METHODS)
        transport = self._choose(TRANSPORTS)
        tool = self.rng.choice(TOOLS) if method == "tools/call" else ""
        error_type = self._error_type(method)
        if error_type == "timeout":
            duration = TIMEOUT_SECONDS
        else:
            median = MEDIAN_SECONDS.get(method, DEFAULT_MEDIAN_SECONDS)
            duration = self.rng.lognormvariate(math.log(median), 0.5) + self.knobs["latency_shift"]
        # A tool's isError result is still a successful JSON-RPC response.
        failed = error_type not in ("", "tool_error")
        m["mcp_requests_total"].labels(method=method, status="error" if failed else "ok").inc()
        m["mcp_request_duration_seconds"].labels(method=method).observe(duration)
        m[mcp.OPERATION_DURATION].labels(mcp_method_name=method, error_type=error_type, gen_ai_tool_name=tool,
                                          network_transport=transport).observe(duration)
        if tool:
            m["mcp_tool_executions_total"].labels(tool_name=tool, status="error" if error_type else "ok").inc()
        if method == "resources/read":
            m["mcp_resource_access_total"].labels(resource_type=self.rng.choice(RESOURCE_TYPES),
                                                  operation="read").inc()
        if method == "initialize":  # a new session starts as an older one ends
            m["mcp_server_session_duration_seconds"].labels(network_transport=transport).observe(
                self.rng.lognormvariate(math.log(300), 1.0))
        self.operations += 1

    def _process_metrics(self) -> None:
        cpu = time.process_time()
        self.metrics["process_cpu_seconds_total"].inc(max(cpu - self._cpu_seen, 0.0))
        self._cpu_seen = cpu
        self.metrics["process_resident_memory_bytes"].set(_resident_bytes())


def _resident_bytes() -> int:
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            return int(statm.read().split()[1]) * resource.getpagesize()
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _pod_labels(pod: str) -> dict[str, str]:
    namespace, _, name = pod.rpartition("/")
    return {"namespace": namespace or "default", "pod": name, "container": CONTAINER}


class CadvisorWorkload(Workload):
    """Container memory and CPU of MCP pods, as fractions of the limits kube-state-metrics reports."""

    role = "cadvisor"
    checks: ClassVar[dict[str, Callable[[Any], Any]]] = {
        **Workload.checks, "memory_ratio": lambda v: _ratio(v, 2.0), "cpu_ratio": lambda v: _ratio(v, 4.0),
    }

    def __init__(self, pods: tuple[str, ...], seed: int = 1) -> None:
        super().__init__(mcp.cadvisor_metrics(), {"memory_ratio": 0.4, "cpu_ratio": 0.2}, seed)
        self.pods = tuple(_pod_labels(p) for p in pods)
        self.advance(0.0)

    def advance(self, seconds: float) -> None:
        for labels in self.pods:
            jitter = 1 + self.rng.uniform(-0.01, 0.01)
            self.metrics["container_memory_working_set_bytes"].labels(**labels).set(
                round(self.knobs["memory_ratio"] * MEMORY_LIMIT_BYTES * jitter))
            self.metrics["container_cpu_usage_seconds_total"].labels(**labels).inc(
                self.knobs["cpu_ratio"] * CPU_LIMIT_CORES * seconds)


class KubeStateWorkload(Workload):
    """The limits of MCP pods, and their restarts."""

    role = "kube-state-metrics"

    def __init__(self, pods: tuple[str, ...], seed: int = 1) -> None:
        super().__init__(mcp.kube_state_metrics(), {}, seed)
        limits = self.metrics["kube_pod_container_resource_limits"]
        for labels in (_pod_labels(p) for p in pods):
            limits.labels(**labels, resource="memory", unit="byte").set(MEMORY_LIMIT_BYTES)
            limits.labels(**labels, resource="cpu", unit="core").set(CPU_LIMIT_CORES)
            self.metrics["kube_pod_container_status_restarts_total"].labels(**labels)

    def advance(self, seconds: float) -> None:
        pass  # limits do not change on their own
