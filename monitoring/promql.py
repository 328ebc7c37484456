"""PromQL helpers on the promql-parser AST: parse with a readable error, list selected metrics."""

from __future__ import annotations

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


def selected_metrics(expr: str) -> frozenset[str]:
    """Metric names that expr selects, by name or by a {__name__="..."} equality matcher."""
    names: set[str] = set()

    def visit(node: object) -> None:
        if isinstance(node, promql_parser.VectorSelector):
            if node.name:
                names.add(node.name)
            else:
                for matcher in node.matchers.matchers:
                    if matcher.name == "__name__" and matcher.op == promql_parser.MatchOp.Equal:
                        names.add(matcher.value)

    promql_parser.walk(parse(expr), visit)
    return frozenset(names)
