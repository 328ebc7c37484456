"""Monitoring as code: Prometheus, Alertmanager and Grafana from one Python model.

The public API is flat: `from monitoring import Counter, Histogram, ScrapeJob, SLO, Alert, Route, Stack`, and the
library's four verbs, each returning a report: `generate`, `validate`, `test`, `publish`; and
`forecast_capacity`, which reads Prometheus' history instead of the stack.

Names are imported on first use (PEP 562), so `import monitoring` and `monitoring --help` stay fast; this
table is the one list of public names.
"""

from __future__ import annotations

import gc as _gc
import importlib
from typing import Any

# What Python itself keeps frozen (see monitoring.gc_pause), read as the package is imported: before a program that
# uses the library could freeze anything of its own.
_PYTHONS_OWN_FROZEN = _gc.get_freeze_count()

# public name -> the module that defines it
_EXPORTS: dict[str, str] = {
    # the model
    **dict.fromkeys(("CustomMetric", "HorizontalPodAutoscaler", "PodsMetricTarget"), "monitoring.model.autoscaling"),
    "AlertmanagerEndpoint": "monitoring.model.alertmanagers",
    "LoadTestGates": "monitoring.model.loadtest",
    **dict.fromkeys(("KubernetesServiceTarget", "Probe"), "monitoring.model.probe"),
    **dict.fromkeys(("Dashboard", "DashboardRow", "DashboardSettings", "DashboardVariable", "DataSource", "Folder",
                     "Panel", "PanelQuery", "Threshold"), "monitoring.model.dashboards"),
    **dict.fromkeys(("LabelRequirement", "SecretKeyRef"), "monitoring.model.kubernetes"),
    **dict.fromkeys(("KubernetesOutput", "TeamReceiver", "TeamRoute", "TeamRouting"),
                    "monitoring.model.kubernetes_output"),
    **dict.fromkeys(("Catalog", "Counter", "Gauge", "Histogram", "Summary"), "monitoring.model.metrics"),
    "RelabelConfig": "monitoring.model.relabel",
    **dict.fromkeys(("Email", "HTTPAuth", "InhibitRule", "PagerDuty", "Receiver", "Route", "RouteTest", "Routing",
                     "Slack", "TimeInterval", "TimePeriod", "TimeRange", "Webhook"), "monitoring.model.routing"),
    **dict.fromkeys(("Alert", "RecordingRule", "RuleGroup", "VerbatimRule"), "monitoring.model.rules"),
    **dict.fromkeys(("AlertScenario", "InputSeries"), "monitoring.model.scenario"),
    **dict.fromkeys(("BasicAuth", "FileSDConfig", "KubernetesSDConfig", "ScrapeJob", "StaticConfig", "TLSConfig"),
                    "monitoring.model.scrape"),
    **dict.fromkeys(("ErrorEvents", "Service"), "monitoring.model.service"),
    **dict.fromkeys(("SLO", "AlertTier", "AlertWindow", "BooleanSLI", "CalendarPeriod", "LatencySLI", "QuerySLI",
                     "RatioSLI", "SLOAlerting", "Timeslices", "WindowPolicy"), "monitoring.model.slo"),
    "Stack": "monitoring.model.stack",
    # the library
    **dict.fromkeys(("generate", "validate", "test", "publish", "GenerateReport", "ValidateReport",
                     "PublishReport", "PublishRequest"), "monitoring.api"),
    "AlertTestReport": "monitoring.checks.alert_tests",
    "CheckResult": "monitoring.checks.report",
    "Project": "monitoring.project",
    **dict.fromkeys(("forecast_capacity", "CapacityReport"), "monitoring.capacity.report"),
    **dict.fromkeys(("MonitoringError", "DefinitionError"), "monitoring.errors"),
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'monitoring' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
