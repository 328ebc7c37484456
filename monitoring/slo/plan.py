"""One plan per SLO: everything the generators need to agree on, computed once when the SLO is defined.

The rules, the generated promtool tests, the SLO dashboard, the inhibit rules and lint's known-series set all read
the same `SLOPlan`, so they cannot disagree about which tiers alert, over which windows, at which thresholds, or
which series exist.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from functools import cached_property, lru_cache

from monitoring import conventions
from monitoring.bounded import keep
from monitoring.slo.naming import NAMINGS, SLOTH_INFO, SeriesNaming
from monitoring.slo.windows import BurnWindow, Tier, decimal_text, exact_text, human_number
from monitoring.units import duration_ms

_DAY_MS = 86_400_000


@dataclass(frozen=True)
class PlannedPair:
    """An enabled window pair with its threshold as an exact Fraction and as PromQL ('14.4 * 0.001')."""

    window: BurnWindow
    threshold: Fraction
    threshold_text: str

    @property
    def tier(self) -> Tier:
        return self.window.tier


@dataclass(frozen=True, eq=False)
class SLOPlan:
    """The alerting plan of one SLO: the enabled tiers, their window pairs and thresholds, the recorded series and
    the alert names. Use `slo.plan`; every generator takes its facts from here.

    >>> plan = slo.plan                                   # doctest: +SKIP
    >>> [(p.tier, p.window.long, p.threshold_text) for p in plan.pairs]     # doctest: +SKIP
    [('page', '1h', '14.4 * 0.001'), ...]
    """

    service: str
    name: str
    period: str
    error_budget: Decimal
    tiers: tuple[Tier, ...]
    pairs: tuple[PlannedPair, ...]
    alert_names: Mapping[Tier, str]
    holds_ms: Mapping[Tier, int]  # each tier's `for`, in ms
    guard: Fraction | None  # minimum events per second, if any
    warnings: tuple[str, ...] = field(default=())
    slice_window: str | None = None  # timeslice budgeting: the slice length, recorded as one more rate window
    naming: SeriesNaming = NAMINGS["default"]  # the labels of its series and alerts (this project's or Sloth's)

    @property
    def windows(self) -> tuple[BurnWindow, ...]:
        return tuple(p.window for p in self.pairs)

    def tier_pairs(self, tier: Tier | str) -> tuple[PlannedPair, ...]:
        tier = Tier.named(tier)
        return tuple(p for p in self.pairs if p.tier == tier)

    def alert_name(self, tier: Tier | str) -> str:
        tier = Tier.named(tier)
        if tier not in self.alert_names:
            raise ValueError(f"slo {self.name!r}: the {tier} tier is disabled")
        return self.alert_names[tier]

    @property
    def period_days(self) -> int:
        return duration_ms(self.period) // _DAY_MS

    @cached_property
    def rate_windows(self) -> tuple[str, ...]:
        """Windows with SLI rate rules: those of the enabled pairs, plus the current-burn window."""
        windows = {conventions.SLO_CURRENT_WINDOW, *([self.slice_window] if self.slice_window else [])}
        for pair in self.pairs:
            windows.update((pair.window.long, pair.window.short))
        return tuple(sorted(windows, key=duration_ms))

    @cached_property
    def recorded_series(self) -> frozenset[str]:
        """Every series name the SLO's recording rules write (what dashboards and rules may select); one set
        shared by the plans of the same windows, period and naming."""
        return _recorded_series(self.rate_windows, self.period, self.naming.style == "sloth")

    @cached_property
    def text_key(self) -> tuple[object, ...]:
        """What the texts of an SLO's alerts take from the plan besides the names, in plain values that hash
        fast: the pairs with their windows as spelled and their burn rates, the holds, the guard, the naming."""
        pairs = tuple((str(p.tier), p.window.long, p.window.short, p.window.burn.numerator,
                       p.window.burn.denominator) for p in self.pairs)
        guard = None if self.guard is None else (self.guard.numerator, self.guard.denominator)
        return (self.period, self.error_budget, tuple(str(t) for t in self.tiers), pairs,
                tuple((str(t), ms) for t, ms in self.holds_ms.items()), guard, self.naming)

    @cached_property
    def shape(self) -> tuple[object, ...]:
        """Everything the alert arithmetic depends on, in plain hashable values: SLOs of one shape share their
        planned tests and simulated timelines."""
        pairs = tuple((str(p.tier), p.window.long_ms, p.window.short_ms, p.threshold.numerator,
                       p.threshold.denominator) for p in self.pairs)
        holds = tuple(self.holds_ms[t] for t in self.tiers)
        return (self.period, tuple(str(t) for t in self.tiers), pairs, holds, self.guard)


@lru_cache(maxsize=1024)
def _recorded_series(rate_windows: tuple[str, ...], period: str, sloth: bool) -> frozenset[str]:
    per_window = [
        name(window)
        for window in rate_windows
        for name in (conventions.slo_total_events_rate, conventions.slo_bad_events_rate, conventions.slo_error_ratio)
    ]
    return frozenset({
        *per_window, conventions.slo_error_ratio(period), conventions.slo_objective(),
        conventions.slo_error_budget(), conventions.slo_period_days(), conventions.slo_current_burn_rate(),
        conventions.slo_period_burn_rate(), conventions.slo_error_budget_remaining(),
        *((SLOTH_INFO,) if sloth else ()),
    })


def build(*, service: str, name: str, period: str, error_budget: Decimal, objective: Decimal,
          windows: tuple[BurnWindow, ...], tiers: tuple[Tier, ...], alert_names: Mapping[Tier, str],
          holds_ms: Mapping[Tier, int], guard: Decimal | None, slice_window: str | None = None,
          naming: SeriesNaming = NAMINGS["default"], windows_key: Hashable | None = None) -> SLOPlan:
    """The plan of an SLO, or ValueError naming the tier, the window pair and the factor that make it unsound.
    `windows_key`, if given, stands for the windows (a built-in policy and the period): plans of one key, objective
    and tiers share their pairs, worked out once."""
    if windows_key is None:
        pairs, late = planned_pairs(period, error_budget, objective, windows, tiers)
    else:
        pairs, late = _kept_pairs(windows_key, period, error_budget, objective, tiers, windows)
    return SLOPlan(service=service, name=name, period=period, error_budget=error_budget, tiers=tiers,
                   pairs=pairs, alert_names=dict(alert_names), holds_ms=dict(holds_ms),
                   guard=None if guard is None else Fraction(guard),
                   warnings=tuple(f"slo {name!r}: {text}" for text in late), slice_window=slice_window,
                   naming=naming)


_KEPT: dict[tuple[object, ...], tuple[tuple[PlannedPair, ...], tuple[str, ...]]] = {}


def _kept_pairs(windows_key: Hashable, period: str, error_budget: Decimal, objective: Decimal,
                tiers: tuple[Tier, ...], windows: tuple[BurnWindow, ...]
                ) -> tuple[tuple[PlannedPair, ...], tuple[str, ...]]:
    """planned_pairs, kept per windows key (an error is raised again each time: it is not kept)."""
    key = (windows_key, period, error_budget, objective, tiers)
    found = _KEPT.get(key)
    if found is None:
        found = keep(_KEPT, key, planned_pairs(period, error_budget, objective, windows, tiers), 4096)
    return found


def planned_pairs(period: str, error_budget: Decimal, objective: Decimal, windows: tuple[BurnWindow, ...],
                  tiers: tuple[Tier, ...]) -> tuple[tuple[PlannedPair, ...], tuple[str, ...]]:
    """The enabled window pairs with their thresholds, and the warnings for pairs that fire late (each to follow
    "slo '<name>': "); ValueError for an unsound pair."""
    period_ms = duration_ms(period)
    budget = Fraction(error_budget)
    pairs = []
    warnings = []
    for window in windows:
        if window.tier not in tiers:
            continue
        where = f"alerting.{window.tier} ({window.long}/{window.short} window pair)"
        if window.burn < 1:
            raise ValueError(
                f"{where}: burn factor {human_number(window.burn)} is below 1, so it would alert while the SLO is "
                f"met; use a window policy whose factors stay >= 1 (the built-in 'scaled' policy does) or set "
                f"alerting.{window.tier}.enabled=False")
        if window.long_ms > period_ms:
            raise ValueError(
                f"{where}: the {window.long} window is longer than the period {period}; use a period of at least "
                f"{window.long}, a window policy with shorter windows, or set alerting.{window.tier}.enabled=False")
        threshold = window.burn * budget
        if threshold >= 1:
            raise ValueError(
                f"alerting.{window.tier} can never fire: burn rate {exact_text(window.burn)} x error budget "
                f"{decimal_text(error_budget)} = {exact_text(threshold)}, but an error ratio cannot exceed 1 "
                f"(objective {objective}% is too loose for the {window.long}/{window.short} window pair); raise "
                f"the objective or set alerting.{window.tier}.enabled=False")
        if window.consumed > 1:
            warnings.append(
                f"alerting.{window.tier} {window.long}/{window.short} at burn factor "
                f"{human_number(window.burn)} fires only after {human_number(window.consumed * 100)}% of the "
                f"{period} error budget is spent; shorten the window or lower the factor")
        pairs.append(PlannedPair(window, threshold, f"{exact_text(window.burn)} * {decimal_text(error_budget)}"))
    return tuple(pairs), tuple(warnings)
