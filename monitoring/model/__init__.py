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
from monitoring.model.metrics import Catalog, Counter, Gauge, Histogram, Summary
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
from monitoring.model.slo import SLO, AlertTier, LatencySLI, RatioSLI, SLOAlerting
from monitoring.model.stack import Stack

__all__ = [
    "SLO",
    "Alert",
    "AlertScenario",
    "AlertTier",
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
    "KubernetesSDConfig",
    "LatencySLI",
    "PagerDuty",
    "Panel",
    "PanelQuery",
    "RatioSLI",
    "Receiver",
    "RecordingRule",
    "Route",
    "RouteTest",
    "Routing",
    "RuleGroup",
    "SLOAlerting",
    "ScrapeJob",
    "Service",
    "Slack",
    "Stack",
    "StaticConfig",
    "Summary",
    "TLSConfig",
    "Threshold",
    "TimeInterval",
    "TimeRange",
    "VerbatimRule",
    "Webhook",
]
