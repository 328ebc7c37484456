"""The pydantic model: every definition, validated when it is built."""

from monitoring.model.dashboards import (
    Dashboard,
    DashboardRow,
    DashboardSettings,
    DashboardVariable,
    Folder,
    Panel,
    PanelQuery,
    Threshold,
)
from monitoring.model.kubernetes import LabelRequirement, SecretKeyRef
from monitoring.model.kubernetes_output import KubernetesOutput, TeamReceiver, TeamRoute, TeamRouting
from monitoring.model.metrics import Catalog, Counter, Gauge, Histogram, Summary
from monitoring.model.relabel import RelabelConfig
from monitoring.model.routing import (
    Email,
    HTTPAuth,
    InhibitRule,
    PagerDuty,
    Receiver,
    Route,
    RouteTest,
    Routing,
    Slack,
    TimeInterval,
    TimeRange,
    Webhook,
)
from monitoring.model.rules import Alert, RecordingRule, RuleGroup, VerbatimRule
from monitoring.model.scenario import AlertScenario, InputSeries
from monitoring.model.scrape import BasicAuth, FileSDConfig, KubernetesSDConfig, ScrapeJob, StaticConfig, TLSConfig
from monitoring.model.service import Service
from monitoring.model.slo import (
    SLO,
    AlertTier,
    AlertWindow,
    LatencySLI,
    QuerySLI,
    RatioSLI,
    SLOAlerting,
    WindowPolicy,
)
from monitoring.model.stack import Stack

__all__ = [
    "SLO",
    "Alert",
    "AlertScenario",
    "AlertTier",
    "AlertWindow",
    "BasicAuth",
    "Catalog",
    "Counter",
    "Dashboard",
    "DashboardRow",
    "DashboardSettings",
    "DashboardVariable",
    "Email",
    "FileSDConfig",
    "Folder",
    "Gauge",
    "HTTPAuth",
    "Histogram",
    "InhibitRule",
    "InputSeries",
    "KubernetesOutput",
    "KubernetesSDConfig",
    "LabelRequirement",
    "LatencySLI",
    "PagerDuty",
    "Panel",
    "PanelQuery",
    "QuerySLI",
    "RatioSLI",
    "Receiver",
    "RecordingRule",
    "RelabelConfig",
    "Route",
    "RouteTest",
    "Routing",
    "RuleGroup",
    "SLOAlerting",
    "ScrapeJob",
    "SecretKeyRef",
    "Service",
    "Slack",
    "Stack",
    "StaticConfig",
    "Summary",
    "TLSConfig",
    "TeamReceiver",
    "TeamRoute",
    "TeamRouting",
    "Threshold",
    "TimeInterval",
    "TimeRange",
    "VerbatimRule",
    "Webhook",
    "WindowPolicy",
]
