"""The out/ swap survives a kill between any two file-system steps, and Ctrl-C during it keeps the new tree."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from monitoring import command_exit
from monitoring.output import dir_swap
from monitoring.output.files import read_tree, write_tree

OLD = {"prometheus/prometheus.yml": "old\n", "gone.txt": "only in the old tree\n"}
NEW = {"prometheus/prometheus.yml": "new\n", "grafana/dashboards/a.json": "{}\n"}
MODES = ("exchange", "rename")

# A separate process, so that SIGKILL kills it and not the test run.
WRITER = "import json, sys; from pathlib import Path; from monitoring.output.files import write_tree; " \
         "write_tree(json.loads(sys.argv[1]), Path(sys.argv[2]))"


def _write_killed_at(step: str, mode: str, out: Path) -> int:
    import json

    env = {**os.environ, "MONITORING_KILL_AT": step, "MONITORING_SWAP": mode}
    return subprocess.run([sys.executable, "-c", WRITER, json.dumps(NEW), str(out)], env=env,
                          cwd=Path(__file__).resolve().parents[1], timeout=60).returncode


def _leftovers(out: Path) -> list[str]:
    return sorted(p.name for p in out.parent.iterdir() if p.name != out.name)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("step", dir_swap.STEPS)
def test_kill_at_every_step_leaves_old_or_new_and_next_run_succeeds(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, step: str, mode: str) -> None:
    out = tmp_path / "project" / "out"
    write_tree(OLD, out)

    status = _write_killed_at(step, mode, out)

    reached = {"exchange": {"exchanged"}, "rename": {"old-moved", "swapped"}}
    if step in reached[mode] | {"staging-created", "staged", "old-deleted"}:
        assert status == -signal.SIGKILL
    else:
        assert status == 0  # this mode never passes that step
    on_disk = read_tree(out) if out.exists() else None
    recovered = None
    if on_disk is None:  # only the fallback's window between its two renames; the next run restores it
        assert (mode, step) == ("rename", "old-moved")
        dir_swap.recover(out)
        recovered = read_tree(out)
    assert (on_disk or recovered) in (OLD, NEW)

    monkeypatch.setenv("MONITORING_SWAP", mode)
    write_tree(NEW, out)
    assert read_tree(out) == NEW
    assert _leftovers(out) == []


def test_a_lone_old_tree_is_restored_before_anything_else(tmp_path: Path) -> None:
    out = tmp_path / "out"
    write_tree(OLD, out)
    os.rename(out, tmp_path / "out.abc123.old")
    (tmp_path / "out.def456.new").mkdir()
    dir_swap.recover(out)
    assert read_tree(out) == OLD
    assert _leftovers(out) == []


def test_stale_staging_directories_are_cleaned(tmp_path: Path) -> None:
    out = tmp_path / "out"
    write_tree(OLD, out)
    for name in ("out.aaa.new", "out.bbb.new", "out.ccc.old"):
        (tmp_path / name / "deep").mkdir(parents=True)
        (tmp_path / name / "deep" / "big.bin").write_bytes(b"x" * 1024)
    (tmp_path / "outside.txt").write_text("not ours\n")
    write_tree(NEW, out)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "outside.txt"]


# A signal that stops the command -> the handler it runs with there (see monitoring.command_exit).
STOPPING = {"SIGINT": signal.default_int_handler, "SIGTERM": command_exit._stop, "SIGHUP": command_exit._stop}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name", sorted(STOPPING))
def test_ctrl_c_during_the_swap_keeps_the_new_tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                    request: pytest.FixtureRequest, mode: str, name: str) -> None:
    """Ctrl-C, or the command's SIGTERM and SIGHUP, which raise as it does."""
    number = getattr(signal, name)
    out = tmp_path / "out"
    write_tree(OLD, out)
    monkeypatch.setenv("MONITORING_SWAP", mode)
    real_rmtree = shutil.rmtree
    interrupted: list[bool] = []

    def rmtree_after_ctrl_c(path: object, *args: object, **kwargs: object) -> None:
        # Only the swap's own rmtree: a finalizer of another test's temporary directory may call rmtree too,
        # and an interrupt raised inside a finalizer is swallowed.
        if not interrupted and Path(str(path)).parent == tmp_path:
            interrupted.append(True)
            os.kill(os.getpid(), number)  # Ctrl-C lands in the middle of the swap
        real_rmtree(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(shutil, "rmtree", rmtree_after_ctrl_c)
    # The handler an interactive shell gives Python: a process started in the background inherits SIGINT ignored.
    previous = signal.signal(number, STOPPING[name])
    request.addfinalizer(lambda: signal.signal(number, previous))
    with pytest.raises(KeyboardInterrupt):
        write_tree(NEW, out)
    assert interrupted
    assert read_tree(out) == NEW
    assert _leftovers(out) == []


def test_ctrl_c_while_writing_leaves_the_old_tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    write_tree(OLD, out)

    def interrupted(path: Path, text: str) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("monitoring.output.files._write_file", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_tree(NEW, out)
    assert read_tree(out) == OLD
    assert _leftovers(out) == []


def test_the_exchange_is_atomic_on_this_system(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    (a / "from-a").touch()
    if not sys.platform.startswith("linux"):
        pytest.skip("renameat2 is Linux-only; other systems use the documented two-rename fallback")
    assert dir_swap._exchange(a, b)
    assert (b / "from-a").exists() and not (a / "from-a").exists()


# Without the privilege to write anywhere: a user who is not root, as a root run in CI may not be.
UNPRIVILEGED = (["setpriv", "--inh-caps=-dac_override,-dac_read_search",
                 "--bounding-set=-dac_override,-dac_read_search"] if os.geteuid() == 0 else [])


@pytest.mark.parametrize("mode", MODES)
def test_an_old_tree_with_a_read_only_directory_is_not_left_behind(tmp_path: Path, mode: str) -> None:
    out = tmp_path / "out"
    write_tree(OLD, out)
    (out / "prometheus").chmod(0o555)  # a user's chmod -w in out/
    import json

    env = {**os.environ, "MONITORING_SWAP": mode}
    env.pop("MONITORING_KILL_AT", None)
    subprocess.run([*UNPRIVILEGED, sys.executable, "-c", WRITER, json.dumps(NEW), str(out)], env=env, check=True,
                   cwd=Path(__file__).resolve().parents[1], timeout=60)
    assert read_tree(out) == NEW
    assert _leftovers(out) == []
