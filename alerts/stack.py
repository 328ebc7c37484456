"""This repository's stack: a production fleet of MCP servers on Kubernetes."""

from monitoring import Stack
from monitoring.packs import mcp, mcp_dashboards, mcp_probes

SERVERS = ("mcp-server-0.mcp", "mcp-server-1.mcp", "mcp-server-2.mcp")

pager, chat, default = mcp.production_receivers()

stack = Stack(
    name="mcp-production",
    scrape_interval="30s",
    evaluation_interval="30s",
    external_labels={"cluster": "production"},
    alertmanagers=("alertmanager:9093",),
    runbook_url_pattern="https://runbooks.example.com/{service}/{alertname}",
    grafana_url="https://grafana.example.com",
    services=(
        mcp.service(targets=tuple(f"{host}:9464" for host in SERVERS)),
        mcp_probes.service(SERVERS),
        *mcp.kubernetes_services(
            kube_state_metrics_targets=("kube-state-metrics.kube-system:8080",),
            cadvisor_targets=("cadvisor.kube-system:8080",),
        ),
    ),
    catalogs=mcp.shared_catalogs(),
    routing=mcp.routing(pager=pager, chat=chat, default=default),
    slos=mcp.slos(),
    folders=(mcp_dashboards.FOLDER,),
    dashboards=mcp_dashboards.dashboards(rows=(mcp_probes.health_row(),)),
)
