"""Tests that need a real binary: skipped where it is missing, but a failure under CI=true."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import pytest

from monitoring.model.matchers import quote

if TYPE_CHECKING:
    from monitoring.checks.tools import Tool


def binary_missing(message: str) -> NoReturn:
    """Skip locally; under CI=true a missing binary is a failure, never a skip."""
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"CI=true and {message}")
    pytest.skip(message)


def amtool_routes(amtool: Tool, config: Path, labels: dict[str, str]) -> str:
    """The receivers `amtool config routes test` picks for an alert of these labels under config. Each label goes
    as a quoted matcher, so that a comma or a quote in its value stays in it."""
    args = [f"{name}={quote(value)}" for name, value in labels.items()]
    run = subprocess.run([*amtool.argv, "config", "routes", "test", "--config.file", str(config), *args],
                         capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stderr
    return run.stdout.strip()
