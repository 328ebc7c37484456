"""pyproject.toml [tool.monitoring] and MONITORING_WORKERS as a user may get them wrong: one line naming the
setting and pyproject.toml:line, exit 2, out/ untouched; never a setting silently ignored or turned into a string."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from monitoring.errors import ProjectError, UsageError
from monitoring.output.files import read_tree
from monitoring.output.workers import MAX_WORKERS, can_fork, worker_count
from monitoring.project import Project
from tests.test_bad_input import generated_project, run, stderr

HEADER = '[project]\nname = "demo"\n\n'

SETTINGS = [
    ("a list for out", '[tool.monitoring]\nstack = "goodstack:stack"\nout = ["build"]\n', "out", 3,
     "out must be a string, not list ['build']"),
    ("a table for out", '[tool.monitoring]\nout = { dir = "build" }\n', "out", 2,
     "out must be a string, not dict {'dir': 'build'}"),
    ("a number for stack", '[tool.monitoring]\nstack = 5\n', "stack", 2, "stack must be a string, not int 5"),
    ("a boolean for dashboards", '[tool.monitoring]\ndashboards = false\n', "dashboards", 2,
     "dashboards must be a string, not bool False"),
    ("an empty out", '[tool.monitoring]\nout = ""\n', "out", 2, "out must not be empty"),
    ("a command over two lines", '[tool.monitoring]\nregenerate = "make\\nrm -rf /"\n', "regenerate", 2,
     "regenerate 'make\\nrm -rf /' contains the control character '\\n'"),
    ("a NUL in a path", '[tool.monitoring]\n\n"out" = "out\\u0000x"\n', "out", 3,
     "contains the control character '\\x00'"),
    ("a misspelt setting", '[tool.monitoring]\nstak = "goodstack:stack"\n', "stak", 2,
     "unknown setting (known: stack, out, dashboards, alert_tests, regenerate, kubernetes)"),
    ("tool.monitoring not a table", '[tool]\nmonitoring = "goodstack:stack"\n', "monitoring", 2,
     "must be a table, not 'goodstack:stack'"),
    ("a file path for stack", '[tool.monitoring]\nstack = "alerts/stack.py:stack"\n', "stack", 2,
     "stack must look like 'package.module:attribute': a module's import path, not a file ('alerts.stack:stack')"),
    ("a stack path without its attribute", '[tool.monitoring]\nstack = "alerts.stack"\n', "stack", 2,
     "stack must look like 'package.module:attribute'"),
]


@pytest.mark.parametrize(("description", "table", "key", "line", "message"), SETTINGS,
                         ids=[s[0] for s in SETTINGS])
def test_a_wrong_setting_names_itself_and_its_line(tmp_path: Path, description: str, table: str, key: str,
                                                   line: int, message: str) -> None:
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(HEADER + table)
    with pytest.raises(ProjectError) as caught:
        Project.find(tmp_path)
    error = caught.value
    assert error.field == key
    assert error.where == f"{pyproject}:{line + HEADER.count(chr(10))}"
    assert message in error.problem
    assert "\n" not in error.message


@pytest.mark.parametrize(("key", "value", "why"), [
    ("alert_tests", "alerts/test", "it does not exist"),  # misspelt: every hand-written test would be dropped
    ("dashboards", "pyproject.toml", "it is a file"),
])
def test_a_directory_setting_must_name_a_directory(tmp_path: Path, key: str, value: str, why: str) -> None:
    (tmp_path / "alerts" / "tests").mkdir(parents=True)
    (tmp_path / "pyproject.toml").write_text(f'[tool.monitoring]\n{key} = "{value}"\n')
    with pytest.raises(ProjectError) as caught:
        Project.find(tmp_path)
    assert caught.value.message == (f"[tool.monitoring] {key} ({tmp_path / 'pyproject.toml'}:2): {key} {value!r} "
                                     f"names no directory of the project ({why}): create it, or remove the setting")


def test_directories_left_out_are_optional(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.monitoring]\nstack = "x:stack"\n')
    assert Project.find(tmp_path).dashboards_dir == tmp_path / "dashboards"


def test_tool_that_is_not_a_table(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('tool = 5\n')
    with pytest.raises(ProjectError, match=r"\[tool\] .*must be a table, not 5"):
        Project.find(tmp_path)


def test_the_command_refuses_a_wrong_setting_and_leaves_out_alone(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    project = generated_project(tmp_path, monkeypatch)
    before = read_tree(project / "out")
    pyproject = project / "pyproject.toml"
    pyproject.write_text('[tool.monitoring]\nstack = "goodstack:stack"\nout = ["out"]\n')
    for command in (["generate"], ["validate"], ["test"]):
        proc = subprocess.run([sys.executable, "-m", "monitoring", *command], cwd=project, capture_output=True,
                              text=True, check=False)
        assert proc.returncode == 2, proc.stderr
        assert proc.stderr == (f"monitoring: error: [tool.monitoring] out ({pyproject}:3): out must be a string, "
                               "not list ['out']\n")
    assert read_tree(project / "out") == before
    assert not (project / "['out']").exists()


@pytest.mark.parametrize(("field", "value", "message"), [
    ("out", ["build"], "out must be a string, not list ['build']"),
    ("regenerate", "make\ngenerate", "contains the control character '\\n'"),
])
def test_a_project_made_in_code_is_checked_too(tmp_path: Path, field: str, value: object, message: str) -> None:
    with pytest.raises(ProjectError) as caught:
        Project(tmp_path, **{field: value})
    assert caught.value.field == field and message in caught.value.problem
    assert caught.value.where is not None and "test_project_settings.py:" in caught.value.where


def test_a_project_directory_given_as_text_is_a_path(tmp_path: Path) -> None:
    assert Project(str(tmp_path)).out_dir == tmp_path / "out"  # type: ignore[arg-type]


# Values that fork nothing even where they were once taken (a full-width 3 made three workers): a count past the
# maximum is tested on worker_count alone below, so that a regression cannot fork thousands of processes here.
@pytest.mark.parametrize("value", ["0", "-1", "1.5", "two", "\uff13", "\u0663", "9" * 5000],
                         ids=["zero", "negative", "fraction", "word", "full-width", "arabic-indic", "5000 digits"])
def test_bad_worker_counts_are_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                        capsys: pytest.CaptureFixture[str], value: str) -> None:
    project = generated_project(tmp_path, monkeypatch)
    before = read_tree(project / "out")
    monkeypatch.setenv("MONITORING_WORKERS", value)
    assert run(project, ["generate", "--force"]) == 2
    err = stderr(project, capsys)
    assert err.startswith("monitoring: error: MONITORING_WORKERS=") and err.count("\n") == 1, err
    assert "expected a whole number of processes from 1 to 256" in err and len(err) < 200
    assert read_tree(project / "out") == before


@pytest.mark.parametrize("value", ["257", "100000"])
def test_a_worker_count_past_the_maximum_is_refused(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("MONITORING_WORKERS", value)
    with pytest.raises(UsageError, match=f"MONITORING_WORKERS='{value}': expected a whole number of processes "
                                         "from 1 to 256"):
        worker_count(1)


def test_the_largest_worker_count_is_accepted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MONITORING_WORKERS", f" {MAX_WORKERS} ")
    assert worker_count(1) == (MAX_WORKERS if can_fork() else 1)
