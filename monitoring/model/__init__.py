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
from monitoring.model.kubernetes import LabelRequirement, SecretKeyRef
from monitoring.model.kubernetes_output import KubernetesOutput, TeamReceiver, TeamRoute, TeamRouting
from monitoring.model.loadtest import LoadTestGates
from monitoring.model.metrics import Catalog, Counter, Gauge, Histogram, Summary
from monitoring.model.probe import KubernetesServiceTarget, Probe
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
    "KubernetesOutput",
    "KubernetesSDConfig",
    "KubernetesServiceTarget",
    "LabelRequirement",
    "LatencySLI",
    "LoadTestGates",
    "PagerDuty",
    "Panel",
    "PanelQuery",
    "PodsMetricTarget",
    "Probe",
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
