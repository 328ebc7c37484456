"""The pydantic model: every definition, validated when it is built."""

from monitoring.model.autoscaling import CustomMetric, HorizontalPodAutoscaler, PodsMetricTarget
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
from monitoring.model.loadtest import LoadTestGates
from monitoring.model.metrics import Catalog, Counter, Gauge, Histogram, Summary
from monitoring.model.probe import KubernetesServiceTarget, Probe
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
    "CustomMetric",
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
    "HorizontalPodAutoscaler",
    "InhibitRule",
    "InputSeries",
    "KubernetesSDConfig",
    "KubernetesServiceTarget",
    "LatencySLI",
    "LoadTestGates",
    "PagerDuty",
    "Panel",
    "PanelQuery",
    "PodsMetricTarget",
    "Probe",
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
