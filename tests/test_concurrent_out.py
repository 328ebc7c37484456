"""A reader of out/ (validate, test, publish --dry-run, diff, generate --check) and a generate swapping a new
tree in at the same moment: the reader sees one generation whole, never the old manifest with the new files, and
the swap waits for it."""

from __future__ import annotations

import json
import shutil
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from monitoring import api, cli
from monitoring.checks import validate as checks_validate
from monitoring.output.files import write_tree
from monitoring.output.manifest import MANIFEST, Manifest
from monitoring.project import Project
from tests.grafana_server import running_grafana

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "glsa_concurrent_0a1b2c"
# In the old generation, not in the new one.
GONE = ("prometheus/rules/mcp-server.rules.yml", "grafana/dashboards/mcp/mcp-server-slos.json")


def _next_generation(out: Path) -> dict[str, str]:
    """Another complete generation of out/: a rule file and a dashboard fewer, and its manifest says so."""
    files = {p.relative_to(out).as_posix(): p.read_text() for p in out.rglob("*") if p.is_file()}
    manifest = json.loads(files[MANIFEST])
    for gone in GONE:
        del files[gone], manifest["files"][gone]
    files[MANIFEST] = json.dumps(manifest)
    return files


@pytest.fixture
def out(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    copy = tmp_path / "project" / "out"
    shutil.copytree(ROOT / "out", copy)
    monkeypatch.setenv("GRAFANA_TOKEN", TOKEN)
    return copy


def _swap_after(owner: object, name: str, out: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[], None]:
    """Once the reader has called owner.name (it has started reading out/), a generate (in a thread) swaps the
    next generation in; the reader goes on once the swap is done or has waited a second for it. Returns: wait
    for the swap."""
    new = _next_generation(out)
    real = getattr(owner, name)
    swapper: list[threading.Thread] = []

    def then_swap(*args: Any) -> Any:
        result = real(*args)
        if not swapper:
            swapper.append(threading.Thread(target=write_tree, args=(new, out)))
            swapper[0].start()
            swapper[0].join(1)  # unlocked, the swap is done by then; locked, it waits for the reader
        return result

    monkeypatch.setattr(owner, name, staticmethod(then_swap) if isinstance(owner, type) else then_swap)

    def swapped() -> None:
        assert swapper, f"the reader never called {name}"
        swapper[0].join(30)
        assert not swapper[0].is_alive()
        assert not any((out / gone).exists() for gone in GONE)  # the generate went ahead once the reader was done

    return swapped


def _swap_once_the_manifest_is_read(out: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[], None]:
    return _swap_after(Manifest, "read", out, monkeypatch)


def _run(command: list[str], out: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    capsys.readouterr()
    status = cli.main([*command, "--out", str(out)], project=Project(project_dir=ROOT, stack="alerts.stack:stack"))
    return status, capsys.readouterr().err


@pytest.mark.integration
def test_validate_sees_one_generation_while_generate_swaps(out: Path, monkeypatch: pytest.MonkeyPatch,
                                                           capsys: pytest.CaptureFixture[str], promtool,
                                                           amtool) -> None:
    swapped = _swap_once_the_manifest_is_read(out, monkeypatch)
    assert _run(["validate"], out, capsys) == (0, "")  # not "out/... No such file or directory"
    swapped()


@pytest.mark.integration
def test_publish_publishes_the_generation_its_gate_passed(out: Path, monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture[str], promtool,
                                                          amtool) -> None:
    with running_grafana(tokens={TOKEN: "Admin"}) as grafana:
        monkeypatch.setenv("GRAFANA_URL", grafana.url)
        swapped = _swap_after(checks_validate, "validate", out, monkeypatch)  # the gate has passed
        capsys.readouterr()
        status = cli.main(["publish", "--dry-run", "--out", str(out)],
                          project=Project(project_dir=ROOT, stack="alerts.stack:stack"))
        printed = capsys.readouterr()
        swapped()
    assert (status, printed.err) == (1, "")  # 1: a plan with changes
    assert "mcp-server-slo" in printed.out  # of the generation that passed the gate, whole


def test_generate_check_sees_one_generation(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = Project(project_dir=ROOT, stack="alerts.stack:stack")
    out = tmp_path / "out"
    api.generate(project, out_dir=out)
    assert api.generate(project, out_dir=out, check=True).ok
    swapped = _swap_once_the_manifest_is_read(out, monkeypatch)
    report = api.generate(project, out_dir=out, check=True)
    swapped()
    assert report.ok, report.stale  # what it compared was the old generation, whole, which is up to date
