"""alerts/for-interval: an alert's `for` is one it can stay pending for.

Two ways it cannot: `for` shorter than the group's evaluation interval (Prometheus looks once per interval), and
a condition that counts events in a window shorter than `for` (`changes(x[5m]) > 0` with `for: 10m`): one
event keeps such a condition true for the window only, so the alert is pending for at most that long and a
single event (a restart, a reload, a failed job) never fires it.
"""

from __future__ import annotations

import promql_parser

from monitoring import promql
from monitoring.checks.lint.framework import Check, LintContext, Problem, RuleDocument
from monitoring.units import format_duration

# Functions that count events in their range: one event makes them at least 1 for exactly the range.
EVENT_FUNCTIONS = frozenset({"changes", "resets", "increase"})
# Aggregations that keep "some event in the window" true or false as their input is.
_PASSING = frozenset({"sum", "max", "count", "group", "topk", "bottomk"})
_FLIPPED = {">": "<", ">=": "<=", "<": ">", "<=": ">=", "!=": "!=", "==": "=="}


def _event_window(node: promql_parser.Expr) -> tuple[str, int] | None:
    """(function, range in ms) when node counts events in a range: changes(x[5m]), sum by (job) (increase(...))."""
    node = promql.unwrap(node)
    while isinstance(node, promql_parser.AggregateExpr) and str(node.op) in _PASSING:
        node = promql.unwrap(node.expr)
    if not (isinstance(node, promql_parser.Call) and node.func.name in EVENT_FUNCTIONS and node.args):
        return None
    arg = promql.unwrap(node.args[0])
    if isinstance(arg, promql_parser.MatrixSelector):
        return node.func.name, int(arg.range.total_seconds() * 1000)
    if isinstance(arg, promql_parser.SubqueryExpr):
        return node.func.name, int(arg.range.total_seconds() * 1000)
    return None


def _one_event_passes(op: str, threshold: float) -> bool:
    """Whether a count of 1 passes `count <op> threshold` and a count of 0 does not: the condition means
    "at least one event"."""
    def passes(value: float) -> bool:
        return {">": value > threshold, ">=": value >= threshold, "!=": value != threshold,
                "==": value == threshold, "<": value < threshold, "<=": value <= threshold}[op]
    return passes(1) and not passes(0)


def _one_shot_windows(node: promql_parser.Expr) -> list[tuple[str, int]]:
    """Every "an event happened in the last W" condition that the whole expression needs to be true."""
    node = promql.unwrap(node)
    if not isinstance(node, promql_parser.BinaryExpr):
        return []
    op = str(node.op)
    if op in ("and", "unless"):
        return _one_shot_windows(node.lhs) + (_one_shot_windows(node.rhs) if op == "and" else [])
    if op not in _FLIPPED or (node.modifier is not None and node.modifier.return_bool):
        return []
    lhs, rhs = promql.unwrap(node.lhs), promql.unwrap(node.rhs)
    if isinstance(lhs, promql_parser.NumberLiteral):
        lhs, rhs, op = rhs, lhs, _FLIPPED[op]
    window = _event_window(lhs)
    if window is None or not isinstance(rhs, promql_parser.NumberLiteral) or not _one_event_passes(op, rhs.val):
        return []
    return [window]


def _short_for(doc: RuleDocument) -> list[Problem]:
    if not doc.interval_ms or doc.for_ms >= doc.interval_ms:
        return []
    return [CHECK.problem(
        "for shorter than the evaluation interval",
        f"{_where(doc)}: {format_duration(doc.for_ms)} is shorter than the group's evaluation interval "
        f"{format_duration(doc.interval_ms)}: the alert cannot stay pending that long, it fires at the next "
        f"evaluation, {format_duration(doc.interval_ms)} later; set for to 0s or at least "
        f"{format_duration(doc.interval_ms)}")]


def _one_shot(doc: RuleDocument) -> list[Problem]:
    found: dict[str, None] = {}
    for function, window in _one_shot_windows(doc.ast):
        if doc.for_ms < window:
            continue
        found[(f"{_where(doc)}: {format_duration(doc.for_ms)} is not shorter than the {format_duration(window)} "
               f"window of {function}(): one event keeps the condition true for {format_duration(window)} at "
               f"most, so the alert cannot stay pending for {format_duration(doc.for_ms)} and a single event "
               f"never fires it; set for below {format_duration(window)} (or 0s), or widen the window beyond "
               f"the for, in {doc.quoted()}")] = None
    return [CHECK.problem("alert cannot stay pending", message) for message in found]


def _where(doc: RuleDocument) -> str:
    return f"service {doc.service!r}, rule group {doc.group!r}, alert {doc.name!r}, field for"


def run(doc: RuleDocument, ctx: LintContext) -> list[Problem]:
    if doc.kind != "alert" or not doc.for_ms:
        return []
    return _short_for(doc) + _one_shot(doc)


CHECK = Check(
    id="alerts/for-interval",
    summary="An alert's `for` is zero or at least the evaluation interval of its rule group, and shorter than "
            "the window of a condition that counts events (changes/resets/increase(...) > 0).",
    run=run,
    applies_to="rule",
)
