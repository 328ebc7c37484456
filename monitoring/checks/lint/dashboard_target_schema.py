"""dashboard/target-schema: every query target of a Prometheus data source against its `Dataquery` schema."""

from __future__ import annotations

from monitoring.checks.lint import schemas
from monitoring.checks.lint.framework import (
    Check,
    DashboardDocument,
    LintContext,
    Problem,
    at_panel,
    iter_panels,
    prometheus_targets,
)


def run(doc: DashboardDocument, ctx: LintContext) -> list[Problem]:
    problems: list[Problem] = []
    for ref in iter_panels(doc.data):
        for i, target in prometheus_targets(ref):
            for path, reason in schemas.errors("prometheus", "Dataquery", target):
                where = f"targets[{i}].{path}" if path else f"targets[{i}]"
                problems.append(CHECK.problem("query does not match the Prometheus schema",
                                              f"{at_panel(doc, ref, where)}: {reason}"))
    return problems


CHECK = Check(
    id="dashboard/target-schema",
    summary="Every query of a Prometheus data source validates against its Dataquery schema (other data sources' "
            "queries are theirs to check).",
    run=run,
)
