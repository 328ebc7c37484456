"""Two MCP fleets and a team's own service in one stack, with the Kubernetes output: every resource kind."""

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
)
from monitoring.model.kubernetes_output import KubernetesOutput, TeamReceiver, TeamRoute, TeamRouting
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
                                                  port="http-metrics"),)),),
    rule_groups=(RuleGroup(name="shop.alerts", rules=(Alert(
        name="ShopOrdersFailing", severity="warning", for_="5m",
        expr='sum(rate(shop_orders_total{status="failed"}[5m])) > 1',
        summary="Orders fail.", description="More than one order a second fails."),)),),
)

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
