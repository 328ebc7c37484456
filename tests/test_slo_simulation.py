"""The replay of SLO alerts works segment by segment (bisection where the traffic is linear); it must give
exactly what evaluating every step gives, for any traffic, windows, thresholds, guard and `for`."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from monitoring.slo.simulation import Phase, Traffic, _simulate
from tests import slo_simulation_reference as reference


@st.composite
def traffic(draw: st.DrawFn) -> Traffic:
    step = draw(st.sampled_from([1_000, 60_000, 70_000, 71_000]) | st.integers(1_000, 120_000))
    steps = draw(st.integers(0, 150))
    starts = sorted(draw(st.sets(st.integers(2, max(2, steps)), max_size=4)))
    phases = []
    for start in [draw(st.sampled_from([0, 1])), *starts]:
        events = draw(st.integers(1, 40))
        phases.append(Phase(start, events, Fraction(draw(st.integers(0, events)), events)))
    return Traffic(step, steps, tuple(phases), draw(st.booleans()))


def _near(values: list[Fraction]) -> st.SearchStrategy[Fraction]:
    """Values the traffic holds, a little above or below them, or between two of them: where conditions change."""
    value = st.sampled_from(values)
    nudge = st.sampled_from([Fraction(1), Fraction(10**12 + 1, 10**12), Fraction(10**12 - 1, 10**12),
                             Fraction(11, 10), Fraction(9, 10), Fraction(2), Fraction(1, 2)])
    return (st.tuples(value, nudge).map(lambda v: v[0] * v[1])
            | st.tuples(value, value).map(lambda v: (v[0] + v[1]) / 2))


@st.composite
def shapes(draw: st.DrawFn, traffic: Traffic) -> tuple[object, ...]:
    """A plan's shape: tiers, window pairs (windows of 1 to 40 steps, not multiples of the step) and `for`;
    thresholds and the guard near the error ratios and rates the traffic holds."""
    step = traffic.step_ms
    window = st.integers(step, 40 * step)
    ratios = [p.ratio for p in traffic.phases]
    threshold = _near(ratios).filter(lambda t: 0 < t < 1) | st.fractions(
        Fraction(1, 60), Fraction(59, 60), max_denominator=60)
    tiers = draw(st.sampled_from([("page",), ("ticket",), ("page", "ticket")]))
    pairs = []
    for tier in tiers:
        for _ in range(draw(st.integers(1, 2))):
            long_ms, short_ms = sorted((draw(window), draw(window)), reverse=True)
            value = draw(threshold)
            pairs.append((tier, long_ms, short_ms, value.numerator, value.denominator))
    holds = tuple(draw(st.integers(0, 6 * step)) for _ in tiers)
    rates = [Fraction(p.events * 1000, step) for p in traffic.phases]
    guard = draw(st.none() | _near(rates) | st.fractions(Fraction(0), Fraction(50), max_denominator=7))
    return ("30d", tiers, tuple(pairs), holds, guard)


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_the_segment_replay_equals_the_step_by_step_replay(data: st.DataObject) -> None:
    generated = data.draw(traffic())
    shape = data.draw(shapes(generated))
    assert generated.counters == reference.counters(generated)
    expected = reference.simulate(shape, generated)
    timelines = _simulate.__wrapped__(shape, generated)
    assert {tier: timeline.firing for tier, timeline in timelines.items()} == expected


def test_the_reference_sees_every_kind_of_value() -> None:
    """The comparison above is not vacuous: a plain case has steps that fire, steps that do not, and one too
    close to call."""
    generated = Traffic(60_000, 40, (Phase(0, 3, Fraction(0)), Phase(10, 3, Fraction(1, 3))))
    shape = ("30d", ("page",), (("page", 300_000, 120_000, 1, 3),), (0,), None)
    values = set(reference.simulate(shape, generated)["page"])
    assert values == {False, None}
    shape = ("30d", ("page",), (("page", 300_000, 120_000, 1, 4),), (0,), None)
    assert set(reference.simulate(shape, generated)["page"]) == {False, True}


def test_the_guard_is_evaluated_at_every_step_while_its_window_reaches_back_to_the_start() -> None:
    """Heavy traffic, then light: while the short window still starts at sample 0, its extrapolated rate first
    falls, then rises again. Not monotone, so no bisection there."""
    window = 30 * 60_000 + 30_000
    generated = Traffic(60_000, 40, (Phase(0, 40, Fraction(1)), Phase(2, 1, Fraction(1))))
    shape = ("30d", ("page",), (("page", window, window, 1, 2),), (0,), Fraction(275, 10_000))
    expected = reference.simulate(shape, generated)["page"]
    assert expected[2:5] == (True, False, False) and expected[30] is True
    assert _simulate.__wrapped__(shape, generated)["page"].firing == expected
