"""The end-to-end stack: the default stack's MCP service, alerts and routing, pointed at local processes.

Two differences from alerts/stack.py, and nothing else hand-made: the scrape targets are demo exporters
(`python -m monitoring.demo`) on loopback ports, one job per scenario so that faults run side by side
without touching each other's alerts; and every receiver is a webhook to a local sink, one path per
receiver. Intervals are short so that a fault reaches a receiver in seconds.

`example()` builds it with made-up ports, to look at what it generates (`render_files(example(), ...)`).
"""

from __future__ import annotations

from dataclasses import dataclass

from monitoring import Receiver, Stack, Webhook
from monitoring.packs import mcp

# One job per scenario, and how many demo instances each runs.
DOWN_JOB = "mcp-down"  # MCPServiceDown pages, then resolves
ERRORS_JOB = "mcp-errors"  # a 50% server-fault ratio pages
INHIBIT_JOB = "mcp-inhibit"  # one instance down, the other slow: the latency warning is inhibited
SLO_JOB = "mcp-slo"  # the default MCP SLOs watch this job only: server faults page and burn the budget
JOB_INSTANCES = {DOWN_JOB: 1, ERRORS_JOB: 1, INHIBIT_JOB: 2, SLO_JOB: 1}

SCRAPE_INTERVAL = "1s"
SCRAPE_TIMEOUT = "1s"  # a loaded machine may answer late; `for` absorbs one slow scrape, not a false outage
EVALUATION_INTERVAL = "1s"
TEAM = "mcp"  # as in the default stack: alerts carry team=mcp and the routing pages only for it
GROUP_WAIT = "1s"
GROUP_INTERVAL = "2s"
REPEAT_INTERVAL = "1h"  # longer than the suite: a second delivery of the same group would be a bug
# Minutes of `for` prove nothing here that seconds do not. MCPServiceAbsent keeps its minute: Prometheus
# applies scrape targets about 5s after it starts, while rules are evaluated at once, so a shorter `for`
# pages "absent" at every start.
FOR_OVERRIDES = {
    "MCPServiceDown": "5s", "MCPHighErrorRate": "10s", "MCPHighLatency": "10s",
    "MCPHighMemoryUsage": "5s", "MCPHighCPUUsage": "5s",
}
CLUSTER = "e2e"


@dataclass(frozen=True)
class Topology:
    """Where each process listens (host:port)."""

    alertmanager: str
    sink: str
    mcp_jobs: dict[str, tuple[str, ...]]  # job -> demo exporter addresses
    cadvisor: str
    kube_state_metrics: str


GRAFANA_URL = "https://grafana.example.com"  # only written into alerts: notifications link the dashboards


def pod_name(job: str, index: int) -> str:
    """The pod the cadvisor and kube-state-metrics demos report for an MCP demo instance."""
    return f"{job}-{index}"


def receivers(sink: str) -> tuple[Receiver, Receiver, Receiver]:
    """The production receivers' names (pager, chat, default), each a webhook to sink/<name>."""
    return tuple(  # type: ignore[return-value]
        Receiver(name=r.name, webhooks=(Webhook(url=f"http://{sink}/{r.name}", send_resolved=True),))
        for r in mcp.production_receivers()
    )


def build(topology: Topology) -> Stack:
    pager, chat, default = receivers(topology.sink)
    return Stack(
        name="mcp-e2e",
        scrape_interval=SCRAPE_INTERVAL,
        scrape_timeout=SCRAPE_TIMEOUT,
        evaluation_interval=EVALUATION_INTERVAL,
        external_labels={"cluster": CLUSTER},
        grafana_url=GRAFANA_URL,
        alertmanagers=(topology.alertmanager,),
        services=(
            mcp.service(jobs=topology.mcp_jobs, kubernetes=False, labels={"team": TEAM},
                        scrape_interval=SCRAPE_INTERVAL,
                        scrape_timeout=SCRAPE_TIMEOUT, for_overrides=FOR_OVERRIDES),
            *mcp.kubernetes_services(kube_state_metrics_targets=(topology.kube_state_metrics,),
                                     cadvisor_targets=(topology.cadvisor,)),
        ),
        catalogs=mcp.shared_catalogs(),
        routing=mcp.routing(pager=pager, chat=chat, default=default, team=TEAM, group_wait=GROUP_WAIT,
                            group_interval=GROUP_INTERVAL, repeat_interval=REPEAT_INTERVAL),
        slos=mcp.slos(job=f'job="{SLO_JOB}"'),
    )


def example() -> Stack:
    """The stack with made-up ports, for reading the generated files."""
    ports = iter(range(19100, 19200))
    return build(Topology(
        alertmanager="127.0.0.1:19093",
        sink="127.0.0.1:19099",
        mcp_jobs={job: tuple(f"127.0.0.1:{next(ports)}" for _ in range(n)) for job, n in JOB_INSTANCES.items()},
        cadvisor="127.0.0.1:19201",
        kube_state_metrics="127.0.0.1:19202",
    ))
