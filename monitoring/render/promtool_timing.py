"""Timing shared by every generated promtool test: the step, eval times, and promtool's series notation.

Timing rules that keep the tests exact on Prometheus 2.42 (and later):
- evaluation interval = input interval = one "step", chosen so that no rule window (nor the 5m lookback) is a
  multiple of it: no sample ever sits on a window boundary, where inclusive and exclusive ranges would differ;
- every eval_time lies half a step after an evaluation, and input series run past the last eval_time.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable
from decimal import Decimal
from functools import lru_cache

import promql_parser

from monitoring import conventions, promql
from monitoring.errors import DefinitionError
from monitoring.slo.windows import decimal_text
from monitoring.units import format_duration

LOOKBACK_MS = 300_000  # how far an instant selector looks back (Prometheus' default lookback delta)
# The most steps (samples per input series) a generated test may run. promtool evaluates every rule at every
# step, each over its whole window, so a test's cost grows with the square of its length: an SLO of period 365d
# (its slowest window 36d12h, 45,055 steps of 70s) takes promtool about 20s, one of 1000d minutes, and an alert
# with `for: 5y` would not finish. Such a definition is valid Prometheus, so it is not refused: generate leaves
# its test out and says why (an untested alert then fails `monitoring test`, as any untested alert does).
MAX_TEST_STEPS = 50_000


def too_long(steps: int, step: int, what: str) -> str | None:
    """Why a test of `steps` steps of `step` ms is not generated (what: what makes it that long); None if it may be."""
    if steps <= MAX_TEST_STEPS:
        return None
    return (f"its test would need {steps:,} samples per input series ({what}, at a {format_duration(step)} step), "
            f"over the {MAX_TEST_STEPS:,} a generated test may have (promtool would run for many minutes)")


def expr_windows(expr: str) -> set[int]:
    """Range-selector and subquery windows of an expression, in ms."""
    return {
        int(node.range.total_seconds() * 1000) for node in promql.nodes(promql.parse(expr))
        if isinstance(node, promql_parser.MatrixSelector | promql_parser.SubqueryExpr)
    }


def choose_step(windows: Iterable[int]) -> int:
    """The test step: near 70s, at most half the shortest window, and dividing no window."""
    return _step_for(frozenset(w for w in windows if w > 0))


@lru_cache(maxsize=4096)  # a large stack's services share a few sets of windows; trying steps costs ~80 µs
def _step_for(windows: frozenset[int]) -> int:
    windows |= {LOOKBACK_MS}
    shortest = min(windows)
    for seconds in (*range(70, 120), *range(69, 0, -1)):
        step = seconds * 1000
        if 2 * step < shortest and all(w % step for w in windows):
            return step
    raise DefinitionError(f"no promtool test step fits windows {sorted(format_duration(w) for w in windows)}")


def steps(ms: int, step: int) -> int:
    """How many steps cover ms (rounded up)."""
    return -(-ms // step)


@lru_cache(maxsize=65_536)
def eval_time(step_ms: int, at: int) -> str:
    """Half a step after the evaluation at step `at`: promtool checks the alerts of that evaluation."""
    return format_duration(at * step_ms + step_ms // 2)


def values_text(values: list[int] | list[Decimal]) -> str:
    """promtool's expanding notation: runs of equal increments as 'start+incrementxcount'."""
    parts = [number_text(values[0])]
    i = 1
    while i < len(values):
        increment = values[i] - values[i - 1]
        j = i
        while j + 1 < len(values) and values[j + 1] - values[j] == increment:
            j += 1
        parts.append(f"{number_text(values[i])}+{number_text(increment)}x{j - i}" if j > i else number_text(values[i]))
        i = j + 1
    return " ".join(parts)


def number_text(value: int | Decimal) -> str:
    return decimal_text(Decimal(value))


def relative_rule_file(rule_file: str) -> str:
    """A rule file as the test file names it: relative to the tests directory, where promtool resolves it.

    Both are relative to out/: the path is worked out from their parts (posixpath.relpath would ask the
    system for the working directory twice per file)."""
    target, start = posixpath.normpath(rule_file).split("/"), posixpath.normpath(conventions.TESTS_DIR).split("/")
    common = len(posixpath.commonprefix([target, start]))
    return "/".join([".."] * (len(start) - common) + target[common:]) or "."
