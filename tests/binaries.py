"""Tests that need a real binary: skipped where it is missing, but a failure under CI=true."""

from __future__ import annotations

import os
from typing import NoReturn

import pytest


def binary_missing(message: str) -> NoReturn:
    """Skip locally; under CI=true a missing binary is a failure, never a skip."""
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"CI=true and {message}")
    pytest.skip(message)
