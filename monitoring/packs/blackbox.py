"""Rules for blackbox probes: a probe failing, a slow probe, a certificate about to expire, and fleet health.

Fleet health is the auto-recovery script's verdict as a recorded series, per probe job:
0 healthy (no target failing), 1 degraded (some, but fewer than half, failing), 2 unhealthy (half or more).
"""

from __future__ import annotations

from monitoring.model import Alert, AlertScenario, InputSeries, RecordingRule
from monitoring.model.probe import Probe
from monitoring.units import duration_seconds

FAILING_RATIO = "job:probe_failing:ratio"
FLEET_HEALTH = "job:probe_fleet_health:state"
UNHEALTHY_RATIO = 0.5  # half or more of the targets failing: the fleet is unhealthy, not degraded
CERTIFICATE_DAYS = 14


def fleet_health_rules(probes: tuple[Probe, ...]) -> tuple[RecordingRule, RecordingRule]:
    """The share of each probe job's targets failing, then the fleet state 0/1/2 from it."""
    jobs = "|".join(p.name for p in probes)
    return (
        RecordingRule(record=FAILING_RATIO, expr=f'1 - avg by (job) (probe_success{{job=~"{jobs}"}})'),
        RecordingRule(record=FLEET_HEALTH,
                      expr=f"({FAILING_RATIO} > bool 0) + ({FAILING_RATIO} >= bool {UNHEALTHY_RATIO})"),
    )


def _series(name: str, probe: Probe) -> str:
    return f'{name}{{instance="{probe.urls[0]}", job="{probe.name}"}}'


def alerts(probe: Probe, base: str, *, severity: str = "critical", failing_for: str = "1m",
           slow_for: str = "5m", what: str = "") -> tuple[Alert, ...]:
    """<base>ProbeFailing, <base>ProbeSlow and, for https targets, <base>CertificateExpiring; what names the
    endpoint in summaries (e.g. "readiness")."""
    what = what or probe.name
    job = f'job="{probe.name}"'
    labels = {"job": probe.name, "instance": probe.urls[0]}
    slow = duration_seconds(probe.slow_after)
    success = _series("probe_success", probe)
    duration = _series("probe_duration_seconds", probe)
    rules = [
        Alert(name=f"{base}ProbeFailing", severity=severity, for_=failing_for,
              expr=f"probe_success{{{job}}} == 0",
              summary=f"An MCP {what} probe is failing.",
              description="{{ $labels.instance }} failed its {{ $labels.job }} probe (" + probe.module
                          + ") for " + failing_for + ": wrong status, timeout or no connection.",
              test=AlertScenario(firing=(InputSeries(series=success, value=0),), labels=labels, value=0,
                                 healthy=(InputSeries(series=success, value=1),))),
        Alert(name=f"{base}ProbeSlow", severity="warning", for_=slow_for,
              expr=f"probe_duration_seconds{{{job}}} > {slow:g}",
              summary=f"An MCP {what} probe takes longer than {probe.slow_after}.",
              description="{{ $labels.instance }} answers its {{ $labels.job }} probe in "
                          "{{ $value | humanizeDuration }}.",
              test=AlertScenario(firing=(InputSeries(series=duration, value=slow * 2),), labels=labels,
                                 value=slow * 2, below=(InputSeries(series=duration, value=slow),),
                                 healthy=(InputSeries(series=duration, value=slow / 20),))),
    ]
    if probe.https:
        expiry = _series("probe_ssl_earliest_cert_expiry", probe)
        days = CERTIFICATE_DAYS * 86400
        rules.append(Alert(
            name=f"{base}CertificateExpiring", severity="warning", for_="10m",
            expr=f"probe_ssl_earliest_cert_expiry{{{job}}} - time() < {days}",
            summary=f"A TLS certificate of an MCP {what} endpoint expires within {CERTIFICATE_DAYS} days.",
            description="The certificate of {{ $labels.instance }} expires in less than "
                        f"{CERTIFICATE_DAYS} days: renew it.",
            test=AlertScenario(firing=(InputSeries(series=expiry, value=86400),), labels=labels,
                               below=(InputSeries(series=expiry, value=days + 3600),),
                               healthy=(InputSeries(series=expiry, value=90 * 86400),))))
    return tuple(rules)
