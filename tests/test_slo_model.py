"""The SLO model: exact objectives, burn rates from the period, and one-line errors for unusable SLOs."""

from __future__ import annotations

import re
import sys
import textwrap
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest

from monitoring import SLO, AlertTier, DefinitionError, LatencySLI, RatioSLI, SLOAlerting
from monitoring.cli import main
from monitoring.model.slo import AlertWindow, WindowPolicy
from monitoring.output.files import read_tree
from monitoring.project import Project
from monitoring.slo.windows import Tier, burn_windows, exact_text
from tests.sites import without_site
from tests.test_slo_stacks import availability, stack_with


def test_objective_and_budget_are_exact() -> None:
    slo = availability(objective=99.9)  # a float on purpose: it must not become 99.900000000000005684...
    assert slo.objective == Decimal("99.9")
    assert slo.error_budget == Decimal("0.001")
    assert slo.objective_ratio == Decimal("0.999")


# The built-in policy per period: the workbook's windows at 28 and 30 days, windows scaled with the period
# otherwise; the burn rates stay 14.4, 6, 3 and 1 at every period, never below 1.
PERIOD_TABLE = {
    7: [("page", "14m", "5m"), ("page", "1h24m", "7m"), ("ticket", "5h36m", "28m"), ("ticket", "16h48m", "1h24m")],
    14: [("page", "28m", "5m"), ("page", "2h48m", "14m"), ("ticket", "11h12m", "56m"),
         ("ticket", "1d9h36m", "2h48m")],
    28: [("page", "1h", "5m"), ("page", "6h", "30m"), ("ticket", "1d", "2h"), ("ticket", "3d", "6h")],
    30: [("page", "1h", "5m"), ("page", "6h", "30m"), ("ticket", "1d", "2h"), ("ticket", "3d", "6h")],
    90: [("page", "3h", "15m"), ("page", "18h", "1h30m"), ("ticket", "3d", "6h"), ("ticket", "9d", "18h")],
}


@pytest.mark.parametrize("days", sorted(PERIOD_TABLE))
def test_period_table_keeps_every_factor_at_or_above_one(days: int) -> None:
    windows = burn_windows(days)
    assert [(w.tier, w.long, w.short) for w in windows] == PERIOD_TABLE[days]
    assert [exact_text(w.burn) for w in windows] == ["14.4", "6", "3", "1"]
    for window in windows:
        assert window.burn == window.consumed * days * 24 * 3_600_000 / window.long_ms
        assert window.consumed <= 1


def test_thresholds_are_fractions_of_the_budget() -> None:
    slo = availability(objective="99.9")
    assert [slo.threshold(w) for w in slo.windows] == [
        Fraction(144, 10_000), Fraction(6, 1000), Fraction(3, 1000), Fraction(1, 1000)]


def test_alert_names_from_service_and_slo_or_alerting_name() -> None:
    assert availability().alert_name("page") == "ApiAvailabilityErrorBudgetBurnPage"
    named = availability(alerting=SLOAlerting(name="Checkout"))
    assert named.alert_name("ticket") == "CheckoutErrorBudgetBurnTicket"


def test_disabled_tiers_have_no_windows() -> None:
    slo = availability(alerting=SLOAlerting(page=AlertTier(severity="critical", enabled=False)))
    assert slo.tiers == ("ticket",)
    assert {w.tier for w in slo.windows} == {"ticket"}


BAD_SLOS = [
    ("objective of 100", dict(objective="100"), "slo 'availability': objective 100 must be below 100"),
    ("objective of 0", dict(objective=0), "slo 'availability': objective 0 must be above 0"),
    ("period not in days", dict(period="36h"), "period '36h' must be a whole number of days"),
    ("page that can never fire", dict(objective="90"),
     "slo 'availability': alerting.page can never fire: burn rate 14.4 x error budget 0.1 = 1.44"),
    ("ticket window longer than the period", dict(period="2d", window_policy="workbook"),
     "slo 'availability': alerting.ticket (3d/6h window pair): the 3d window is longer than the period 2d"),
    ("reserved label", dict(labels={"slo": "x"}), "labels: 'slo' is set by the SLO itself"),
    ("selector with offset", dict(sli={"type": "ratio", "errors": "api_errors_total offset 5m",
                                       "total": "api_requests_total"}),
     "must not use offset or @"),
    ("filter with braces", dict(filter='{route="/"}'), "must be label matchers like"),
    ("latency selector on le", dict(sli={"type": "latency", "histogram": "api_latency_seconds", "threshold": 1,
                                         "selector": 'le="1"'}), "must not match on le"),
    ("tier label reserved", dict(alerting={"page": {"severity": "critical", "labels": {"tier": "x"}}}),
     "labels: 'tier' is set by the SLO"),
    ("factor below 1 in a window policy", dict(period="28d", window_policy=WindowPolicy(windows=(
        AlertWindow(tier="ticket", long="3d", short="6h", budget_percent=10),))),
     "slo 'availability': alerting.ticket (3d/6h window pair): burn factor ~0.93 is below 1"),
    ("unknown tier in a window policy", dict(window_policy={"windows": [
        {"tier": "pgae", "long": "1h", "short": "5m", "burn_rate": 14.4}]}), "unknown alert tier 'pgae'"),
    ("window policy row with two rates", dict(window_policy={"windows": [
        {"tier": "page", "long": "1h", "short": "5m", "burn_rate": 14.4, "budget_percent": 2}]}),
     "give exactly one of burn_rate and budget_percent"),
    ("alerting name not CamelCase", dict(alerting={"name": "check-out"}),
     "name 'check-out' must be CamelCase"),
]


@pytest.mark.parametrize(("description", "overrides", "message"), BAD_SLOS, ids=[c[0] for c in BAD_SLOS])
def test_unusable_slo_is_one_clear_error(description: str, overrides: dict[str, object], message: str) -> None:
    with pytest.raises(DefinitionError) as info:
        availability(**overrides)
    assert message in without_site(info.value)
    assert "\n" not in str(info.value)


def test_tiers_are_an_enum_and_a_typo_is_an_error() -> None:
    alerting = SLOAlerting()
    assert alerting.tier(Tier.TICKET) is alerting.ticket
    with pytest.raises(ValueError, match="unknown alert tier 'pgae'"):
        alerting.tier("pgae")
    with pytest.raises(ValueError, match="unknown alert tier 'pgae'"):
        availability().plan.alert_name("pgae")


def test_user_window_policy_in_budget_percent_like_sloth() -> None:
    policy = WindowPolicy(windows=(AlertWindow(tier="page", long="1h", short="5m", budget_percent=2),
                                   AlertWindow(tier="ticket", long="1d", short="2h", burn_rate=2)))
    slo = availability(period="28d", window_policy=policy)
    assert [(p.tier, p.window.long, exact_text(p.window.burn), p.threshold_text) for p in slo.plan.pairs] == [
        ("page", "1h", "13.44", "13.44 * 0.001"), ("ticket", "1d", "2", "2 * 0.001")]


def test_a_pair_that_fires_only_after_the_budget_is_spent_is_a_warning() -> None:
    policy = WindowPolicy(windows=(AlertWindow(tier="ticket", long="3d", short="6h", burn_rate=20),))
    slo = availability(period="30d", window_policy=policy,
                       alerting=SLOAlerting(page=AlertTier(severity="critical", enabled=False)))
    assert slo.plan.warnings == ("slo 'availability': alerting.ticket 3d/6h at burn factor 20 fires only after "
                                 "200% of the 30d error budget is spent; shorten the window or lower the factor",)


def test_a_tier_that_cannot_fire_may_be_turned_off() -> None:
    slo = availability(objective="90", alerting=SLOAlerting(page=AlertTier(severity="critical", enabled=False)))
    assert slo.tiers == ("ticket",)


BAD_REFERENCES = [
    ("unknown service", availability(service="billing"), "service 'billing' is not defined"),
    ("ratio on a gauge", availability(sli=RatioSLI(errors="api_queue_depth", total="api_requests_total")),
     "sli.errors 'api_queue_depth' selects 'api_queue_depth', which is neither a catalog counter nor a histogram's"),
    ("ratio on buckets", availability(sli=RatioSLI(errors="api_errors_total", total="api_latency_seconds_bucket")),
     "selects 'api_latency_seconds_bucket', which is neither"),
    ("latency on an unknown histogram",
     SLO(name="fast", service="api", objective=99, sli=LatencySLI(histogram="api_typo_seconds", threshold=1)),
     "sli.histogram 'api_typo_seconds' is in no metric catalog"),
    ("latency threshold between buckets",
     SLO(name="fast", service="api", objective=99, sli=LatencySLI(histogram="api_latency_seconds", threshold=0.3)),
     "sli.threshold 0.3 is not a bucket boundary of api_latency_seconds "
     "(buckets: 0.1, 0.25, 0.5, 1, 2.5, 5, 10)"),
]


@pytest.mark.parametrize(("description", "slo", "message"), BAD_REFERENCES, ids=[c[0] for c in BAD_REFERENCES])
def test_references_are_checked_by_the_stack(description: str, slo: SLO, message: str) -> None:
    with pytest.raises(DefinitionError) as info:
        stack_with(slo)
    assert message in str(info.value)
    assert (info.value.definition, info.value.where) == (slo.named, slo.defined_at)  # the SLO's own, not the stack's


def test_ratio_on_a_histogram_count_is_fine() -> None:
    stack = stack_with(availability(sli=RatioSLI(errors='api_latency_seconds_count{route="/x"}',
                                                 total="api_latency_seconds_count")))
    assert stack.slos[0].sli.total == "api_latency_seconds_count"


def test_slo_alert_names_must_not_clash_with_alerts() -> None:
    clash = availability(alerting=SLOAlerting(name="APIDown"))
    with pytest.raises(DefinitionError, match="duplicate alert name"):
        stack_with(clash, availability(name="other", alerting=SLOAlerting(name="APIDown")))


PRELUDE = "from tests.test_slo_stacks import *\n"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = Path(__file__).resolve().parent.parent
    (tmp_path / "pyproject.toml").write_text('[tool.monitoring]\nstack = "goodslo:stack"\n')
    (tmp_path / "goodslo.py").write_text(PRELUDE + "stack = stack_with(availability())\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.syspath_prepend(str(root))
    assert main(["generate"], project=Project.find(tmp_path)) == 0
    return tmp_path


def test_cli_rejects_an_slo_that_can_never_page(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = read_tree(project / "out")
    (project / "badslo.py").write_text(PRELUDE + 'stack = stack_with(availability(objective="90"))\n')
    sys.modules.pop("badslo", None)
    assert main(["generate", "--stack", "badslo:stack"], project=Project.find(project)) == 2
    err = capsys.readouterr().err
    assert re.match(r"monitoring: error: slo 'availability' \(\S+/test_slo_stacks.py:\d+\): "
                    r"alerting.page can never fire", err)
    assert err.count("\n") == 1 and "Traceback" not in err
    assert read_tree(project / "out") == before


def test_cli_warns_when_a_single_bad_event_pages(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "tightslo.py").write_text(PRELUDE + textwrap.dedent('''
        stack = stack_with(availability(objective="99.999"), availability(name="guarded", objective="99.999",
                           alerting=SLOAlerting(min_events_per_second=2)))
    '''))
    sys.modules.pop("tightslo", None)
    assert main(["generate", "--stack", "tightslo:stack"], project=Project.find(project)) == 0
    err = capsys.readouterr().err
    assert ("monitoring: warning: slo 'availability': objective 99.999% is so tight that a single bad event pages: "
            "at 1 event/s (no alerting.min_events_per_second set) the 1h window holds 3600 events and the page "
            "threshold is an error ratio of 0.000144; set alerting.min_events_per_second above 1.93 or loosen the "
            "objective") in err
    assert "'guarded'" not in err  # 2 events/s: one bad event in 7200 is below 0.0144%


def test_no_warning_for_an_ordinary_objective(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["generate"], project=Project.find(project)) == 0
    assert "warning" not in capsys.readouterr().err


@pytest.mark.parametrize("objective", ["1E-24", "0.000000000000001", "99.999999999999999999999999", "1E-30"])
def test_an_objective_of_many_digits_gets_an_answer_in_exact_digits(objective: str) -> None:
    """Budgets and thresholds of such objectives have more digits than Decimal's context holds: they are
    written exactly, in a DefinitionError where the objective is refused, never a decimal exception."""
    try:
        slo = SLO(name="a", service="b", objective=objective, sli=RatioSLI(errors="x", total="y"))
    except DefinitionError as error:
        assert "\n" not in error.message and "objective" in error.message
    else:
        assert slo.error_budget == 1 - Decimal(objective) / 100


def test_decimal_text_writes_every_digit_of_a_long_fraction() -> None:
    from monitoring.slo.windows import decimal_text

    assert decimal_text(Fraction(144, 10) / 10**40) == "0." + "0" * 38 + "144"
    assert decimal_text(Fraction(-3, 4)) == "-0.75" and decimal_text(Fraction(72, 5)) == "14.4"
