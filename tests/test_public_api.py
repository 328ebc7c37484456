"""The flat public API is a promise: adding or removing a name is a deliberate change to this list."""

import monitoring

PUBLIC = [
    "SLO", "Alert", "AlertTier", "BasicAuth", "Counter", "DefinitionError", "Email", "FileSDConfig", "Gauge",
    "HTTPAuth", "Histogram", "InhibitRule", "KubernetesSDConfig", "LatencySLI", "PagerDuty", "RatioSLI",
    "Receiver", "RecordingRule", "Route", "RouteTest", "Routing", "RuleGroup", "SLOAlerting", "ScrapeJob",
    "Service", "Slack", "Stack", "StaticConfig", "Summary", "TLSConfig", "TimeInterval", "TimeRange", "Webhook",
    "Dashboard", "DashboardRow", "DashboardSettings", "DashboardVariable", "Folder", "Panel", "PanelQuery",
    "Threshold", "AlertScenario", "InputSeries", "Catalog", "LabelRequirement", "RelabelConfig",
    "SecretKeyRef", "KubernetesOutput", "TeamReceiver", "TeamRoute", "TeamRouting", "VerbatimRule",
    "QuerySLI", "WindowPolicy", "AlertWindow",
]


def test_all_is_pinned() -> None:
    assert sorted(monitoring.__all__) == sorted(PUBLIC)


def test_every_public_name_exists() -> None:
    for name in monitoring.__all__:
        assert getattr(monitoring, name) is not None, name
