"""The flat public API is a promise: adding or removing a name is a deliberate change to this list."""

from __future__ import annotations

import dataclasses
import inspect
import itertools
import subprocess
import sys

import monitoring

MODEL = [
    "SLO", "Alert", "AlertTier", "BasicAuth", "Counter", "Email", "FileSDConfig", "Gauge", "HTTPAuth", "Histogram",
    "InhibitRule", "KubernetesSDConfig", "LatencySLI", "PagerDuty", "RatioSLI", "Receiver", "RecordingRule", "Route",
    "RouteTest", "Routing", "RuleGroup", "SLOAlerting", "ScrapeJob", "Service", "Slack", "Stack", "StaticConfig",
    "Summary", "TLSConfig", "TimeInterval", "TimeRange", "Webhook", "Dashboard", "DashboardRow", "DashboardSettings",
    "DashboardVariable", "Folder", "Panel", "PanelQuery", "Threshold", "AlertScenario", "InputSeries", "Catalog",
    "VerbatimRule", "LabelRequirement", "RelabelConfig", "SecretKeyRef", "KubernetesOutput", "TeamReceiver",
    "TeamRoute", "TeamRouting", "QuerySLI", "WindowPolicy", "AlertWindow", "ErrorEvents", "BooleanSLI",
    "CalendarPeriod", "Timeslices",
    "CustomMetric", "HorizontalPodAutoscaler", "KubernetesServiceTarget", "LoadTestGates", "PodsMetricTarget", "Probe",
]
LIBRARY = [
    "generate", "validate", "test", "publish", "GenerateReport", "ValidateReport", "AlertTestReport",
    "PublishReport", "PublishRequest", "CheckResult", "Project", "MonitoringError", "DefinitionError",
]


def test_all_is_pinned() -> None:
    assert sorted(monitoring.__all__) == sorted(MODEL + LIBRARY)


def test_every_public_name_exists() -> None:
    for name in monitoring.__all__:
        assert getattr(monitoring, name) is not None, name


def test_the_model_package_shares_the_one_list() -> None:
    import monitoring.model

    assert monitoring.model.__all__ == sorted(MODEL)


def test_the_four_verbs_take_a_project_and_return_reports() -> None:
    for verb, report in (("generate", "GenerateReport"), ("validate", "ValidateReport"),
                         ("test", "AlertTestReport"), ("publish", "PublishReport")):
        function = getattr(monitoring, verb)
        assert callable(function), verb
        target = function.__call__ if inspect.ismodule(function) else function
        assert "project" in inspect.signature(target).parameters or verb == "publish", verb
        assert dataclasses.is_dataclass(getattr(monitoring, report)), report
    assert "project" in inspect.signature(monitoring.api.publish).parameters


def test_monitoring_publish_is_the_verb_even_after_its_subpackage_is_imported() -> None:
    import monitoring.publish.client

    assert callable(monitoring.publish)


def test_importing_monitoring_loads_neither_the_model_nor_grafanalib() -> None:
    code = "import monitoring, sys; print(sorted(m for m in sys.modules if m.startswith(('pydantic', 'grafanalib', "\
           "'monitoring.model'))))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def _has_example(doc: str) -> bool:
    """A line after a blank line, indented deeper than the docstring's text (whose margin the closing quotes show)."""
    lines = doc.split("\n")
    margin = len(lines[-1]) if not lines[-1].strip() else 0
    return any(not before.strip() and line.strip() and len(line) - len(line.lstrip()) >= margin + 4
               for before, line in itertools.pairwise(lines))


def test_every_public_name_has_a_docstring_with_an_example() -> None:
    """client_python style: when to use it, then an indented example."""
    lacking = []
    for name in monitoring.__all__:
        value = getattr(monitoring, name)
        doc = value.__dict__.get("__doc__") if isinstance(value, type) else value.__doc__
        if not doc or not _has_example(doc):
            lacking.append(name)
    assert lacking == [], f"exported without a docstring that has an example: {lacking}"


def test_monitoring_version_and_help_do_not_load_the_model() -> None:
    code = ("import sys; from monitoring.cli import main\n"
            "for argv in (['--help'], ['--version']):\n"
            "    try:\n        main(argv)\n    except SystemExit:\n        pass\n"
            "print(sorted(m for m in sys.modules if m.startswith(('pydantic', 'grafanalib', 'monitoring.model'))))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip().splitlines()[-1] == "[]"
