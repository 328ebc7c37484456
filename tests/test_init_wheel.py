"""A new user's path, outside this repository: install the wheel, `monitoring init`, generate, validate, test."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from monitoring.checks.tools import Tool
from monitoring.cli import main
from monitoring.scaffold import DISTRIBUTION, project_files
from tests.conftest import ROOT

pytestmark = pytest.mark.integration


def _run(argv: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    run = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, check=False, timeout=600)
    assert run.returncode == 0, f"{' '.join(argv)}:\n{run.stdout}\n{run.stderr}"
    return run


def test_wheel_install_init_generate_validate_test(tmp_path: Path, promtool: Tool, amtool: Tool) -> None:
    wheels, venv, project = tmp_path / "wheels", tmp_path / "venv", tmp_path / "my-monitoring"
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    # Built from a copy: setuptools writes build/ and *.egg-info into the tree it builds, and a listing of this
    # checkout that changes while other tests run would look like a new module to `generate`'s input record.
    sources = tmp_path / "sources"
    shutil.copytree(ROOT, sources, ignore=shutil.ignore_patterns(
        ".git", ".venv", "out", "build", "*.egg-info", "__pycache__", ".*_cache", ".monitoring_cache"))
    _run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(wheels),
          str(sources)], tmp_path, env)
    (wheel,) = wheels.glob("*.whl")
    assert wheel.name.startswith(DISTRIBUTION.replace("-", "_") + "-")
    _run([sys.executable, "-m", "venv", str(venv)], tmp_path, env)
    _run([str(venv / "bin" / "pip"), "install", "-q", str(wheel)], tmp_path, env)
    monitoring = str(venv / "bin" / "monitoring")
    project.mkdir()
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    where = _run([str(venv / "bin" / "python"), "-c", "import monitoring; print(monitoring.__file__)"], project, env)
    assert where.stdout.startswith(str(venv)) and str(ROOT) not in where.stdout  # the wheel, not this checkout
    assert _run([monitoring, "--version"], project, env).stdout.strip() == f"monitoring {_version()}"
    _run([monitoring, "init"], project, env)
    assert sorted(str(p.relative_to(project)) for p in project.rglob("*") if p.is_file()) == sorted(project_files("x"))
    generated = _run([monitoring, "generate"], project, env)
    assert "wrote" in generated.stdout
    rules = (project / "out" / "prometheus" / "rules" / "app.rules.yml").read_text(encoding="utf-8")
    assert "run `monitoring generate`" in rules.splitlines()[0]  # the configured command, not `make`
    assert "all checks passed" in _run([monitoring, "validate"], project, env).stdout
    assert "all alert tests passed" in _run([monitoring, "test"], project, env).stdout
    _run([monitoring, "generate", "--check"], project, env)


def _version() -> str:
    from importlib.metadata import version

    return version(DISTRIBUTION)


def test_init_refuses_a_non_empty_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "notes.txt").write_text("mine\n", encoding="utf-8")
    assert main(["init", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err == (f"monitoring: error: {tmp_path}: is not empty (it holds 'notes.txt'): init into an empty "
                   "directory, or pass --force to write over matching files")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]
    assert main(["init", "--force", str(tmp_path)]) == 0
    assert (tmp_path / "alerts" / "stack.py").is_file() and (tmp_path / "notes.txt").read_text() == "mine\n"


def test_the_project_names_its_own_stack(tmp_path: Path) -> None:
    assert main(["init", "--name", "Shop Monitoring", str(tmp_path / "x")]) == 0
    assert 'name="shop-monitoring"' in (tmp_path / "x" / "alerts" / "stack.py").read_text(encoding="utf-8")
    assert 'regenerate = "monitoring generate"' in (tmp_path / "x" / "pyproject.toml").read_text(encoding="utf-8")


@pytest.mark.parametrize(("name", "hint"), [
    ("plain", "next: cd {root}/plain && monitoring"),
    ("two words", "next: cd '{root}/two words' && monitoring"),
    ("it's; rm -rf ~", "next: cd '{root}/it'\"'\"'s; rm -rf ~' && monitoring"),
    ("line\nbreak", "next: in '{root}/line\\nbreak', run monitoring"),
], ids=["plain", "space", "shell", "newline"])
def test_the_next_step_is_a_command_a_shell_runs_as_shown(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                          name: str, hint: str) -> None:
    assert main(["init", str(tmp_path / name)]) == 0
    out = capsys.readouterr().out
    assert len(out.splitlines()) == 2, out
    assert out.splitlines()[1].startswith(hint.format(root=tmp_path)), out
