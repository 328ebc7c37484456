"""The Makefile's choice of the Python that makes the venv: the distribution's own where it can, else python3."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _venv_command(tmp_path: Path, *assignments: str) -> str:
    """The first command `make` would run to make the venv (-n: nothing is run but the choice itself)."""
    argv = ["make", "-n", "-B", "--no-print-directory", "-C", str(ROOT), f"VENV={tmp_path / 'venv'}", *assignments,
            str(tmp_path / "venv" / ".installed")]
    proc = subprocess.run(argv, capture_output=True, text=True, check=True, env=_without_make_settings())
    return proc.stdout.splitlines()[0]


def _without_make_settings() -> dict[str, str]:
    """This environment without what an enclosing make passes down (`make test PYTHON=...` puts its assignments in
    MAKEFLAGS, which would override the test's) and without PYTHON, which the Makefile takes from the environment."""
    return {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES",
                                                            "PYTHON", "SYSTEM_PYTHON", "VENV")}


def _interpreter(tmp_path: Path, name: str, status: int) -> Path:
    """A stand-in interpreter whose check (3.11 or newer, able to make a venv) ends with `status`."""
    path = tmp_path / name
    path.write_text(f"#!/bin/sh\nexit {status}\n")
    path.chmod(0o755)
    return path


@pytest.mark.parametrize(("system", "chosen"), [
    ("fit", "fit"),  # 3.11 or newer, with venv's ensurepip
    ("unfit", "python3"),  # older, or without ensurepip: its check fails
    ("missing", "python3"),
])
def test_the_venv_is_made_with_the_distributions_python_where_it_fits(tmp_path: Path, system: str,
                                                                      chosen: str) -> None:
    interpreters = {"fit": _interpreter(tmp_path, "fit", 0), "unfit": _interpreter(tmp_path, "unfit", 1),
                    "missing": tmp_path / "missing"}
    expected = str(interpreters[chosen]) if chosen in interpreters else chosen
    command = _venv_command(tmp_path, f"SYSTEM_PYTHON={interpreters[system]}")
    assert command == f"{expected} -m venv {tmp_path / 'venv'}"


def test_python_given_to_make_wins(tmp_path: Path) -> None:
    fit = _interpreter(tmp_path, "fit", 0)
    assert _venv_command(tmp_path, f"SYSTEM_PYTHON={fit}", "PYTHON=python3.12").startswith("python3.12 -m venv ")
