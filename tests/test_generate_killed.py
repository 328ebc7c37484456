"""`monitoring generate` killed (SIGKILL) between any two file-system steps of its swap, on a first run and on a
run that changes files: out/ is the old generation or the new one, whole, with its manifest; the next run is
right; and what the killed run left beside out/ is gone after the next run, even one that writes nothing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from monitoring.output import dir_swap
from monitoring.output.manifest import Manifest

STACK = '''
import os

from monitoring import Alert, Receiver, Route, Routing, RuleGroup, Service, Stack

threshold = os.environ.get("KILLED_THRESHOLD", "1")
stack = Stack(
    name="killed",
    services=(Service(name="api", rule_groups=(RuleGroup(name="api.alerts", rules=(
        Alert(name="ApiDown", severity="critical", for_="5m", expr=f"up{{job='api'}} < {threshold}",
              summary="API down.", description="The API is down."),)),)),),
    routing=Routing(route=Route(receiver="default"), receivers=(Receiver(name="default"),)),
)
'''
RULES = "prometheus/rules/api.rules.yml"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    root.mkdir()
    (root / "pyproject.toml").write_text('[tool.monitoring]\nstack = "killedstack:stack"\n')
    (root / "killedstack.py").write_text(STACK)
    for written in root.iterdir():  # dated a minute ago: a file changed as generate starts defeats its shortcut
        earlier = written.stat().st_mtime_ns - 60_000_000_000
        os.utime(written, ns=(earlier, earlier))
    return root


def _generate(project: Path, threshold: str, kill_at: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "KILLED_THRESHOLD": threshold}
    env.pop("MONITORING_KILL_AT", None)
    if kill_at:
        env["MONITORING_KILL_AT"] = kill_at
    return subprocess.run([sys.executable, "-m", "monitoring", "generate"], cwd=project, env=env,
                          capture_output=True, text=True, check=False, timeout=120)


def _tree(out: Path) -> dict[str, bytes] | None:
    if not out.exists():
        return None
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def _beside(project: Path) -> list[str]:
    return sorted(p.name for p in project.iterdir() if p.name.startswith("out."))


@pytest.fixture(scope="module")
def expected(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, bytes] | None]:
    """threshold -> the tree a whole generate writes, never killed."""
    trees = {}
    for threshold in ("1", "3"):
        reference = tmp_path_factory.mktemp("reference")
        (reference / "pyproject.toml").write_text('[tool.monitoring]\nstack = "killedstack:stack"\n')
        (reference / "killedstack.py").write_text(STACK)
        assert _generate(reference, threshold).returncode == 0
        trees[threshold] = _tree(reference / "out")
    return trees


@pytest.mark.parametrize("first", [True, False], ids=["first run", "changing run"])
@pytest.mark.parametrize("step", dir_swap.STEPS)
def test_a_generate_killed_at_any_step_leaves_one_whole_generation(
        project: Path, expected: dict[str, dict[str, bytes] | None], step: str, first: bool) -> None:
    old = None
    if not first:
        assert _generate(project, "1").returncode == 0
        old = expected["1"]

    killed = _generate(project, "3", kill_at=step)

    # A first run has no old tree to exchange with; a later one exchanges, never renames.
    reached = {"staging-created", "staged", "old-deleted", "swapped" if first else "exchanged"}
    assert killed.returncode == (-signal.SIGKILL if step in reached else 0), killed.stderr
    out = project / "out"
    assert _tree(out) in (old, expected["3"])
    if out.exists():
        assert Manifest.read(out).changed_files(out) == []  # the manifest is that generation's
    again = _generate(project, "3")
    assert again.returncode == 0, again.stderr
    assert _tree(out) == expected["3"]
    assert _beside(project) == []


def test_a_run_that_writes_nothing_removes_what_a_killed_run_left(project: Path) -> None:
    (project / "output.txt").write_text("not ours\n")
    os.utime(project / "output.txt", ns=(0, 0))
    assert _generate(project, "1").returncode == 0
    for leftover in ("out.k1ll3d.new", "out.0ld7r3.new"):  # a staging tree, and an old one a kill kept
        (project / leftover / "prometheus").mkdir(parents=True)
        (project / leftover / "prometheus" / "big.yml").write_text("x" * 4096)

    second = _generate(project, "1")

    assert "nothing written" in second.stdout, second.stdout + second.stderr
    assert _beside(project) == []
    assert (project / "output.txt").exists()
