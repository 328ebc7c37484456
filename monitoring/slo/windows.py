"""Window policies as data: which long/short window pairs alert for a period, at which burn rates; kept exact.

Multi-window, multi-burn-rate alerting as in the Google SRE Workbook ("Alerting on SLOs").

Burn rates and thresholds are Fractions, so that the rules say `14.4 * 0.001` and never `0.014400000000000001`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from functools import lru_cache

from monitoring.units import duration_ms, format_duration

_DAY_MS = 86_400_000
_WORKBOOK_PERIOD_MS = 30 * _DAY_MS


class Tier(StrEnum):
    """An SLO alert tier: `page` wakes someone up, `ticket` can wait for working hours.

    A StrEnum, so `Tier.PAGE == "page"` and f-strings print the bare name; `Tier.named("pgae")` is an error.
    """

    PAGE = "page"
    TICKET = "ticket"

    @classmethod
    def named(cls, name: str) -> Tier:
        """The tier called `name`; ValueError naming the valid tiers for anything else."""
        try:
            return cls(name)
        except ValueError:
            raise ValueError(f"unknown alert tier {name!r} (tiers: {', '.join(t.value for t in cls)})") from None


@dataclass(frozen=True)
class BurnWindow:
    """One AND-ed window pair of a tier: alert when both windows burn faster than `burn` (the factor).

    `consumed` is the share of the period's error budget spent by the time the long window fires at that burn:
    burn x long window / period.
    """

    tier: Tier
    long: str
    short: str
    consumed: Fraction
    burn: Fraction
    long_ms: int = field(compare=False)
    short_ms: int = field(compare=False)


# The SRE Workbook's table ("Alerting on SLOs", multiwindow, multi-burn-rate), in burn rates:
# (tier, long window, short window, burn rate). At 30 days they consume 2%, 5%, 10% and 10% of the budget.
WORKBOOK_TABLE: tuple[tuple[Tier, str, str, Fraction], ...] = (
    (Tier.PAGE, "1h", "5m", Fraction(144, 10)),
    (Tier.PAGE, "6h", "30m", Fraction(6)),
    (Tier.TICKET, "1d", "2h", Fraction(3)),
    (Tier.TICKET, "3d", "6h", Fraction(1)),
)
# The shortest window a scaled policy uses: a rate needs several scrapes in its window.
SHORTEST_WINDOW_MS = 300_000
# Periods for which the workbook's fixed windows are the built-in policy; other periods scale the windows.
WORKBOOK_PERIODS_DAYS = (28, 30)


def window_pair(tier: Tier, long_ms: int, short_ms: int, burn: Fraction, period_ms: int) -> BurnWindow:
    """A window pair with its budget share worked out from the burn rate."""
    return BurnWindow(tier, format_duration(long_ms), format_duration(short_ms), burn * long_ms / period_ms, burn,
                      long_ms, short_ms)


@lru_cache(maxsize=64)
def workbook_windows(period_days: int) -> tuple[BurnWindow, ...]:
    """The workbook's windows and burn rates as they stand (1h/5m at 14.4 ... 3d/6h at 1), for any period."""
    period_ms = period_days * _DAY_MS
    return tuple(window_pair(tier, duration_ms(long), duration_ms(short), burn, period_ms)
                 for tier, long, short, burn in WORKBOOK_TABLE)


@lru_cache(maxsize=64)
def scaled_windows(period_days: int) -> tuple[BurnWindow, ...]:
    """The workbook's table scaled to the period (as Pyrra does): windows grow and shrink with the period, the
    burn rates stay 14.4, 6, 3 and 1, so every pair consumes the same budget share as at 30 days.

    A whole number of days keeps every window a whole number of seconds. No window is shorter than 5m, so that a
    rate always spans several scrapes (a 7-day page would otherwise read a 1m10s window): 7d gives 14m/5m,
    1h24m/7m, 5h36m/28m and 16h48m/1h24m; a long window is at least twice its short one.
    """
    period_ms = period_days * _DAY_MS
    pairs = []
    for tier, long, short, burn in WORKBOOK_TABLE:
        short_ms = max(duration_ms(short) * period_ms // _WORKBOOK_PERIOD_MS, SHORTEST_WINDOW_MS)
        long_ms = max(duration_ms(long) * period_ms // _WORKBOOK_PERIOD_MS, 2 * short_ms)
        pairs.append(window_pair(tier, long_ms, short_ms, burn, period_ms))
    return tuple(pairs)


def default_windows(period_days: int) -> tuple[BurnWindow, ...]:
    """The built-in policy: the workbook's windows at 28 and 30 days, windows scaled to the period otherwise."""
    if period_days in WORKBOOK_PERIODS_DAYS:
        return workbook_windows(period_days)
    return scaled_windows(period_days)


def burn_windows(period_days: int) -> tuple[BurnWindow, ...]:
    """The built-in policy's window pairs for a period (every tier, enabled or not)."""
    return default_windows(period_days)


def is_finite_decimal(value: Fraction) -> bool:
    """True when value has a finite decimal expansion (its denominator has no prime factor but 2 and 5)."""
    denominator = value.denominator
    for prime in (2, 5):
        while denominator % prime == 0:
            denominator //= prime
    return denominator == 1


def decimal_text(value: Decimal | Fraction) -> str:
    """A finite decimal written out in full: 0.001, 14.4, 30; no exponent, no trailing zeros, no float noise."""
    if not value:  # the cache takes equal numbers for one key, and -0 equals 0: zeros are spelt here
        return "-0" if isinstance(value, Decimal) and value.is_signed() else "0"
    return _decimal_text(value)


@lru_cache(maxsize=4096)
def _decimal_text(value: Decimal | Fraction) -> str:
    if isinstance(value, Fraction):
        if not is_finite_decimal(value):
            raise ValueError(f"{value} has no finite decimal expansion")
        digits = 0
        while (value * 10**digits).denominator != 1:
            digits += 1
        # In integers: Decimal's context holds 28 digits, and an objective of 15 digits makes budgets and
        # thresholds of more (1E-24 * 14.4), which it would round or refuse.
        whole = str(abs((value * 10**digits).numerator)).rjust(digits + 1, "0")
        text = ("-" if value < 0 else "") + (f"{whole[:-digits]}.{whole[-digits:]}" if digits else whole)
    else:
        text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


@lru_cache(maxsize=4096)
def exact_text(value: Fraction) -> str:
    """PromQL for value with no rounding: a decimal where one exists, else 'numerator / denominator'."""
    if is_finite_decimal(value):
        return decimal_text(value)
    return f"{value.numerator} / {value.denominator}"


def human_number(value: Fraction) -> str:
    """For descriptions: 14.4, 6, or ~0.93 when the exact value has too many digits to read."""
    if is_finite_decimal(value) and len(decimal_text(value).partition(".")[2]) <= 2:
        return decimal_text(value)
    return "~" + decimal_text(Fraction(round(value * 100), 100))


def human_hours(hours: Fraction) -> str:
    """'~2 days', '~5 days', '~1 day', '~12 hours': how long a budget lasts at some burn rate."""
    if hours >= 36:
        days = round(hours / 24)
        return f"~{days} days"
    if hours >= 20:
        return "~1 day"
    count = max(1, round(hours))
    return f"~{count} hour" + ("s" if count != 1 else "")
