"""PromQL helpers on the promql-parser AST: parse with a readable error, list selected metrics, walk the tree."""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache

import promql_parser


@lru_cache(maxsize=4096)
def parse(expr: str) -> promql_parser.Expr:
    """The AST of expr, or ValueError quoting the expression and the parser's reason."""
    try:
        return promql_parser.parse(expr)
    except Exception as exc:  # the parser raises a bare exception type of its own
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ValueError(f"PromQL does not parse ({reason}): {' '.join(expr.split())!r}") from None


def selector_name(selector: promql_parser.VectorSelector) -> str | None:
    """The metric a selector picks, by name or by a {__name__="..."} equality matcher; None for a regex."""
    if selector.name:
        return selector.name
    for matcher in selector.matchers.matchers:
        if matcher.name == "__name__" and matcher.op == promql_parser.MatchOp.Equal:
            return matcher.value
    return None


def selected_metrics(expr: str) -> frozenset[str]:
    """Metric names that expr selects, by name or by a {__name__="..."} equality matcher."""
    names: set[str] = set()

    def visit(node: object) -> None:
        if isinstance(node, promql_parser.VectorSelector) and (name := selector_name(node)):
            names.add(name)

    promql_parser.walk(parse(expr), visit)
    return frozenset(names)


def children(node: promql_parser.Expr) -> tuple[promql_parser.Expr, ...]:
    """The direct sub-expressions of node, in the order they are written."""
    if isinstance(node, promql_parser.BinaryExpr):
        return (node.lhs, node.rhs)
    if isinstance(node, promql_parser.AggregateExpr):
        return (node.expr,) if node.param is None else (node.param, node.expr)
    if isinstance(node, promql_parser.Call):
        return tuple(node.args)
    if isinstance(node, promql_parser.ParenExpr | promql_parser.UnaryExpr | promql_parser.SubqueryExpr):
        return (node.expr,)
    if isinstance(node, promql_parser.MatrixSelector):
        return (node.vector_selector,)
    return ()  # selectors and literals


def nodes(node: promql_parser.Expr) -> Iterator[promql_parser.Expr]:
    """node and every expression inside it, depth first, in the order they are written."""
    yield node
    for child in children(node):
        yield from nodes(child)


def unwrap(node: promql_parser.Expr) -> promql_parser.Expr:
    """node without the parentheses around it."""
    while isinstance(node, promql_parser.ParenExpr):
        node = node.expr
    return node
