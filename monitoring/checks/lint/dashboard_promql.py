"""dashboard/promql: every query parses as PromQL once Grafana's variables are stood in for."""

from __future__ import annotations

from monitoring.checks.lint.framework import Check, DashboardDocument, LintContext, Problem


def run(doc: DashboardDocument, ctx: LintContext) -> list[Problem]:
    return [CHECK.problem("query does not parse", f"{q.where}: {q.error}, in {q.expr!r}")
            for q in doc.queries if q.ast is None]


CHECK = Check(
    id="dashboard/promql",
    summary="Every query expression parses (promql-parser), with Grafana variables such as $__rate_interval "
            "replaced by values of their kind.",
    run=run,
)
