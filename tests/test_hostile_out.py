"""validate, test, publish and diff on an out/ tree tampered with after generate: a manifest of the wrong shape,
paths that leave out/, symbolic links, FIFOs, edited files, out/ not a directory. Each is one line on stderr with
the documented exit status, no traceback, and nothing outside out/ is read: what a reader would find there is a
copy of the generated file, so a command that followed the way out would pass."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tracemalloc
from pathlib import Path
from typing import Any

import pytest

from monitoring import cli
from monitoring.errors import OutputError
from monitoring.output.manifest import MANIFEST, MAX_BYTES, Manifest, read_handoff, sha256_bytes
from monitoring.project import Project
from tests.grafana_server import running_grafana

ROOT = Path(__file__).resolve().parents[1]
RULES = "prometheus/rules/mcp-server.rules.yml"
READERS = (["validate"], ["test"], ["publish", "--dry-run"], ["diff"])
TOKEN = "glsa_hostile_out_0a1b2c"


@pytest.fixture
def out(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the repository's out/ (as generated), in a directory of its own; Grafana nowhere reachable, so
    that publish and diff can only get as far as their gate."""
    copy = tmp_path / "project" / "out"
    shutil.copytree(ROOT / "out", copy)
    monkeypatch.setenv("GRAFANA_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("GRAFANA_TOKEN", TOKEN)
    return copy


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A directory beside out/, where a tampered tree points."""
    path = tmp_path / "outside"
    path.mkdir()
    return path


def _project() -> Project:
    """The repository's project: `test` runs its hand-written tests too, against the copy's rules."""
    return Project(project_dir=ROOT, stack="alerts.stack:stack")


def _run(out: Path, command: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    capsys.readouterr()
    status = cli.main([*command, "--out", str(out)], project=_project())
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def _refused(out: Path, capsys: pytest.CaptureFixture[str], *expected: str) -> None:
    """Every reader exits 2 with one line on stderr holding each of expected, and prints nothing else."""
    for command in READERS:
        status, printed, err = _run(out, command, capsys)
        assert (status, printed) == (2, ""), (command, status, printed, err)
        assert err.count("\n") == 1 and err.startswith("monitoring: error: ") and "Traceback" not in err, err
        for text in expected:
            assert text in err, (command, err)


def _manifest(out: Path) -> dict[str, Any]:
    return json.loads((out / MANIFEST).read_text())


def _write_manifest(out: Path, data: dict[str, Any]) -> None:
    (out / MANIFEST).write_text(json.dumps(data))


def _list_outside(out: Path, outside: Path, spelling: str) -> None:
    """A manifest entry that leads to a copy of the rule file outside out/, with the copy's true hash."""
    data = (out / RULES).read_bytes()
    (outside / "evil.rules.yml").write_bytes(data)
    manifest = _manifest(out)
    manifest["files"][spelling] = {"origin": "service:evil", "sha256": sha256_bytes(data)}
    _write_manifest(out, manifest)


@pytest.mark.parametrize("spelling", ["prometheus/rules/../../../../outside/evil.rules.yml", "ABSOLUTE"])
def test_a_manifest_path_that_leaves_out_is_refused(out: Path, outside: Path, spelling: str,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    spelling = str(outside / "evil.rules.yml") if spelling == "ABSOLUTE" else spelling
    assert (out / spelling).resolve() == outside / "evil.rules.yml"
    _list_outside(out, outside, spelling)
    _refused(out, capsys, f"{out / MANIFEST}: not a manifest this tool wrote (file {spelling!r} is not a path "
                          "inside out/)", "run `monitoring generate` again")


@pytest.mark.parametrize(("edit", "problem"), [
    (lambda m: m["files"].update({"prometheus/rules/x\0.yml": {"origin": "x", "sha256": "0" * 64}}),
     "is not a path inside out/"),
    (lambda m: m["files"].update({"prometheus//x.yml": {"origin": "x", "sha256": "0" * 64}}),
     "is not a path inside out/"),
    (lambda m: m["files"].update({MANIFEST: {"origin": "x", "sha256": "0" * 64}}), "is the manifest itself"),
    (lambda m: m["files"][RULES].update({"sha256": 5}), f"file {RULES!r} has no sha256"),
    (lambda m: m["files"][RULES].update({"sha256": "abc"}), f"file {RULES!r} has no sha256"),
    (lambda m: m["files"][RULES].pop("origin"), f"file {RULES!r} has no origin"),
    (lambda m: m.update({"stack": 5}), "stack is not a string"),
    (lambda m: m.update({"version": None}), "version is not a string"),
    (lambda m: m["checks"].update({"route_tests": 5}), "checks.route_tests is not a list"),
    (lambda m: m["checks"].update({"route_tests": [{"labels": 1}]}), "checks.route_tests[0].labels is not an object"),
    (lambda m: m["checks"]["route_tests"][0].pop("receivers"), "checks.route_tests[0] has no receivers"),
    (lambda m: m["checks"]["route_tests"][0]["labels"].update({"--config.file": "/etc/shadow"}),
     "checks.route_tests[0].labels: '--config.file' is not a label name"),
    (lambda m: m["checks"]["route_tests"][0].update({"receivers": [""]}),
     "checks.route_tests[0].receivers: an empty receiver name, or none"),
    (lambda m: m["checks"]["route_tests"][0].update({"receivers": []}),
     "checks.route_tests[0].receivers: an empty receiver name, or none"),
    (lambda m: m.update({"checks": []}), "checks is not an object"),
    (lambda m: m.update({"checks": None}), "checks is not an object"),
    (lambda m: m["checks"].update({"known_series": 5}), "checks.known_series is not a list"),
    (lambda m: m["checks"].update({"metrics": [1]}), "checks.metrics[0] is not an object"),
    (lambda m: m["checks"]["metrics"][0].update({"type": "counters"}), "checks.metrics[0].type: 'counters' is not "
                                                                       "one of counter, gauge, histogram, summary"),
    (lambda m: m["checks"]["metrics"][0].update({"type": ["counter"]}), "checks.metrics[0].type: ['counter']"),
    (lambda m: m["checks"].update({"series": {"x": 1}}), "checks.series.x is not an object"),
    (lambda m: next(iter(m["checks"]["series"].values()))["jobs"].update({"j": True}), ".jobs.j is not int"),
    (lambda m: next(iter(m["checks"]["series"].values()))["jobs"].update({"elsewhere": 1000}),
     "a job without job_labels"),
    (lambda m: m["checks"].update({"kubernetes_monitored_jobs": 5}), "checks.kubernetes_monitored_jobs is not a list"),
    (lambda m: m["checks"].update({"fixed_record_names": [1]}), "checks.fixed_record_names is not an object"),
    (lambda m: m["checks"].update({"alerts_without_generated_tests": 5}),
     "checks.alerts_without_generated_tests is not an object"),
])
def test_a_manifest_of_the_wrong_shape_is_one_line_naming_what(out: Path, edit: Any, problem: str) -> None:
    """Every part of the manifest the readers rely on has its type checked as it is read: none of these gets
    as far as a check, where it was a traceback (or a read outside out/)."""
    manifest = _manifest(out)
    edit(manifest)
    _write_manifest(out, manifest)
    with pytest.raises(OutputError, match="not a manifest this tool wrote") as raised:
        Manifest.read(out)
    assert problem in str(raised.value) and "\n" not in str(raised.value)


def test_a_manifest_of_the_wrong_shape_stops_every_reader(out: Path, capsys: pytest.CaptureFixture[str]) -> None:
    manifest = _manifest(out)
    manifest["checks"]["route_tests"] = [{"labels": {"alertname": "X"}}]
    _write_manifest(out, manifest)
    _refused(out, capsys, "(checks.route_tests[0] has no receivers)")


def test_a_format_of_true_is_not_format_1(out: Path) -> None:
    manifest = _manifest(out)
    manifest["format"] = True
    _write_manifest(out, manifest)
    with pytest.raises(OutputError, match="written by another version of this tool"):
        Manifest.read(out)


def test_a_symbolic_link_to_a_file_outside_is_refused(out: Path, outside: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    shutil.copy(out / RULES, outside / "rules.yml")
    (out / RULES).unlink()
    (out / RULES).symlink_to(outside / "rules.yml")
    _refused(out, capsys, f"{out} holds what generate never writes (symlink {RULES})",
             "run `monitoring generate` again")


def test_a_symbolic_link_to_a_directory_outside_is_refused(out: Path, outside: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    """The dashboards behind the link are the generated ones: publish would have sent them, read from outside."""
    shutil.copytree(out / "grafana/dashboards", outside / "dashboards")
    shutil.rmtree(out / "grafana/dashboards")
    (out / "grafana/dashboards").symlink_to(outside / "dashboards")
    _refused(out, capsys, "(symlink grafana/dashboards)")


def test_an_extra_link_is_refused_and_generate_check_names_it(out: Path, outside: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    (outside / "x.json").write_text('{"uid": "x", "title": "x"}')
    (out / "grafana/dashboards/elsewhere").symlink_to(outside)
    _refused(out, capsys, "(symlink grafana/dashboards/elsewhere)")
    assert "symlink grafana/dashboards/elsewhere" in Manifest.read(out).changed_files(out)


def test_a_fifo_is_refused_before_anything_opens_it(out: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A FIFO in place of a generated file blocked promtool and amtool (and validate with them) for ever."""
    config = out / "alertmanager/alertmanager.yml"
    config.unlink()
    os.mkfifo(config)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for command in READERS:
        proc = subprocess.Popen([sys.executable, "-m", "monitoring", *command, "--out", str(out)], cwd=ROOT,
                                env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                start_new_session=True)
        try:
            printed, err = proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)  # the command and the tools it started
            proc.communicate()
            pytest.fail(f"{command}: still running after 60 s")
        assert (proc.returncode, printed) == (2, ""), (command, err)
        assert err.count("\n") == 1 and "(special alertmanager/alertmanager.yml)" in err, err


def test_out_that_is_a_file_is_one_line(out: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shutil.rmtree(out)
    out.write_text("not a directory\n")
    _refused(out, capsys, f"{out} is not a directory")


@pytest.mark.parametrize(("tamper", "line"), [
    (lambda out: (out / RULES).write_bytes(b"\xff\xfe"), f"changed {RULES}"),
    (lambda out: (out / "prometheus/tests/mcp-server.test.yml").write_bytes(b"\xff\xfe"),
     "changed prometheus/tests/mcp-server.test.yml"),
    (lambda out: (out / "prometheus/tests/zz-extra.test.yml").write_text("rule_files: []\ntests: []\n"),
     "extra   prometheus/tests/zz-extra.test.yml"),
    (lambda out: (out / RULES).unlink(), f"missing {RULES}"),
])
def test_test_runs_nothing_on_an_out_changed_since_generate(out: Path, tamper: Any, line: str,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    """`monitoring test` proves the generated tests as generated: on a tree edited since, it ran promtool on the
    edits (an extra test file, a removed rule file and the rest passed; a non-UTF-8 one was a traceback). Like
    validate, it now fails the check that out/ is what generate wrote, exit 1, and runs nothing else."""
    files = len(Manifest.read(out).files)
    tamper(out)
    status, printed, err = _run(out, ["test"], capsys)
    assert (status, err) == (1, ""), (printed, err)
    lines = printed.splitlines()
    assert lines[0] == f"FAIL out/ matches {MANIFEST}: {files} files, sha256" and f"    {line}" in lines, printed
    assert lines[-1] == "alert tests not run: out/ is not what generate wrote"


def test_hashing_a_huge_file_reads_it_in_pieces(out: Path) -> None:
    """A generated file replaced by a huge one: staleness is still a hash, without the file in memory."""
    with open(out / RULES, "wb") as huge:
        huge.truncate(256 << 20)  # sparse: no disk used
    tracemalloc.start()
    try:
        changed = Manifest.read(out).changed_files(out)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert changed == [f"changed {RULES}"]
    assert peak < 32 << 20, f"{peak >> 20} MiB"


@pytest.mark.integration
def test_an_untouched_copy_passes_every_reader_and_diff_against_grafana(out: Path, promtool, amtool,
                                                                        capsys: pytest.CaptureFixture[str],
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """The checks above refuse only what was tampered with: out/ as generated, in a directory of its own, passes
    validate and test, and publish --dry-run and diff against the Grafana stand-in plan the dashboards; and
    none of them writes a byte in out/ or beside it."""
    assert read_handoff(out).files
    before = _snapshot(out.parent)
    for command in (["validate"], ["test"]):
        status, printed, err = _run(out, command, capsys)
        assert (status, err) == (0, ""), (command, printed, err)
    with running_grafana(tokens={TOKEN: "Admin"}) as grafana:
        monkeypatch.setenv("GRAFANA_URL", grafana.url)
        for command in (["publish", "--dry-run"], ["diff"]):
            status, printed, err = _run(out, command, capsys)
            assert status == 1 and "Traceback" not in err, (command, printed, err)  # 1: there are changes
            assert f"gate: {out} is up to date and passes" in printed and "create" in printed, printed
        assert not grafana.state.dashboards  # a dry run writes nothing
    assert _snapshot(out.parent) == before


def _snapshot(directory: Path) -> dict[str, tuple[int, int]]:
    """Every entry under directory: (size, mtime in ns)."""
    return {str(p.relative_to(directory)): (p.lstat().st_size, p.lstat().st_mtime_ns) for p in directory.rglob("*")}


def test_a_manifest_nested_thousands_deep_is_one_line(out: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (out / MANIFEST).write_text("[" * 200_000)  # json gives up with RecursionError, which is no ValueError
    _refused(out, capsys, f"{out / MANIFEST}: not readable JSON (maximum recursion depth exceeded")


def test_a_huge_manifest_is_refused_before_it_is_read(out: Path) -> None:
    with open(out / MANIFEST, "wb") as huge:
        huge.truncate(MAX_BYTES + 1)  # sparse
    tracemalloc.start()
    try:
        with pytest.raises(OutputError, match=f"over {MAX_BYTES >> 20} MiB, not a manifest this tool wrote"):
            read_handoff(out)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 1 << 20, f"{peak >> 20} MiB"


def test_a_huge_file_with_its_hash_in_the_manifest_is_refused_unread(out: Path,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    """A generated file grown past any size generate writes, its hash recorded: validate held the whole file in
    memory, twice (2.1 GB resident for a 1 GiB rule file, before its error); every reader now refuses it from
    its size alone."""
    with open(out / RULES, "wb") as huge:
        huge.truncate(MAX_BYTES + 1)  # sparse
    with open(out / RULES, "rb") as huge:
        digest = hashlib.file_digest(huge, "sha256").hexdigest()
    manifest = _manifest(out)
    manifest["files"][RULES]["sha256"] = digest
    _write_manifest(out, manifest)
    tracemalloc.start()
    try:
        with pytest.raises(OutputError, match=f"oversize {RULES}"):
            read_handoff(out)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 32 << 20, f"{peak >> 20} MiB"
    _refused(out, capsys, f"{out} holds what generate never writes (oversize {RULES}): only directories and "
                          f"regular files of at most {MAX_BYTES >> 20} MiB belong there")


def test_a_directory_that_cannot_be_listed_is_one_line(out: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """As root every directory can be listed: the refusal a user would meet is simulated."""
    listing = os.scandir

    def refused(path: Any) -> Any:
        if str(path).endswith("/grafana"):
            raise PermissionError(13, "Permission denied", str(path))
        return listing(path)

    monkeypatch.setattr(os, "scandir", refused)
    with pytest.raises(OutputError, match=f"^cannot read {out}/grafana: Permission denied$"):
        read_handoff(out)


@pytest.mark.parametrize(("text", "problem"), [
    ("tests: 5\n", "tests is not a list"),
    ("tests: [5]\n", "tests[0] is not an object"),
    ("tests: [{alert_rule_test: 5}]\n", "tests[0].alert_rule_test is not a list"),
    ("tests: [{alert_rule_test: [5]}]\n", "tests[0].alert_rule_test[0] is not an object"),
    ("tests: [{alert_rule_test: [{alertname: [1]}]}]\n", "tests[0].alert_rule_test[0].alertname: [1] is not str"),
    ("rule_files: 5\n", "rule_files is not a list"),
    ("rule_files: [5]\n", "rule_files[0] is not str"),
    ("[" * 5000, "nested too deep to read"),
])
def test_a_hand_written_test_file_of_another_shape_is_one_line(tmp_path: Path, text: str, problem: str,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    """Hand-written promtool tests are the project's input: read for coverage, they were a traceback."""
    shutil.copytree(ROOT / "out", tmp_path / "out")
    (tmp_path / "alerts/tests").mkdir(parents=True)
    (tmp_path / "alerts/tests/mine.yml").write_text(text)
    status = cli.main(["test"], project=Project(project_dir=tmp_path, stack="alerts.stack:stack"))
    err = capsys.readouterr().err
    assert status == 2 and err.count("\n") == 1, err
    assert err.startswith("monitoring: error: alerts/tests/mine.yml: not a promtool test file (") and problem in err


def test_a_hand_written_tests_rule_file_that_is_no_rule_file_defines_no_alert(
        tmp_path: Path, promtool, capsys: pytest.CaptureFixture[str]) -> None:
    """Coverage reads the rule files a hand-written test names; one that is not a rule file (not YAML, or YAML
    of another shape) defines no alert, and promtool's run says what is wrong with it."""
    shutil.copytree(ROOT / "out", tmp_path / "out")
    (tmp_path / "alerts/tests").mkdir(parents=True)
    (tmp_path / "alerts/notes.yml").write_text("groups: [5]\n")
    (tmp_path / "alerts/tests/mine.yml").write_text(
        "rule_files: [../notes.yml]\ntests: [{interval: 1m, alert_rule_test: [{eval_time: 1m, alertname: X}]}]\n")
    status = cli.main(["test"], project=Project(project_dir=tmp_path, stack="alerts.stack:stack"))
    captured = capsys.readouterr()
    assert status == 1 and "Traceback" not in captured.err, captured
    assert "FAIL alerts/tests/mine.yml: unnamed test: names alert 'X', which its rule files do not define" \
        in captured.out.splitlines(), captured.out


@pytest.mark.parametrize("kind", ["fifo", "directory", "symlink"])
def test_a_manifest_that_is_no_regular_file_is_refused_unread(out: Path, outside: Path, kind: str,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    """A FIFO as the manifest blocked every reader (and generate) on its first read."""
    manifest = out / MANIFEST
    shutil.copy(manifest, outside / MANIFEST)
    manifest.unlink()
    if kind == "fifo":
        os.mkfifo(manifest)
    elif kind == "directory":
        manifest.mkdir()
    else:
        manifest.symlink_to(outside / MANIFEST)
    expected = f"(symlink {MANIFEST})" if kind == "symlink" else f"{manifest}: not a file generate wrote"
    _refused(out, capsys, expected)


def test_a_directory_without_a_manifest_is_refused_before_its_tree_is_walked(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`--out /` (or any large tree that never was an out/) is one line at once, not a walk of every file."""
    from monitoring.output import manifest as manifest_module

    def walked(out_dir: Path) -> object:
        raise AssertionError(f"walked {out_dir}")

    monkeypatch.setattr(manifest_module, "walk", walked)
    with pytest.raises(OutputError, match=r"manifest.json is missing\): run `monitoring generate` first"):
        read_handoff(tmp_path)
