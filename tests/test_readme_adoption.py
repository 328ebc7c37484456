"""The README's path in from existing YAML runs as written: init, import, point the stack, generate, ci."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from monitoring.checks.tools import Tool
from tests.conftest import ROOT

pytestmark = pytest.mark.integration
IMPORTS = Path(__file__).parent / "imports"


def _steps() -> list[str]:
    section = (ROOT / "README.md").read_text(encoding="utf-8").split("## You already have YAML", 1)[1]
    block = section.split("```sh\n", 1)[1].split("```", 1)[0]
    return [line.split("  #")[0].strip() for line in block.splitlines() if line.strip()]


def _bash(command: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    return subprocess.run(["bash", "-c", command], cwd=cwd, env=env, capture_output=True, text=True, check=False,
                          timeout=600)


def test_readme_adoption_path(tmp_path: Path, promtool: Tool, amtool: Tool) -> None:
    install, init, cd, *rest = _steps()
    assert install.startswith("pip install promstack-as-code") and cd == "cd my-monitoring"
    assert _bash(init, tmp_path).returncode == 0
    project = tmp_path / "my-monitoring"
    (project / "rules").mkdir()
    shutil.copy(IMPORTS / "prometheusrule.yaml", project / "rules" / "api.yml")
    shutil.copy(IMPORTS / "prometheus.yml", project / "prometheus.yml")
    shutil.copy(IMPORTS / "alertmanager.yml", project / "alertmanager.yml")
    (project / "grafana-export").mkdir()
    shutil.copy(IMPORTS / "dashboard-api.json", project / "grafana-export" / "api.json")
    *steps, ci = rest
    for step in steps:
        run = _bash(step, project)
        assert run.returncode == 0, f"{step}\n{run.stdout}{run.stderr}"
    assert 'stack = "imported.stack:stack"' in (project / "pyproject.toml").read_text(encoding="utf-8")
    run = _bash(ci, project)
    assert run.returncode == 1, run.stdout + run.stderr  # the imported alerts have no tests yet
    untested = [line for line in run.stdout.splitlines() if "is not tested both firing and silent" in line]
    assert untested and all(line.startswith("::error file=imported/example_api.py,line=") for line in untested)
