"""This repository's stack: the production fleet of MCP servers on Kubernetes, with kube-prometheus-stack.

The fleet is the Deployment mcp-server (3 replicas) in namespace mcp-production; its pods carry
app.kubernetes.io/name=mcp-server and expose the container port `metrics`. kube-prometheus-stack (release
kube-prometheus-stack, namespace monitoring) runs the Operator, Alertmanager and Grafana, and already scrapes
kube-state-metrics and the kubelets: those jobs are in prometheus.yml for plain deployments only (monitor=False;
with it they would get a ServiceMonitor and a ScrapeConfig, scraping every kubelet a second time).
The servers export both MCP metric families (the seed's mcp_* counters, which the HPA's request rate has always
come from, and the OpenTelemetry ones); every alert, SLO, recording rule and panel draws on one (FAMILY).
"""

from monitoring import KubernetesSDConfig, LoadTestGates, ScrapeJob, Service, Stack
from monitoring.model.kubernetes_output import KubernetesOutput
from monitoring.packs import mcp, mcp_capacity, mcp_dashboards, mcp_probes

NAMESPACE = "mcp-production"
REPLICAS = 3
SERVERS = tuple(f"mcp-server-{i}.mcp-server.{NAMESPACE}" for i in range(REPLICAS))
TEAM = "mcp"
FAMILY = "both"  # what the seed deployment's servers and the end-to-end suite's demo exporter both serve
SERVICE_ACCOUNT = "/var/run/secrets/kubernetes.io/serviceaccount"

pager, chat, default = mcp.production_receivers()

platform = (
    Service(name="kube-state-metrics", description="Kubernetes object state, scraped through its Service.",
            scrape_jobs=(ScrapeJob(name="kube-state-metrics", monitor=False, kubernetes_sd_configs=(
                KubernetesSDConfig(role="endpoints", namespaces=("monitoring",), app="kube-state-metrics",
                                   port="http"),)),)),
    # cAdvisor from each node's kubelet, not through a Service (which would reach a random node per scrape).
    Service(name="kubelet", description="cAdvisor container metrics from every kubelet.",
            scrape_jobs=(ScrapeJob(name="kubelet-cadvisor", monitor=False, scheme="https",
                                   metrics_path="/metrics/cadvisor",
                                   bearer_token_file=f"{SERVICE_ACCOUNT}/token",
                                   tls_config={"ca_file": f"{SERVICE_ACCOUNT}/ca.crt"},
                                   kubernetes_sd_configs=(KubernetesSDConfig(role="node"),)),)),
)

stack = Stack(
    name="mcp-production",
    scrape_interval="30s",
    evaluation_interval="30s",
    external_labels={"cluster": "production"},
    alertmanagers=("alertmanager-operated.monitoring:9093",),
    runbook_url_pattern="https://runbooks.example.com/{service}/{alertname}",
    grafana_url="https://grafana.example.com",
    services=(
        mcp.service(name="mcp-server", namespace=NAMESPACE, labels={"team": TEAM}, family=FAMILY),
        mcp_probes.service(SERVERS),
        mcp_capacity.service(namespace=NAMESPACE, family=FAMILY),
        mcp.watchdog_service(),
        *platform,
    ),
    catalogs=(*mcp.shared_catalogs(), mcp_capacity.catalog(FAMILY)),
    routing=mcp.routing(pager=pager, chat=chat, default=default, team=TEAM),
    slos=mcp.slos(family=FAMILY),
    folders=(mcp_dashboards.FOLDER,),
    dashboards=mcp_dashboards.dashboards(jobs=("mcp-server",), family=FAMILY,
                                         rows=(mcp_probes.health_row(), mcp_capacity.capacity_row())),
    kubernetes=KubernetesOutput(namespace="monitoring", labels={"release": "kube-prometheus-stack"}),
    load_test=LoadTestGates(latency_slo="control-plane-latency", error_ratio_alert="MCPHighErrorRate"),
)
