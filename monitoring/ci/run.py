"""Run the gate: generate --check, validate, every promtool test on its own and, given a Prometheus, the live
series check (`monitoring check`), collecting a CIReport."""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from monitoring.ci.locate import definition_sites, finding
from monitoring.ci.report import Case, CIReport, Finding, Step
from monitoring.errors import DefinitionError, MonitoringError, OutputError
from monitoring.model.stack import Stack
from monitoring.project import Project

if TYPE_CHECKING:
    from monitoring.live.client import PrometheusClient

_BLOCK = re.compile(r"^Unit Testing:\s+(?P<path>\S.*)$", re.M)


def run_ci(project: Project, stack_path: str | None = None, out_dir: Path | None = None, *,
           prometheus: PrometheusClient | None = None, lookback: str = "1h") -> CIReport:
    """The gate over the project (its stack, or the one at stack_path); bad input (an unreachable Prometheus
    too) ends it early with an 'error' step (exit 2). With prometheus, a last step 'check' asks it whether every
    series that a rule or a dashboard query selects exists (series seen within lookback), one case per rule and
    per query.

        report = run_ci(Project.find()); print(render(report, "github"))

        from monitoring.live.client import PrometheusClient

        report = run_ci(Project.find(), prometheus=PrometheusClient("http://localhost:9090"))
    """
    from monitoring import api

    stack_path = project.stack if stack_path is None else stack_path
    out_dir = out_dir or project.out_dir
    report = CIReport()
    step = _start(report, "generate --check")
    try:
        generated = api.generate(project, stack=stack_path, out_dir=out_dir, check=True)
        stack = project.load_stack(stack_path)
    except MonitoringError as exc:
        return _failed_to_run(report, step, exc)
    stale, files = list(generated.stale), range(generated.files)
    sites = definition_sites(stack)
    step.cases = [Case(f"{out_dir.name}/{line.split()[-1]}", False, f"{line.split()[0]}: run `{project.regenerate}`",
                       (Finding(f"{line}: run `{project.regenerate}`"),)) for line in stale]
    step.cases = step.cases or [Case(f"{out_dir.name}/ is up to date", True, f"{len(files)} files")]
    _finish(step)
    for name, runner in (("validate", _validate), ("test", _tests)):
        step = _start(report, name)
        try:
            step.cases = runner(stack, project, out_dir, sites)
        except MonitoringError as exc:
            return _failed_to_run(report, step, exc)
        _finish(step)
    if prometheus is not None:
        step = _start(report, "check")
        try:
            step.cases = _live_check(stack, prometheus, lookback, out_dir, sites)
        except MonitoringError as exc:
            return _failed_to_run(report, step, exc)
        _finish(step)
    return report


def _live_check(stack: Stack, prometheus: PrometheusClient, lookback: str, out_dir: Path,
                sites: dict[str, str]) -> list[Case]:
    """`monitoring check`: one case per rule and per dashboard query; a dead one fails with a finding per reason,
    placed at the rule's definition; notes (a label the catalog declares, not yet seen) stay in the message."""
    from monitoring.live.series_check import check, declared_labels

    report = check(prometheus, out_dir, lookback, declared=declared_labels(stack))
    cases = []
    for item in report.items:
        named = f"{'alert' if item.kind == 'alert' else 'recording rule' if item.kind == 'record' else 'panel'} " \
                f"{item.name!r}"
        message = "; ".join(item.notes) if item.notes else f"its series exist (seen in the last {lookback})"
        cases.append(Case(f"{named} ({item.where})", not item.dead, message,
                          tuple(finding(f"{named} ({item.where}) is dead: {reason}", sites) for reason in item.dead)))
    return cases


def _start(report: CIReport, name: str) -> Step:
    step = Step(name, seconds=time.monotonic())
    report.steps.append(step)
    return step


def _finish(step: Step) -> None:
    step.seconds = time.monotonic() - step.seconds


def _failed_to_run(report: CIReport, step: Step, exc: MonitoringError) -> CIReport:
    where = exc.where if isinstance(exc, DefinitionError) else None
    step.error, step.error_status = str(exc), exc.exit_status
    step.cases = [Case(step.name, False, str(exc), (finding(f"{where}: {exc}" if where else str(exc), {}),))]
    _finish(step)
    return report


def _validate(stack: Stack, project: Project, out_dir: Path, sites: dict[str, str]) -> list[Case]:
    from monitoring.checks.validate import validate

    if not (out_dir / "prometheus").is_dir():
        raise OutputError(f"{out_dir} has no generated output: run `{project.regenerate}` first")
    cases = []
    for result in validate(out_dir):
        lines = [line.strip() for line in result.details.splitlines() if line.strip()] if not result.ok else []
        findings = tuple(finding(line, sites) for line in lines) or ((Finding(result.checked),) if not result.ok
                                                                      else ())
        cases.append(Case(result.name, result.ok, result.checked, findings))
    return cases


def _tests(stack: Stack, project: Project, out_dir: Path, sites: dict[str, str]) -> list[Case]:
    """Each test of each promtool test file as its own case, all run by one promtool process."""
    from monitoring.checks.alert_tests import Coverage, check_test_file, collect, generated_alerts
    from monitoring.checks.tools import find_tool

    workdir = Path(os.path.commonpath([out_dir.resolve(), project.project_dir.resolve()]))
    promtool = find_tool("promtool", workdir)
    promtool.version()  # ToolMissingError unless the program is promtool: its answers are read as promtool's
    tmp = Path(tempfile.mkdtemp(prefix=".monitoring-ci-", dir=promtool.mount or None))
    try:
        tests = collect(out_dir, project, tmp)
        coverage = Coverage()
        problems = [p for test in tests for p in check_test_file(test, coverage)]
        singles: dict[str, str] = {}  # path of a one-test file -> the case name
        for test in tests:
            for index, one in enumerate(test.data.get("tests") or []):
                path = tmp / f"single-{len(singles)}.yml"
                rule_files = [str(p) for p in test.rule_files]
                path.write_text(yaml.safe_dump({**test.data, "rule_files": rule_files, "tests": [one]},
                                               sort_keys=False), encoding="utf-8")
                shown = _relative(test.shown, project.project_dir)
                singles[str(path)] = f"{shown} > {one.get('name') or f'test {index + 1}'}"
        started = time.monotonic()
        output = _run_singles(promtool.argv, list(singles))
        per_test = (time.monotonic() - started) / max(len(singles), 1)
        cases = _test_cases(output, singles, per_test, sites)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    alerts = generated_alerts(out_dir)
    untested = [a for a in alerts if not coverage.firing.get(a) or not coverage.silent.get(a)]
    coverage_findings = [finding(p, sites) for p in problems]
    coverage_findings += [finding(f"alert {a!r} is not tested both firing and silent", sites) for a in untested]
    cases.append(Case("alert test coverage", not coverage_findings,
                      f"{len(alerts) - len(untested)} of {len(alerts)} alerts tested firing and silent",
                      tuple(coverage_findings)))
    return cases


def _relative(shown: str, project_dir: Path) -> str:
    path = Path(shown)
    return str(path.relative_to(project_dir)) if path.is_absolute() and path.is_relative_to(project_dir) else shown


_ALERTNAME = re.compile(r"alertname:\s*([A-Za-z_][A-Za-z0-9_]*)")


def _run_singles(argv: tuple[str, ...], paths: list[str]) -> str:
    """promtool's output for every file, as one stream (each file's header on stdout, its failures on stderr),
    in the bounded runs side by side that `monitoring test` makes: one process for the thousands of single tests
    of a large stack would outlive the tool's time. A run stopped at that time says so, and the tests it did not
    reach read as not run."""
    from monitoring.checks import tools
    from monitoring.checks.background import map_at_most, usable_cpus
    from monitoring.checks.promtool import batches_of_tests

    def run(files: list[str]) -> str:
        return tools.run_bounded([*argv, "test", "rules", *files], one_stream=True).stdout

    return "".join(map_at_most(run, batches_of_tests(paths), usable_cpus()))


def _test_cases(output: str, singles: dict[str, str], seconds: float, sites: dict[str, str]) -> list[Case]:
    found = list(_BLOCK.finditer(output))  # none when there was no test file to run
    ends = [*(m.start() for m in found[1:]), len(output)][:len(found)]
    blocks = {m["path"].strip(): output[m.end():end] for m, end in zip(found, ends, strict=True)}
    cases = []
    for path, name in singles.items():
        text = blocks.get(path, "").strip()
        passed = text.startswith("SUCCESS")
        detail = " ".join(text.split()) or "promtool did not run this test"
        # A failure names the alert it expected: place it at that alert's definition.
        alert = _ALERTNAME.search(text)
        message = f"{name}: {detail}" + (f" (alert {alert[1]!r})" if alert else "")
        cases.append(Case(name, passed, "passed" if passed else "failed", () if passed else
                          (finding(message, sites),), seconds))
    return cases
