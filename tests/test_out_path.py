"""out/ under a directory whose name is not UTF-8 (a Latin-1 name on a Linux file system): the tools print
that path back, the command line prints it, and promtool refuses it as a label value."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from monitoring import api
from monitoring.errors import OutputError
from monitoring.project import Project

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def out(tmp_path: Path) -> Path:
    copy = Path(os.fsdecode(os.fsencode(tmp_path) + b"/caf\xe9/out"))  # "café" in Latin-1
    shutil.copytree(ROOT / "out", copy)
    return copy


@pytest.mark.integration
def test_validate_reads_the_tools_output_whatever_its_bytes(out: Path, promtool, amtool) -> None:
    """promtool and amtool print the path's bytes as they are: decoding their output as strict UTF-8 was a
    traceback (UnicodeDecodeError) from every run of validate, publish and diff there."""
    report = api.validate(None, out_dir=out)
    assert report.ok, [r for r in report.results if not r.ok]


@pytest.mark.integration
def test_validate_prints_such_a_path_in_a_utf8_locale(out: Path, promtool, amtool) -> None:
    """A UTF-8 stdout (PYTHONIOENCODING=utf-8, or any UTF-8 locale but C.UTF-8) refuses the path's lone
    surrogate: printing the report was a UnicodeEncodeError. The byte is written as an escape."""
    proc = subprocess.run([sys.executable, "-m", "monitoring", "validate", "--out", os.fsencode(out)], cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": str(ROOT), "PYTHONIOENCODING": "utf-8"},
                          capture_output=True, timeout=300, check=False)
    assert (proc.returncode, proc.stderr) == (0, b""), proc.stderr.decode(errors="replace")
    assert b"/caf\\udce9/out/grafana\n" in proc.stdout and proc.stdout.endswith(b"all checks passed\n")


def test_test_under_a_path_that_is_not_utf8_is_one_line(out: Path) -> None:
    """promtool panics (a Go stack trace as the test result) on a rule file's path that is not UTF-8."""
    with pytest.raises(OutputError, match=r"/caf\udce9/out: promtool cannot test rule files under a path that is "
                                          r"not UTF-8: generate out/ under another directory \(--out\)$"):
        api.test(Project(project_dir=ROOT, stack="alerts.stack:stack"), out_dir=out)
