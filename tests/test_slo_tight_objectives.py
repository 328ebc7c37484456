"""Objectives of up to 15 significant digits get SLO tests that promtool passes exactly.

Two things used to break them: counters that grow by more per step than their first sample (rate() then cuts
the extrapolation of a window's start short at zero, on the total series and not on the error one, skewing the
ratio), and error ratios whose denominators need so many events per step that counters pass 2**53, where float64
no longer holds every integer. The tests generate SLOs of such objectives, of both counter kinds and several
periods, and run all their generated tests in one promtool process; Hypothesis checks, without promtool, that
every planned case of any objective shows what it is named for, on input promtool reads exactly.
"""

from __future__ import annotations

import re
from decimal import Decimal
from fractions import Fraction
from itertools import pairwise
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from monitoring import SLO, LatencySLI, RatioSLI
from monitoring.checks.tools import Tool
from monitoring.errors import DefinitionError
from monitoring.model.slo import AlertWindow, WindowPolicy
from monitoring.render.promtool_timing import choose_step
from monitoring.slo import promtool_tests as slo_tests
from monitoring.slo import simulation
from monitoring.slo.simulation import COUNTER_BASE, Phase, Traffic, simulate
from tests.conftest import write_out
from tests.test_slo_stacks import api_service, routing

OBJECTIVES = ("99.999999", "99.1234567890123", "99.99999999999", "50", "90.5", "99.95", "0.001")
PERIODS = ("30d", "7d", "28d")
# For objectives too loose for the built-in burn rates (14.4 x a budget of 0.095 is above 1): every factor 1.
LOOSE = WindowPolicy(windows=(
    AlertWindow(tier="page", long="1h", short="5m", burn_rate=1),
    AlertWindow(tier="page", long="6h", short="30m", burn_rate=1),
    AlertWindow(tier="ticket", long="1d", short="2h", burn_rate=1),
    AlertWindow(tier="ticket", long="3d", short="6h", burn_rate=1),
))


def _slo(name: str, objective: str, period: str, latency: bool) -> SLO:
    """The SLO with the built-in window policy, or every factor 1 where the objective is too loose for it."""
    sli = (LatencySLI(histogram="api_latency_seconds", threshold="0.5") if latency
           else RatioSLI(errors='api_requests_total{code=~"5.."}', total="api_requests_total"))
    try:
        return SLO(name=name, service="api", objective=objective, period=period, sli=sli)
    except (DefinitionError, ValueError):
        return SLO(name=name, service="api", objective=objective, period=period, sli=sli, window_policy=LOOSE)


def _tight_slos() -> tuple[SLO, ...]:
    """Each objective as a ratio and as a latency SLO, the periods taking turns."""
    slos = []
    for number, objective in enumerate(OBJECTIVES):
        for kind, latency in (("ratio", False), ("latency", True)):
            period = PERIODS[(number + latency) % len(PERIODS)]
            slos.append(_slo(f"{kind}-{number}", objective, period, latency))
    return tuple(slos)


@pytest.mark.integration
def test_promtool_passes_the_generated_tests_of_tight_and_loose_objectives(tmp_path: Path, promtool: Tool) -> None:
    from monitoring import Stack

    slos = _tight_slos()
    stack = Stack(name="tight", services=(api_service(),), slos=slos, routing=routing())
    out = write_out(stack, tmp_path / "out")
    files = sorted(str(path) for path in (out / "prometheus" / "tests").glob("api.slo.*.test.yml"))
    assert len(files) == len(slos)
    proc = promtool.run("test", "rules", *files)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    # Every tier of every SLO is still checked firing and silent: no case needed leaving out at these objectives.
    for slo in slos:
        assert slo_tests.left_out(slo) == ()
        text = (out / "prometheus" / "tests" / f"api.slo.{slo.name}.test.yml").read_text()
        for tier in slo.tiers:
            assert text.count(f"alertname: {slo.alert_name(tier)}\n    exp_alerts: []") > 0
            assert text.count(f"alertname: {slo.alert_name(tier)}\n    exp_alerts:\n") > 0


def _expand(values: str) -> list[int]:
    """promtool's series notation as the generated tests write it: 'a', 'a+bxn'."""
    out: list[int] = []
    for token in values.split():
        match = re.fullmatch(r"(\d+)(?:\+(\d+)x(\d+))?", token)
        assert match, token
        start, step, count = match.groups()
        out += [int(start) + int(step or 0) * k for k in range(int(count or 0) + 1)]
    return out


def _ratio_intent(case: slo_tests.SLOCase, slo: SLO) -> tuple[Fraction, Fraction, bool] | None:
    """(error ratio, threshold, above?) of a 'just above/below' case."""
    match = re.search(r"just (above|below) the (\S+)/(\S+) burn rate|just (below) every burn rate", case.name)
    if match is None:
        return None
    ratio = case.phases[-1][2]
    if match.group(4):
        tier = case.silent[0]
        threshold = min(slo.threshold(p) for p in slo.windows if p.tier == tier)
        return ratio, threshold, False
    pair = next(p for p in slo.windows if (p.long, p.short) == match.group(2, 3)
                and (case.stop_after is None or p.tier == case.stop_after))
    return ratio, slo.threshold(pair), match.group(1) == "above"


def _scaled(digits: int) -> st.SearchStrategy[Decimal]:
    """digits, its point placed anywhere that keeps it below 100."""
    width = len(str(digits))
    return st.integers(max(0, width - 2), width + 5).map(lambda k: Decimal(digits).scaleb(-k))


# Any value of up to 15 digits below 100, or 100 minus one (the nines of tight objectives, whose budgets have
# large denominators); the model refuses those that need more than 15 digits.
objectives = (st.integers(1, 10**15 - 1).flatmap(_scaled)
              | st.integers(1, 10**13 - 1).flatmap(_scaled).map(lambda budget: 100 - budget)).filter(
    lambda d: Decimal(0) < d < Decimal(100))


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(objective=objectives, period=st.sampled_from(PERIODS), latency=st.booleans())
def test_every_planned_case_shows_what_it_is_named_for_on_exact_input(objective: Decimal, period: str,
                                                                        latency: bool) -> None:
    try:
        slo = _slo("any", str(objective), period, latency)
    except (DefinitionError, ValueError):
        return  # an objective the model refuses (more than 15 digits once written out)
    event("planned")
    step = choose_step(slo_tests.slo_windows(slo))
    if slo_tests.too_long_why(slo):
        return
    for planned in slo_tests.plan(slo, step):
        case = planned.case
        checks = {tier: [on for _, t, on in planned.checks if t == tier] for tier in map(str, slo.tiers)}
        if case.stop_after:
            assert checks[case.stop_after][-1] is True, case.name
        for tier in case.silent:
            assert checks[tier] and not any(checks[tier]), case.name
        intent = _ratio_intent(case, slo)
        if intent is not None:
            ratio, threshold, above = intent
            assert (ratio > threshold) if above else (0 < ratio < threshold), case.name
        # What promtool reads up to the last check is exact: integers float64 holds, counters at least twice
        # their step increase.
        last = max(at for at, _, _ in planned.checks)
        for values in (planned.bad, planned.good, planned.total):
            samples = _expand(values)
            assert max(samples[:last + 1]) <= simulation.FLOAT_EXACT
            increase = max((b - a for a, b in pairwise(samples)), default=0)
            assert samples[0] >= 2 * increase


def test_the_replay_sees_the_clipped_extrapolation_that_broke_99_999999() -> None:
    """The case promtool failed on, with counters from 1e9: the windows of the first steps reach back before
    the first sample, and 1e9 is within a step's increase of zero, so rate() extrapolates the total series to its
    zero point and not the error one. The replay no longer claims to know those steps; from a base of twice the
    increase it does, and says silent."""
    slo = _slo("any", "99.999999", "30d", latency=False)
    step = choose_step(slo_tests.slo_windows(slo))
    case = next(c for c in slo_tests.slo_cases(slo, step) if c.name.startswith("ticket:") and "below" in c.name)
    events = slo_tests._events_per_step(slo, step, [ratio for _, _, ratio in case.phases])
    phases = tuple(Phase(start, events * scale, ratio) for start, scale, ratio in case.phases)
    clipped = simulate(slo.plan, Traffic(step, case.horizon, phases, base=COUNTER_BASE))["ticket"].firing
    assert None in clipped[:3] and True not in clipped
    base = 2 * events
    exact = simulate(slo.plan, Traffic(step, case.horizon, phases, base=base))["ticket"].firing
    assert set(exact) == {False}


def test_counters_past_float64_integers_are_not_predicted() -> None:
    """From the first sample above 2**53 on, no window's condition is known."""
    slo = _slo("any", "99.9", "30d", latency=False)
    step = choose_step(slo_tests.slo_windows(slo))
    events = 2**50
    traffic = Traffic(step, 20, (Phase(0, events, Fraction(1, 2)),), base=2 * events)
    firing = simulate(slo.plan, traffic)["page"].firing
    assert traffic.exact_until < 20
    assert set(firing[traffic.exact_until:]) == {None}
    assert True in firing[:traffic.exact_until]


def test_a_case_no_float64_input_can_check_is_left_out_with_a_warning() -> None:
    """At 15 digits of nines the ticket's 'just above' case needs ~1e14 events per step for one bad event: its
    counters pass 2**53 before the ticket's `for` has passed. generate says so instead of writing the case."""
    slo = _slo("tightest", "99.9999999999999", "30d", latency=False)
    warnings = slo_tests.warnings(slo)
    assert warnings and all("left out" in text and "2**53" in text for text in warnings)
    names = {planned.case.name for planned in slo_tests.plan(slo, choose_step(slo_tests.slo_windows(slo)))}
    assert not any(text.split("'")[3] in names for text in warnings)
