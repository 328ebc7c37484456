"""promql/histogram-quantile-le: histogram_quantile() gets per-bucket rates that still carry `le`."""

from __future__ import annotations

from collections.abc import Iterator

import promql_parser

from monitoring import promql
from monitoring.checks.lint.framework import Check, Expression, LintContext, Problem

RATE_FUNCTIONS = frozenset({"rate", "irate", "increase"})
# Aggregations that pick whole series and so keep every label.
SELECTING_AGGREGATIONS = frozenset({"topk", "bottomk", "limitk", "limit_ratio"})
SERIES_TYPES = (promql_parser.ValueType.Vector, promql_parser.ValueType.Matrix)


def label_path(node: promql_parser.Expr) -> Iterator[promql_parser.AggregateExpr]:
    """The aggregations whose output labels reach the result of node."""
    node = promql.unwrap(node)
    if isinstance(node, promql_parser.AggregateExpr):
        yield node
        yield from label_path(node.expr)
    elif isinstance(node, promql_parser.BinaryExpr):
        card = node.modifier.card if node.modifier else None
        if str(node.op) in ("and", "unless") or card == promql_parser.VectorMatchCardinality.ManyToOne:
            yield from label_path(node.lhs)  # the result has the labels of the left side
        elif card == promql_parser.VectorMatchCardinality.OneToMany:
            yield from label_path(node.rhs)
        else:
            yield from label_path(node.lhs)
            yield from label_path(node.rhs)
    elif isinstance(node, promql_parser.UnaryExpr | promql_parser.SubqueryExpr):
        yield from label_path(node.expr)
    elif isinstance(node, promql_parser.Call) and node.func.name != "histogram_quantile":
        types = node.func.arg_types
        for i, arg in enumerate(node.args):
            if types and types[min(i, len(types) - 1)] in SERIES_TYPES:
                yield from label_path(arg)


def drops_le(agg: promql_parser.AggregateExpr) -> str | None:
    """How agg loses `le` ('sum by (job)', 'sum without (le)', 'sum'), or None if it keeps it."""
    op = str(agg.op)
    if op in SELECTING_AGGREGATIONS:
        return None
    if agg.modifier is None:
        return op
    labels = list(agg.modifier.labels)
    by = agg.modifier.type == promql_parser.AggModifierType.By
    if ("le" in labels) == by:
        return None
    return f"{op} {'by' if by else 'without'} ({', '.join(labels)})"


def unrated_buckets(node: promql_parser.Expr) -> Iterator[str]:
    """_bucket series that node reads outside rate(), irate() and increase()."""
    if isinstance(node, promql_parser.Call) and node.func.name in RATE_FUNCTIONS | {"histogram_quantile"}:
        return  # a nested histogram_quantile is judged on its own
    if isinstance(node, promql_parser.VectorSelector):
        name = promql.selector_name(node)
        # Recording rules (level:metric:operations, with colons) hold rates already.
        if name and name.endswith("_bucket") and ":" not in name:
            yield name
        return
    for child in promql.children(node):
        yield from unrated_buckets(child)


def _metrics(node: promql_parser.Expr) -> str:
    """The metrics node selects, for a message: 'x_bucket', or 'a', 'b'."""
    names = sorted({name for n in promql.nodes(node)
                    if isinstance(n, promql_parser.VectorSelector) and (name := promql.selector_name(n))})
    return ", ".join(map(repr, names)) or "a series without a name"


def _reads_only_native(agg: promql_parser.AggregateExpr, ctx: LintContext) -> bool:
    """Whether every series agg reads is a native histogram of the catalog."""
    names = {promql.selector_name(n) for n in promql.nodes(agg) if isinstance(n, promql_parser.VectorSelector)}
    return bool(names) and names <= ctx.native_histograms


def run(doc: Expression, ctx: LintContext) -> list[Problem]:
    problems: list[Problem] = []
    for node in doc.nodes:
        if not isinstance(node, promql_parser.Call) or node.func.name != "histogram_quantile" or len(node.args) < 2:
            continue
        buckets = node.args[1]
        for agg in label_path(buckets):
            if _reads_only_native(agg, ctx):
                continue  # a native histogram's buckets live inside one sample: there is no le to keep
            how = drops_le(agg)
            if how:
                problems.append(CHECK.problem(
                    "histogram_quantile without le",
                    f"{doc.where()}: histogram_quantile() over {_metrics(agg)} needs the le label, but `{how}` "
                    f"aggregates it away; keep le, as in `sum by (le) (...)`, in {doc.quoted()}"))
        for name in sorted(set(unrated_buckets(buckets))):
            problems.append(CHECK.problem(
                "histogram_quantile over raw buckets",
                f"{doc.where()}: histogram_quantile() over {name!r} outside rate() or increase(): bucket "
                f"counters only grow, so the quantile spans the whole life of the process; use "
                f"rate({name}[5m]), in {doc.quoted()}"))
    return problems


CHECK = Check(
    id="promql/histogram-quantile-le",
    summary="histogram_quantile() reads rates of _bucket series and every aggregation on the way keeps le.",
    run=run,
    applies_to="rule",
    reads_dashboards=True,
)
