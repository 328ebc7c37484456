"""The few Prometheus template forms alert annotations and label values use, rendered as Prometheus renders them.

Generated tests must state the exact annotations and labels promtool will compare. Supported: {{ $labels.name }},
{{ $value }} and {{ $value | humanize }}, {{ $value | humanizePercentage }}, {{ $value | humanizeDuration }}
(also spelled .Labels.name and .Value). Anything else is an error naming the template, so that the scenario
states the expected text itself.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping

from monitoring.render.numbers import go_float

_ACTION = re.compile(r"\{\{-?\s*(.*?)\s*-?\}\}", re.DOTALL)
_LABEL = re.compile(r"\A(?:\$labels|\.Labels)\.([a-zA-Z_][a-zA-Z0-9_]*)\Z")
_VALUE = re.compile(r"\A(?:\$value|\.Value)(?:[ \t]*\|[ \t]*([a-zA-Z]+))?\Z")


class UnsupportedTemplate(ValueError):
    """An annotation template uses more of Go's text/template than can be rendered here to predict it."""


def go_g(value: float, precision: int) -> str:
    """Go's fmt %.<precision>g (the same rules as Python's %g, spelled out for the special values)."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return f"%.{precision}g" % value


def humanize(value: float) -> str:
    if value == 0 or math.isnan(value) or math.isinf(value):
        return go_g(value, 4)
    prefix = ""
    if abs(value) >= 1:
        for p in ("k", "M", "G", "T", "P", "E", "Z", "Y"):
            if abs(value) < 1000:
                break
            prefix, value = p, value / 1000
    else:
        for p in ("m", "u", "n", "p", "f", "a", "z", "y"):
            if abs(value) >= 1:
                break
            prefix, value = p, value * 1000
    return go_g(value, 4) + prefix


def humanize_percentage(value: float) -> str:
    return go_g(value * 100, 4) + "%"


def humanize_duration(value: float) -> str:
    if math.isnan(value) or math.isinf(value):
        return go_g(value, 4)
    if value == 0:
        return go_g(value, 4) + "s"
    if abs(value) >= 1:
        sign = "-" if value < 0 else ""
        whole = int(abs(value))
        seconds, minutes = whole % 60, (whole // 60) % 60
        hours, days = (whole // 3600) % 24, whole // 86400
        if days:
            return f"{sign}{days}d {hours}h {minutes}m {seconds}s"
        if hours:
            return f"{sign}{hours}h {minutes}m {seconds}s"
        if minutes:
            return f"{sign}{minutes}m {seconds}s"
        return f"{sign}{go_g(abs(value), 4)}s"
    prefix = ""
    for p in ("m", "u", "n", "p", "f", "a", "z", "y"):
        if abs(value) >= 1:
            break
        prefix, value = p, value * 1000
    return f"{go_g(value, 4)}{prefix}s"


def go_value(value: float) -> str:
    """text/template's %v of a float64, as {{ $value }} prints: shortest digits, like 0.25 or 1e+06."""
    if math.isnan(value) or math.isinf(value):
        return go_g(value, 4)
    return ("-" if value < 0 else "") + go_float(abs(value)) if value else "0"


_FUNCTIONS: dict[str | None, Callable[[float], str]] = {
    None: go_value,
    "humanize": humanize,
    "humanizePercentage": humanize_percentage,
    "humanizeDuration": humanize_duration,
}


def render(text: str, labels: Mapping[str, str], value: float | None, stated_in: str = "annotations") -> str:
    """text with its template actions replaced; UnsupportedTemplate for anything beyond the forms above, which
    says to state the text in the scenario's `stated_in` instead."""

    def action(match: re.Match[str]) -> str:
        body = match.group(1)
        label = _LABEL.match(body)
        if label:
            if label.group(1) not in labels:
                raise UnsupportedTemplate(f"{match.group(0)!r}: label {label.group(1)!r} is not among the "
                                          "scenario's labels")
            return labels[label.group(1)]
        wanted = _VALUE.match(body)
        if wanted and wanted.group(1) in _FUNCTIONS:
            if value is None:
                raise UnsupportedTemplate(f"{match.group(0)!r} prints the alert's value: set the scenario's value")
            return _FUNCTIONS[wanted.group(1)](value)
        raise UnsupportedTemplate(f"{match.group(0)!r} cannot be predicted: set the scenario's {stated_in}")

    return _ACTION.sub(action, text)
