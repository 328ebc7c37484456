"""dashboard/promql: every query parses as PromQL once Grafana's variables are stood in for."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from monitoring import promql
from monitoring.checks.lint.framework import (
    Check,
    DashboardDocument,
    LintContext,
    Problem,
    at_panel,
    iter_panels,
    targets,
)
from monitoring.grafana_variables import STAND_IN_DURATION, substitute


def stand_ins(data: Mapping[str, Any]) -> dict[str, str]:
    """Values for the dashboard's own variables: interval variables hold durations, constants their value."""
    templating = data.get("templating")
    values: dict[str, str] = {}
    for variable in templating.get("list", []) if isinstance(templating, Mapping) else []:
        if not isinstance(variable, Mapping) or not isinstance(variable.get("name"), str):
            continue
        if variable.get("type") == "interval":
            values[variable["name"]] = STAND_IN_DURATION
        elif variable.get("type") == "constant" and isinstance(variable.get("query"), str):
            values[variable["name"]] = variable["query"]
    return values


def expressions(doc: DashboardDocument) -> list[tuple[str, str, str]]:
    """(where, expr as written, expr with variables stood in) for every non-empty query."""
    values = stand_ins(doc.data)
    found = []
    for ref in iter_panels(doc.data):
        for i, target in targets(ref):
            expr = target.get("expr")
            if isinstance(expr, str) and expr.strip():
                found.append((at_panel(doc, ref, f"targets[{i}].expr"), expr, substitute(expr, values)))
    return found


def run(doc: DashboardDocument, ctx: LintContext) -> list[Problem]:
    problems: list[Problem] = []
    for where, _expr, parsed in expressions(doc):
        try:
            promql.parse(parsed)
        except ValueError as exc:
            problems.append(CHECK.problem("query does not parse", f"{where}: {exc}"))
    return problems


CHECK = Check(
    id="dashboard/promql",
    summary="Every query expression parses (promql-parser), with Grafana variables such as $__rate_interval "
            "replaced by values of their kind.",
    run=run,
)
