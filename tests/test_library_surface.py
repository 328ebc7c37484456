"""The library's verbs as a script calls them, on good and bad input: each returns its report or raises one
documented branch of the exception tree (monitoring.errors), prints nothing (not even from a process or a library
below it), and never exits."""

from __future__ import annotations

import re
import shutil
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import monitoring
from monitoring import Project, PublishRequest
from monitoring.errors import ConfigError, OutputError, ProjectError, StackLoadError, UsageError
from monitoring.grafana.publish.client import ClientSettings
from tests.grafana_server import running_grafana
from tests.test_publish_cli import TOKEN as TLS_TOKEN
from tests.test_publish_cli import certificates, tls_grafana  # noqa: F401  (fixtures)

TOKEN = "glsa_library_surface"
NUL = "out\x00put"
UNASKED = "http://127.0.0.1:9"  # a Prometheus nobody asks
TOO_LONG = "o" * 300  # longer than any file system's name limit (255 bytes)
WARNED_STACK = '''\
from monitoring import SLO, QuerySLI, Stack
from tests.stacks.example import stack as example

# A raw-query SLI in a form no test can be planned for: generate warns, and says so only in its report.
raw = SLO(name="raw", service="checkout", objective="99",
          sli=QuerySLI(errors='sum(rate(checkout_requests_total{code=~"5.."}[{{window}}])) or vector(0)',
                       total='sum(rate(checkout_requests_total[{{window}}]))'))
stack = Stack(**{**dict(example), "slos": (raw,)})
'''


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory, promtool: object, amtool: object) -> Project:
    """A generated project of the example stack, with the stacks the cases import beside it."""
    directory = tmp_path_factory.mktemp("library")
    (directory / "lib_surface_warned.py").write_text(WARNED_STACK, encoding="utf-8")
    (directory / "lib_surface_exits.py").write_text("import sys\nsys.exit(3)\n", encoding="utf-8")
    (directory / "lib_surface_prints.py").write_text("stack = 'a string'\n", encoding="utf-8")
    (directory / "a-file").write_text("not a directory\n", encoding="utf-8")
    (directory / "not-ours").mkdir()
    (directory / "not-ours" / "notes.txt").write_text("someone's\n", encoding="utf-8")
    project = Project(project_dir=directory, stack="tests.stacks.example:stack")
    assert monitoring.generate(project).written
    return project


@pytest.fixture(scope="module")
def grafana_env() -> Iterator[dict[str, str]]:
    with running_grafana(tokens={TOKEN: "Admin"}) as grafana:
        yield {"GRAFANA_URL": grafana.url, "GRAFANA_TOKEN": TOKEN}


def _stack(project: Project, stack: str) -> Project:
    return Project(project_dir=project.project_dir, stack=stack)


def _copy(project: Project, name: str) -> Path:
    """A fresh copy of the generated out/ (the case may change it)."""
    copy = project.project_dir / name
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(project.out_dir, copy)
    return copy


DRY = PublishRequest(dry_run=True)
# case -> (the call, given the project and Grafana's environment; the report class or the exact error class)
CASES: dict[str, tuple[Callable[[Project, dict[str, str]], object], type]] = {
    "generate": (lambda p, e: monitoring.generate(p, out_dir=p.project_dir / "out-fresh"), monitoring.GenerateReport),
    "generate --check": (lambda p, e: monitoring.generate(p, check=True), monitoring.GenerateReport),
    "generate with warnings": (lambda p, e: monitoring.generate(_stack(p, "lib_surface_warned:stack"),
                                                                out_dir=p.project_dir / "out-warned"),
                               monitoring.GenerateReport),
    "generate: no such stack": (lambda p, e: monitoring.generate(_stack(p, "no_such_module:stack")),
                                StackLoadError),
    "generate: the stack exits": (lambda p, e: monitoring.generate(_stack(p, "lib_surface_exits:stack")),
                                  StackLoadError),
    "generate: not a Stack": (lambda p, e: monitoring.generate(_stack(p, "lib_surface_prints:stack")),
                              StackLoadError),
    "generate: out/ is a file": (lambda p, e: monitoring.generate(p, out_dir=p.project_dir / "a-file"), OutputError),
    "generate: out/ under a file": (lambda p, e: monitoring.generate(p, out_dir=p.project_dir / "a-file" / "out"),
                                    OutputError),
    "generate: out/ not ours": (lambda p, e: monitoring.generate(p, out_dir=p.project_dir / "not-ours"),
                                OutputError),
    "generate: out/ with a NUL byte": (lambda p, e: monitoring.generate(p, out_dir=p.project_dir / NUL),
                                       OutputError),
    "generate: out/ name too long": (lambda p, e: monitoring.generate(p, out_dir=p.project_dir / TOO_LONG),
                                     OutputError),
    "generate --check: out/ name too long": (
        lambda p, e: monitoring.generate(p, out_dir=p.project_dir / TOO_LONG, check=True), OutputError),
    # out_dir as a str, as Project takes its directory (before: an AttributeError from deep inside)
    "generate: out_dir a str": (lambda p, e: monitoring.generate(p, out_dir=str(p.project_dir / "out-str")),
                                monitoring.GenerateReport),
    "generate: out_dir empty": (lambda p, e: monitoring.generate(p, out_dir=""), OutputError),
    "generate: stack path empty": (lambda p, e: monitoring.generate(p, stack="", check=True), StackLoadError),
    "validate: out_dir a str": (lambda p, e: monitoring.validate(None, out_dir=str(p.out_dir)),
                                monitoring.ValidateReport),
    "test: out_dir a str": (lambda p, e: monitoring.test(p, out_dir=str(p.out_dir)), monitoring.AlertTestReport),
    "validate": (lambda p, e: monitoring.validate(p), monitoring.ValidateReport),
    "validate: never generated": (lambda p, e: monitoring.validate(None, out_dir=p.project_dir / "not-ours"),
                                  OutputError),
    "validate: out/ with a NUL byte": (lambda p, e: monitoring.validate(None, out_dir=p.project_dir / NUL),
                                       OutputError),
    "validate: out/ name too long": (lambda p, e: monitoring.validate(None, out_dir=p.project_dir / TOO_LONG),
                                     OutputError),
    "test": (lambda p, e: monitoring.test(p), monitoring.AlertTestReport),
    "test: never generated": (lambda p, e: monitoring.test(p, out_dir=p.project_dir / "not-ours"), OutputError),
    "test: out/ name too long": (lambda p, e: monitoring.test(p, out_dir=p.project_dir / TOO_LONG), OutputError),
    "publish --dry-run (diff)": (lambda p, e: monitoring.publish(p, DRY, env=e), monitoring.PublishReport),
    "publish": (lambda p, e: monitoring.publish(p, PublishRequest(), out_dir=_copy(p, "out-published"), env=e),
                monitoring.PublishReport),
    "publish: Grafana unreachable": (
        lambda p, e: monitoring.publish(p, DRY, env={**e, "GRAFANA_URL": "http://127.0.0.1:9"},
                                        client_settings=ClientSettings(retries=0)),
        monitoring.PublishReport),
    "publish: no Grafana URL": (lambda p, e: monitoring.publish(p, DRY, env={}), ConfigError),
    "publish: no credentials": (lambda p, e: monitoring.publish(p, DRY, env={"GRAFANA_URL": e["GRAFANA_URL"]}),
                                ConfigError),
    "publish: concurrency 0": (lambda p, e: monitoring.publish(p, PublishRequest(dry_run=True, concurrency=0),
                                                               env=e), ConfigError),
    "publish: never generated": (lambda p, e: monitoring.publish(p, DRY, out_dir=p.project_dir / "not-ours", env=e),
                                 OutputError),
    "publish: out/ name too long": (lambda p, e: monitoring.publish(p, DRY, out_dir=p.project_dir / TOO_LONG, env=e),
                                    OutputError),
    # forecast_capacity's report directory is checked before any history is asked for (none is, here)
    "forecast_capacity: report dir is a file": (
        lambda p, e: monitoring.forecast_capacity(UNASKED, report_dir=p.project_dir / "a-file"), UsageError),
    "forecast_capacity: report dir under a file": (
        lambda p, e: monitoring.forecast_capacity(UNASKED, report_dir=p.project_dir / "a-file" / "r"), UsageError),
    "forecast_capacity: report dir with a NUL byte": (
        lambda p, e: monitoring.forecast_capacity(UNASKED, report_dir=p.project_dir / NUL), UsageError),
    "forecast_capacity: report dir name too long": (
        lambda p, e: monitoring.forecast_capacity(UNASKED, report_dir=p.project_dir / TOO_LONG / "r"), UsageError),
}


@pytest.mark.parametrize("case", CASES)
def test_a_verb_returns_its_report_or_raises_one_documented_error_and_prints_nothing(
        case: str, project: Project, grafana_env: dict[str, str], capfd: pytest.CaptureFixture[str]) -> None:
    call, expected = CASES[case]
    capfd.readouterr()
    try:
        outcome: object = call(project, grafana_env)
    except monitoring.MonitoringError as exc:
        outcome = exc
        assert "\n" not in str(exc) and str(exc), case  # one line, complete as it is
    assert type(outcome) is expected, f"{case}: {outcome!r}"  # the branch itself, not only the tree
    assert capfd.readouterr() == ("", ""), case
    if case == "generate with warnings":
        assert outcome.warnings, "the stack was meant to warn"  # type: ignore[attr-defined]


@pytest.mark.parametrize(("call", "message"), [
    (lambda p: monitoring.generate(str(p.project_dir)), "generate() takes a monitoring.Project"),
    (lambda p: monitoring.test(None), "test() takes a monitoring.Project"),
    (lambda p: monitoring.validate(None), "validate() needs a project or an out_dir"),
    (lambda p: monitoring.validate(p, out_dir=5), "validate() out_dir must be a path, not int"),
    (lambda p: monitoring.generate(p, stack=p.stack.partition(":")), "generate() stack must be an import path"),
    (lambda p: monitoring.publish(p, {"dry_run": True}), "publish() request must be a PublishRequest, not dict"),
], ids=["generate: a str for the project", "test: no project", "validate: neither", "validate: an int out_dir",
        "generate: a tuple for the stack", "publish: a dict for the request"])
def test_an_argument_of_the_wrong_type_is_a_type_error_that_says_so(project: Project, call, message: str) -> None:
    """The caller's programming mistake: a TypeError naming the verb and the argument, before anything is read."""
    with pytest.raises(TypeError, match=re.escape(message)):
        call(project)


def test_publishing_without_verification_leaves_the_callers_warnings_as_they_were(
        project: Project, tls_grafana, capfd: pytest.CaptureFixture[str]) -> None:  # noqa: F811
    """urllib3's warning at each unverified request is silenced for the call, and only for it."""
    env = {"GRAFANA_URL": tls_grafana.url, "GRAFANA_TOKEN": TLS_TOKEN}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("default")  # as a script runs
        before = list(warnings.filters)
        report = monitoring.publish(project, PublishRequest(dry_run=True, insecure=True), env=env)
        assert list(warnings.filters) == before
    assert report.plan is not None and not report.plan.failures, report.plan
    assert report.warnings == ("TLS certificate verification is off (--insecure)",)
    assert [str(w.message) for w in caught] == []
    assert capfd.readouterr() == ("", "")


def test_no_module_raises_the_root_of_the_tree_itself() -> None:
    """A deliberate error is one of the documented branches, so that a caller can catch the kind it handles."""
    import ast

    raised = []
    for path in sorted(Path(monitoring.__file__).parent.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call) and getattr(
                    node.exc.func, "id", None) == "MonitoringError":
                raised.append(f"{path.relative_to(Path(monitoring.__file__).parent)}:{node.lineno}")
    assert raised == []


RULES = "groups:\n- name: g\n  rules:\n  - alert: A\n    expr: vector(1)\n"
# a hand-written promtool test file (alerts/tests/t.yml) -> the one line `monitoring.test` refuses it with
HAND_WRITTEN_TESTS = {
    "- a\n": "a promtool test file must be a mapping with rule_files and tests",
    "a: [\n": "not valid YAML (while parsing a flow node)",
    b"\xff\xfe": "not UTF-8 text",
    "rule_files: abc\n": "not a promtool test file (rule_files is not a list)",
    "rule_files: [1]\n": "not a promtool test file (rule_files[0] is not str)",
    "tests: abc\n": "not a promtool test file (tests is not a list)",
    "tests: [a]\n": "not a promtool test file (tests[0] is not an object)",
    "tests:\n- alert_rule_test: abc\n": "not a promtool test file (tests[0].alert_rule_test is not a list)",
    "tests:\n- alert_rule_test: [abc]\n": "not a promtool test file (tests[0].alert_rule_test[0] is not an object)",
}


@pytest.mark.parametrize("text", HAND_WRITTEN_TESTS, ids=repr)
def test_a_hand_written_test_file_of_the_wrong_shape_is_one_project_error(
        text: str | bytes, project: Project, tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    tests = tmp_path / "alerts" / "tests"
    tests.mkdir(parents=True)
    (tests / "t.yml").write_bytes(text if isinstance(text, bytes) else text.encode())
    with pytest.raises(ProjectError) as error:
        monitoring.test(Project(project_dir=tmp_path), out_dir=project.out_dir)
    assert str(error.value) == f"alerts/tests/t.yml: {HAND_WRITTEN_TESTS[text]}"
    assert capfd.readouterr() == ("", "")


@pytest.mark.parametrize("rules", ["groups: [\n", "- a\n", "groups: abc\n", "groups: [abc]\n", "groups:\n- rules: a\n",
                                   "groups:\n- rules: [a]\n", b"\xff"], ids=repr)
def test_a_rule_file_a_hand_written_test_names_is_promtools_to_judge(
        rules: str | bytes, project: Project, tmp_path: Path) -> None:
    """A rule file that defines nothing readable: the test's alert is reported as undefined, and promtool, which
    loads the file, fails on it."""
    tests = tmp_path / "alerts" / "tests"
    tests.mkdir(parents=True)
    (tmp_path / "rules.yml").write_bytes(rules if isinstance(rules, bytes) else rules.encode())
    (tests / "t.yml").write_text("rule_files: [../../rules.yml]\ntests:\n- interval: 1m\n  alert_rule_test:\n"
                                 "  - alertname: A\n    eval_time: 1m\n", encoding="utf-8")
    report = monitoring.test(Project(project_dir=tmp_path), out_dir=project.out_dir)
    assert report.problems == ("alerts/tests/t.yml: unnamed test: names alert 'A', which its rule files do not "
                               "define",)
    assert report.promtool is not None and not report.promtool.ok and not report.ok


def test_a_good_hand_written_test_still_counts(project: Project, tmp_path: Path) -> None:
    tests = tmp_path / "alerts" / "tests"
    tests.mkdir(parents=True)
    (tmp_path / "rules.yml").write_text(RULES, encoding="utf-8")
    (tests / "t.yml").write_text("rule_files: [../../rules.yml]\ntests:\n- interval: 1m\n  input_series: []\n"
                                 "  alert_rule_test:\n  - alertname: A\n    eval_time: 1m\n    exp_alerts: [{}]\n",
                                 encoding="utf-8")
    report = monitoring.test(Project(project_dir=tmp_path), out_dir=project.out_dir)
    assert report.problems == () and report.promtool is not None and report.promtool.ok, report
