"""`generate --check` names exactly the files a generation would change, compared with what it would write (not
with the manifest out/ holds, which may be missing, damaged or describe other files), and writes nothing."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

import monitoring
from monitoring.cli import main
from monitoring.output.files import read_tree
from monitoring.project import Project

SOURCE = "alerts.stack:stack"
RULES = "prometheus/rules/mcp-server.rules.yml"


@pytest.fixture
def generated(tmp_path: Path) -> Project:
    proj = Project(project_dir=tmp_path, stack=SOURCE)
    assert monitoring.generate(proj).written
    return proj


def snapshot(out: Path) -> dict[str, tuple[int, int, bytes | str]]:
    """Every entry of out/ with its inode, modification time and content (a link's target): what a check that
    writes nothing leaves exactly as it was."""
    found = {}
    for path in sorted(out.rglob("*")):
        info = path.lstat()
        content = os.readlink(path) if path.is_symlink() else path.read_bytes() if path.is_file() else b""
        found[path.relative_to(out).as_posix()] = (info.st_ino, info.st_mtime_ns, content)
    return found


def check(project: Project) -> tuple[str, ...]:
    """generate --check: the stale lines; out/ and its directory untouched."""
    out = project.out_dir
    before, beside = snapshot(out), sorted(os.listdir(out.parent))
    report = monitoring.generate(project, check=True)
    assert snapshot(out) == before and sorted(os.listdir(out.parent)) == beside
    assert report.checked and not report.written
    return report.stale


def test_a_missing_or_damaged_manifest_is_the_one_stale_file(generated: Project) -> None:
    """The other files are as a generation writes them: they are not reported missing."""
    manifest = generated.out_dir / "manifest.json"
    manifest.unlink()
    assert check(generated) == ("missing manifest.json",)
    manifest.write_text("{")
    assert check(generated) == ("changed manifest.json",)
    assert monitoring.generate(generated).written
    assert check(generated) == ()


def test_a_file_holding_what_the_new_generation_writes_is_not_stale(generated: Project) -> None:
    """A changed definition changes one rule file: copied in by hand, that file is right and only the manifest,
    which still lists the old hash, is stale; the other changed file is named."""
    elsewhere = Project(project_dir=generated.project_dir, stack="tests.stacks.example:stack")
    fresh = generated.project_dir / "fresh"
    assert monitoring.generate(elsewhere, out_dir=fresh).written
    shared = sorted(set(read_tree(fresh)) & set(read_tree(generated.out_dir)))
    assert "prometheus/prometheus.yml" in shared
    shutil.copy(fresh / "prometheus/prometheus.yml", generated.out_dir / "prometheus/prometheus.yml")
    stale = monitoring.generate(elsewhere, check=True, out_dir=generated.out_dir).stale
    assert "changed manifest.json" in stale
    assert "changed prometheus/prometheus.yml" not in stale
    assert f"extra   {RULES}" in stale  # a file of the repository's stack, which the example does not have
    wrong = {line.split()[-1] for line in stale} - {"manifest.json"}
    assert all(read_tree(fresh).get(p) != read_tree(generated.out_dir).get(p) for p in wrong), wrong


def test_a_manifest_that_is_a_link_to_the_right_bytes_is_stale_and_generated_away(
        generated: Project, tmp_path: Path) -> None:
    """validate refuses a link in out/, so neither --check nor generate may take it for the manifest."""
    manifest = generated.out_dir / "manifest.json"
    copy = tmp_path / "manifest-copy.json"
    shutil.copy(manifest, copy)
    manifest.unlink()
    manifest.symlink_to(copy)
    assert check(generated) == ("symlink manifest.json",)
    assert main(["generate", "--force"], project=generated) == 0
    assert not manifest.is_symlink() and manifest.read_bytes() == copy.read_bytes()
    assert check(generated) == ()


def test_check_of_an_out_that_does_not_exist_names_every_file_missing(generated: Project, tmp_path: Path) -> None:
    report = monitoring.generate(generated, check=True, out_dir=tmp_path / "nowhere")
    assert report.stale and all(line.startswith("missing ") for line in report.stale)
    assert "missing manifest.json" in report.stale and len(report.stale) == report.files + 1
    assert not (tmp_path / "nowhere").exists()
