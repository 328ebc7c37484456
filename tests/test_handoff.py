"""out/ is the hand-off: generate writes it with a manifest; validate, test, publish and diff read it alone."""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import pytest

import monitoring
from monitoring import PublishRequest, cli, project
from monitoring.grafana.publish.desired import load_desired
from monitoring.output import emitters
from monitoring.output.manifest import MANIFEST, Manifest
from monitoring.project import Project
from monitoring.render import promtool_tests
from tests.grafana_server import running_grafana

SOURCE = "alerts.stack:stack"
TOKEN = "glsa_handoff_token_0a1b2c"


@pytest.fixture
def generated(tmp_path: Path) -> Project:
    proj = Project(project_dir=tmp_path, stack=SOURCE)
    report = monitoring.generate(proj)
    assert report.written and report.files > 10
    return proj


def test_the_manifest_says_what_each_file_is_and_its_hash(generated: Project) -> None:
    manifest = Manifest.read(generated.out_dir)
    data = json.loads((generated.out_dir / MANIFEST).read_text())
    assert (data["stack"], data["generated_by"]) == (SOURCE, "monitoring")
    assert data["version"] == manifest.version != ""
    for path, entry in manifest.files.items():
        assert hashlib.sha256((generated.out_dir / path).read_bytes()).hexdigest() == entry.sha256, path
    origins = {e.origin.partition(":")[0] for e in manifest.files.values()}
    assert {"service", "slo", "dashboard", "prometheus", "alertmanager", "kubernetes"} <= origins
    assert manifest.origin("prometheus/rules/mcp-server.rules.yml") == "service:mcp-server"


@pytest.mark.parametrize(("path", "origin"), [
    # A service's or an SLO's tests, Kubernetes resources and HPAs name what they were made from, as its rules do.
    ("prometheus/tests/mcp-server.test.yml", "service:mcp-server"),
    ("prometheus/tests/mcp-server.slo.availability.test.yml", "slo:mcp-server/availability"),
    ("kubernetes/prometheusrule-mcp-server.yaml", "service:mcp-server"),
    ("kubernetes/prometheusrule-mcp-server-slo-availability.yaml", "slo:mcp-server/availability"),
    ("kubernetes/podmonitor-mcp-server.yaml", "service:mcp-server"),
    ("kubernetes/probe-mcp-health.yaml", "service:mcp-server-probes"),
    ("kubernetes/secret-alertmanager-config.yaml", "alertmanager"),
    ("kubernetes/configmap-dashboard-mcp-server-slos.yaml", "dashboard:dashboard 'mcp-server SLOs'"),
    ("kubernetes/kustomization.yaml", "kubernetes"),
    ("adapter/hpa/mcp-production.mcp-server.yml", "service:mcp-server-capacity"),
])
def test_each_file_names_the_definition_it_was_made_from(generated: Project, path: str, origin: str) -> None:
    manifest = Manifest.read(generated.out_dir)
    assert manifest.origin(path) == origin
    assert not (generated.out_dir / ".generated-by-monitoring").exists()


def test_a_second_generate_with_nothing_changed_writes_nothing(generated: Project) -> None:
    before = {p: p.stat().st_mtime_ns for p in generated.out_dir.rglob("*")}
    inode = generated.out_dir.stat().st_ino

    report = monitoring.generate(generated)

    assert not report.written
    assert generated.out_dir.stat().st_ino == inode  # not swapped for a new directory
    assert {p: p.stat().st_mtime_ns for p in generated.out_dir.rglob("*")} == before


def test_staleness_is_a_hash_comparison(generated: Project) -> None:
    assert monitoring.generate(generated, check=True).stale == ()
    rules = generated.out_dir / "prometheus/rules/mcp-server.rules.yml"
    rules.write_text(rules.read_text() + "# edited by hand\n")
    (generated.out_dir / "prometheus/extra.yml").write_text("x: 1\n")

    report = monitoring.generate(generated, check=True)

    assert report.stale == ("changed prometheus/rules/mcp-server.rules.yml", "extra   prometheus/extra.yml")
    assert monitoring.generate(generated).written  # a real run repairs it


def _forbidden(name: str) -> object:
    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"{name}: rendered or imported the stack after generate")

    return forbidden


def forbid_rendering(monkeypatch: pytest.MonkeyPatch, *, loading: bool = True) -> None:
    """From here on, rendering anything fails the test: every way generate renders (iter_files), the in-memory
    ones, and the planning of an alert's tests; and, with `loading`, loading a stack."""
    for name in ("iter_files", "render_files", "output_files"):
        monkeypatch.setattr(emitters, name, _forbidden(name))
    for name in ("scenarios", "render", "render_text"):
        monkeypatch.setattr(promtool_tests, name, _forbidden(name))
    if loading:
        monkeypatch.setattr(project, "load_stack", _forbidden("load_stack"))
        monkeypatch.setattr(Project, "load_stack", _forbidden("Project.load_stack"))
    for module in [m for m in sys.modules if m == "alerts" or m.startswith("alerts.")]:
        monkeypatch.delitem(sys.modules, module)


@pytest.fixture
def nothing_renders(monkeypatch: pytest.MonkeyPatch) -> None:
    """From here on, importing the stack or rendering anything fails the test."""
    forbid_rendering(monkeypatch)


def test_the_guard_stops_generate_from_rendering(generated: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    forbid_rendering(monkeypatch, loading=False)  # the stack loads: what generate renders it with must not run
    with pytest.raises(AssertionError, match=r"^iter_files: "):
        monitoring.generate(generated, force=True)


@pytest.mark.integration
def test_validate_test_publish_and_diff_read_out_alone(generated: Project, nothing_renders: None, promtool,
                                                       amtool, capsys: pytest.CaptureFixture[str]) -> None:
    validated = monitoring.validate(generated)
    assert validated.ok, [r for r in validated.results if not r.ok]
    assert validated.results[0].name == f"out/ matches {MANIFEST}"

    tested = monitoring.test(generated)
    assert tested.promtool is not None and tested.promtool.ok, tested.promtool
    assert {"MCPHighErrorRate", "MCPAvailabilityErrorBudgetBurnPage"} <= set(tested.alerts)

    with running_grafana(tokens={TOKEN: "Admin"}) as grafana:
        env = {"GRAFANA_URL": grafana.url, "GRAFANA_TOKEN": TOKEN}
        published = monitoring.publish(generated, PublishRequest(), env=env)
        assert published.ok, cli.publish_lines(published, generated.regenerate, cli.Style(False))
        created = len(load_desired(generated.out_dir).dashboards)
        assert published.outcome is not None and published.outcome.done["created"] == created > 0
        diff = monitoring.publish(generated, PublishRequest(dry_run=True), env=env)
        assert diff.ok and diff.plan is not None and diff.plan.clean and diff.outcome is None

    assert not any(m == "alerts" or m.startswith("alerts.") for m in sys.modules)  # the stack was never imported
    assert cli.main(["validate", "--out", str(generated.out_dir)]) == 0
    assert capsys.readouterr().out.rstrip().endswith("all checks passed")


# A stack with an alert that gets no generated tests: the maximum over time of a gauge is not a shape tests are
# generated for.
UNTESTED_STACK = """
from monitoring import Alert
from tests.test_slo_stacks import api_down_alert, stack_with

queue_deep = Alert(name="APIQueueDeep", severity="warning", expr="max_over_time(api_queue_depth[5m]) > 100",
                   for_="1m", summary="The API queue is deep.", description="{{ $value }} requests queued.")
stack = stack_with(alerts=(api_down_alert(), queue_deep))
"""
UNTESTED_WHY = ("it has no AlertScenario, and its expression is not a shape tests are generated for: max_over_time() "
                "where a gauge, a rate, or their sum, max, min or avg was expected")


@pytest.fixture
def generated_untested(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Project:
    """A project generated from a stack with an untested alert, whose module then raises when imported."""
    (tmp_path / "pyproject.toml").write_text('[tool.monitoring]\nstack = "handoff_untested:stack"\n')
    module = tmp_path / "handoff_untested.py"
    module.write_text(UNTESTED_STACK)
    monkeypatch.syspath_prepend(str(tmp_path))
    proj = Project.find(tmp_path)
    assert cli.main(["generate"], project=proj) == 0
    module.write_text('raise AssertionError("handoff_untested: the stack was imported after generate")\n')
    monkeypatch.delitem(sys.modules, "handoff_untested")
    return proj


@pytest.mark.integration
def test_test_explains_an_untested_alert_from_the_manifest_alone(
        generated_untested: Project, nothing_renders: None, promtool, capsys: pytest.CaptureFixture[str]) -> None:
    report = monitoring.test(generated_untested)
    assert report.untested == ["APIQueueDeep"] and not report.ok
    assert report.no_generated_tests == {"APIQueueDeep": UNTESTED_WHY}

    capsys.readouterr()
    assert cli.main(["test"], project=generated_untested) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[-3:] == [
        "FAIL 1 of 2 alerts are not tested both firing and silent: APIQueueDeep",
        "FAIL alert 'APIQueueDeep': " + UNTESTED_WHY,
        "alert tests failed",
    ]
    assert "handoff_untested" not in sys.modules


def test_validate_refuses_an_out_dir_edited_since_generate(generated: Project, nothing_renders: None, promtool,
                                                           amtool) -> None:
    config = generated.out_dir / "alertmanager/alertmanager.yml"
    config.write_text(config.read_text() + "# edited\n")
    report = monitoring.validate(generated)
    [first] = [r for r in report.results if r.name == f"out/ matches {MANIFEST}"]
    assert not first.ok and "changed alertmanager/alertmanager.yml" in first.details
    assert not report.ok


def test_without_a_manifest_the_readers_say_generate_first(tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "out" / "prometheus").mkdir(parents=True)
    for command in ("validate", "test"):
        assert cli.main([command, "--out", str(tmp_path / "out")]) == 2
        assert "manifest.json is missing): run `monitoring generate` first" in capsys.readouterr().err
