"""Exact replay of an SLO's alert rules over synthetic traffic: what Prometheus 2.42 computes, step by step.

Generated promtool tests take their expectations from here: when each burn-rate alert starts and stops firing
under a given error ratio. promtool then checks the prediction against the real rule engine, so a mistake in
either the rules or this arithmetic fails the tests.

Traffic is piecewise constant: phases of (first interval, events per step, error ratio). Samples sit at every
step and rules are evaluated at every step (the tests use one interval for both). Counters start at a large
base, so rate() never limits its extrapolation at zero: bad and total events of a window then share the same
extrapolation factor, and the window's error ratio is exactly (bad increase) / (total increase) over the
samples inside it. Everything here is integer or Fraction arithmetic: no float rounding to second-guess.

Boolean-gauge SLIs (`sampled` traffic) count samples instead: every step one sample per gauge series, 0 for each
bad event of the step; a window holds every sample from `first` to `at`. The test step divides no window, so no
sample sits on a window's edge, where Prometheus 2.x (closed range) and 3.x (left-open) would differ.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from functools import cached_property, lru_cache
from itertools import pairwise

from monitoring.slo.plan import SLOPlan

COUNTER_BASE = 1_000_000_000
# A window value this close (relative) to a threshold is too close to call in Prometheus' float arithmetic:
# the prediction for that step is "unknown", and no test checks it.
_AMBIGUOUS = 10**9


@dataclass(frozen=True)
class Phase:
    """From interval `start` on (the interval that ends at sample `start`): `events` per step, `ratio` bad."""

    start: int
    events: int
    ratio: Fraction

    @property
    def bad(self) -> int:
        bad = self.events * self.ratio
        if bad.denominator != 1:
            raise ValueError(f"{self.events} events per step at error ratio {self.ratio} is not a whole number")
        return int(bad)


@dataclass(frozen=True)
class Traffic:
    """Counter samples at steps 0..steps, `step_ms` apart."""

    step_ms: int
    steps: int
    phases: tuple[Phase, ...]
    sampled: bool = False  # gauge samples (one per event per step), not counters

    @cached_property
    def gauge(self) -> tuple[int, ...]:
        """Bad samples at every step (sample 0 repeats the first interval's): what a 0/1 gauge series shows."""
        bad = self.counters[0]
        flags = [b - a for a, b in pairwise(bad)]
        return tuple(flags[:1] + flags) if flags else (0,)

    @cached_property
    def counters(self) -> tuple[tuple[int, ...], tuple[int, ...]]:
        """(bad, total) counter values at every sample."""
        bad, total = [COUNTER_BASE], [COUNTER_BASE]
        phases = sorted(self.phases, key=lambda p: p.start)
        for number, phase in enumerate(phases):
            end = phases[number + 1].start - 1 if number + 1 < len(phases) else self.steps
            add_bad, add_total = phase.bad, phase.events
            for _ in range(max(phase.start, 1), min(end, self.steps) + 1):
                bad.append(bad[-1] + add_bad)
                total.append(total[-1] + add_total)
        return tuple(bad), tuple(total)


def total_rate(total: tuple[int, ...], step_ms: int, at: int, window_ms: int) -> Fraction | None:
    """rate(total[window]) at sample `at`, extrapolated as promql/functions.go extrapolatedRate does."""
    first = max(0, at - window_ms // step_ms)  # the first sample inside the window (never on its edge)
    if at == first:
        return None
    sampled = (at - first) * step_ms
    to_start = first * step_ms - (at * step_ms - window_ms)
    # The end of the window is the evaluation time, where the last sample sits: no extrapolation there.
    extrapolated = sampled + (to_start if 10 * to_start < 11 * step_ms else Fraction(step_ms, 2))
    return Fraction(total[at] - total[first]) * extrapolated / sampled / Fraction(window_ms, 1000)


def _above(bad: int, total: int, threshold: Fraction) -> bool | None:
    """bad/total > threshold, exactly; NaN (no events) is never above; None when too close to call."""
    if total == 0:
        return False
    difference = bad * threshold.denominator - threshold.numerator * total
    if abs(difference) * _AMBIGUOUS <= threshold.numerator * total:
        return None
    return difference > 0


def _sampled_above(traffic: Traffic, at: int, first: int, threshold: Fraction) -> bool | None:
    """The gauge's bad-sample ratio over the samples first..at above threshold."""
    bad, total = traffic.counters
    events = total[1] - total[0] if traffic.steps else 0
    return _above(bad[at] - bad[first] + traffic.gauge[first], total[at] - total[first] + events, threshold)


def _all(values: list[bool | None]) -> bool | None:
    """Three-valued AND: False wins, then unknown."""
    if False in values:
        return False
    return None if None in values else True


def _any(values: list[bool | None]) -> bool | None:
    """Three-valued OR: True wins, then unknown."""
    if True in values:
        return True
    return None if None in values else False


@dataclass(frozen=True)
class AlertTimeline:
    """Per evaluation step: whether the tier's alert is firing (None: too close to call)."""

    tier: str
    firing: tuple[bool | None, ...]

    def first_firing(self) -> int | None:
        return next((k for k, on in enumerate(self.firing) if on), None)


def simulate(plan: SLOPlan, traffic: Traffic) -> dict[str, AlertTimeline]:
    """The firing state of every enabled tier's alert at each evaluation."""
    return _simulate(plan.shape, traffic)


@lru_cache(maxsize=4096)
def _simulate(shape: tuple[object, ...], traffic: Traffic) -> dict[str, AlertTimeline]:
    # Keyed by the plan's shape (plain ints and strings): SLOs with the same budget, windows, tiers and guard share
    # predictions, and nothing but integers is hashed or compared in the loops below.
    _period, tiers, pairs, holds, guard = shape
    bad, total = traffic.counters
    step = traffic.step_ms
    timelines = {}
    for tier, hold in zip(tiers, holds, strict=True):  # type: ignore[call-overload]
        tier_pairs = [(long_ms, short_ms, Fraction(numerator, denominator))
                      for name, long_ms, short_ms, numerator, denominator in pairs  # type: ignore[attr-defined]
                      if name == tier]
        active: list[bool | None] = []
        for at in range(traffic.steps + 1):
            branches = []
            for long_ms, short_ms, threshold in tier_pairs:
                conditions: list[bool | None] = []
                for window in (long_ms, short_ms):
                    first = max(0, at - window // step)
                    if traffic.sampled:
                        conditions.append(_sampled_above(traffic, at, first, threshold))
                        continue
                    conditions.append(at > first and _above(bad[at] - bad[first], total[at] - total[first],
                                                            threshold))
                if guard is not None:
                    # The guard reads the short window's rate (see monitoring.slo.rules.alert_expr).
                    rate = total_rate(total, step, at, short_ms)
                    conditions.append(rate is not None and rate >= guard)
                branches.append(_all(conditions))
            active.append(_any(branches))
        # Firing once active for `for`: at step k, surely if active at every step of k-h..k, surely not if
        # inactive at any of them (the pending clock restarted since), else unknown.
        hold_steps = -(-hold // step)
        firing = [False if at < hold_steps else _all(active[at - hold_steps:at + 1])
                  for at in range(traffic.steps + 1)]
        timelines[tier] = AlertTimeline(tier, tuple(firing))
    return timelines
