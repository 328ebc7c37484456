"""rules/recording-name: level:metric:operations agrees with the rule's `by` labels and its rate windows."""

from __future__ import annotations

import promql_parser

from monitoring import promql
from monitoring.checks.lint.framework import Check, LintContext, Problem, RuleDocument
from monitoring.units import format_duration

RATE_FUNCTIONS = ("rate", "irate", "increase")


def outer_groupings(node: promql_parser.Expr) -> list[tuple[str, ...]]:
    """The `by` labels of the aggregations that make the result, looking through arithmetic but not through
    another aggregation; an aggregation without `by` counts as no labels, `without` as unknown (skipped)."""
    node = promql.unwrap(node)
    if isinstance(node, promql_parser.AggregateExpr):
        if str(node.op) in ("topk", "bottomk"):
            return outer_groupings(node.expr)
        if node.modifier is None:
            return [()]
        return [tuple(node.modifier.labels)] if node.modifier.type == promql_parser.AggModifierType.By else []
    if isinstance(node, promql_parser.BinaryExpr):
        return outer_groupings(node.lhs) + outer_groupings(node.rhs)
    if isinstance(node, promql_parser.Call | promql_parser.UnaryExpr):
        return [g for child in promql.children(node) for g in outer_groupings(child)]
    return []


def rate_operations(node: promql_parser.Expr) -> list[str]:
    """'rate5m', 'increase1h', … for every rate-like function over a range, in the order written."""
    found: dict[str, None] = {}
    for sub in promql.nodes(node):
        if isinstance(sub, promql_parser.Call) and sub.func.name in RATE_FUNCTIONS and sub.args:
            arg = promql.unwrap(sub.args[0])
            if isinstance(arg, promql_parser.MatrixSelector | promql_parser.SubqueryExpr):
                found[f"{sub.func.name}{format_duration(int(arg.range.total_seconds() * 1000))}"] = None
    return list(found)


def _level_problem(level: str, groupings: list[tuple[str, ...]]) -> str | None:
    labelled = {g for g in groupings if g}
    if not labelled:
        return None
    if len(labelled) > 1:
        return f"its aggregations keep different labels ({'; '.join(', '.join(g) for g in sorted(labelled))})"
    labels = next(iter(labelled))
    if level in ("_".join(labels), "_".join(sorted(labels))):
        return None
    return f"level {level!r} should name the labels it keeps: {'_'.join(labels)!r} (by ({', '.join(labels)}))"


def run(doc: RuleDocument, ctx: LintContext) -> list[Problem]:
    if doc.kind != "record" or doc.name in ctx.fixed_names:
        return []  # a name fixed from outside (RecordingRule.name_fixed_by) is declared, not guessed
    parts = doc.name.split(":")
    at = f"service {doc.service!r}, rule group {doc.group!r}, record {doc.name!r}, field record"
    if len(parts) != 3 or not all(parts[1:]):
        return [CHECK.problem("recording rule name", f"{at}: the name must be level:metric:operations (three "
                                                     f"parts, metric and operations not empty), in {doc.quoted()}")]
    level, _, operations = parts
    reasons = []
    # SLO series keep the level `slo` whatever they are grouped by (a grouped SLO keeps its group labels): the
    # names are a convention dashboards and alerts share (and Sloth's).
    if level and level != "slo" and (reason := _level_problem(level, outer_groupings(doc.ast))):
        reasons.append(reason)
    missing = [op for op in rate_operations(doc.ast) if op not in operations]
    if missing:
        reasons.append(f"operations {operations!r} should name {', '.join(missing)}")
    return [CHECK.problem("recording rule name", f"{at}: {reason}, in {doc.quoted()}") for reason in reasons]


CHECK = Check(
    id="rules/recording-name",
    summary="A recording rule is named level:metric:operations, its level naming the `by` labels and its "
            "operations naming each rate window.",
    run=run,
    applies_to="rule",
)
