"""Fault scenarios. They run side by side on one Prometheus/Alertmanager pair, each on its own scrape job,
and return what they observed; the tests assert on it. Every wait is bounded and fails with diagnostics.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from monitoring import conventions
from monitoring.model import SLO
from monitoring.units import duration_seconds

from .environment import Environment, alertmanager_alerts, prometheus_alerts
from .harness import Notification
from .stack import DOWN_JOB, ERRORS_JOB, INHIBIT_JOB, JOB_INSTANCES, SLO_JOB, pod_name
from .timing import (
    Bound,
    alert,
    crossing_seconds,
    firing_bound,
    quantile,
    resolved_bound,
    route_timings,
    scrape_seconds,
    threshold,
    window_seconds,
)

SERVER_FAULT_RATIO = 0.5
LATENCY_SHIFT_SECONDS = 2.0  # above MCPHighLatency's 1s threshold, in a bucket of its own
MEMORY_RATIO = 0.95  # of the limit; MCPHighMemoryUsage fires above 0.85
RECEIVER_PATHS = ("/pager", "/chat", "/default")


@dataclass(frozen=True)
class Delivery:
    """A notification that carried the expected alert, and how long after the fault it arrived."""

    notification: Notification
    alert: dict[str, Any]
    after: float
    bound: Bound


def _has_labels(alert_data: dict[str, Any], labels: dict[str, str]) -> bool:
    return all(alert_data.get("labels", {}).get(k) == v for k, v in labels.items())


def await_delivery(env: Environment, path: str, status: str, labels: dict[str, str], since: float,
                   bound: Bound) -> Delivery:
    """The first notification to path, received after since, with status and an alert carrying labels."""

    def arrived() -> list[Notification]:
        return [n for n in env.sink.find(path, status, **labels) if n.received >= since]

    found = env.wait(f"a {status} notification at {path} with {labels} within {bound}", arrived, bound.seconds)
    first = found[0]
    return Delivery(first, next(a for a in first.alerts if _has_labels(a, labels)), first.received - since, bound)


def deliveries_elsewhere(env: Environment, path: str, labels: dict[str, str]) -> list[Notification]:
    """Notifications to any receiver but path that carry an alert with labels."""
    return [n for other in RECEIVER_PATHS if other != path for n in env.sink.received(other)
            if any(_has_labels(a, labels) for a in n.alerts)]


@dataclass(frozen=True)
class ServiceDownResult:
    labels: dict[str, str]
    firing: Delivery
    resolved: Delivery
    elsewhere: list[Notification]


def service_down(env: Environment) -> ServiceDownResult:
    """Kill an exporter: MCPServiceDown pages; start it again on the same port: the page resolves."""
    exporter = env.exporters[f"{DOWN_JOB}/0"]
    labels = {"alertname": "MCPServiceDown", "job": DOWN_JOB, "instance": exporter.address}
    fault = time.monotonic()
    exporter.kill()
    firing = await_delivery(env, "/pager", "firing", labels, fault,
                            firing_bound(env.stack, "MCPServiceDown", DOWN_JOB))
    exporter.restart()
    back = time.monotonic()
    resolved = await_delivery(env, "/pager", "resolved", labels, back,
                              resolved_bound(env.stack, "MCPServiceDown", DOWN_JOB))
    return ServiceDownResult(labels, firing, resolved, deliveries_elsewhere(env, "/pager", labels))


@dataclass(frozen=True)
class ErrorRateResult:
    labels: dict[str, str]
    firing: Delivery
    elsewhere: list[Notification]


def high_error_rate(env: Environment) -> ErrorRateResult:
    """Fail half of the requests with JSON-RPC internal errors: MCPHighErrorRate pages."""
    exporter = env.exporters[f"{ERRORS_JOB}/0"]
    rule = alert(env.stack, "MCPHighErrorRate")
    signal = crossing_seconds(threshold(rule), SERVER_FAULT_RATIO, time.monotonic() - exporter.started,
                              window_seconds(rule), scrape_seconds(env.stack, ERRORS_JOB))
    labels = {"alertname": "MCPHighErrorRate", "job": ERRORS_JOB}
    fault = time.monotonic()
    exporter.control(error_ratio=SERVER_FAULT_RATIO, error_type="-32603")
    firing = await_delivery(env, "/pager", "firing", labels, fault,
                            firing_bound(env.stack, "MCPHighErrorRate", ERRORS_JOB, signal))
    return ErrorRateResult(labels, firing, deliveries_elsewhere(env, "/pager", labels))


@dataclass(frozen=True)
class InhibitionResult:
    source: Delivery  # MCPServiceDown of the job, paged
    firing_in_prometheus: dict[str, Any]  # the warning, firing
    suppressed_in_alertmanager: dict[str, Any]  # the warning, as Alertmanager holds it
    watched_seconds: float  # how long no receiver got the warning while it was suppressed
    delivered_while_inhibited: list[Notification]
    hold_needed: float  # group_wait + group_interval: when it would have been delivered at the latest
    after_lift: Delivery  # the warning reaches chat once MCPServiceDown resolves


def inhibition(env: Environment) -> InhibitionResult:
    """One instance stops serving (MCPServiceDown, critical), the other turns slow (MCPHighLatency, warning).

    The warning fires in Prometheus but no receiver gets it while MCPServiceDown of the same job is active;
    when the instance serves again, the inhibition lifts and the warning reaches chat.
    """
    down, slow = env.exporters[f"{INHIBIT_JOB}/0"], env.exporters[f"{INHIBIT_JOB}/1"]
    source_labels = {"alertname": "MCPServiceDown", "job": INHIBIT_JOB, "instance": down.address}
    warning_labels = {"alertname": "MCPHighLatency", "job": INHIBIT_JOB}

    fault = time.monotonic()
    down.control(serving=False)
    source = await_delivery(env, "/pager", "firing", source_labels, fault,
                            firing_bound(env.stack, "MCPServiceDown", INHIBIT_JOB))

    rule = alert(env.stack, "MCPHighLatency")
    # Both instances served at the same rate until now; the one that stopped still counts in the window.
    history = (time.monotonic() - down.started) + (time.monotonic() - slow.started)
    signal = crossing_seconds(1 - quantile(rule), 1.0, history, window_seconds(rule),
                              scrape_seconds(env.stack, INHIBIT_JOB))
    shift = time.monotonic()
    slow.control(latency_shift=LATENCY_SHIFT_SECONDS)
    bound = firing_bound(env.stack, "MCPHighLatency", INHIBIT_JOB, signal)
    firing = env.wait(f"MCPHighLatency of {INHIBIT_JOB} firing in Prometheus within {bound}",
                      lambda: prometheus_alerts(env, "firing", **warning_labels),
                      bound.seconds - (time.monotonic() - shift))
    suppressed = env.wait(
        f"Alertmanager holding MCPHighLatency of {INHIBIT_JOB} as suppressed",
        lambda: [a for a in alertmanager_alerts(env, **warning_labels)
                 if a["status"]["state"] == "suppressed" and a["status"]["inhibitedBy"]], 15.0)

    group_wait, group_interval = route_timings(env.stack, {"alertname": rule.name, "severity": rule.severity})
    hold_needed = group_wait + group_interval
    watch_from = time.monotonic()
    env.hold(hold_needed + 5.0)  # past the point where an uninhibited group would have been sent
    watched = time.monotonic() - watch_from
    delivered = [n for path in RECEIVER_PATHS for n in env.sink.received(path)
                 if any(_has_labels(a, warning_labels) for a in n.alerts)]

    lift = time.monotonic()
    down.control(serving=True)
    lifted = resolved_bound(env.stack, "MCPServiceDown", INHIBIT_JOB)
    lifted = Bound(lifted.seconds + group_interval, f"{lifted.formula} + the warning group's next tick "
                                                   f"{group_interval:g}")
    after_lift = await_delivery(env, "/chat", "firing", warning_labels, lift, lifted)
    return InhibitionResult(source, firing[0], suppressed[0], watched, delivered, hold_needed, after_lift)


@dataclass(frozen=True)
class MemoryResult:
    pods: set[str]
    deliveries: list[Notification]
    alerts: list[dict[str, Any]]
    after: float
    bound: Bound


def high_memory(env: Environment) -> MemoryResult:
    """Every MCP container's working set goes to 95% of its limit: MCPHighMemoryUsage reaches chat per pod."""
    pods = {pod_name(job, index) for job, count in JOB_INSTANCES.items() for index in range(count)}
    bound = firing_bound(env.stack, "MCPHighMemoryUsage", "cadvisor")
    fault = time.monotonic()
    env.exporters["cadvisor"].control(memory_ratio=MEMORY_RATIO)

    def all_pods() -> list[Notification] | None:
        found = [n for n in env.sink.find("/chat", "firing", alertname="MCPHighMemoryUsage") if n.received >= fault]
        seen = {a["labels"].get("pod") for n in found for a in n.alerts}
        return found if pods <= seen else None

    found = env.wait(f"MCPHighMemoryUsage at /chat for pods {sorted(pods)} within {bound}", all_pods, bound.seconds)
    alerts = [a for n in found for a in n.alerts if a["labels"].get("alertname") == "MCPHighMemoryUsage"]
    return MemoryResult(pods, found, alerts, max(n.received for n in found) - fault, bound)


@dataclass(frozen=True)
class SLOResult:
    labels: dict[str, str]
    page: Delivery
    remaining: tuple[float, float, float]  # error budget left: before the fault, at the page, a little later
    burn: tuple[float, float]  # current burn rate: before the fault, at the page
    page_burn: float  # the lowest burn rate that pages
    untouched: dict[str, float]  # budget left of the SLOs this fault does not concern


def slo_burn(env: Environment) -> SLOResult:
    """Fail half of the requests of the job the SLOs watch: the availability SLO pages, its budget drains."""
    exporter = env.exporters[f"{SLO_JOB}/0"]
    slo = next(o for o in env.stack.slos if o.name == "availability")
    page = slo.alert_name("page")
    pairs = [w for w in slo.windows if w.tier == "page"]

    def recorded(name: str, of: SLO = slo) -> tuple[float] | None:
        value = env.servers.scalar(name + conventions.slo_selector(of.service, of.name))
        return None if value is None else (value,)

    remaining, burn = conventions.slo_error_budget_remaining(), conventions.slo_current_burn_rate()
    (remaining_before,) = env.wait(f"{remaining} of {slo.name}", lambda: recorded(remaining), 30.0)
    (burn_before,) = env.wait(f"{burn} of {slo.name}", lambda: recorded(burn), 30.0)

    history = time.monotonic() - exporter.started
    scrape = scrape_seconds(env.stack, SLO_JOB)
    # Either page pair pages; the one that crosses first decides.
    signal = min(crossing_seconds(float(slo.threshold(w)), SERVER_FAULT_RATIO, history,
                                  duration_seconds(w.long), scrape) for w in pairs)
    labels = {"alertname": page, conventions.SLO_SERVICE_LABEL: slo.service, conventions.SLO_LABEL: slo.name}
    fault = time.monotonic()
    exporter.control(error_ratio=SERVER_FAULT_RATIO, error_type="-32603")
    delivery = await_delivery(env, "/pager", "firing", labels, fault, firing_bound(env.stack, page, SLO_JOB, signal))
    (remaining_at_page,) = env.wait(f"{remaining} of {slo.name}", lambda: recorded(remaining), 10.0)
    (burn_at_page,) = env.wait(f"{burn} of {slo.name}", lambda: recorded(burn), 10.0)
    env.hold(3 * duration_seconds(env.stack.evaluation_interval))
    (remaining_later,) = env.wait(f"{remaining} of {slo.name}", lambda: recorded(remaining), 10.0)
    untouched = {}
    for other in env.stack.slos:
        if other.name.endswith("-latency"):  # server faults answer as fast as ever
            (untouched[other.name],) = env.wait(f"{remaining} of {other.name}",
                                                lambda other=other: recorded(remaining, other), 10.0)
    return SLOResult(labels, delivery, (remaining_before, remaining_at_page, remaining_later),
                     (burn_before, burn_at_page), float(min(w.burn for w in pairs)), untouched)


SCENARIOS: dict[str, Callable[[Environment], Any]] = {
    "service_down": service_down,
    "high_error_rate": high_error_rate,
    "inhibition": inhibition,
    "high_memory": high_memory,
    "slo_burn": slo_burn,
}
