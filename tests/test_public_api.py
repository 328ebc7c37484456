"""The flat public API is a promise: adding or removing a name is a deliberate change to this list."""

from __future__ import annotations

import dataclasses
import inspect
import subprocess
import sys
from pathlib import Path

import monitoring
from monitoring.docs.docstrings import written_docstring
from tests.docstring_examples import has_example as _has_example

MODEL = [
    "SLO", "Alert", "AlertTier", "BasicAuth", "Counter", "Email", "FileSDConfig", "Gauge", "HTTPAuth", "Histogram",
    "InhibitRule", "KubernetesSDConfig", "LatencySLI", "PagerDuty", "RatioSLI", "Receiver", "RecordingRule", "Route",
    "RouteTest", "Routing", "RuleGroup", "SLOAlerting", "ScrapeJob", "Service", "Slack", "Stack", "StaticConfig",
    "Summary", "TLSConfig", "TimeInterval", "TimePeriod", "TimeRange", "Webhook", "Dashboard", "DashboardRow",
    "DashboardSettings", "DashboardVariable", "DataSource", "Folder", "Panel", "PanelQuery", "Threshold",
    "AlertScenario", "InputSeries",
    "Catalog", "VerbatimRule", "LabelRequirement", "RelabelConfig", "SecretKeyRef", "KubernetesOutput", "TeamReceiver",
    "TeamRoute", "TeamRouting", "QuerySLI", "WindowPolicy", "AlertWindow", "ErrorEvents", "BooleanSLI",
    "CalendarPeriod", "Timeslices",
    "CustomMetric", "HorizontalPodAutoscaler", "KubernetesServiceTarget", "LoadTestGates", "PodsMetricTarget", "Probe",
    "AlertmanagerEndpoint",
]
LIBRARY = [
    "generate", "validate", "test", "publish", "GenerateReport", "ValidateReport", "AlertTestReport",
    "PublishReport", "PublishRequest", "CheckResult", "Project", "MonitoringError", "DefinitionError",
    "forecast_capacity", "CapacityReport",
]


def test_all_is_pinned() -> None:
    assert sorted(monitoring.__all__) == sorted(MODEL + LIBRARY)


def test_every_public_name_exists() -> None:
    for name in monitoring.__all__:
        assert getattr(monitoring, name) is not None, name


def test_the_model_package_shares_the_one_list() -> None:
    import monitoring.model

    assert monitoring.model.__all__ == sorted(MODEL)


# verb -> its parameters (names, order, kinds: what a caller may write) and the report class it returns
VERBS = {
    "generate": ("(project, *, stack, out_dir, check, force)", "GenerateReport"),
    "validate": ("(project, *, out_dir)", "ValidateReport"),
    "test": ("(project, *, out_dir)", "AlertTestReport"),
    "publish": ("(project, request, *, out_dir, env, session, client_settings, progress)", "PublishReport"),
}
# report (and request) class -> its public fields, in order
FIELDS = {
    "GenerateReport": ["out_dir", "files", "written", "stale", "warnings", "checked", "changed"],
    "ValidateReport": ["out_dir", "results"],
    "AlertTestReport": ["promtool", "alerts", "coverage", "problems", "no_generated_tests", "as_generated"],
    "PublishReport": ["out_dir", "dry_run", "stale", "checks", "empty", "plan", "outcome", "error", "warnings",
                      "retries", "redact"],
    "CheckResult": ["name", "ok", "checked", "details", "warnings"],
    "PublishRequest": ["grafana_url", "ca_cert", "insecure", "dry_run", "force", "prune", "concurrency"],
}


def _bare(signature: inspect.Signature) -> str:
    """The signature without annotations and defaults: the names and kinds of its parameters."""
    bare = [p.replace(annotation=p.empty, default=p.empty) for p in signature.parameters.values()]
    return str(signature.replace(parameters=bare, return_annotation=signature.empty))


def test_the_four_verbs_are_functions_with_their_parameters_and_reports() -> None:
    import monitoring.api

    for verb, (parameters, report) in VERBS.items():
        function = getattr(monitoring, verb)
        assert inspect.isfunction(function) and function is getattr(monitoring.api, verb), verb
        assert function.__name__ == verb and function.__module__ == "monitoring.api", verb
        signature = inspect.signature(function)
        assert _bare(signature) == parameters, verb
        assert signature.return_annotation == report, verb  # the annotation's text: `annotations` are postponed
        assert _has_example(written_docstring(function) or ""), verb
        assert f"monitoring.{verb}(" in function.__doc__, verb  # the example calls the verb itself


def test_no_module_shadows_a_verb() -> None:
    """A submodule named like a verb would replace it on `monitoring` as soon as the submodule is imported."""
    code = ("import inspect, pkgutil, monitoring.grafana.publish.run, monitoring\n"
            "modules = {m.name for m in pkgutil.iter_modules(monitoring.__path__)}\n"
            "for verb in ('generate', 'validate', 'test', 'publish'):\n"
            "    assert verb not in modules, verb\n"
            "    assert inspect.isfunction(getattr(monitoring, verb)), verb\n")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_the_reports_fields_and_their_verdict_are_pinned() -> None:
    for name, fields in FIELDS.items():
        cls = getattr(monitoring, name)
        assert dataclasses.is_dataclass(cls) and cls.__dataclass_params__.frozen, name
        assert [f.name for f in dataclasses.fields(cls)] == fields, name
    for name in ("GenerateReport", "ValidateReport", "AlertTestReport", "PublishReport"):
        assert isinstance(vars(getattr(monitoring, name)).get("ok"), property), name


def test_each_verb_returns_its_report(tmp_path: Path, promtool, amtool) -> None:
    """The four verbs called as a script calls them, on the example stack, each answering with its report."""
    from tests.grafana_server import running_grafana

    project = monitoring.Project(project_dir=tmp_path, stack="tests.stacks.example:stack")
    generated = monitoring.generate(project)
    assert type(generated) is monitoring.GenerateReport and generated.ok and generated.written
    validated = monitoring.validate(project)
    assert type(validated) is monitoring.ValidateReport and validated.ok and validated.results
    assert all(type(r) is monitoring.CheckResult for r in validated.results)
    tested = monitoring.test(project)
    assert type(tested) is monitoring.AlertTestReport and tested.promtool.ok
    assert tested.ok == (not tested.problems and not tested.untested)
    with running_grafana(tokens={"glsa_api_token": "Admin"}) as grafana:
        published = monitoring.publish(project, monitoring.PublishRequest(dry_run=True),
                                       env={"GRAFANA_URL": grafana.url, "GRAFANA_TOKEN": "glsa_api_token"})
    assert type(published) is monitoring.PublishReport and published.gate_passed and published.plan is not None
    assert published.plan.writes > 0 and not published.ok  # a dry run against an empty Grafana: all to create


def test_importing_monitoring_loads_neither_the_model_nor_grafanalib() -> None:
    code = "import monitoring, sys; print(sorted(m for m in sys.modules if m.startswith(('pydantic', 'grafanalib', "\
           "'monitoring.model'))))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_every_public_name_has_a_docstring_with_an_example() -> None:
    """client_python style: when to use it, then an indented example."""
    lacking = []
    for name in monitoring.__all__:
        value = getattr(monitoring, name)
        doc = written_docstring(value)
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
