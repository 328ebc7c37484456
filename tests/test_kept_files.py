"""generate writes only the files whose bytes changed: every other file of out/ is the same file as before (its
inode, so its modification time), taken into the new tree as it is. A file that is not exactly what generate
wrote (edited, another mode, another name for it, behind a symbolic link) is written again."""

from __future__ import annotations

import errno
import os
import signal
import stat
import subprocess
import sys
from pathlib import Path

import pytest

import monitoring
from monitoring import Project
from monitoring.errors import OutputError
from monitoring.output import files, workers
from monitoring.output.files import read_tree

STACK = '''
from pathlib import Path

from monitoring import (Alert, Counter, Receiver, Route, Routing, RuleGroup, ScrapeJob, Service, Stack,
                        StaticConfig, Webhook)


def stack():
    """A factory: each generate reads the description again."""
    description = (Path(__file__).parent / "description.txt").read_text().strip()
    services = tuple(
        Service(name=name, description=description if name == "app" else "Unchanged.",
                metrics=(Counter(name=f"{name}_requests_total", help="Requests."),),
                scrape_jobs=(ScrapeJob(name=name, static_configs=(StaticConfig(targets=(f"{name}:8080",)),)),),
                rule_groups=(RuleGroup(name=f"{name}.alerts", rules=(
                    Alert(name=f"{name.title()}Down", expr=f'up{{job="{name}"}} == 0', severity="critical",
                          summary="Down.", description="Down."),)),))
        for name in ("app", "other"))
    return Stack(name="kept", services=services,
                 routing=Routing(route=Route(receiver="default"),
                                 receivers=(Receiver(name="default", webhooks=(Webhook(url="http://hook:9/"),)),)))
'''
CHANGED = "grafana/dashboards/monitoring/app-service.json"  # the only file the description is written into


@pytest.fixture(params=["1", "2"], ids=["one process", "workers"])
def project(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Project:
    monkeypatch.setenv(workers.WORKERS_VARIABLE, request.param)
    root = tmp_path / "project"
    (root / "kept").mkdir(parents=True)
    (root / "pyproject.toml").write_text('[tool.monitoring]\nstack = "kept.stack:stack"\n')
    (root / "kept" / "__init__.py").write_text("")
    (root / "kept" / "stack.py").write_text(STACK)
    describe(root, "The first description.")
    return Project.find(root)


def describe(root: Path, text: str) -> None:
    (root / "kept" / "description.txt").write_text(text + "\n")


def stats(out: Path) -> dict[str, os.stat_result]:
    return {p.relative_to(out).as_posix(): p.lstat() for p in out.rglob("*") if not p.is_dir()}


def as_written(found: dict[str, os.stat_result]) -> dict[str, tuple[int, ...]]:
    """What writing a file changes (not the access time, which reading it does)."""
    return {path: (s.st_ino, s.st_mtime_ns, s.st_ctime_ns, s.st_size, s.st_mode) for path, s in found.items()}


def regenerated(project: Project) -> dict[str, str]:
    """out/ as generate writes it afresh, elsewhere."""
    fresh = project.project_dir / "fresh"
    monitoring.generate(project, out_dir=fresh, force=True)
    return read_tree(fresh)


def test_only_the_files_whose_bytes_changed_are_written(project: Project) -> None:
    out = project.project_dir / "out"
    monitoring.generate(project)
    before = stats(out)
    describe(project.project_dir, "The second description.")
    report = monitoring.generate(project, force=True)
    assert report.written and report.changed == 1 and report.files == len(before) - 1  # the manifest aside
    after = stats(out)
    assert after.keys() == before.keys()
    replaced = {path for path in after if after[path].st_ino != before[path].st_ino}
    assert replaced == {CHANGED, "manifest.json"}
    for path in after.keys() - replaced:  # the same file: not written, not even touched
        assert after[path].st_mtime_ns == before[path].st_mtime_ns, path
        assert after[path].st_nlink == 1 and stat.S_IMODE(after[path].st_mode) == files.FILE_MODE, path
    assert read_tree(out) == regenerated(project)
    assert monitoring.generate(project, check=True).ok
    # What the next run records of out/ is what out/ is: it finds out/ as generated, and writes nothing.
    report = monitoring.generate(project)
    assert not report.written and as_written(stats(out)) == as_written(after)


def test_a_file_edited_in_out_is_written_again(project: Project) -> None:
    out = project.project_dir / "out"
    monitoring.generate(project)
    rules = out / "prometheus/rules/app.rules.yml"
    edited = rules.read_text().replace("critical", "CRITICAL")  # the same size, other bytes; the manifest as it was
    rules.write_text(edited)
    monitoring.generate(project, force=True)
    assert rules.read_text() != edited
    assert read_tree(out) == regenerated(project)


def test_a_file_of_another_mode_or_with_another_name_is_written_again(project: Project, tmp_path: Path) -> None:
    out = project.project_dir / "out"
    monitoring.generate(project)
    private, shared = out / "prometheus/rules/app.rules.yml", out / "prometheus/rules/other.rules.yml"
    private.chmod(0o600)
    elsewhere = tmp_path / "elsewhere.yml"
    os.link(shared, elsewhere)  # a second name outside out/: out/ must not share the file with it
    before = stats(out)
    describe(project.project_dir, "Another description.")  # else out/ holds these bytes: nothing is written
    monitoring.generate(project, force=True)
    after = stats(out)
    for path in (private, shared):
        relative = path.relative_to(out).as_posix()
        assert after[relative].st_ino != before[relative].st_ino, relative
        assert stat.S_IMODE(after[relative].st_mode) == files.FILE_MODE and after[relative].st_nlink == 1
    assert elsewhere.stat().st_nlink == 1 and read_tree(out) == regenerated(project)


def test_a_folder_behind_a_symbolic_link_is_written_again(project: Project, tmp_path: Path) -> None:
    out = project.project_dir / "out"
    monitoring.generate(project)
    moved = tmp_path / "moved-tests"
    (out / "prometheus/tests").rename(moved)
    (out / "prometheus/tests").symlink_to(moved)
    describe(project.project_dir, "Another description.")
    monitoring.generate(project, force=True)
    assert (out / "prometheus/tests").is_dir() and not (out / "prometheus/tests").is_symlink()
    assert all(p.stat().st_nlink == 1 for p in moved.iterdir())  # nothing of it was taken into out/
    assert read_tree(out) == regenerated(project)


def test_without_hard_links_a_kept_file_is_copied(project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file system that has no hard links (or refuses one) still gets the right bytes."""
    out = project.project_dir / "out"
    monitoring.generate(project)

    def refused(*args: object, **kwargs: object) -> None:
        raise OSError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(files.os, "link", refused)
    describe(project.project_dir, "Another description.")
    monitoring.generate(project, force=True)
    assert read_tree(out) == regenerated(project)
    assert monitoring.generate(project, check=True).ok


def test_a_kept_file_changed_before_it_is_taken_stops_generate_and_leaves_out_as_it_was(
        project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    out = project.project_dir / "out"
    monitoring.generate(project)
    rules = out / "prometheus/rules/other.rules.yml"
    take = files._take_kept

    def edited_first(kept: list[tuple[str, files.Signature]], out_dir: str, staging: str) -> None:
        rules.write_text(rules.read_text() + "# edited while generate ran\n")
        take(kept, out_dir, staging)

    monkeypatch.setattr(files, "_take_kept", edited_first)
    describe(project.project_dir, "Another description.")
    with pytest.raises(OutputError, match=r"other\.rules\.yml changed while generate ran: run it again"):
        monitoring.generate(project, force=True)
    assert rules.read_text().endswith("# edited while generate ran\n")  # as it was: nothing swapped in
    assert sorted(p.name for p in out.parent.iterdir() if p.name.startswith("out.")) == []


def test_the_command_says_how_many_files_changed(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    from monitoring.cli import main

    out = project.project_dir / "out"
    assert main(["generate"], project=project) == 0
    files_count = len(read_tree(out))  # the manifest aside (read_tree leaves it out)
    assert capsys.readouterr().out == f"wrote {files_count} files to {out}\n"
    describe(project.project_dir, "The second description.")
    assert main(["generate", "--force"], project=project) == 0
    assert capsys.readouterr().out == f"wrote 1 of {files_count} files to {out} (the others were as generated)\n"


def test_a_fifo_in_place_of_a_file_is_written_over_without_waiting(project: Project) -> None:
    """A FIFO where a generated file was (its path and hash still in the manifest) is never opened to wait for a
    writer: the file is written again."""
    out, root = project.project_dir / "out", Path(__file__).resolve().parent.parent
    monitoring.generate(project)
    rules = out / "prometheus/rules/other.rules.yml"
    rules.unlink()
    os.mkfifo(rules)
    describe(project.project_dir, "Another description.")
    proc = subprocess.Popen([sys.executable, "-m", "monitoring", "generate"], cwd=project.project_dir,
                            env={**os.environ, "PYTHONPATH": str(root)}, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        printed, err = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        pytest.fail("generate still running after 60 s")
    assert proc.returncode == 0, err
    assert printed.startswith("wrote ") and stat.S_ISREG(rules.lstat().st_mode)
    assert read_tree(out) == regenerated(project)
