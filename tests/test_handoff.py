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
    assert {"service", "slo", "dashboard", "prometheus", "alertmanager", "alert_tests"} <= origins
    assert manifest.origin("prometheus/rules/mcp-server.rules.yml") == "service:mcp-server"
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


@pytest.fixture
def nothing_renders(monkeypatch: pytest.MonkeyPatch) -> None:
    """From here on, importing the stack or rendering anything fails the test."""

    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError("rendered or imported the stack after generate")

    for name in ("render_files", "output_files"):
        monkeypatch.setattr(emitters, name, forbidden)
    monkeypatch.setattr(project, "load_stack", forbidden)
    monkeypatch.setattr(Project, "load_stack", forbidden)
    for module in [m for m in sys.modules if m == "alerts" or m.startswith("alerts.")]:
        monkeypatch.delitem(sys.modules, module)


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
