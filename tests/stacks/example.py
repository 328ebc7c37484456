"""A small stack that uses every feature of the core model; its output is the renderers' golden file."""

from monitoring import (
    Alert,
    BasicAuth,
    Counter,
    Email,
    ErrorEvents,
    FileSDConfig,
    Gauge,
    Histogram,
    HTTPAuth,
    InhibitRule,
    KubernetesSDConfig,
    PagerDuty,
    Receiver,
    RecordingRule,
    Route,
    RouteTest,
    Routing,
    RuleGroup,
    ScrapeJob,
    Service,
    Slack,
    Stack,
    StaticConfig,
    Summary,
    TimeInterval,
    TimeRange,
    TLSConfig,
    Webhook,
)

checkout = Service(
    name="checkout",
    errors=ErrorEvents(errors='checkout_requests_total{code=~"5.."}', total="checkout_requests_total"),
    metrics=(
        Counter(name="checkout_requests_total", help="Requests.", labels=("code",)),
        Histogram(name="checkout_latency_seconds", unit="seconds", help="Latency.", buckets=(0.1, 0.5, 1, 5)),
        Gauge(name="checkout_queue_depth", help="Queued orders."),
        Summary(name="checkout_gc_seconds", unit="seconds", help="GC pauses."),
    ),
    scrape_jobs=(
        ScrapeJob(name="checkout", scrape_interval="15s", scrape_timeout="10s", scheme="https",
                  static_configs=(
                      StaticConfig(targets=("checkout-1:8443", "checkout-2:8443"), labels={"tier": "web"}),
                  ),
                  basic_auth=BasicAuth(username="prometheus", password_file="/etc/prometheus/secrets/checkout"),
                  tls_config=TLSConfig(ca_file="/etc/prometheus/ca.pem", server_name="checkout.internal")),
        ScrapeJob(name="checkout-files", file_sd_configs=(FileSDConfig(files=("/etc/prometheus/sd/*.json",)),),
                  bearer_token_file="/etc/prometheus/secrets/token"),
        ScrapeJob(name="checkout-pods", kubernetes_sd_configs=(
            KubernetesSDConfig(namespaces=("shop",), app="checkout", port="metrics"),)),
    ),
    rule_groups=(
        RuleGroup(name="checkout.recording", interval="30s", rules=(
            RecordingRule(record="job:checkout_requests:rate5m",
                          expr="sum by (job) (rate(checkout_requests_total[5m]))"),
        )),
        RuleGroup(name="checkout.alerts", rules=(
            Alert(name="CheckoutErrors", severity="critical", for_="5m", keep_firing_for="10m",
                  expr='sum by (job) (rate(checkout_requests_total{code=~"5.."}[5m]))\n'
                       "/ job:checkout_requests:rate5m > 0.05",
                  summary="Checkout returns errors.", description="{{ $value | humanizePercentage }} of requests fail.",
                  labels={"team": "shop"}, annotations={"dashboard": "https://grafana.example.com/d/checkout"}),
            Alert(name="CheckoutQueueStuck", severity="warning", for_="15m", expr="checkout_queue_depth > 100",
                  summary="Orders are queueing.", description="{{ $labels.instance }} has {{ $value }} queued orders.",
                  runbook_url="https://wiki.example.com/checkout-queue"),
            Alert(name="CheckoutScrapeSlow", severity="info", expr='scrape_duration_seconds{job="checkout"} > 5',
                  summary="Scrapes are slow.", description="Scraping {{ $labels.instance }} takes long."),
        )),
    ),
)

stack = Stack(
    name="example",
    scrape_interval="30s",
    evaluation_interval="30s",
    external_labels={"region": "eu-1", "env": "test"},
    alertmanagers=("alertmanager-1:9093", "alertmanager-2:9093"),
    runbook_url_pattern="https://runbooks.example.com/{service}/{alertname}",
    services=(checkout,),
    routing=Routing(
        receivers=(
            Receiver(name="default", email=(Email(to="ops@example.com", from_="am@example.com",
                                                  smarthost="smtp.example.com:587"),)),
            Receiver(name="oncall", pagerduty=(PagerDuty(routing_key_file="/etc/am/pd-key", severity="critical"),)),
            Receiver(name="shop-chat", slack=(Slack(api_url_file="/etc/am/slack-url", channel="#shop"),)),
            Receiver(name="audit", webhooks=(Webhook(url="https://audit.example.com/alerts",
                                                     auth=HTTPAuth(bearer_token_file="/etc/am/audit-token")),)),
        ),
        route=Route(
            receiver="default", group_by=("alertname", "job"), group_wait="30s", group_interval="5m",
            repeat_interval="4h",
            routes=(
                Route(matchers=('severity=~"critical|warning"',), receiver="audit", **{"continue": True}),
                Route(matchers=('severity="critical"',), receiver="oncall"),
                Route(matchers=('team="shop"', 'severity="warning"'), receiver="shop-chat",
                      mute_time_intervals=("nights",), active_time_intervals=("business-hours",)),
            ),
        ),
        inhibit_rules=(
            InhibitRule(source_matchers=('severity="critical"',), target_matchers=('severity="warning"',),
                        equal=("alertname", "job")),
        ),
        time_intervals=(
            TimeInterval(name="nights", times=(TimeRange(start_time="00:00", end_time="06:00"),)),
            TimeInterval(name="business-hours", weekdays=("monday:friday",),
                         times=(TimeRange(start_time="08:00", end_time="18:00"),), location="Europe/Berlin"),
        ),
        tests=(
            RouteTest(labels={"alertname": "CheckoutErrors", "severity": "critical"}, receivers=("audit", "oncall")),
            RouteTest(labels={"alertname": "X", "severity": "info"}, receivers=("default",)),
        ),
    ),
)
