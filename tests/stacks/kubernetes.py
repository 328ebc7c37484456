"""Two MCP fleets, a team's own service and the kubelets' cAdvisor in one stack, with the Kubernetes output:
every resource kind (a Probe too), and a monitor for every discovery role (pod, endpoints, service, node)."""

from __future__ import annotations

from monitoring import (
    SLO,
    Alert,
    BasicAuth,
    Counter,
    KubernetesSDConfig,
    RatioSLI,
    Receiver,
    RelabelConfig,
    Route,
    Routing,
    RuleGroup,
    ScrapeJob,
    SecretKeyRef,
    Service,
    Stack,
    TLSConfig,
)
from monitoring.model.kubernetes_output import KubernetesOutput, TeamReceiver, TeamRoute, TeamRouting
from monitoring.model.probe import KubernetesServiceTarget, Probe
from monitoring.packs import mcp, mcp_dashboards

SHOP = Service(
    name="shop", labels={"team": "shop", "namespace": "shop"},
    metrics=(Counter(name="shop_orders_total", help="Orders placed.", labels=("status",)),),
    scrape_jobs=(ScrapeJob(
        name="shop", scrape_interval="15s", sample_limit=10000, label_limit=50,
        basic_auth=BasicAuth(username="prometheus", password_file="/etc/prometheus/secrets/shop-password",
                             username_secret=SecretKeyRef(name="shop-scrape", key="username"),
                             password_secret=SecretKeyRef(name="shop-scrape", key="password")),
        metric_relabel_configs=(RelabelConfig(source_labels=("__name__",), regex="go_.*", action="drop"),),
        kubernetes_sd_configs=(KubernetesSDConfig(role="endpoints", namespaces=("shop",), app="shop",
                                                  port="http-metrics"),)),
        # The shop's storefront, scraped through its Service (role service): a ScrapeConfig.
        ScrapeJob(name="shop-frontend", kubernetes_sd_configs=(KubernetesSDConfig(
            role="service", namespaces=("shop",), app="shop-frontend", port="metrics"),))),
    # The storefront's readiness through its Service, by the blackbox exporter: a Probe.
    probes=(Probe(name="shop-ready", module="http_ready", path="/ready", exporter="blackbox-exporter.monitoring:9115",
                  service=KubernetesServiceTarget(name="shop-frontend", namespace="shop", port=8080)),),
    rule_groups=(RuleGroup(name="shop.alerts", rules=(Alert(
        name="ShopOrdersFailing", severity="warning", for_="5m",
        expr='sum(rate(shop_orders_total{status="failed"}[5m])) > 1',
        summary="Orders fail.", description="More than one order a second fails."),)),),
)

SERVICE_ACCOUNT = "/var/run/secrets/kubernetes.io/serviceaccount"
# cAdvisor from every kubelet (role node): a ScrapeConfig whose token and CA come from a service-account Secret.
KUBELET = Service(name="kubelet", description="cAdvisor container metrics from every kubelet.", scrape_jobs=(ScrapeJob(
    name="kubelet-cadvisor", scheme="https", metrics_path="/metrics/cadvisor",
    bearer_token_file=f"{SERVICE_ACCOUNT}/token",
    bearer_token_secret=SecretKeyRef(name="prometheus-kubelet-token", key="token"),
    tls_config=TLSConfig(ca_file=f"{SERVICE_ACCOUNT}/ca.crt",
                         ca_secret=SecretKeyRef(name="prometheus-kubelet-token", key="ca.crt")),
    metric_relabel_configs=(RelabelConfig(source_labels=("__name__",),
                                          regex="container_(tasks_state|memory_failures_total)", action="drop"),),
    kubernetes_sd_configs=(KubernetesSDConfig(role="node"),)),))

ROUTING = Routing(receivers=(Receiver(name="default"), Receiver(name="oncall")), route=Route(
    receiver="default", routes=(Route(matchers=('severity="critical"',), receiver="oncall"),)))

TEAM_ROUTING = TeamRouting(
    name="shop", namespace="shop", matchers=('team="shop"',), receiver="shop-chat", group_by=("alertname",),
    receivers=(TeamReceiver(name="shop-chat", slack_api_url=SecretKeyRef(name="shop-alerting", key="slack-url"),
                            slack_channel="#shop"),
               TeamReceiver(name="shop-pager",
                            pagerduty_routing_key=SecretKeyRef(name="shop-alerting", key="pagerduty-key"))),
    routes=(TeamRoute(matchers=('severity="critical"',), receiver="shop-pager"),),
)

stack = Stack(
    name="fleets",
    services=(
        mcp.service(name="mcp-gateway", namespace="mcp-production"),
        mcp.service(name="mcp-search", namespace="mcp-production", container="search"),
        SHOP,
        KUBELET,
    ),
    catalogs=mcp.shared_catalogs(),
    routing=ROUTING,
    slos=(*mcp.slos(service="mcp-gateway", job='job="mcp-gateway"'),
          *mcp.slos(service="mcp-search", job='job="mcp-search"'),
          SLO(name="orders", service="shop", objective="99", sli=RatioSLI(
              errors='shop_orders_total{status="failed"}', total="shop_orders_total"))),
    folders=(mcp_dashboards.FOLDER,),
    dashboards=mcp_dashboards.dashboards(jobs=("mcp-gateway", "mcp-search")),
    kubernetes=KubernetesOutput(namespace="monitoring", labels={"release": "kube-prometheus-stack"},
                                team_routing=(TEAM_ROUTING,)),
)
