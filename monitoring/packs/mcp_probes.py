"""The MCP fleet's health checks: every server's /health (liveness) and /ready (readiness) on port 8080,
probed by the blackbox exporter, with alerts and the fleet's healthy / degraded / unhealthy state."""

from __future__ import annotations

from monitoring.model import DashboardRow, Panel, PanelQuery, RuleGroup, Service, Threshold
from monitoring.model.probe import Probe
from monitoring.packs import blackbox

HEALTH_PORT = 8080
HEALTH_JOB = "mcp-health"
READY_JOB = "mcp-ready"
EXPORTER = "blackbox-exporter.monitoring:9115"


def probes(hosts: tuple[str, ...], *, port: int = HEALTH_PORT, interval: str = "30s",
           exporter: str = EXPORTER, scheme: str = "http") -> tuple[Probe, Probe]:
    """/health with http_2xx and /ready with http_ready, on every host (host:port keeps its own port)."""
    def urls(path: str) -> tuple[str, ...]:
        return tuple(f"{scheme}://{host if ':' in host else f'{host}:{port}'}{path}" for host in hosts)

    return (Probe(name=HEALTH_JOB, module="http_2xx", targets=urls("/health"), interval=interval, exporter=exporter),
            Probe(name=READY_JOB, module="http_ready", targets=urls("/ready"), interval=interval, exporter=exporter))


def service(hosts: tuple[str, ...], *, name: str = "mcp-server-probes", failing_for: str = "1m",
            slow_for: str = "5m", **probe_options: object) -> Service:
    """The probes as a service of their own, with their alerts and fleet-health rules."""
    health, ready = probes(hosts, **probe_options)  # type: ignore[arg-type]
    return Service(
        name=name,
        description="Liveness and readiness of the MCP servers, from the blackbox exporter.",
        probes=(health, ready),
        rule_groups=(
            RuleGroup(name="mcp-server.fleet-health", rules=blackbox.fleet_health_rules((health, ready))),
            RuleGroup(name="mcp-server.probes", rules=(
                *blackbox.alerts(health, "MCPLiveness", what="liveness", failing_for=failing_for,
                                 slow_for=slow_for),
                *blackbox.alerts(ready, "MCPReadiness", severity="warning", what="readiness",
                                 failing_for=failing_for, slow_for=slow_for),
            )),
        ),
    )


def health_row() -> DashboardRow:
    """Fleet state and probe results for the overview dashboard."""
    jobs = f'job=~"{HEALTH_JOB}|{READY_JOB}"'
    return DashboardRow(title="Health checks", panels=(
        Panel(title="Fleet health", type="stat", unit="none", width=6, decimals=0,
              thresholds=(Threshold(value=1, color="orange"), Threshold(value=2, color="red")),
              description="The worst probe job's state: 0 healthy (no server failing), 1 degraded (fewer than half "
                          "failing), 2 unhealthy (half or more failing).",
              queries=(PanelQuery(expr=f"max ({blackbox.FLEET_HEALTH}{{{jobs}}})"),)),
        Panel(title="Failing servers", unit="percentunit", width=9,
              description="Share of servers failing each probe (/health, /ready).",
              queries=(PanelQuery(expr=f"{blackbox.FAILING_RATIO}{{{jobs}}}", legend="{{job}}"),)),
        Panel(title="Probe duration", unit="s", width=9,
              description="Time each probe took, per server.",
              queries=(PanelQuery(expr=f"probe_duration_seconds{{{jobs}}}", legend="{{job}} {{instance}}"),)),
    ))
