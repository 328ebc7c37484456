"""What validate's tools would read beyond out/'s own files, and out/ changed since generate: a template or rule
file pattern that names a FIFO, a device or a file outside out/ fails its check unread, a field of prometheus.yml
of another shape is one line, and a file changed since generate fails the manifest check alone (exit 1), in words
a user reads: no exception class, no errno."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from monitoring import api, cli
from monitoring.checks import tools
from monitoring.checks.report import CheckResult
from monitoring.output import manifest as manifest_module
from monitoring.output.manifest import MANIFEST
from monitoring.project import Project
from tests.out_edits import rehash

ROOT = Path(__file__).resolve().parents[1]
RULES = "prometheus/rules/mcp-server.rules.yml"
PROMETHEUS = "prometheus/prometheus.yml"
ALERTMANAGER = "alertmanager/alertmanager.yml"
SECRET = "kubernetes/secret-alertmanager-config.yaml"


@pytest.fixture
def out(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the repository's out/ (as generated); Grafana nowhere reachable; a tool that waits is stopped
    after 20 s, where a check would otherwise wait 300 s on it."""
    copy = tmp_path / "project" / "out"
    shutil.copytree(ROOT / "out", copy)
    monkeypatch.setenv("GRAFANA_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("GRAFANA_TOKEN", "glsa_hostile_reads_0a1b")
    monkeypatch.setattr(tools, "TIMEOUT", 20.0)
    return copy


def _edit_yaml(out: Path, path: str, change: Any) -> None:
    """change(document) on the YAML of out/path, written back with its hash updated in the manifest."""
    document = yaml.safe_load((out / path).read_text())
    change(document)
    (out / path).write_text(yaml.safe_dump(document, sort_keys=False))
    rehash(out, path)


def _result(out: Path, name: str) -> CheckResult:
    (result,) = [r for r in api.validate(None, out_dir=out).results if r.name == name]
    return result


def _fifo(tmp_path: Path) -> Path:
    fifo = tmp_path / "waiting.tmpl"
    os.mkfifo(fifo)
    return fifo


def _with_secret_templates(patterns: list[str]) -> Any:
    def change(document: dict[str, Any]) -> None:
        config = yaml.safe_load(document["stringData"]["alertmanager.yaml"])
        config["templates"] = patterns
        document["stringData"]["alertmanager.yaml"] = yaml.safe_dump(config)
    return change


@pytest.mark.integration
@pytest.mark.parametrize("where", ["alertmanager.yml", "Secret"])
def test_a_template_outside_out_fails_amtool_check_config_unread(out: Path, tmp_path: Path, where: str, promtool,
                                                                 amtool) -> None:
    """amtool check-config reads every template a pattern matches: a FIFO kept validate (and diff and publish,
    gated on it) waiting for ever, /dev/zero filled memory. Generate writes no templates: one outside out/ is
    left out of amtool's copy of the configuration, and fails the check naming the file and the field."""
    fifo = str(_fifo(tmp_path))
    if where == "Secret":
        _edit_yaml(out, SECRET, _with_secret_templates(["/dev/zero", fifo]))
        named = f"{out / SECRET}: stringData.alertmanager.yaml: templates"
    else:
        _edit_yaml(out, ALERTMANAGER, lambda d: d.update(templates=[fifo, "/dev/zero"]))
        named = f"{out / ALERTMANAGER}: templates"
    result = _result(out, "amtool check-config")
    assert not result.ok
    first, second = ("/dev/zero", fifo) if where == "Secret" else (fifo, "/dev/zero")
    assert f"{named}[0]: pattern {first!r} leads outside {out}" in result.details, result.details
    assert f"{named}[1]: pattern {second!r} leads outside {out}" in result.details, result.details
    assert "killed" not in result.details, result.details


@pytest.mark.integration
def test_a_template_that_matches_a_directory_of_out_fails_unread(out: Path, promtool, amtool) -> None:
    _edit_yaml(out, ALERTMANAGER, lambda d: d.update(templates=["../prometheus/*"]))
    result = _result(out, "amtool check-config")
    assert not result.ok
    assert (f"{out / ALERTMANAGER}: templates[0]: pattern '../prometheus/*' matches {out}/alertmanager/../prometheus/"
            "rules, which is not a regular file: amtool would wait on it or fail") in result.details, result.details


@pytest.mark.integration
def test_a_template_of_another_shape_is_one_line(out: Path, promtool, amtool,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    _edit_yaml(out, ALERTMANAGER, lambda d: d.update(templates=[5]))
    assert cli.main(["validate", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err == (f"monitoring: error: {out / ALERTMANAGER}: templates is not a list of strings, not as generate "
                   "writes it: run `monitoring generate` to write out/ again\n"), err


@pytest.mark.integration
@pytest.mark.parametrize(("pattern", "problem"), [
    ("/dev/zero", "leads outside {out}, where generate writes every file it names"),
    ("../../outside/*.rules.yml", "leads outside {out}, where generate writes every file it names"),
    ("rules", "matches {out}/prometheus/rules, which is not a regular file: Prometheus would wait on it or fail"),
])
def test_a_rule_files_pattern_outside_out_or_at_no_file_fails(out: Path, pattern: str, problem: str, promtool,
                                                              amtool) -> None:
    """Prometheus loads every file a rule_files pattern matches; the checks leave the patterns to `promtool
    check rules` over the files the manifest lists, so /dev/zero (or a rule file outside out/) passed unseen."""
    outside = out.parent / "outside"
    outside.mkdir()
    (outside / "evil.rules.yml").write_text("groups: []\n")
    _edit_yaml(out, PROMETHEUS, lambda d: d.update(rule_files=["rules/*.rules.yml", pattern]))
    result = _result(out, "promtool check config")
    assert not result.ok
    expected = f"{out / PROMETHEUS}: rule_files[1]: pattern {pattern!r} " + problem.format(out=out)
    assert expected in result.details, result.details


@pytest.mark.integration
def test_a_file_sd_pattern_matching_a_hidden_fifo_fails_without_waiting(out: Path, tmp_path: Path, promtool,
                                                                        amtool) -> None:
    """Go's `*` matches a name that starts with a dot, where Python's glob does not: the look before promtool ran
    missed the FIFO promtool then waited on."""
    targets = tmp_path / "targets"
    targets.mkdir()
    os.mkfifo(targets / ".waiting.json")
    _edit_yaml(out, PROMETHEUS, lambda d: d["scrape_configs"].append(
        {"job_name": "files", "file_sd_configs": [{"files": [f"{targets}/*.json"]}]}))
    result = _result(out, "promtool check config")
    assert not result.ok
    assert (f"scrape job 'files': file_sd pattern '{targets}/*.json' matches {targets}/.waiting.json, which is not a "
            "regular file") in result.details, result.details


def _first_job(change: Any) -> Any:
    return lambda document: change(document["scrape_configs"][0])


@pytest.mark.integration
@pytest.mark.parametrize(("change", "problem"), [
    (_first_job(lambda job: job.update(file_sd_configs=5)),
     "scrape_configs[0].file_sd_configs: 5 is not null or a list"),
    (_first_job(lambda job: job.update(file_sd_configs=[5])), "scrape_configs[0].file_sd_configs[0] is not an object"),
    (_first_job(lambda job: job.update(file_sd_configs=[{"files": [5]}])),
     "scrape_configs[0].file_sd_configs[0].files[0] is not str"),
    (_first_job(lambda job: job.update(static_configs=5)), "scrape_configs[0].static_configs: 5 is not null or a list"),
    (_first_job(lambda job: job.update(static_configs=[{"targets": "a:1"}])),
     "scrape_configs[0].static_configs[0].targets: 'a:1' is not null or a list"),
    (_first_job(lambda job: job.update(static_configs=[{"targets": ["a:1"], "labels": {"x": 5}}])),
     "scrape_configs[0].static_configs[0].labels.x is not str"),
])
def test_a_field_of_prometheus_yml_validate_reads_is_checked_first(out: Path, change: Any, problem: str, promtool,
                                                                    amtool, capsys: pytest.CaptureFixture[str]
                                                                    ) -> None:
    """`file_sd_configs: 5` was a traceback from the checking copy; `static_configs: 5` in a Kubernetes job
    passed, since Debian's promtool leaves those jobs out. Both are one line naming the file and the field."""
    _edit_yaml(out, PROMETHEUS, change)
    assert cli.main(["validate", "--out", str(out)]) == 2
    printed, err = capsys.readouterr()
    assert printed == "" and err.count("\n") == 1, err
    assert err.startswith(f"monitoring: error: {out / PROMETHEUS}: {problem}"), err
    assert err.endswith(", not as generate writes it: run `monitoring generate` to write out/ again\n"), err


def _unreadable(out: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """As root every file can be read: the refusal a user of a mode-000 file meets is simulated."""
    def refused(file: Any, *args: Any, **kwargs: Any) -> Any:
        if str(file).endswith(RULES):
            raise PermissionError(13, "Permission denied", str(file))
        return open(file, *args, **kwargs)
    monkeypatch.setattr(manifest_module, "open", refused, raising=False)


@pytest.mark.parametrize(("tamper", "line"), [
    (lambda out, mp: (out / RULES).unlink(), f"missing {RULES}"),
    (lambda out, mp: ((out / RULES).unlink(), (out / RULES).mkdir()), f"directory {RULES}"),
    (lambda out, mp: (out / RULES).write_text("groups: {\n"), f"changed {RULES}"),
    (_unreadable, f"unreadable {RULES}"),
])
def test_validate_on_out_changed_since_generate_fails_the_manifest_check_alone(
        out: Path, tamper: Any, line: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
        ) -> None:
    """The manifest check ran after the checks that read out/, so a file removed, replaced by a directory,
    unreadable or no longer YAML was exit 2 with Python's exception and errno in the line. It runs first now,
    and alone when it fails: exit 1, its FAIL line naming what changed."""
    files = len(json.loads((out / MANIFEST).read_text())["files"])
    tamper(out, monkeypatch)
    status = cli.main(["validate", "--out", str(out)])
    printed, err = capsys.readouterr()
    assert (status, err) == (1, ""), (printed, err)
    assert printed == (f"FAIL out/ matches {MANIFEST}: {files} files, sha256\n    {line}\n"
                       "    run `monitoring generate` to write out/ again\nvalidation failed\n"), printed


def _project() -> Project:
    return Project(project_dir=ROOT, stack="alerts.stack:stack")


@pytest.mark.parametrize(("path", "before", "after"), [
    (RULES, "for: ", "for: 5x #"),
    (RULES, "groups:", "\xff groups:"),
])
def test_test_on_a_rule_file_out_of_shape_is_validates_one_line(out: Path, path: str, before: str, after: str,
                                                                  promtool, amtool,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    """A rule file edited out of shape, its hash updated: `test` blamed some 240 hand-written tests (exit 1)
    for the alerts it no longer defined. It gives validate's one line, exit 2."""
    text = (out / path).read_text()
    assert before in text
    (out / path).write_bytes(text.replace(before, after, 1).encode("latin-1"))
    rehash(out, path)
    lines = []
    for command in (["validate"], ["test"]):
        status = cli.main([*command, "--out", str(out)], project=_project())
        printed, err = capsys.readouterr()
        assert (status, printed) == (2, ""), (command, printed, err)
        assert err.count("\n") == 1 and err.startswith(f"monitoring: error: {out / path}: "), err
        lines.append(err)
    assert lines[0] == lines[1], lines


@pytest.mark.integration
@pytest.mark.parametrize("text", [b"[1, 2, 3]\n", b"\xff{}\n", b'{"uid": "mcp-tool-calls", "title": 5}\n'])
def test_a_dashboard_out_of_shape_stops_validate_diff_and_publish_with_status_2(
        out: Path, text: bytes, promtool, amtool, capsys: pytest.CaptureFixture[str]) -> None:
    """docs/publishing.md: malformed out/grafana is exit 2 for publish and diff. A dashboard edited out of shape,
    its hash updated, failed a dashboard check instead (exit 1), where any other file of out/ is one line."""
    path = "grafana/dashboards/mcp/mcp-tool-calls.json"
    (out / path).write_bytes(text)
    rehash(out, path)
    for command in (["validate"], ["diff"], ["publish", "--dry-run"]):
        status = cli.main([*command, "--out", str(out)], project=_project())
        printed, err = capsys.readouterr()
        assert (status, printed) == (2, ""), (command, printed, err)
        assert err.startswith(f"monitoring: error: {out / path}: ") and err.count("\n") == 1, err
        assert err.endswith("not as generate writes it: run `monitoring generate` to write out/ again\n"), err


def _open_descriptors() -> int:
    return len(os.listdir("/proc/self/fd"))


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="counts descriptors in /proc")
def test_generate_check_names_a_manifest_that_is_a_directory_and_leaks_nothing(out: Path) -> None:
    """out/manifest.json a directory: generate --check said `4: Is a directory` (exit 2) and left the
    descriptor it had opened open."""
    (out / MANIFEST).unlink()
    (out / MANIFEST).mkdir()
    before = _open_descriptors()
    report = api.generate(_project(), out_dir=out, check=True)
    assert f"directory {MANIFEST}" in report.stale and not report.ok, report.stale
    assert _open_descriptors() == before


def test_generate_says_what_a_dangling_link_in_place_of_out_is(out: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    shutil.rmtree(out)
    out.symlink_to(out.parent / "nowhere")
    for check in ([], ["--check"]):
        assert cli.main(["generate", "--out", str(out), *check], project=_project()) == 2
        err = capsys.readouterr().err
        assert err.endswith(f"{out} is a symbolic link to nothing, not a directory\n") and "a file" not in err, err
