"""A missing binary skips locally and fails under CI=true: CI never hides a missing promtool."""

import pytest

from tests.binaries import binary_missing


def test_missing_binary_fails_under_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI=true and promtool not found"):
        binary_missing("promtool not found")


def test_missing_binary_skips_locally(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="promtool not found"):
        binary_missing("promtool not found")
