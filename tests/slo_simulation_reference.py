"""The step-by-step replay of an SLO's alert rules: the plain algorithm `monitoring.slo.simulation` must agree with.

Every step, every window pair, every condition is evaluated with the same exact arithmetic (the simulation's
`_above`, `_sampled_above` and `total_rate`); nothing is skipped, so this is slow and obviously right.
"""

from __future__ import annotations

from fractions import Fraction
from itertools import pairwise

from monitoring.slo.simulation import COUNTER_BASE, Traffic, _above, total_rate


def counters(traffic: Traffic) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """(bad, total) counter values at every sample, one sample at a time."""
    bad, total = [COUNTER_BASE], [COUNTER_BASE]
    phases = sorted(traffic.phases, key=lambda p: p.start)
    for number, phase in enumerate(phases):
        end = phases[number + 1].start - 1 if number + 1 < len(phases) else traffic.steps
        add_bad, add_total = phase.bad, phase.events
        for _ in range(max(phase.start, 1), min(end, traffic.steps) + 1):
            bad.append(bad[-1] + add_bad)
            total.append(total[-1] + add_total)
    return tuple(bad), tuple(total)


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


def simulate(shape: tuple[object, ...], traffic: Traffic) -> dict[str, tuple[bool | None, ...]]:
    """Each tier's firing state at every step."""
    _period, tiers, pairs, holds, guard = shape
    bad, total = counters(traffic)
    flags = [b - a for a, b in pairwise(bad)]
    gauge = flags[:1] + flags if flags else [0]
    events = total[1] - total[0] if traffic.steps else 0
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
                        conditions.append(_above(bad[at] - bad[first] + gauge[first],
                                                 total[at] - total[first] + events, threshold))
                    else:
                        conditions.append(at > first and _above(bad[at] - bad[first], total[at] - total[first],
                                                                threshold))
                if guard is not None:
                    rate = total_rate(total, step, at, short_ms)
                    conditions.append(rate is not None and rate >= guard)
                branches.append(_all(conditions))
            active.append(_any(branches))
        hold_steps = -(-hold // step)
        timelines[tier] = tuple(False if at < hold_steps else _all(active[at - hold_steps:at + 1])
                                for at in range(traffic.steps + 1))
    return timelines
