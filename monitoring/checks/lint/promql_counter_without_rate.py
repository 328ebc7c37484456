"""promql/counter-without-rate: a counter's raw value is only read through a function made for counters."""

from __future__ import annotations

from collections.abc import Iterator

import promql_parser

from monitoring import promql
from monitoring.checks.lint.framework import Check, Expression, LintContext, Problem

# Functions that handle counter resets: anything below them may read a counter.
COUNTER_FUNCTIONS = frozenset({"rate", "irate", "increase", "resets", "changes"})
# These only ask which series exist, so a selector directly inside them may be a counter.
PRESENCE_FUNCTIONS = frozenset({"absent", "absent_over_time", "present_over_time", "count_over_time", "timestamp"})
PRESENCE_AGGREGATIONS = frozenset({"count", "group"})


def _is_selector(node: promql_parser.Expr) -> bool:
    return isinstance(promql.unwrap(node), promql_parser.VectorSelector | promql_parser.MatrixSelector)


def raw_counters(node: promql_parser.Expr, counters: dict[str, str]) -> Iterator[str]:
    """Counter series that node reads outside every counter function."""
    if isinstance(node, promql_parser.Call):
        if node.func.name in COUNTER_FUNCTIONS:
            return
        if node.func.name in PRESENCE_FUNCTIONS and all(_is_selector(arg) for arg in node.args):
            return
    elif isinstance(node, promql_parser.AggregateExpr):
        if str(node.op) in PRESENCE_AGGREGATIONS and _is_selector(node.expr):
            return
    elif isinstance(node, promql_parser.VectorSelector):
        name = promql.selector_name(node)
        if name in counters:
            yield name
        return
    for child in promql.children(node):
        yield from raw_counters(child, counters)


def run(doc: Expression, ctx: LintContext) -> list[Problem]:
    return [CHECK.problem(
        "counter without rate",
        f"{doc.where()}: {ctx.counters[name]} is read without rate(), irate() or increase(): its raw value "
        f"only grows, and drops to zero when the process restarts, in {doc.quoted()}")
        for name in sorted(set(raw_counters(doc.ast, ctx.counters)))]


CHECK = Check(
    id="promql/counter-without-rate",
    summary="A counter (or a histogram's or summary's _bucket, _count and _sum) is only read through rate(), "
            "irate(), increase(), resets() or changes().",
    run=run,
    severity="warning",
    applies_to="rule",
    reads_dashboards=True,
)
