"""dashboard/metrics: every metric a query selects is in the metric catalog or a recording rule."""

from __future__ import annotations

from monitoring import promql
from monitoring.checks.lint.framework import Check, DashboardDocument, LintContext, Problem
from monitoring.grafana.variables import PLACEHOLDER


def run(doc: DashboardDocument, ctx: LintContext) -> list[Problem]:
    if ctx.known_series is None:
        return []
    problems: list[Problem] = []
    for query in doc.queries:
        if query.ast is None:
            continue  # dashboard/promql reports it
        for name in sorted(promql.selected_metrics(query.substituted) - ctx.known_series - {PLACEHOLDER}):
            problems.append(CHECK.problem(
                "unknown metric",
                f"{query.where}: selects {name!r}, which is in no metric catalog and no recording rule, "
                f"in {query.expr!r}"))
    return problems


CHECK = Check(
    id="dashboard/metrics",
    summary="Every metric a query selects exists in the stack's metric catalog or recording rules.",
    run=run,
)
