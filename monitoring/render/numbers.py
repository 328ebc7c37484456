"""Floats as Go and Python Prometheus clients print them (bucket boundaries, template values), and the simplest
fraction of a range (test traffic with few events per step)."""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction


def go_float(value: float) -> str:
    """How Go clients print a float in `le` (strconv 'g', shortest): 5, 0.5, 1e+06, 1e-05."""
    digits, exponent = _shortest_digits(value)
    if exponent < -4 or exponent >= 6:
        mantissa = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
        return f"{mantissa}e{'-' if exponent < 0 else '+'}{abs(exponent):02d}"
    return _plain(digits, exponent)


def python_float(value: float) -> str:
    """How Python's prometheus_client prints a float in `le`: repr, so whole numbers keep '.0' (5.0)."""
    text = repr(float(value))
    dot = text.find(".")
    if value > 0 and dot > 6:  # prometheus_client switches to Go's exponent form for large values
        mantissa = f"{text[0]}.{text[1:dot]}{text[dot + 1:]}".rstrip("0.")
        return f"{mantissa}e+0{dot - 1}"
    return text


def _shortest_digits(value: float) -> tuple[str, int]:
    """Shortest round-trip digits of value and its decimal exponent: 0.05 -> ('5', -2)."""
    _, digit_tuple, exp = Decimal(repr(float(value))).normalize().as_tuple()
    digits = "".join(map(str, digit_tuple))
    return digits, len(digits) + int(exp) - 1


def _plain(digits: str, exponent: int) -> str:
    if exponent < 0:
        return "0." + "0" * (-exponent - 1) + digits
    if len(digits) <= exponent + 1:
        return digits + "0" * (exponent + 1 - len(digits))
    return digits[: exponent + 1] + "." + digits[exponent + 1:]


def simplest_fraction(low: Fraction, high: Fraction) -> Fraction:
    """The fraction of smallest denominator in [low, high] (0 <= low <= high): the first that the Stern-Brocot
    tree reaches, found by continued fractions."""
    whole = math.floor(low)
    if whole == low:
        return Fraction(whole)
    if whole + 1 <= high:
        return Fraction(whole + 1)
    # Both ends share their whole part: the simplest of the reciprocals of what is left, turned back.
    return whole + 1 / simplest_fraction(1 / (high - whole), 1 / (low - whole))
