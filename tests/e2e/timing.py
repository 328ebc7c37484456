"""How long a fault may take to reach a receiver, computed from the stack's own settings.

A firing alert travels: scrape -> rule evaluation (pending) -> `for` -> Alertmanager group_wait -> webhook.
A resolved one: scrape -> evaluation -> the group's next group_interval tick -> webhook.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from monitoring.model import SLO, Alert, Route, ScrapeJob, Stack
from monitoring.units import duration_seconds

# Scheduling on a shared two-core machine, the HTTP hops and Prometheus' notification queue.
MARGIN_SECONDS = 15.0


@dataclass(frozen=True)
class Bound:
    seconds: float
    formula: str

    def __str__(self) -> str:
        return f"{self.seconds:.1f}s = {self.formula}"


def scrape_job(stack: Stack, name: str) -> ScrapeJob:
    return next(j for s in stack.services for j in s.scrape_jobs if j.name == name)


def alert(stack: Stack, name: str) -> Alert:
    return next(a for s in stack.services for a in s.alerts if a.name == name)


def slo_alert(stack: Stack, name: str) -> tuple[SLO, str]:
    """The SLO and tier ('page', 'ticket') of an SLO burn-rate alert."""
    return next((slo, tier) for slo in stack.slos for tier in slo.tiers if slo.alert_name(tier) == name)


def _for_and_severity(stack: Stack, name: str) -> tuple[float, str]:
    """`for` in seconds and severity of an alert, written by hand or generated from an SLO."""
    rule = next((a for s in stack.services for a in s.alerts if a.name == name), None)
    if rule is not None:
        return duration_seconds(rule.for_ or "0s"), rule.severity
    slo, tier = slo_alert(stack, name)
    settings = slo.alerting.tier(tier)
    return duration_seconds(settings.for_ or "0s"), settings.severity


def _matches(matcher: str, labels: dict[str, str]) -> bool:
    name, op, value = re.match(r'^(\w+)(=~|!~|!=|=)"(.*)"$', matcher).groups()  # type: ignore[union-attr]
    actual = labels.get(name, "")
    if op == "=":
        return actual == value
    if op == "!=":
        return actual != value
    found = re.fullmatch(value, actual) is not None
    return found if op == "=~" else not found


def route_timings(stack: Stack, labels: dict[str, str]) -> tuple[float, float]:
    """(group_wait, group_interval) of the route that takes an alert with labels, inherited as Alertmanager does."""
    node: Route = stack.routing.route
    wait, interval = node.group_wait or "30s", node.group_interval or "5m"
    while True:
        child = next((r for r in node.routes if all(_matches(m, labels) for m in r.matchers)), None)
        if child is None:
            return duration_seconds(wait), duration_seconds(interval)
        node = child
        wait, interval = node.group_wait or wait, node.group_interval or interval


def scrape_seconds(stack: Stack, job: str) -> float:
    return _intervals(stack, job)[0]


def _intervals(stack: Stack, job: str) -> tuple[float, float, float]:
    scrape = scrape_job(stack, job)
    return (duration_seconds(scrape.scrape_interval or stack.scrape_interval),
            duration_seconds(scrape.scrape_timeout or stack.scrape_timeout),
            duration_seconds(stack.evaluation_interval))


def firing_bound(stack: Stack, alert_name: str, job: str, signal_seconds: float = 0.0) -> Bound:
    """From the fault to the firing notification at the webhook, at worst.

    signal_seconds: how long the alert's expression needs to cross its threshold once the fault is
    scraped (0 for up == 0; see crossing_seconds for ratios over a window).
    """
    scrape, timeout, evaluation = _intervals(stack, job)
    for_, severity = _for_and_severity(stack, alert_name)
    for_evaluated = math.ceil(for_ / evaluation) * evaluation  # `for` is only checked at evaluations
    group_wait, _ = route_timings(stack, {"alertname": alert_name, "severity": severity})
    seconds = scrape + timeout + signal_seconds + evaluation + for_evaluated + group_wait + MARGIN_SECONDS
    return Bound(seconds, f"scrape {scrape:g} + timeout {timeout:g} + signal {signal_seconds:.1f} + "
                          f"evaluation {evaluation:g} + for {for_evaluated:g} + group_wait {group_wait:g} + "
                          f"margin {MARGIN_SECONDS:g}")


def resolved_bound(stack: Stack, alert_name: str, job: str) -> Bound:
    """From the fault's end to the resolved notification: the group sends it at its next group_interval."""
    scrape, timeout, evaluation = _intervals(stack, job)
    _, severity = _for_and_severity(stack, alert_name)
    _, group_interval = route_timings(stack, {"alertname": alert_name, "severity": severity})
    seconds = scrape + timeout + evaluation + group_interval + MARGIN_SECONDS
    return Bound(seconds, f"scrape {scrape:g} + timeout {timeout:g} + evaluation {evaluation:g} + "
                          f"group_interval {group_interval:g} + margin {MARGIN_SECONDS:g}")


def crossing_seconds(bad_fraction_needed: float, fault_fraction: float, history_seconds: float,
                     window_seconds: float, scrape_seconds: float) -> float:
    """Seconds of a fault until the bad fraction of a `[window]` rate crosses what the alert needs.

    After t seconds of a fault that makes fault_fraction of events bad, following history_seconds of good
    events, the windowed fraction is fault_fraction * t / (history + t) (history capped by the window).
    rate() needs a second sample of a new series, hence one more scrape.
    """
    if fault_fraction <= bad_fraction_needed:
        raise ValueError(f"a fault fraction of {fault_fraction} never exceeds {bad_fraction_needed}")
    history = min(history_seconds, window_seconds)
    return bad_fraction_needed * history / (fault_fraction - bad_fraction_needed) + scrape_seconds


def threshold(rule: Alert) -> float:
    """The number after the last '>' of an alert expression ('... > 0.05' -> 0.05)."""
    return float(re.search(r">\s*([0-9.]+)\s*$", rule.expr).group(1))  # type: ignore[union-attr]


def quantile(rule: Alert) -> float:
    """The quantile of a histogram_quantile alert ('histogram_quantile(0.95, ...' -> 0.95)."""
    return float(re.search(r"histogram_quantile\(\s*([0-9.]+)", rule.expr).group(1))  # type: ignore[union-attr]


def window_seconds(rule: Alert) -> float:
    """The range of the alert's rate() windows ('[5m]' -> 300); all of them must agree."""
    windows = set(re.findall(r"\[(\w+)\]", rule.expr))
    if len(windows) != 1:
        raise ValueError(f"{rule.name}: expected one range window, found {sorted(windows)}")
    return duration_seconds(windows.pop())
