"""Grafana template variables in strings: find them, and stand in values so that PromQL parses."""

from __future__ import annotations

import re
from collections.abc import Mapping

# The three syntaxes Grafana interpolates: $name, ${name[.path][:format]} and the deprecated [[name[:format]]].
# `$1` is no variable: it is a regex group in label_replace()'s replacement, and Grafana leaves a name it does
# not know as it is (a dashboard cannot define a variable named with digits only).
_VARIABLE = re.compile(r"\$(?!\d+\b)(\w+)|\[\[(\w+?)(?::\w+)?\]\]|\$\{(?!\d+\})(\w+)(?:\.[^:}]+)?(?::[^}]+)?\}")

# Global variables Grafana defines on every dashboard.
DURATION_GLOBALS = frozenset({"__interval", "__rate_interval", "__range", "__auto"})
NUMBER_GLOBALS = frozenset({"__interval_ms", "__rate_interval_ms", "__range_s", "__range_ms", "__from", "__to"})
OTHER_GLOBALS = frozenset({
    "__dashboard", "__org", "__user", "__name", "__timezone", "__all_variables", "__url_time_range",
    "__field", "__series", "__value", "__data", "__cell", "timeFilter", "__timeFilter",
})
GLOBAL_VARIABLES = DURATION_GLOBALS | NUMBER_GLOBALS | OTHER_GLOBALS

# What a variable becomes when its value is unknown: a name that is valid as a label value, a regex
# and a metric name, and that no catalog holds.
PLACEHOLDER = "__grafana_variable__"
STAND_IN_DURATION = "5m"
STAND_IN_NUMBER = "300"


def variables_in(text: str) -> list[str]:
    """The names of the variables text refers to, in order of appearance."""
    # findall: one group per syntax, '' for the two that did not match (a name is never empty).
    return [plain or bracketed or braced for plain, bracketed, braced in _VARIABLE.findall(text)]


def substitute(expr: str, stand_ins: Mapping[str, str] | None = None) -> str:
    """expr with every variable replaced by a value of the right kind: durations for $__rate_interval
    and friends, numbers for $__range_s, stand_ins[name] where given, else PLACEHOLDER."""
    stand_ins = stand_ins or {}

    def value(match: re.Match[str]) -> str:
        name = next(group for group in match.groups() if group)
        if name in stand_ins:
            return stand_ins[name]
        if name in DURATION_GLOBALS:
            return STAND_IN_DURATION
        if name in NUMBER_GLOBALS:
            return STAND_IN_NUMBER
        return PLACEHOLDER

    return _VARIABLE.sub(value, expr)
