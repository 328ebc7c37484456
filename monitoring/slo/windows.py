"""Multi-window, multi-burn-rate arithmetic (Google SRE Workbook, "Alerting on SLOs"), kept exact.

Burn rates and thresholds are Fractions, so that the rules say `14.4 * 0.001` and never `0.014400000000000001`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from functools import lru_cache

from monitoring.model.common import duration_ms

_HOUR_MS = 3_600_000

# (tier, long window, short window, share of the period's error budget consumed when the alert fires)
WORKBOOK_TABLE: tuple[tuple[str, str, str, Fraction], ...] = (
    ("page", "1h", "5m", Fraction(2, 100)),
    ("page", "6h", "30m", Fraction(5, 100)),
    ("ticket", "1d", "2h", Fraction(10, 100)),
    ("ticket", "3d", "6h", Fraction(10, 100)),
)


@dataclass(frozen=True)
class BurnWindow:
    """One AND-ed window pair of a tier: alert when both windows burn faster than `burn`."""

    tier: str
    long: str
    short: str
    consumed: Fraction
    burn: Fraction
    long_ms: int = field(compare=False)
    short_ms: int = field(compare=False)


@lru_cache(maxsize=64)
def burn_windows(period_days: int) -> tuple[BurnWindow, ...]:
    """The workbook's window pairs with burn = budget consumed x period / long window."""
    period_hours = Fraction(period_days * 24)
    return tuple(
        BurnWindow(tier, long, short, consumed, consumed * period_hours / Fraction(duration_ms(long), _HOUR_MS),
                   duration_ms(long), duration_ms(short))
        for tier, long, short, consumed in WORKBOOK_TABLE
    )


def is_finite_decimal(value: Fraction) -> bool:
    """True when value has a finite decimal expansion (its denominator has no prime factor but 2 and 5)."""
    denominator = value.denominator
    for prime in (2, 5):
        while denominator % prime == 0:
            denominator //= prime
    return denominator == 1


@lru_cache(maxsize=4096)
def decimal_text(value: Decimal | Fraction) -> str:
    """A finite decimal written out in full: 0.001, 14.4, 30; no exponent, no trailing zeros, no float noise."""
    if isinstance(value, Fraction):
        if not is_finite_decimal(value):
            raise ValueError(f"{value} has no finite decimal expansion")
        digits = 0
        while (value * 10**digits).denominator != 1:
            digits += 1
        value = Decimal(value.numerator) / Decimal(value.denominator)
        value = value.quantize(Decimal(1).scaleb(-digits)) if digits else value
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
