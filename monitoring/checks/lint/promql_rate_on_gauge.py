"""promql/rate-on-gauge: rate(), irate() and increase() only read counters, never a catalog gauge."""

from __future__ import annotations

import promql_parser

from monitoring import promql
from monitoring.checks.lint.framework import Check, Expression, LintContext, Problem

RATE_FUNCTIONS = frozenset({"rate", "irate", "increase"})


def range_metrics(arg: promql_parser.Expr) -> list[str]:
    """The metrics a range argument reads directly: x[5m], or the selector of a subquery x[5m:1m]."""
    if isinstance(arg, promql_parser.MatrixSelector):
        selectors = [arg.vector_selector]
    elif isinstance(arg, promql_parser.SubqueryExpr):
        selectors = [promql.unwrap(arg.expr)]
    else:
        return []
    return [name for s in selectors
            if isinstance(s, promql_parser.VectorSelector) and (name := promql.selector_name(s))]


def run(doc: Expression, ctx: LintContext) -> list[Problem]:
    found: dict[tuple[str, str], None] = {}  # (function, gauge) in the order written, once each
    for node in doc.nodes:
        if isinstance(node, promql_parser.Call) and node.func.name in RATE_FUNCTIONS and node.args:
            found.update({(node.func.name, name): None for name in range_metrics(node.args[0]) if name in ctx.gauges})
    return [CHECK.problem(
        "rate over a gauge",
        f"{doc.where()}: {function}() over {name!r}, which the metric catalog declares a gauge: it reads every "
        f"decrease as a counter reset; use deriv() or delta() for a gauge, in {doc.quoted()}")
        for function, name in found]


CHECK = Check(
    id="promql/rate-on-gauge",
    summary="rate(), irate() and increase() are never applied to a series the metric catalog declares a gauge.",
    run=run,
    applies_to="rule",
    reads_dashboards=True,
)
