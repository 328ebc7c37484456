"""Exact replay of an SLO's alert rules over synthetic traffic: what Prometheus 2.42 computes, step by step.

Generated promtool tests take their expectations from here: when each burn-rate alert starts and stops firing
under a given error ratio. promtool then checks the prediction against the real rule engine, so a mistake in
either the rules or this arithmetic fails the tests.

Traffic is piecewise constant: phases of (first interval, events per step, error ratio). Samples sit at every
step and rules are evaluated at every step (the tests use one interval for both). Counters start at a base of
at least twice their largest increase per step (`counter_base`), so rate() never limits its extrapolation at
zero: bad and total events of a window then share the same extrapolation factor, and the window's error ratio is
exactly (bad increase) / (total increase) over the samples inside it. A traffic with a smaller base is still
replayed: wherever that limit (promql/functions.go extrapolatedRate, durationToZero) could change some series'
rate, the window's condition is unknown. Everything here is integer or Fraction arithmetic; what float64 does
to it is bounded instead: a counter above 2**53 is not a float64 (the window's condition is unknown from that
sample on), and a ratio within float64's rounding of the threshold is too close to call.

Boolean-gauge SLIs (`sampled` traffic) count samples instead: every step one sample per gauge series, 0 for each
bad event of the step; a window holds every sample from `first` to `at`. The test step divides no window, so no
sample sits on a window's edge, where Prometheus 2.x (closed range) and 3.x (left-open) would differ.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from fractions import Fraction
from functools import cached_property, lru_cache, partial
from itertools import accumulate, chain, pairwise, repeat

from monitoring.slo.plan import SLOPlan

COUNTER_BASE = 1_000_000_000
# A window value this close (relative) to a threshold is too close to call in Prometheus' float arithmetic:
# the prediction for that step is "unknown", and no test checks it.
_AMBIGUOUS = 10**9
# ... and so is one this close in absolute terms. Every rate of a window shares one extrapolation factor, so
# each is its exact value times (1 + a few float64 roundings of 2**-53). Bad events computed as a difference
# (all events minus good ones: latency SLIs) carry the rounding of the total rate, so the ratio's error is a
# few times 2**-53 in absolute terms, however small the ratio: 2**-50 bounds it with room to spare.
_FLOAT_SLACK = 2**50
# Integers above this are not all float64s: promtool would not read such a counter sample exactly.
FLOAT_EXACT = 2**53


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
    base: int = COUNTER_BASE  # every counter's first sample (see counter_base)

    @cached_property
    def gauge(self) -> tuple[int, ...]:
        """Bad samples at every step (sample 0 repeats the first interval's): what a 0/1 gauge series shows."""
        bad = self.counters[0]
        flags = [b - a for a, b in pairwise(bad)]
        return tuple(flags[:1] + flags) if flags else (0,)

    @cached_property
    def increments(self) -> tuple[tuple[int, int, int], ...]:
        """Per phase, as the counters lay them out: (how many steps, bad events, events) added at each step."""
        runs = []
        phases = sorted(self.phases, key=lambda p: p.start)
        for number, phase in enumerate(phases):
            end = phases[number + 1].start - 1 if number + 1 < len(phases) else self.steps
            runs.append((len(range(max(phase.start, 1), min(end, self.steps) + 1)), phase.bad, phase.events))
        return tuple(runs)

    @cached_property
    def increment_starts(self) -> tuple[int, ...]:
        """The sample at which each phase's increments begin."""
        return tuple(accumulate((count for count, _, _ in self.increments[:-1]), initial=1))

    @cached_property
    def counters(self) -> tuple[tuple[int, ...], tuple[int, ...]]:
        """(bad, total) counter values at every sample."""
        return (tuple(accumulate(chain(*(repeat(bad, count) for count, bad, _ in self.increments)),
                                 initial=self.base)),
                tuple(accumulate(chain(*(repeat(events, count) for count, _, events in self.increments)),
                                 initial=self.base)))

    @cached_property
    def largest_increment(self) -> int:
        """The most events any counter (bad, good or total) gains in one step."""
        return max((events for count, _, events in self.increments if count), default=0)

    @cached_property
    def unclipped(self) -> bool:
        """Whether rate() surely never limits its extrapolation at zero, for any series and window: the first
        sample of a window is at least the base, and the increase over n intervals at most n times the largest
        increment, so durationToZero is at least twice the average interval, beyond the 1.1 intervals past which
        Prometheus extrapolates by half an interval anyway."""
        return self.sampled or self.base >= 2 * self.largest_increment

    @cached_property
    def exact_until(self) -> int:
        """The first sample whose counters are not all float64s (steps + 1 when every one is): the total counter
        is the largest, and it grows."""
        if self.sampled:
            return self.steps + 1
        return bisect_right(self.counters[1], FLOAT_EXACT)


def counter_base(phases: Iterable[Phase], scale: int = 1) -> int:
    """The first sample of test counters: COUNTER_BASE, or a multiple of it at least twice the largest increase
    per step, so that rate() never extrapolates a window's start to a counter of zero (it would cut one series'
    extrapolation short and not another's, skewing the ratio)."""
    largest = max((phase.events * scale for phase in phases), default=0)
    return max(COUNTER_BASE, -(-2 * largest // COUNTER_BASE) * COUNTER_BASE)


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
    """bad/total > threshold, exactly; NaN (no events) is never above; None when too close to call: within a
    billionth of the threshold, or within float64's rounding of the ratio (_FLOAT_SLACK)."""
    if total == 0:
        return False
    difference = bad * threshold.denominator - threshold.numerator * total
    # |bad/total - t| <= t / _AMBIGUOUS + 1 / _FLOAT_SLACK, in integers
    if (abs(difference) * _AMBIGUOUS * _FLOAT_SLACK
            <= total * (threshold.numerator * _FLOAT_SLACK + threshold.denominator * _AMBIGUOUS)):
        return None
    return difference > 0


def _sampled_above(traffic: Traffic, at: int, first: int, threshold: Fraction) -> bool | None:
    """The gauge's bad-sample ratio over the samples first..at above threshold."""
    bad, total = traffic.counters
    events = total[1] - total[0] if traffic.steps else 0
    return _above(bad[at] - bad[first] + traffic.gauge[first], total[at] - total[first] + events, threshold)


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


# Three-valued truth as a rank, so that AND is min and OR is max: False < unknown < True.
_RANK: dict[bool | None, int] = {False: 0, None: 1, True: 2}
_VALUE: tuple[bool | None, ...] = (False, None, True)

# A timeline as runs: (first step, rank) in step order, each run lasting until the next one starts.
Runs = list[tuple[int, int]]


@lru_cache(maxsize=4096)
def _simulate(shape: tuple[object, ...], traffic: Traffic) -> dict[str, AlertTimeline]:
    # Keyed by the plan's shape (plain ints and strings): SLOs with the same budget, windows, tiers and guard share
    # predictions, and nothing but integers is hashed or compared in the loops below.
    #
    # Not step by step: traffic is piecewise constant, so between the steps where some phase starts (or leaves
    # a window) every window's bad and total increase is linear in the step. A linear quantity crosses a
    # threshold at most once, so on such a segment a condition goes monotonically from one value to another
    # (True, unknown, False, or back): bisection finds where, in a few evaluations of the exact arithmetic.
    _period, tiers, pairs, holds, guard = shape
    end = traffic.steps + 1
    conditions: dict[tuple[int, int, int], Runs] = {}
    timelines = {}
    for tier, hold in zip(tiers, holds, strict=True):  # type: ignore[call-overload]
        branches = []
        for name, long_ms, short_ms, numerator, denominator in pairs:  # type: ignore[attr-defined]
            if name != tier:
                continue
            threshold = Fraction(numerator, denominator)
            branch = []
            for window in (long_ms, short_ms):
                key = (window, numerator, denominator)
                if key not in conditions:
                    conditions[key] = _window_runs(traffic, window, threshold)
                branch.append(conditions[key])
            if guard is not None:
                branch.append(_guard_runs(traffic, short_ms, guard))  # type: ignore[arg-type]
            branches.append(_combine(branch, min))
        active = _combine(branches, max) if branches else [(0, _RANK[False])]
        # Firing once active for `for`: at step k, surely if active at every step of k-h..k, surely not if
        # inactive at any of them (the pending clock restarted since), else unknown.
        firing = _held(active, -(-hold // traffic.step_ms), end)
        timelines[tier] = AlertTimeline(tier, _expand(firing, end))
    return timelines


def _segments(traffic: Traffic, lag: int) -> list[int]:
    """The first steps of segments on which a window of `lag` steps grows linearly: where a phase's increments
    start, where they start to leave the window, and where the window stops starting at sample 0."""
    starts = {0, 1, lag + 1, traffic.exact_until}
    for first in traffic.increment_starts:
        starts.update((first, first + lag))
    return sorted(s for s in starts if s <= traffic.steps)


def _window_runs(traffic: Traffic, window_ms: int, threshold: Fraction) -> Runs:
    """The window's error ratio above the threshold, at every step."""
    bad, total = traffic.counters
    lag = window_ms // traffic.step_ms
    if traffic.sampled:
        def value(at: int) -> int:
            return _RANK[_sampled_above(traffic, at, max(0, at - lag), threshold)]
    else:
        def value(at: int) -> int:
            first = at - lag if at > lag else 0
            return _RANK[at > first and _above(bad[at] - bad[first], total[at] - total[first], threshold)]
    return _unless_doubtful(_monotone_runs(value, _segments(traffic, lag), traffic.steps + 1),
                            _doubtful_runs(traffic, lag))


def _guard_runs(traffic: Traffic, short_ms: int, guard: Fraction) -> Runs:
    """The short window's rate at least the guard. Once the window no longer reaches back to sample 0 the rate
    is the increase times a constant, linear on each segment; before, the extrapolation changes every step."""
    _, total = traffic.counters
    step = traffic.step_ms
    lag = short_ms // step

    def value(at: int) -> int:
        rate = total_rate(total, step, at, short_ms)
        return _RANK[rate is not None and rate >= guard]

    starts = sorted({*range(min(lag, traffic.steps) + 1), *_segments(traffic, lag)})
    return _unless_doubtful(_monotone_runs(value, starts, traffic.steps + 1), _doubtful_runs(traffic, lag))


# Float fuzz on the comparison of durationToZero with the extrapolation threshold: closer than this is clipped.
_CLIP_FUZZ = 2**40


def _clipped(series: tuple[int, ...], at: int, lag: int) -> bool:
    """Whether rate() over the window ending at sample `at` (lag intervals long) may extrapolate the series'
    start to a counter of zero in a way that changes the rate: durationToZero = sampled * first / increase
    below the extrapolation threshold of 1.1 average intervals (below durationToStart too, which this does not
    ask: the answer errs on the side of "may")."""
    first = max(0, at - lag)
    increase = series[at] - series[first]
    # first / increase * (at - first) intervals < 1.1 intervals, with float fuzz
    return increase > 0 and (10 * series[first] * (at - first) * _CLIP_FUZZ
                             <= 11 * increase * (_CLIP_FUZZ + 1))


def _doubtful_runs(traffic: Traffic, lag: int) -> Runs | None:
    """Where a window of `lag` intervals cannot be predicted exactly (rank unknown, else False): from the first
    sample that is no float64 on, and wherever rate() may clip any series' extrapolation at zero (bad, good or
    total: the tests feed two of them). None when nowhere."""
    end = traffic.steps + 1
    if traffic.unclipped and traffic.exact_until >= end:
        return None
    doubt = [[(0, _RANK[False])] if traffic.exact_until >= end
             else [(0, _RANK[False]), (traffic.exact_until, _RANK[None])]]
    if not traffic.unclipped:
        bad, total = traffic.counters
        good = tuple(t - b + traffic.base for t, b in zip(total, bad, strict=True))
        starts = _segments(traffic, lag)
        for series in (bad, good, total):
            # Linear in `at` on each segment (the window's first sample and increase are), so monotone.
            doubt.append(_monotone_runs(partial(_clipped_rank, series, lag=lag), starts, end))
    return _combine(doubt, max)


def _clipped_rank(series: tuple[int, ...], at: int, lag: int) -> int:
    return _RANK[None] if _clipped(series, at, lag) else _RANK[False]


def _unless_doubtful(runs: Runs, doubt: Runs | None) -> Runs:
    """The runs, unknown wherever `doubt` is."""
    return runs if doubt is None else _combine([runs, doubt], _value_unless_doubtful)


def _value_unless_doubtful(ranks: Iterable[int]) -> int:
    value, doubt = ranks
    return _RANK[None] if doubt == _RANK[None] else value


def _monotone_runs(value: Callable[[int], int], starts: list[int], end: int) -> Runs:
    """The runs of `value` over 0..end-1, given the first steps of segments on which it is monotone."""
    runs: Runs = []
    for first, stop in zip(starts, [*starts[1:], end], strict=True):
        while first < stop:
            rank = value(first)
            # The last step of the segment with the same value: a prefix, as the value is monotone.
            low, high = first, stop - 1
            if value(high) == rank:
                low = high
            while high - low > 1:
                middle = (low + high) // 2
                if value(middle) == rank:
                    low = middle
                else:
                    high = middle
            if not runs or runs[-1][1] != rank:
                runs.append((first, rank))
            first = low + 1
    return runs


def _combine(timelines: list[Runs], join: Callable[[Iterable[int]], int]) -> Runs:
    """Step by step `join` (min: AND, max: OR) of the timelines' values, as runs."""
    starts = sorted({start for runs in timelines for start, _ in runs})
    runs: Runs = []
    for start in starts:
        rank = join(_at(runs_, start) for runs_ in timelines)
        if not runs or runs[-1][1] != rank:
            runs.append((start, rank))
    return runs


def _at(runs: Runs, step: int) -> int:
    """The value of the run that holds `step`."""
    return runs[bisect_right(runs, (step, _RANK[True])) - 1][1]


def _held(active: Runs, hold: int, end: int) -> Runs:
    """Firing at step k: False before `hold` steps have passed, else the AND of active over k-hold..k."""
    firing: Runs = [(0, _RANK[False])] if hold else []
    starts = sorted({hold, *(s for start, _ in active for s in (start, start + hold) if s >= hold)})
    for start in starts:
        if start >= end:
            break
        # The runs that overlap k-hold..k: from the one holding k-hold to the one holding k.
        low = bisect_right(active, (start - hold, _RANK[True])) - 1
        high = bisect_right(active, (start, _RANK[True]))
        rank = min(rank for _, rank in active[low:high])
        if not firing or firing[-1][1] != rank:
            firing.append((start, rank))
    return firing


def _expand(runs: Runs, end: int) -> tuple[bool | None, ...]:
    values: list[bool | None] = []
    for (start, rank), stop in zip(runs, [*(s for s, _ in runs[1:]), end], strict=True):
        values += [_VALUE[rank]] * (min(stop, end) - start)
    return tuple(values)
