"""promql/label-value: a matcher on a label whose values the catalog declares matches at least one of them."""

from __future__ import annotations

import promql_parser

from monitoring import promql
from monitoring.checks.lint.framework import Check, LintContext, Problem, RuleDocument


def run(doc: RuleDocument, ctx: LintContext) -> list[Problem]:
    found: dict[str, None] = {}
    for node in promql.nodes(doc.ast):
        if not isinstance(node, promql_parser.VectorSelector):
            continue
        name = promql.selector_name(node)
        info = ctx.series.get(name) if name else None
        if info is None:
            continue
        for problem in promql.unmatched_values(node, {name: info.values}):
            found[f"{doc.where()}: {problem}, so it selects nothing, in {doc.quoted()}"] = None
    return [CHECK.problem("label value never matches", message) for message in found]


CHECK = Check(
    id="promql/label-value",
    summary="A matcher on a label whose values the metric catalog declares matches at least one of those values.",
    run=run,
    applies_to="rule",
)
