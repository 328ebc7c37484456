"""`monitoring test`: one promtool run over generated and hand-written tests, and per-alert coverage."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest

from monitoring.cli import main
from monitoring.project import Project

ROOT = Path(__file__).resolve().parent.parent

STACK = '''
from monitoring import Alert, AlertTier, SLOAlerting
from tests.test_slo_stacks import api_down_alert, availability, stack_with

queue_deep = Alert(name="APIQueueDeep", severity="warning", expr="max_over_time(api_queue_depth[5m]) > 100", for_="1m",
                   summary="The API queue is deep.", description="{{ $value }} requests queued.")
stack = stack_with(alerts=(api_down_alert(), queue_deep))
with_slo = stack_with(availability(alerting=SLOAlerting(ticket=AlertTier(severity="warning", enabled=False))))
queue_stuck = Alert(name="APIQueueStuck", severity="warning", expr="min_over_time(api_queue_depth[30m]) > 0",
                    for_="1m", summary="The API queue is stuck.", description="{{ $value }} requests queued.")
stuck = stack_with(alerts=(api_down_alert(), queue_stuck))
'''

QUEUE_TEST = '''
rule_files:
  - ../../out/prometheus/rules/api.rules.yml
evaluation_interval: 1m
tests:
  - name: deep queue
    interval: 1m
    input_series:
      - series: api_queue_depth
        values: 150x5
    alert_rule_test:
      - eval_time: 30s
        alertname: APIQueueDeep
        exp_alerts: []
      - eval_time: 1m30s
        alertname: APIQueueDeep
        exp_alerts:
          - exp_labels: {severity: warning}
            exp_annotations:
              summary: The API queue is deep.
              description: 150 requests queued.
              runbook_url: https://runbooks.example.com/api/APIQueueDeep
'''


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "pyproject.toml").write_text('[tool.monitoring]\nstack = "proj:stack"\nalert_tests = "alerts/tests"\n')
    (tmp_path / "proj.py").write_text(STACK)
    (tmp_path / "alerts" / "tests").mkdir(parents=True)
    (tmp_path / "alerts" / "tests" / "queue.yml").write_text(QUEUE_TEST)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.syspath_prepend(str(ROOT))
    assert main(["generate"], project=Project.find(tmp_path)) == 0
    return tmp_path


pytestmark = pytest.mark.integration


def _run(project: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    capsys.readouterr()
    status = main(["test", *args], project=Project.find(project))
    return status, capsys.readouterr().out


def test_everything_covered_passes(project: Path, capsys: pytest.CaptureFixture[str], promtool) -> None:
    status, out = _run(project, capsys)
    assert status == 0, out
    assert "ok   promtool test rules: 2 test files (3 tests)" in out
    rows = {line.split()[0]: line.split()[1:3] for line in out.splitlines() if line.startswith("API")}
    assert rows == {"APIDown": ["2", "3"], "APIQueueDeep": ["1", "1"]}
    assert out.rstrip().endswith("all alert tests passed")


def test_an_alert_without_tests_fails(project: Path, capsys: pytest.CaptureFixture[str], promtool) -> None:
    (project / "alerts" / "tests" / "queue.yml").unlink()
    status, out = _run(project, capsys)
    assert status == 1
    assert "APIQueueDeep       0       0   <- untested firing" in out
    assert "FAIL 1 of 2 alerts are not tested both firing and silent: APIQueueDeep" in out
    # A gauge against a threshold would get generated tests; the maximum over time of one does not.
    assert "FAIL alert 'APIQueueDeep': it has no AlertScenario, and its expression is not a shape tests are " \
           "generated for: max_over_time() where a gauge, a rate, or their sum, max, min or avg was expected" in out


def test_an_untested_alert_is_explained_by_the_stack_out_came_from(project: Path, capsys: pytest.CaptureFixture[str],
                                                                   promtool) -> None:
    stuck_out = str(project / "stuck-out")
    assert main(["generate", "--stack", "proj:stuck", "--out", stuck_out], project=Project.find(project)) == 0
    status, out = _run(project, capsys, "--out", stuck_out)  # the project's stack is another one
    assert status == 1
    assert "FAIL alert 'APIQueueStuck': it has no AlertScenario, and its expression is not a shape tests are " \
           "generated for: min_over_time() where a gauge, a rate, or their sum, max, min or avg was expected" in out
    assert "'APIQueueDeep': it has no AlertScenario" not in out


def test_an_alert_tested_only_silent_fails(project: Path, capsys: pytest.CaptureFixture[str], promtool) -> None:
    test = project / "alerts" / "tests" / "queue.yml"
    test.write_text(test.read_text().split("      - eval_time: 1m30s")[0])
    status, out = _run(project, capsys)
    assert status == 1
    assert "<- untested firing" in out and "APIQueueDeep" in out.splitlines()[-2]


def test_a_test_naming_an_unknown_alert_fails(project: Path, capsys: pytest.CaptureFixture[str], promtool) -> None:
    (project / "alerts" / "tests" / "typo.yml").write_text(textwrap.dedent('''
        rule_files: [../../out/prometheus/rules/api.rules.yml]
        evaluation_interval: 1m
        tests:
          - interval: 1m
            input_series: []
            alert_rule_test:
              - {eval_time: 1m, alertname: APIQueueDepp, exp_alerts: []}
    '''))
    status, out = _run(project, capsys)
    assert status == 1  # promtool itself passes this test
    assert "FAIL alerts/tests/typo.yml: unnamed test: names alert 'APIQueueDepp', which its rule files do not " \
           "define" in out
    assert "ok   promtool test rules" in out


def test_a_missing_rule_file_fails(project: Path, capsys: pytest.CaptureFixture[str], promtool) -> None:
    test = project / "alerts" / "tests" / "queue.yml"
    test.write_text(test.read_text().replace("api.rules.yml", "apj.rules.yml"))
    status, out = _run(project, capsys)
    assert status == 1
    assert "FAIL alerts/tests/queue.yml: rule file '../../out/prometheus/rules/apj.rules.yml' does not exist" in out


def test_a_failing_promtool_test_fails(project: Path, capsys: pytest.CaptureFixture[str], promtool) -> None:
    test = project / "alerts" / "tests" / "queue.yml"
    test.write_text(test.read_text().replace("description: 150 requests queued.", "description: 15 queued."))
    status, out = _run(project, capsys)
    assert status == 1
    assert "FAIL promtool test rules" in out and "FAILED" in out


def test_hand_written_tests_run_against_the_chosen_out(project: Path, capsys: pytest.CaptureFixture[str],
                                                       promtool) -> None:
    assert main(["generate", "--out", str(project / "elsewhere")], project=Project.find(project)) == 0
    shutil.rmtree(project / "out")
    status, out = _run(project, capsys, "--out", str(project / "elsewhere"))
    assert status == 0, out


def test_slo_alerts_are_covered_by_generated_tests(project: Path, capsys: pytest.CaptureFixture[str],
                                                   promtool) -> None:
    slo_out = str(project / "slo-out")
    assert main(["generate", "--stack", "proj:with_slo", "--out", slo_out], project=Project.find(project)) == 0
    status, out = _run(project, capsys, "--out", slo_out)  # test reads out/ alone: no --stack
    [row] = [line.split() for line in out.splitlines() if line.startswith("ApiAvailability")]
    assert row[0] == "ApiAvailabilityErrorBudgetBurnPage" and int(row[1]) >= 3 and int(row[2]) >= 5
    assert "FAIL alerts/tests/queue.yml: deep queue: names alert 'APIQueueDeep', which its rule files do not " \
           "define" in out  # rebased onto slo-out, whose api.rules.yml has APIDown only
    assert status == 1


def test_without_generated_output(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["test", "--out", str(project / "nothing")], project=Project.find(project)) == 2
    assert "has no generated output (manifest.json is missing): run `monitoring generate` first" in \
        capsys.readouterr().err


def _fake_promtool(directory: Path, body: str) -> Path:
    script = directory / "fake-promtool"
    script.write_text("#!/bin/sh\n" + body)
    script.chmod(0o755)
    return script


def test_a_promtool_that_hangs_fails_the_check_in_one_line(project: Path, capsys: pytest.CaptureFixture[str],
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """A checking tool that outlives its time is stopped and fails its check, with a line saying so: no
    traceback, and the report comes back from the library as from the command line."""
    from monitoring.checks import tools

    monkeypatch.setenv("PROMTOOL", str(_fake_promtool(project, "exec sleep 30\n")))
    monkeypatch.setattr(tools, "TIMEOUT", 0.5)
    status, out = _run(project, capsys)
    assert status == 1
    assert "FAIL promtool test rules" in out and "fake-promtool did not finish within 0.5 s and was stopped" in out


def test_many_test_files_go_to_promtool_in_bounded_runs(tmp_path: Path) -> None:
    """Hundreds of SLO test files (about a second each) would outlive the tool's time in one process: they go in
    runs of at most TESTS_PER_RUN files, each file once and in order, and one failing run fails the check."""
    from monitoring.checks.promtool import TESTS_PER_RUN, run_tests
    from monitoring.checks.tools import Tool

    log = tmp_path / "runs.log"
    fake = _fake_promtool(tmp_path, f'shift 2; echo "$#" >> {log}\n'
                                    'for f in "$@"; do echo "Unit Testing: $f"; echo "  SUCCESS"; '
                                    'case "$f" in *bad*) failed=1;; esac; done; exit ${failed:-0}\n')
    files = [tmp_path / f"t{i:03d}.test.yml" for i in range(3 * TESTS_PER_RUN + 5)]
    result = run_tests(Tool("promtool", (str(fake),), "test"), files, "many")
    sizes = [int(line) for line in log.read_text().split()]
    assert result.ok and sum(sizes) == len(files) and max(sizes) <= TESTS_PER_RUN and len(sizes) >= 4
    assert [line.split()[-1] for line in result.details.splitlines()
            if line.startswith("Unit Testing")] == [str(f) for f in files]
    assert not run_tests(Tool("promtool", (str(fake),), "test"), [*files, tmp_path / "bad.test.yml"]).ok
