"""promql/label-value: a matcher on a label whose values the catalog declares matches at least one of them."""

from __future__ import annotations

import promql_parser

from monitoring import promql
from monitoring.checks.lint.framework import Check, Expression, LintContext, Problem
from monitoring.grafana.variables import PLACEHOLDER


def run(doc: Expression, ctx: LintContext) -> list[Problem]:
    found: dict[str, None] = {}
    for node in doc.nodes:
        if not isinstance(node, promql_parser.VectorSelector):
            continue
        name = promql.selector_name(node)
        info = ctx.series.get(name) if name else None
        if info is None:
            continue
        # A dashboard variable's value is unknown: a matcher that holds one is not judged.
        for problem in promql.unmatched_values(node, {name: info.values}, unknown=PLACEHOLDER):
            found[f"{doc.where()}: {problem}, so it selects nothing, in {doc.quoted()}"] = None
    return [CHECK.problem("label value never matches", message) for message in found]


CHECK = Check(
    id="promql/label-value",
    summary="A matcher on a label whose values the metric catalog declares matches at least one of those values.",
    run=run,
    applies_to="rule",
    reads_dashboards=True,
)
