"""`monitoring ci` in a project of its own: the gate's exit statuses and its four report formats."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

import jsonschema
import pytest

from monitoring.checks.tools import Tool
from monitoring.ci.formats import github, junit
from monitoring.ci.report import Case, CIReport, Finding, Step
from monitoring.scaffold import init_project

SCHEMA = json.loads((Path(__file__).parent.parent / "monitoring" / "ci" / "ci-report.schema.json").read_text())
pytestmark = pytest.mark.integration


def _monitoring(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "monitoring", *args], cwd=project, capture_output=True, text=True,
                          check=False, timeout=600)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("ci") / "project"
    init_project(directory)
    assert _monitoring(directory, "generate").returncode == 0
    return directory


def test_a_passing_project_in_every_format(project: Path, promtool: Tool, amtool: Tool) -> None:
    runs = {f: _monitoring(project, "ci", "--format", f) for f in ("text", "json", "junit", "github")}
    assert {f: r.returncode for f, r in runs.items()} == dict.fromkeys(runs, 0)
    report = json.loads(runs["json"].stdout)
    jsonschema.validate(report, SCHEMA)
    assert [s["name"] for s in report["steps"]] == ["generate --check", "validate", "test"]
    assert report["status"] == "passed" and report["exit_status"] == 0
    cases = [c for s in report["steps"] for c in s["cases"]]
    suites = ElementTree.fromstring(runs["junit"].stdout)
    testcases = suites.findall("./testsuite/testcase")
    assert len(testcases) == len(cases) and suites.get("failures") == "0"
    names = {t.get("name") for t in testcases}
    assert {"promtool check rules", "amtool config routes test", "alert test coverage"} <= names
    assert any(n.startswith("alerts/tests/app-high-error-rate.yml > ") for n in names)  # the hand-written test
    assert sum(" > " in n for n in names) >= 10  # each promtool test its own case
    assert "::error" not in runs["github"].stdout and runs["github"].stdout.strip().endswith(
        "generate --check passed, validate passed, test passed")
    assert runs["text"].stdout.strip().endswith("ci passed")


def test_a_failing_alert_test_is_annotated_at_the_alert_definition(tmp_path: Path, promtool: Tool,
                                                                   amtool: Tool) -> None:
    init_project(tmp_path)
    stack = tmp_path / "alerts" / "stack.py"
    # The tests expect the alert at 10% errors; a 50% threshold breaks them.
    stack.write_text(stack.read_text().replace("[5m])) > 0.05'", "[5m])) > 0.5'"), encoding="utf-8")
    assert _monitoring(tmp_path, "generate").returncode == 0
    run = _monitoring(tmp_path, "ci", "--format", "github")
    assert run.returncode == 1, run.stdout + run.stderr
    line = next(i for i, text in enumerate(stack.read_text().splitlines(), 1) if "Alert(" in text)
    errors = [e for e in run.stdout.splitlines() if e.startswith("::error ")]
    assert errors and all(e.startswith(f"::error file=alerts/stack.py,line={line},title=monitoring test%3A ")
                          for e in errors), run.stdout
    report = json.loads(_monitoring(tmp_path, "ci", "--format", "json").stdout)
    jsonschema.validate(report, SCHEMA)
    assert report["status"] == "failed" and report["exit_status"] == 1
    failed = [c["name"] for s in report["steps"] for c in s["cases"] if c["status"] == "failed"]
    assert "alerts/tests/app-high-error-rate.yml > test 1" in failed
    assert all("AppHighErrorRate" in name or name.startswith("alerts/tests/") for name in failed)


NO_ALERTS_STACK = """
from monitoring import (Counter, RecordingRule, Receiver, Route, Routing, RuleGroup, ScrapeJob, Service, Stack,
                        StaticConfig)

app = Service(name="app", metrics=(Counter(name="app_http_requests_total", help="Requests.", labels=("code",)),),
              scrape_jobs=(ScrapeJob(name="app", static_configs=(StaticConfig(targets=("app:8000",)),)),),
              rule_groups=(RuleGroup(name="app.rec", rules=(RecordingRule(
                  record="job:app_http_requests:rate5m", expr="sum by (job) (rate(app_http_requests_total[5m]))"),)),))
stack = Stack(name="s", services=(app,), routing=Routing(route=Route(receiver="d"), receivers=(Receiver(name="d"),)))
"""


def test_a_stack_without_alerts_passes_with_no_test_to_run(tmp_path: Path, promtool: Tool, amtool: Tool) -> None:
    """A team's first commit may record and scrape only: no test file at all is no failure."""
    init_project(tmp_path)
    for test_file in (tmp_path / "alerts" / "tests").glob("*.yml"):
        test_file.unlink()
    (tmp_path / "alerts" / "stack.py").write_text(NO_ALERTS_STACK, encoding="utf-8")
    assert _monitoring(tmp_path, "generate").returncode == 0
    run = _monitoring(tmp_path, "ci", "--format", "json")
    assert run.returncode == 0 and not run.stderr, run.stderr
    report = json.loads(run.stdout)
    jsonschema.validate(report, SCHEMA)
    assert report["status"] == "passed"


def test_stale_output_fails_generate_check(tmp_path: Path) -> None:
    init_project(tmp_path)  # never generated
    run = _monitoring(tmp_path, "ci", "--format", "json")
    assert run.returncode == 2  # out/ is missing: validate cannot run
    report = json.loads(run.stdout)
    jsonschema.validate(report, SCHEMA)
    assert [(s["name"], s["status"]) for s in report["steps"]] == [("generate --check", "failed"),
                                                                    ("validate", "error")]
    assert run.stderr.strip().count("\n") == 0 and "has no generated output" in run.stderr


def test_bad_definition_is_exit_2_with_its_place(tmp_path: Path) -> None:
    init_project(tmp_path)
    stack = tmp_path / "alerts" / "stack.py"
    stack.write_text(stack.read_text().replace('severity="critical"', 'severity="urgent"'), encoding="utf-8")
    run = _monitoring(tmp_path, "ci", "--format", "junit")
    assert run.returncode == 2
    suites = ElementTree.fromstring(run.stdout)
    assert suites.get("errors") == "1" and suites.find("./testsuite/testcase/error") is not None
    assert re.search(r"alerts/stack\.py:\d+", run.stderr) and "severity" in run.stderr


def test_report_formats_escape_what_they_carry() -> None:
    report = CIReport([Step("validate", [Case("lint, rules", False, "1 problem",
                                              (Finding("50% of\nrequests: fail", "a,b.py", 3),))])])
    assert github(report).splitlines()[0] == (
        "::error file=a%2Cb.py,line=3,title=monitoring validate%3A lint%2C rules::50%25 of%0Arequests: fail")
    case = ElementTree.fromstring(junit(report)).find("./testsuite/testcase")
    assert case is not None and case.find("failure").text == "[a,b.py:3] 50% of\nrequests: fail"


def test_unknown_format_is_one_line(tmp_path: Path) -> None:
    run = _monitoring(tmp_path, "ci", "--format", "xml")
    assert run.returncode == 2
    assert run.stderr.strip() == ("monitoring ci: error: argument --format: invalid choice: 'xml' "
                                  "(choose from 'text', 'json', 'junit', 'github')")


def test_single_tests_go_to_promtool_in_bounded_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`ci` runs each test case alone: a large stack has thousands, more than one promtool process finishes in the
    tool's time. They go in runs of at most TESTS_PER_RUN files, each once; a run that hangs is stopped and its
    tests read as not run, with a line saying why, never a traceback."""
    from monitoring.checks import tools
    from monitoring.checks.promtool import TESTS_PER_RUN
    from monitoring.ci.run import _run_singles, _test_cases

    log = tmp_path / "runs.log"
    fake = tmp_path / "fake-promtool"
    fake.write_text(f'#!/bin/sh\nshift 2; echo "$#" >> {log}\n'
                    'for f in "$@"; do case "$f" in *hang*) exec sleep 30;; esac; '
                    'echo "Unit Testing:  $f"; echo "  SUCCESS"; echo; done\n')
    fake.chmod(0o755)
    paths = [str(tmp_path / f"single-{i}.yml") for i in range(2 * TESTS_PER_RUN + 3)]
    output = _run_singles((str(fake),), paths)
    sizes = [int(line) for line in log.read_text().split()]
    assert sum(sizes) == len(paths) and max(sizes) <= TESTS_PER_RUN
    cases = _test_cases(output, {p: p for p in paths}, 0.0, {})
    assert all(case.passed for case in cases)
    monkeypatch.setattr(tools, "TIMEOUT", 0.5)
    output = _run_singles((str(fake),), [*paths[:2], str(tmp_path / "hang.yml")])
    assert "promtool did not finish within 0.5 s and was stopped" in output
    assert [case.passed for case in _test_cases(output, {p: p for p in [*paths[:2], "hang.yml"]}, 0.0, {})] == \
        [True, True, False]


def test_a_program_that_is_not_promtool_passes_nothing(project: Path, tmp_path: Path) -> None:
    """PROMTOOL naming another program that exits 0 (here `true`) is not a promtool that passed every test."""
    fake = tmp_path / "promtool"
    fake.write_text("#!/bin/sh\nexit 0\n")
    fake.chmod(0o755)
    run = subprocess.run([sys.executable, "-m", "monitoring", "ci"], cwd=project, capture_output=True, text=True,
                         check=False, timeout=600, env={**os.environ, "PROMTOOL": str(fake)})
    assert run.returncode == 1, run.stdout + run.stderr
    assert "Traceback" not in run.stderr
    assert str(fake) in run.stderr and "promtool" in run.stderr
