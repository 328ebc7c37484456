"""Exact replay of an SLO's rules over synthetic traffic: what Prometheus 2.42 computes, step by step.

Generated promtool tests take their expectations from here: when each burn-rate alert starts and stops firing
under a given error ratio. promtool then checks the prediction against the real rule engine, so a mistake in
either the rules or this arithmetic fails the tests.

Traffic is piecewise constant: phases of (first interval, events per step, error ratio). Counters start at a
large base so that rate() never limits its extrapolation at zero; bad and total events then share every
extrapolation factor and the error ratio of a window is exactly bad/total over the samples in it.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from monitoring.model.common import duration_ms
from monitoring.model.slo import SLO

COUNTER_BASE = 1_000_000_000
# How close to a threshold a value may be before a prediction is too close to call in float arithmetic.
_MARGIN = Fraction(1, 10**9)


class AmbiguousPrediction(ValueError):
    """A window's value sits on a threshold: float rounding in Prometheus could go either way."""


@dataclass(frozen=True)
class Phase:
    """From interval `start` on (the interval ending at sample `start`), `events` per step, `ratio` of them bad."""

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
    """Counter samples at steps 0..steps of `step_ms`."""

    step_ms: int
    steps: int
    phases: tuple[Phase, ...]

    def counters(self) -> tuple[list[int], list[int]]:
        """(bad, total) counter values at every sample."""
        bad, total = [COUNTER_BASE], [COUNTER_BASE]
        for interval in range(1, self.steps + 1):
            phase = self.phase(interval)
            bad.append(bad[-1] + phase.bad)
            total.append(total[-1] + phase.events)
        return bad, total

    def phase(self, interval: int) -> Phase:
        current = self.phases[0]
        for phase in self.phases:
            if phase.start <= interval:
                current = phase
        return current


def extrapolated_rate(values: list[int], step_ms: int, at: int, window_ms: int) -> Fraction | None:
    """rate(counter[window]) at sample `at`, as promql/functions.go extrapolatedRate computes it."""
    end_ms = at * step_ms
    start_ms = end_ms - window_ms
    first = max(0, -(-start_ms // step_ms))  # the first sample inside the window (never on its edge here)
    if at - first < 1:
        return None
    delta = Fraction(values[at] - values[first])
    sampled = Fraction((at - first) * step_ms)
    average = sampled / (at - first)
    to_start = Fraction(first * step_ms - start_ms)
    to_end = Fraction(0)
    if delta > 0 and values[first] >= 0:
        to_zero = sampled * values[first] / delta
        to_start = min(to_start, to_zero)
    threshold = average * Fraction(11, 10)
    extrapolated = sampled + (to_start if to_start < threshold else average / 2)
    extrapolated += to_end if to_end < threshold else average / 2
    return delta * (extrapolated / sampled) / Fraction(window_ms, 1000)


@dataclass(frozen=True)
class AlertTimeline:
    """Per evaluation step: whether the tier's alert is firing."""

    tier: str
    firing: tuple[bool, ...]

    def first_firing(self, after: int = 0) -> int | None:
        return next((k for k, on in enumerate(self.firing) if on and k >= after), None)


def _above(value: Fraction | None, threshold: Fraction) -> bool:
    if value is None:
        return False
    if abs(value - threshold) <= threshold * _MARGIN:
        raise AmbiguousPrediction(f"window value {float(value)} is on the threshold {float(threshold)}")
    return value > threshold


def simulate(slo: SLO, traffic: Traffic) -> dict[str, AlertTimeline]:
    """The firing state of every enabled tier's alert at each evaluation (evaluation interval = step)."""
    bad, total = traffic.counters()
    step = traffic.step_ms
    guard = slo.alerting.min_events_per_second
    rates: dict[tuple[str, int], tuple[Fraction | None, Fraction | None]] = {}

    def window(name: str, at: int) -> tuple[Fraction | None, Fraction | None]:
        """(error ratio, total events per second) of a window at a step."""
        key = (name, at)
        if key not in rates:
            ms = duration_ms(name)
            bad_rate = extrapolated_rate(bad, step, at, ms)
            total_rate = extrapolated_rate(total, step, at, ms)
            ratio = None if bad_rate is None or not total_rate else bad_rate / total_rate
            rates[key] = (ratio, total_rate)
        return rates[key]

    timelines = {}
    for tier in slo.tiers:
        pairs = [p for p in slo.windows if p.tier == tier]
        hold = duration_ms(slo.alerting.tier(tier).for_ or "0s")
        active_since: int | None = None
        firing = []
        for at in range(traffic.steps + 1):
            active = False
            for pair in pairs:
                threshold = slo.threshold(pair)
                long_ratio, long_rate = window(pair.long, at)
                short_ratio, _ = window(pair.short, at)
                guarded = guard is None or (long_rate is not None and long_rate >= Fraction(guard))
                if _above(long_ratio, threshold) and _above(short_ratio, threshold) and guarded:
                    active = True
            if not active:
                active_since = None
            elif active_since is None:
                active_since = at
            firing.append(active_since is not None and (at - active_since) * step >= hold)
        timelines[tier] = AlertTimeline(tier, tuple(firing))
    return timelines
