"""What the commands read, and whom they trust: the project's hand-written files found by listing a directory
(regular files only: a FIFO blocked the command for ever), out/'s JSON (as strict as Grafana's reader: NaN passed
validate and broke publish), the manifest (every key generate writes, of this version of the tool), the checking
tools (promtool and amtool by their own account and their success output, not by an exit status of 0 that any
program gives) and the processes they start (killed with their children, on a timeout and when the command is
stopped)."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from monitoring import cli
from monitoring.checks import tools
from monitoring.checks.tools import Tool, run_bounded
from monitoring.errors import OutputError, PublishInputError
from monitoring.grafana.publish.desired import load_desired
from monitoring.output.manifest import MANIFEST, Manifest
from monitoring.project import Project
from tests.out_edits import edit, grafana_less_copy

ROOT = Path(__file__).resolve().parents[1]
READERS = (["validate"], ["test"], ["publish", "--dry-run"], ["diff"])
DASHBOARD = "grafana/dashboards/mcp/mcp-server-overview.json"
# What Python's json module reads and Go's encoding/json (Grafana) does not.
NOT_JSON = ("NaN", "Infinity", "-Infinity", "1e400")
# Every fact generate writes in the manifest's checks (alerts_without_generated_tests only for some stacks).
CHECKS_KEYS = ("route_tests", "known_series", "metrics", "series", "kubernetes_monitored_jobs", "fixed_record_names")


def _command(args: list[str], cwd: Path, env: dict[str, str] | None = None, timeout: float = 60
             ) -> tuple[int, str, str]:
    """`monitoring args` in a process of its own, run from cwd: (status, stdout, stderr). One still running after
    timeout seconds is killed, with every process it started, and fails the test."""
    proc = subprocess.Popen([sys.executable, "-m", "monitoring", *args], cwd=cwd,
                            env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        printed, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        pytest.fail(f"`monitoring {' '.join(args)}` still running after {timeout:g} s")
    return proc.returncode, printed, err


def _one_error_line(err: str, *expected: str) -> None:
    assert err.count("\n") == 1 and err.startswith("monitoring: error: ") and "Traceback" not in err, err
    for text in expected:
        assert text in err, err


# --- the project's hand-written files -----------------------------------------------------------------------


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project of the example stack, generated, with an empty dashboards/ and alerts/tests/."""
    directory = tmp_path / "project"
    (directory / "dashboards").mkdir(parents=True)
    (directory / "alerts" / "tests").mkdir(parents=True)
    (directory / "pyproject.toml").write_text('[tool.monitoring]\nstack = "tests.stacks.example:stack"\n')
    assert cli.main(["generate"], project=Project.find(directory)) == 0
    return directory


BOARD = 'dashboard = {"title": "Linked", "uid": "linked", "panels": []}\n'


def test_a_fifo_among_the_hand_written_tests_is_refused_without_waiting(project: Path) -> None:
    os.mkfifo(project / "alerts" / "tests" / "stray.yml")
    status, printed, err = _command(["test"], project)
    assert (status, printed) == (2, ""), err
    _one_error_line(err, "alerts/tests/stray.yml: a FIFO, not a regular file")


def test_a_fifo_among_the_dashboards_is_refused_before_anything_is_written(project: Path) -> None:
    manifest = (project / "out" / MANIFEST).read_bytes()
    os.mkfifo(project / "dashboards" / "stray.dashboard.py")
    status, printed, err = _command(["generate", "--force"], project)
    assert (status, printed) == (2, ""), err
    _one_error_line(err, "dashboards/stray.dashboard.py: a FIFO, not a regular file")
    assert (project / "out" / MANIFEST).read_bytes() == manifest
    assert sorted(p.name for p in project.iterdir()) == [".monitoring_cache", "alerts", "dashboards", "out",
                                                         "pyproject.toml"]


def test_a_rule_file_a_hand_written_test_names_must_be_a_regular_file(project: Path) -> None:
    """promtool opens every rule file a test names: a FIFO there made it wait until it was stopped."""
    os.mkfifo(project / "alerts" / "tests" / "rules.fifo")
    (project / "alerts" / "tests" / "t.yml").write_text("rule_files: [rules.fifo]\ntests: []\n")
    status, printed, err = _command(["test"], project)
    assert (status, printed) == (2, ""), err
    _one_error_line(err, "alerts/tests/t.yml: rule file", "rules.fifo", "a FIFO, not a regular file")


def test_a_link_to_a_file_inside_the_project_is_read_and_one_leading_outside_is_refused(
        project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Links are followed as out/ allows none: only to a regular file that stays inside the project."""
    (project / "shared").mkdir()
    (project / "shared" / "board.py").write_text(BOARD)
    (project / "dashboards" / "linked.dashboard.py").symlink_to(project / "shared" / "board.py")
    assert cli.main(["generate"], project=Project.find(project)) == 0
    assert list((project / "out" / "grafana" / "dashboards").glob("*/linked.json"))

    (tmp_path / "elsewhere.py").write_text(BOARD)
    (project / "dashboards" / "linked.dashboard.py").unlink()
    (project / "dashboards" / "linked.dashboard.py").symlink_to(tmp_path / "elsewhere.py")
    capsys.readouterr()
    assert cli.main(["generate", "--force"], project=Project.find(project)) == 2
    _one_error_line(capsys.readouterr().err, "dashboards/linked.dashboard.py: a symbolic link to a file outside")

    (project / "dashboards" / "linked.dashboard.py").unlink()
    os.mkfifo(project / "shared" / "fifo")
    (project / "dashboards" / "linked.dashboard.py").symlink_to(project / "shared" / "fifo")
    assert cli.main(["generate", "--force"], project=Project.find(project)) == 2
    _one_error_line(capsys.readouterr().err, "dashboards/linked.dashboard.py: a symbolic link to a FIFO")


# --- out/'s JSON, as Grafana reads it ----------------------------------------------------------------------


@pytest.fixture
def out(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return grafana_less_copy(tmp_path, monkeypatch, "glsa_input_files_contract")


def _with_value(out: Path, value: str) -> None:
    """The dashboard's first threshold of 0.05 made value."""
    text = (out / DASHBOARD).read_text()
    assert '"value": 0.05' in text
    edit(out, DASHBOARD, text.replace('"value": 0.05', f'"value": {value}', 1))


def _run(out: Path, command: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    capsys.readouterr()
    status = cli.main([*command, "--out", str(out)], project=Project(project_dir=ROOT, stack="alerts.stack:stack"))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_load_json_refuses_what_grafana_cannot_read_naming_where() -> None:
    from monitoring.output.manifest import load_json

    assert load_json('{"a": [1, 2.5, 10000000000000000000000]}') == {"a": [1, 2.5, 10**22]}
    for value in NOT_JSON:
        with pytest.raises(ValueError, match=re.escape(f"{value} at a[1].b: JSON has no such value")):
            load_json(f'{{"a": [0, {{"b": {value}}}]}}')
    with pytest.raises(ValueError, match="NaN at the top"):
        load_json("NaN")


@pytest.mark.parametrize("value", NOT_JSON)
def test_a_dashboard_grafana_cannot_read_is_refused_by_the_publisher_naming_file_and_path(out: Path,
                                                                                         value: str) -> None:
    _with_value(out, value)
    with pytest.raises(PublishInputError, match=re.escape(f"{DASHBOARD}: not readable JSON ({value} at panels[")):
        load_desired(out)


def test_a_dashboard_holding_nan_stops_validate_and_publish_in_one_line(
        out: Path, capsys: pytest.CaptureFixture[str], promtool: Tool, amtool: Tool) -> None:
    """It passed validate and the publish gate, and publish then failed saying Grafana could not be reached."""
    _with_value(out, "NaN")
    for command in (["validate"], ["publish"], ["diff"]):
        status, printed, err = _run(out, command, capsys)
        assert (status, printed) == (2, ""), (command, err)
        _one_error_line(err, f"{out / DASHBOARD}: not JSON (NaN at panels[", "thresholds.steps[1].value",
                        "not as generate writes it")


# --- the manifest: every key, of this version ------------------------------------------------------------------


def _manifest(out: Path) -> dict[str, Any]:
    return json.loads((out / MANIFEST).read_text())


def _write_manifest(out: Path, data: dict[str, Any]) -> None:
    (out / MANIFEST).write_text(json.dumps(data))


@pytest.mark.parametrize("key", ["generated_by", "version", "stack", "files", "checks"])
def test_every_key_generate_writes_is_required(out: Path, key: str) -> None:
    manifest = _manifest(out)
    del manifest[key]
    _write_manifest(out, manifest)
    with pytest.raises(OutputError, match=re.escape(f"not a manifest this tool wrote ({key} is missing)")):
        Manifest.read(out)


@pytest.mark.parametrize("key", CHECKS_KEYS)
def test_every_fact_of_checks_generate_writes_is_required(out: Path, key: str) -> None:
    manifest = _manifest(out)
    del manifest["checks"][key]
    _write_manifest(out, manifest)
    with pytest.raises(OutputError, match=re.escape(f"(checks.{key} is missing)")):
        Manifest.read(out)


def test_a_manifest_without_checks_stops_every_reader(out: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """validate failed its lint for want of a metric catalog, while test passed."""
    manifest = _manifest(out)
    del manifest["checks"]
    _write_manifest(out, manifest)
    for command in READERS:
        status, printed, err = _run(out, command, capsys)
        assert (status, printed) == (2, ""), (command, err)
        _one_error_line(err, f"{out / MANIFEST}: not a manifest this tool wrote (checks is missing)")


@pytest.mark.parametrize(("key", "value", "expected"), [
    ("version", "0.0.1", "version '0.0.1': out/ was generated by another version of monitoring"),
    ("generated_by", "another-tool", "generated_by is 'another-tool', not 'monitoring'"),
])
def test_a_manifest_of_another_version_or_program_stops_every_reader(out: Path, capsys: pytest.CaptureFixture[str],
                                                                     key: str, value: str, expected: str) -> None:
    manifest = _manifest(out)
    manifest[key] = value
    _write_manifest(out, manifest)
    for command in READERS:
        status, printed, err = _run(out, command, capsys)
        assert (status, printed) == (2, ""), (command, err)
        _one_error_line(err, f"{out / MANIFEST}: {expected}", "run `monitoring generate` again")


# --- the checking tools ------------------------------------------------------------------------------------


def _script(path: Path, body: str) -> Path:
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(0o755)
    return path


@pytest.mark.parametrize("variable", ["PROMTOOL", "AMTOOL"])
def test_a_program_that_is_not_the_tool_is_refused_saying_what_it_printed(
        out: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, promtool: Tool,
        amtool: Tool, variable: str) -> None:
    """`PROMTOOL=/bin/true monitoring test` reported every alert test passed."""
    monkeypatch.setenv(variable, "/bin/true")
    name = variable.lower()
    for command in (["validate"], ["test"]) if name == "promtool" else (["validate"],):
        status, printed, err = _run(out, command, capsys)
        assert status == 1 and "passed" not in printed, (command, printed, err)
        _one_error_line(err, f"/bin/true (from ${variable}) is not {name}: `true --version` printed",
                        f"where {name} prints '{name}, version ...'")


def test_a_pass_needs_the_success_output_of_the_real_tool(out: Path, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str],
                                                          monkeypatch: pytest.MonkeyPatch, promtool: Tool,
                                                          amtool: Tool) -> None:
    """A program that says it is the tool and exits 0 printing nothing passes no check."""
    for name, real in (("promtool", promtool), ("amtool", amtool)):
        fake = _script(tmp_path / f"quiet-{name}",
                       f'[ "$1" = --version ] && exec {real.argv[0]} --version\nexit 0\n')
        monkeypatch.setenv(name.upper(), str(fake))
    status, printed, err = _run(out, ["validate"], capsys)
    failed = {line.split(":")[0].removeprefix("FAIL ") for line in printed.splitlines() if line.startswith("FAIL ")}
    assert status == 1, (printed, err)
    assert {"promtool check config", "promtool check rules", "amtool check-config", "amtool template render",
            "amtool config routes test"} <= failed, printed
    assert "not the output of the real tool" in printed
    status, printed, err = _run(out, ["test"], capsys)
    assert status == 1 and "FAIL promtool test rules" in printed, (printed, err)


# --- the processes the tools run as ---------------------------------------------------------------------------


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


@pytest.fixture
def sleepers(tmp_path: Path) -> Iterator[Path]:
    """A file where the wrappers below write the pid of each `sleep` they start; any still running at the end
    is killed."""
    pids = tmp_path / "pids"
    pids.touch()
    yield pids
    for pid in map(int, pids.read_text().split()):
        if _alive(pid) and b"sleep" in Path(f"/proc/{pid}/cmdline").read_bytes():
            os.kill(pid, signal.SIGKILL)


def _all_gone(pids: Path) -> bool:
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        if not any(_alive(int(pid)) for pid in pids.read_text().split()):
            return True
        time.sleep(0.05)
    return False


def test_a_run_that_times_out_is_killed_with_its_children(tmp_path: Path, sleepers: Path) -> None:
    """A wrapper script's `sleep` outlived the kill of the script, under PID 1."""
    wrapper = _script(tmp_path / "wrapper", f'sleep 1000 &\necho $! >> {sleepers}\nwait\n')
    started = time.monotonic()
    proc = run_bounded([str(wrapper)], timeout=1.0)
    assert proc.returncode == -9 and "wrapper did not finish within 1 s and was stopped" in proc.stderr
    assert time.monotonic() - started < 15
    assert sleepers.read_text().split() and _all_gone(sleepers)


def test_a_stopped_command_kills_the_tools_it_runs(out: Path, tmp_path: Path, sleepers: Path, promtool: Tool,
                                                   amtool: Tool) -> None:
    """SIGTERM (a CI runner's timeout) stops validate at once, and the tool processes and their children with it:
    they run in sessions of their own, which a signal to the command's group would not reach."""
    wrapper = _script(tmp_path / "slow-promtool", f'[ "$1" = --version ] && exec {promtool.argv[0]} --version\n'
                                                  f'sleep 1000 &\necho $! >> {sleepers}\nwait\n')
    proc = subprocess.Popen([sys.executable, "-m", "monitoring", "validate", "--out", str(out)], cwd=ROOT,
                            env={**os.environ, "PYTHONPATH": str(ROOT), "PROMTOOL": str(wrapper)},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while not sleepers.read_text().split() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert sleepers.read_text().split(), "the wrapper never ran"
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        pytest.fail("validate still running 30 s after SIGTERM")
    assert proc.returncode == 143 and "monitoring: terminated (SIGTERM)" in err, (proc.returncode, err)
    assert _all_gone(sleepers)


def test_the_real_tools_are_known_by_their_version(promtool: Tool, amtool: Tool) -> None:
    if promtool.identity is None:  # run from a container image, chosen by name
        pytest.skip("promtool runs from a container image")
    assert promtool.version().startswith("promtool, version ")
    assert amtool.identity is None or amtool.version().startswith("amtool, version ")
    assert tools.find_tool("promtool", ROOT).identity is promtool.identity  # asked once per program


def test_a_run_started_while_the_command_stops_ends_at_once() -> None:
    """A thread whose tool run was killed by stop_running may go on to its next run: that one must end at once, or
    the stopping command would wait for it; a new command's runs (resume_running) run again."""
    tools.stop_running()
    try:
        started = time.monotonic()
        proc = run_bounded(["sleep", "100"], timeout=60)
        assert proc.returncode == -9 and time.monotonic() - started < 10
    finally:
        tools.resume_running()
    assert run_bounded(["true"]).returncode == 0
