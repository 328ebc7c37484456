"""`monitoring test`: every generated and hand-written promtool test in one promtool run, plus alert coverage.

promtool 2.42 passes a test that names an alert no rule defines, and only warns about a missing rule file;
both are errors here. Every alert of the stack must be tested firing and tested silent somewhere. Why an alert
got no generated tests comes from out/manifest.json, as everything else from out/: the stack is not imported.
"""

from __future__ import annotations

import glob
import os
import shutil
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from monitoring import conventions
from monitoring.checks import context
from monitoring.checks.promtool import run_tests
from monitoring.checks.report import CheckResult
from monitoring.checks.shapes import OPTIONAL, mismatch
from monitoring.checks.tools import Tool, find_tool, resume_running, stop_running
from monitoring.checks.yaml_files import REGENERATE
from monitoring.errors import MonitoringError, OutputError, ProjectError
from monitoring.output.manifest import Manifest, input_file_problem, input_files, read_handoff
from monitoring.project import Project

_GLOB_CHARS = "*?["
# What coverage reads of a test file (promtool judges the rest): a hand-written one of another shape is one line.
_SCALAR = (str, int, float, bool, None)  # promtool reads any scalar as a string
_TEST_FILE = {OPTIONAL: {"rule_files": [str], "tests": [{OPTIONAL: {
    "name": _SCALAR, "alert_rule_test": [{OPTIONAL: {"alertname": _SCALAR}}]}}]}}
# What coverage reads of a rule file; one of another shape defines no alert here (promtool says what is wrong).
_RULE_FILE = {"groups": [{OPTIONAL: {"rules": [{OPTIONAL: {"alert": str}}]}}]}


@dataclass
class Coverage:
    """For each alert, the tests that expect it firing and those that expect it silent."""

    firing: dict[str, list[str]] = field(default_factory=dict)
    silent: dict[str, list[str]] = field(default_factory=dict)

    def add(self, alert: str, where: str, fires: bool) -> None:
        (self.firing if fires else self.silent).setdefault(alert, []).append(where)


@dataclass
class PromtoolTestFile:
    """A promtool test file as run: its path, its display name, and what it names."""

    path: Path
    shown: str
    data: dict[str, Any]
    rule_files: list[Path]
    missing: list[str]


def _rule_paths(test_path: Path, patterns: Iterable[str], shown: str, bad: type[MonitoringError]
                ) -> tuple[list[Path], list[str]]:
    """Rule files a test names, resolved from its directory as promtool does; and patterns that match nothing.
    `bad` (naming the test as shown) for a match that is there but no regular file: promtool would open it too,
    and wait on a FIFO until it is stopped."""
    found, missing = [], []
    for pattern in patterns:
        full = pattern if os.path.isabs(pattern) else str(test_path.parent / pattern)
        matches = sorted(glob.glob(full)) if any(c in pattern for c in _GLOB_CHARS) else [full]
        for match in matches:
            problem = input_file_problem(Path(match), None) if os.path.exists(match) else None
            if problem is not None:  # one that is not there at all is `missing`, as promtool only warns of it
                raise bad(f"{shown}: rule file {match!r} (rule_files {pattern!r}): {problem}")
        matches = [m for m in matches if Path(m).is_file()]
        if matches:
            found += [Path(m) for m in matches]
        else:
            missing.append(pattern)
    return found, missing


def load_test_file(path: Path, shown: str, bad: type[MonitoringError] = OutputError) -> PromtoolTestFile:
    """A promtool test file, with the parts read here in their place (the rest is promtool's to judge). One that
    cannot be read so is `bad`: an OutputError for out/'s, a ProjectError for a hand-written one."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise bad(f"{shown}: not valid YAML ({str(exc).splitlines()[0]})") from None
    except UnicodeDecodeError:
        raise bad(f"{shown}: not UTF-8 text") from None
    except RecursionError:
        raise bad(f"{shown}: not a promtool test file (nested too deep to read)") from None
    except OSError as exc:  # a directory named *.yml, say
        raise bad(f"{shown}: cannot be read ({exc.strerror or type(exc).__name__})") from None
    if not isinstance(data, dict):
        raise bad(f"{shown}: a promtool test file must be a mapping with rule_files and tests")
    problem = mismatch(data, _TEST_FILE, "")
    if problem:
        raise bad(f"{shown}: not a promtool test file ({problem.lstrip('.')})")
    rule_files, missing = _rule_paths(path, data.get("rule_files") or [], shown, bad)
    return PromtoolTestFile(path, shown, data, rule_files, missing)


def defined_alerts(rule_files: Iterable[Path]) -> set[str]:
    """The alerts the rule files define. A file that is not a readable rule file defines none here: promtool,
    which loads it too, reports why."""
    names: set[str] = set()
    for rule_file in rule_files:
        try:
            data = yaml.safe_load(rule_file.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError, RecursionError):
            continue  # a hand-written test's rule file that is no rule file: promtool's run reports it
        if mismatch(data, _RULE_FILE, "") is not None:
            continue
        for group in data["groups"]:
            names.update(rule["alert"] for rule in group.get("rules") or [] if "alert" in rule)
    return names


def check_test_file(test: PromtoolTestFile, coverage: Coverage) -> list[str]:
    """Problems promtool does not report, and this file's contribution to coverage."""
    problems = [f"{test.shown}: rule file {m!r} does not exist" for m in test.missing]
    defined = defined_alerts(test.rule_files)
    for group in test.data.get("tests") or []:
        where = f"{test.shown}: {group.get('name') or 'unnamed test'}"
        for check in group.get("alert_rule_test") or []:
            alert = check.get("alertname", "")
            if alert not in defined:
                problems.append(f"{where}: names alert {alert!r}, which its rule files do not define")
                continue
            coverage.add(alert, where, bool(check.get("exp_alerts")))
    return problems


def _inside(test: PromtoolTestFile, out_dir: Path) -> None:
    """OutputError unless every rule file a generated test names is in out_dir, as generate writes them:
    promtool prints the first line of a rule file it cannot read, so a pattern leading elsewhere (an absolute
    path, `../` past out/) would print a line of whatever file it names."""
    root = os.path.normpath(os.path.abspath(out_dir))
    here = os.path.abspath(test.path.parent)
    for pattern in test.data.get("rule_files") or []:
        if os.path.commonpath([root, os.path.normpath(os.path.join(here, pattern))]) != root:
            raise OutputError(f"{test.shown}: rule file {pattern!r} is not in {out_dir}, where generate writes "
                              f"every rule file its tests name: {REGENERATE}")


def _rebased(test: PromtoolTestFile, default_out: Path, out_dir: Path, tmp: Path) -> PromtoolTestFile:
    """A copy of a hand-written test whose rule files in the default out/ point into out_dir instead."""
    default_out, out_dir = default_out.resolve(), out_dir.resolve()
    patterns = []
    for pattern in test.data.get("rule_files") or []:
        full = Path(pattern if os.path.isabs(pattern) else test.path.parent / pattern).resolve()
        patterns.append(str(out_dir / full.relative_to(default_out)) if full.is_relative_to(default_out)
                        else str(full))
    data = {**test.data, "rule_files": patterns}
    copy = tmp / f"{len(list(tmp.iterdir()))}-{test.path.name}"
    copy.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    rule_files, missing = _rule_paths(copy, patterns, test.shown, ProjectError)
    return PromtoolTestFile(copy, test.shown, data, rule_files, missing)


def collect(out_dir: Path, project: Project, tmp: Path, manifest: Manifest | None = None) -> list[PromtoolTestFile]:
    """Generated tests under out_dir (those its manifest lists), then the hand-written ones (run against out_dir's
    rules)."""
    listed = (manifest or Manifest.read(out_dir)).paths(conventions.TESTS_DIR + "/", ".yml")
    generated = [load_test_file(out_dir / p, str(out_dir / p)) for p in listed]
    for test in generated:
        _inside(test, out_dir)
    hand_dir = project.project_dir / project.alert_tests
    hand_written = [load_test_file(p, str(p.relative_to(project.project_dir)), ProjectError)
                    for p in input_files(hand_dir, "*.yml", project.project_dir)]
    if out_dir.resolve() != project.out_dir.resolve():
        hand_written = [_rebased(t, project.out_dir, out_dir, tmp) for t in hand_written]
    return generated + hand_written


@dataclass(frozen=True)
class AlertTestReport:
    """What `monitoring test` found: promtool's verdict, each alert's coverage, and the problems it reports. On an
    out/ changed since generate (`as_generated` failed) nothing was run.

        report = monitoring.test(Project.find())
        gaps = report.untested  # alerts not tested both firing and silent
        why = report.no_generated_tests  # alert -> why generate wrote no tests for it

    Fields: `promtool`, promtool's run of every test file (None when there was none to run); `alerts`, every
    alert out/ defines; `coverage`, which alerts some test expects firing and which silent; `problems`, what is
    wrong with the test files themselves (a test of an alert no rule defines, say); `no_generated_tests`, alert ->
    why generate wrote no tests for it, as the manifest records it; `as_generated`, out/ checked against its
    manifest first (when it failed, nothing was run). `untested` and `ok` are worked out from them.
    """

    promtool: CheckResult | None  # None when there was no test file to run
    alerts: tuple[str, ...]
    coverage: Coverage
    problems: tuple[str, ...]
    # Alert name -> why generate wrote no tests for it, a sentence (it has no AlertScenario and its expression is
    # not a shape tests are generated for; its test would be too long; its SLO's SLI cannot be fed), as the
    # manifest records it; sorted by name. Hand-written tests may cover these.
    no_generated_tests: Mapping[str, str] = field(default_factory=dict)
    # out/ checked against its manifest first; when it failed (a file changed since generate) nothing was run
    as_generated: CheckResult | None = None

    @property
    def untested(self) -> list[str]:
        """The alerts no test expects both firing and silent, in the order of `alerts`."""
        return [a for a in self.alerts if not self.coverage.firing.get(a) or not self.coverage.silent.get(a)]

    @property
    def ok(self) -> bool:
        """Every test passed, no test file has a problem, every alert is tested both ways, out/ is as generated."""
        return ((self.promtool is None or self.promtool.ok) and not self.problems and not self.untested
                and (self.as_generated is None or self.as_generated.ok))


def generated_alerts(out_dir: Path, manifest: Manifest | None = None) -> list[str]:
    """Every alert out/ defines: the stack's alerts and its SLOs' burn-rate alerts, read from the rule files its
    manifest lists."""
    listed = (manifest or Manifest.read(out_dir)).paths(conventions.RULES_DIR + "/", ".yml")
    return sorted(defined_alerts(out_dir / p for p in listed))


def run_alert_tests(out_dir: Path, project: Project) -> AlertTestReport:
    """Run every test file with one promtool process and measure alert coverage; reads out/ only."""
    manifest = read_handoff(out_dir)  # out/ must come from generate
    try:
        os.fsencode(out_dir.resolve()).decode("utf-8")
    except UnicodeDecodeError:  # promtool panics on a rule file's path that is not UTF-8
        raise OutputError(f"{out_dir}: promtool cannot test rule files under a path that is not UTF-8: "
                          "generate out/ under another directory (--out)") from None
    from monitoring.checks.validate import check_as_generated

    as_generated = check_as_generated(manifest, out_dir)
    if not as_generated.ok:  # a file edited, added or removed since generate: what would be tested is not ours
        return AlertTestReport(None, (), Coverage(), (), as_generated=as_generated)
    workdir = Path(os.path.commonpath([out_dir.resolve(), project.project_dir.resolve()]))
    promtool = find_tool("promtool", workdir)
    resume_running()  # a new run: tools stopped by an earlier interrupted one in this process may start again
    tmp = Path(tempfile.mkdtemp(prefix=".monitoring-test-", dir=promtool.mount or None))
    try:
        report = _run(out_dir, project, promtool, tmp, manifest)
    except KeyboardInterrupt:  # Ctrl-C, SIGTERM: the runs are in sessions of their own, out of its reach
        stop_running()
        raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if not report.ok:
        _refuse_out_of_shape(manifest, out_dir)
    return report


def _refuse_out_of_shape(manifest: Manifest, out_dir: Path) -> None:
    """OutputError, the one line validate gives, when a rule or test file of out/ is not of the shape generate
    writes (edited, its hash in the manifest updated to match): every test would fail or go unrun for it, and
    blaming each would bury the one edit. Looked for only after a failure, as validate does: out/ as generated
    is read once."""
    from monitoring.checks import out_shapes

    found = out_shapes.problem(manifest, out_dir, conventions.PROMETHEUS_CONFIG.partition("/")[0] + "/")
    if found is not None:
        raise OutputError(f"{found}, not as generate writes it: {REGENERATE}")


def _run(out_dir: Path, project: Project, promtool: Tool, tmp: Path, manifest: Manifest) -> AlertTestReport:
    tests = collect(out_dir, project, tmp, manifest)
    coverage = Coverage()
    problems = [p for test in tests for p in check_test_file(test, coverage)]
    result = None
    alerts = tuple(generated_alerts(out_dir, manifest))
    if tests:
        cases = sum(len(t.data.get("tests") or []) for t in tests)
        result = run_tests(promtool, [t.path for t in tests], f"{cases} tests")
    elif alerts:  # a stack without alerts has nothing to prove
        problems.append("no promtool test files: generate some, or write them under " + project.alert_tests)
    return AlertTestReport(result, alerts, coverage, tuple(problems), context.untested(manifest.checks))

