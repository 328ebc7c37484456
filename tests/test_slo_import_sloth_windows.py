"""`monitoring import-slo` with Sloth AlertWindows: Sloth SLOs get Sloth's default SLO period, and alert with the
AlertWindows of that period at Sloth's burn rates; AlertWindows of another period warn, and a policy keeps the
period its budget percentages are shares of.
"""

from __future__ import annotations

import importlib
import subprocess
import sys
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

from monitoring import SLO, AlertWindow, QuerySLI, WindowPolicy
from monitoring.cli import main
from monitoring.errors import DefinitionError
from monitoring.slo import rules as slo_rules
from monitoring.slo.windows import Tier, decimal_text
from monitoring.units import duration_ms
from tests.conftest import shared_reference

GETTING_STARTED = shared_reference("sloth/examples/getting-started.yml")
CUSTOM_30D = shared_reference("sloth/examples/windows/custom-30d.yaml")
DAY_MS = 86_400_000
# Rows whose factors stay >= 1 at 28 days (13.44, 5.6, 2.8 and 1.12), as the model requires.
ROWS_28D = {"page": {"quick": {"errorBudgetPercent": 2, "shortWindow": "5m", "longWindow": "1h"},
                     "slow": {"errorBudgetPercent": 5, "shortWindow": "30m", "longWindow": "6h"}},
            "ticket": {"quick": {"errorBudgetPercent": 10, "shortWindow": "2h", "longWindow": "1d"},
                       "slow": {"errorBudgetPercent": 12, "shortWindow": "6h", "longWindow": "3d"}}}


def _windows_file(tmp_path: Path, period: str) -> Path:
    path = tmp_path / f"windows-{period}.yaml"
    spec = {"apiVersion": "sloth.slok.dev/v1", "kind": "AlertWindows", "spec": {"sloPeriod": period, **ROWS_28D}}
    path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    return path


def _sloth_factors(windows: Path, period_days: int) -> list[tuple[str, str, Fraction]]:
    """(tier, long window, factor) of each AlertWindows row, worked out as Sloth does: the share of the period's
    budget the long window may spend, errorBudgetPercent / 100 x period / long window."""
    spec = yaml.safe_load(windows.read_text(encoding="utf-8"))["spec"]
    return [(tier, row["longWindow"], Fraction(str(row["errorBudgetPercent"])) / 100 * period_days * DAY_MS
             / duration_ms(row["longWindow"]))
            for tier in ("page", "ticket") for row in (spec[tier]["quick"], spec[tier]["slow"])]


@pytest.fixture
def package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """tmp_path/slos, importable as the package `slos` (as docs/slo-import.md imports it); forgotten after."""
    monkeypatch.syspath_prepend(str(tmp_path))
    _forget()
    yield tmp_path / "slos"
    _forget()


def _forget() -> None:
    for name in [n for n in sys.modules if n == "slos" or n.startswith("slos.")]:
        del sys.modules[name]
    importlib.invalidate_caches()


def _import(directory: Path, capsys: pytest.CaptureFixture[str], *args: Any) -> tuple[ModuleType, str]:
    """import-slo args into directory: the service module of getting-started.yml, and what was printed on stderr."""
    status = main(["import-slo", *map(str, args), "--directory", str(directory)])
    err = capsys.readouterr().err
    assert status == 0, err
    return importlib.import_module("slos.slos_myservice"), err


def test_alert_windows_of_the_default_period_are_the_policy_of_every_sloth_slo(
        package: Path, capsys: pytest.CaptureFixture[str]) -> None:
    module, err = _import(package, capsys, GETTING_STARTED, CUSTOM_30D)
    [slo] = module.SLOS
    policies = importlib.import_module("slos.window_policies")
    assert slo.period == "30d"
    assert slo.window_policy == policies.SLOTH_30D
    assert policies.SLOTH_30D.period == "30d"
    text = (package / "slos_myservice.py").read_text(encoding="utf-8")
    assert "from .window_policies import SLOTH_30D\n" in text and "window_policy=SLOTH_30D," in text
    assert "AlertWindows" not in err
    expected = _sloth_factors(CUSTOM_30D, 30)
    assert expected[0][2] == Fraction("14.4")  # 1% of 30 days over 30m
    assert [(str(w.tier), w.long_ms, w.burn) for w in slo.windows] == [
        (tier, duration_ms(long), burn) for tier, long, burn in expected]
    rules = slo_rules.alert_expr(slo, Tier.PAGE) + slo_rules.alert_expr(slo, Tier.TICKET)
    for _, _, burn in expected:
        assert f"> ({decimal_text(burn)} * 0.001)" in rules


def test_alert_windows_of_another_period_warn_and_the_slos_keep_the_default_policy(
        tmp_path: Path, package: Path, capsys: pytest.CaptureFixture[str]) -> None:
    windows = _windows_file(tmp_path, "28d")
    module, err = _import(package, capsys, GETTING_STARTED, windows)
    [slo] = module.SLOS
    assert (slo.period, slo.window_policy) == ("30d", "default")
    warning = next(line for line in err.splitlines() if "AlertWindows" in line)
    assert warning.startswith(f"monitoring: warning: {windows}:")
    assert "no imported SLO uses the AlertWindows of 28d" in warning and "SLOTH_28D" in warning
    assert "--default-slo-period 28d" in warning
    # Still written, for a definition to name; with the period it was written for.
    assert importlib.import_module("slos.window_policies").SLOTH_28D.period == "28d"
    assert "window_policies" not in (package / "slos_myservice.py").read_text(encoding="utf-8")


@pytest.mark.parametrize("period", ["28d", "4w"])
def test_the_default_slo_period_option_picks_the_alert_windows_of_that_period(
        tmp_path: Path, package: Path, capsys: pytest.CaptureFixture[str], period: str) -> None:
    windows_28d = _windows_file(tmp_path, "28d")
    module, err = _import(package, capsys, GETTING_STARTED, windows_28d, CUSTOM_30D, "--default-slo-period", period)
    [slo] = module.SLOS
    policies = importlib.import_module("slos.window_policies")
    assert slo.period == "28d"
    assert slo.window_policy == policies.SLOTH_28D
    assert [w.burn for w in slo.windows] == [burn for _, _, burn in _sloth_factors(windows_28d, 28)]
    assert slo.windows[0].burn == Fraction("13.44")  # 2% of 28 days over 1h
    # Now the 30-day windows are the ones no SLO uses.
    assert "no imported SLO uses the AlertWindows of 30d" in err


@pytest.mark.parametrize(("period", "said"), [
    # Sloth's built-in 28d windows keep the 30d budget shares; the default policy keeps the factors, and says so.
    ("28d", "Sloth's built-in 28d windows spend 2%, 5%, 10% and 10% of the budget"),
    ("7d", "Sloth has alert windows of its own for 30d and 28d only"),
])
def test_a_period_without_alert_windows_says_how_its_windows_differ_from_sloths(
        package: Path, capsys: pytest.CaptureFixture[str], period: str, said: str) -> None:
    module, err = _import(package, capsys, GETTING_STARTED, "--default-slo-period", period)
    [slo] = module.SLOS
    assert (slo.period, slo.window_policy) == (period, "default")
    assert [line for line in err.splitlines() if said in line] != []
    assert said in (package / "slos_myservice.py").read_text(encoding="utf-8")  # and in the module's notes


def test_a_window_policy_of_another_period_is_refused_by_the_slo() -> None:
    policy = WindowPolicy(period="28d", windows=(
        AlertWindow(tier="page", long="1h", short="5m", budget_percent=2),
        AlertWindow(tier="ticket", long="1d", short="2h", budget_percent=10)))
    sli = QuerySLI(errors='sum(rate(http_requests_total{code=~"5.."}[{{window}}]))',
                   total="sum(rate(http_requests_total[{{window}}]))")
    with pytest.raises(DefinitionError) as refused:
        SLO(name="availability", service="api", objective="99.9", period="30d", sli=sli, window_policy=policy)
    message = str(refused.value)
    assert "\n" not in message
    assert refused.value.field == "window_policy"
    assert message.startswith("slo 'availability'")
    assert "window_policy is for a 28d period, but the SLO's period is 30d" in message
    # The same period in other words is the same period; a policy without one fits any.
    assert SLO(name="availability", service="api", objective="99.9", period="4w", sli=sli,
               window_policy=policy).windows[0].burn == Fraction("13.44")
    SLO(name="availability", service="api", objective="99.9", sli=sli,
        window_policy=policy.model_copy(update={"period": None}))


@pytest.mark.parametrize("value", ["30x", "0d", "12h", "-5d", "30"])
def test_a_bad_default_slo_period_is_one_clear_line(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                   value: str) -> None:
    status = main(["import-slo", str(GETTING_STARTED), "--directory", str(tmp_path / "slos"),
                   f"--default-slo-period={value}"])
    err = capsys.readouterr().err
    assert status == 2
    assert err == (f"monitoring import-slo: error: argument --default-slo-period: {value!r} is not a period of "
                   "whole days, such as 30d or 4w\n")
    assert not (tmp_path / "slos").exists()


def test_a_bad_default_slo_period_exits_2_without_a_traceback(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "monitoring", "import-slo", str(GETTING_STARTED),
                           "--directory", str(tmp_path / "slos"), "--default-slo-period", "thirty days"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and proc.stderr.count("\n") == 1
    assert "--default-slo-period: 'thirty days' is not a period of whole days" in proc.stderr
