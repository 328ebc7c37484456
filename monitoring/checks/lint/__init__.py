"""Offline lint checks: one module per check, each with an id, a doc page and a test table.

`CHECKS` is the registry; a check is added by listing its module here, the same way an extension would.
"""

from __future__ import annotations

from collections.abc import Iterable

from monitoring.checks.lint import (
    dashboard_grid,
    dashboard_metrics,
    dashboard_panel_ids,
    dashboard_panel_schema,
    dashboard_panel_type,
    dashboard_promql,
    dashboard_schema,
    dashboard_target_schema,
    dashboard_variables,
)
from monitoring.checks.lint.framework import Check, DashboardDocument, LintContext, Problem

CHECKS: tuple[Check, ...] = (
    dashboard_schema.CHECK,
    dashboard_panel_type.CHECK,
    dashboard_panel_schema.CHECK,
    dashboard_target_schema.CHECK,
    dashboard_panel_ids.CHECK,
    dashboard_grid.CHECK,
    dashboard_variables.CHECK,
    dashboard_promql.CHECK,
    dashboard_metrics.CHECK,
)


def offline_checks(kind: str = "dashboard") -> tuple[Check, ...]:
    """The checks CI can run without a server."""
    return tuple(c for c in CHECKS if c.applies_to == kind and not c.online)


def lint_dashboards(documents: Iterable[DashboardDocument], ctx: LintContext,
                    checks: Iterable[Check] | None = None) -> list[Problem]:
    """Every problem of every document, document by document, check by check."""
    selected = tuple(checks) if checks is not None else offline_checks()
    return [problem for doc in documents for check in selected for problem in check.run(doc, ctx)]


__all__ = ["CHECKS", "Check", "DashboardDocument", "LintContext", "Problem", "lint_dashboards", "offline_checks"]
