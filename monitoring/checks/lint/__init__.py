"""Offline lint checks: one module per check, each with an id, a doc page and a test table.

Dashboard checks (`dashboard/...`) read a dashboard's JSON; rule checks (`promql/...`, `alerts/...`,
`rules/...`) read one Prometheus rule.

`CHECKS` is the registry; a check is added by listing its module here, the same way an extension would.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from monitoring.checks.lint import (
    alerts_for_interval,
    alerts_template_labels,
    dashboard_datasource_type,
    dashboard_grid,
    dashboard_metrics,
    dashboard_panel_ids,
    dashboard_panel_schema,
    dashboard_panel_type,
    dashboard_promql,
    dashboard_schema,
    dashboard_target_schema,
    dashboard_variables,
    promql_counter_without_rate,
    promql_histogram_quantile_le,
    promql_label_unknown,
    promql_label_value,
    promql_rate_on_gauge,
    promql_rate_window,
    rules_recording_name,
)
from monitoring.checks.lint.framework import (
    CatalogEntry,
    Check,
    DashboardDocument,
    DocumentKind,
    LintContext,
    PanelQuery,
    Problem,
    RuleDocument,
)

CHECKS: tuple[Check[Any], ...] = (
    dashboard_schema.CHECK,
    dashboard_panel_type.CHECK,
    dashboard_panel_schema.CHECK,
    dashboard_target_schema.CHECK,
    dashboard_panel_ids.CHECK,
    dashboard_grid.CHECK,
    dashboard_variables.CHECK,
    dashboard_datasource_type.CHECK,
    dashboard_promql.CHECK,
    dashboard_metrics.CHECK,
    promql_rate_on_gauge.CHECK,
    promql_counter_without_rate.CHECK,
    promql_histogram_quantile_le.CHECK,
    promql_label_unknown.CHECK,
    promql_label_value.CHECK,
    promql_rate_window.CHECK,
    alerts_template_labels.CHECK,
    alerts_for_interval.CHECK,
    rules_recording_name.CHECK,
)


def offline_checks(kind: DocumentKind = "dashboard") -> tuple[Check[Any], ...]:
    """The checks of one document kind that CI can run without a server."""
    return tuple(c for c in CHECKS if c.applies_to == kind and not c.online)


def query_checks() -> tuple[Check[Any], ...]:
    """The rule checks that also read every dashboard query (the label-aware ones)."""
    return tuple(c for c in offline_checks("rule") if c.reads_dashboards)


def lint_dashboards(documents: Iterable[DashboardDocument], ctx: LintContext,
                    checks: Iterable[Check[DashboardDocument]] | None = None) -> list[Problem]:
    """Every problem of every document, document by document, check by check; unless checks are given, the
    label-aware rule checks read each dashboard's queries too."""
    selected = tuple(checks) if checks is not None else offline_checks("dashboard")
    on_queries = query_checks() if checks is None else ()
    problems = []
    for doc in documents:
        problems += [problem for check in selected for problem in check.run(doc, ctx)]
        if on_queries:
            queries = doc.panel_queries(ctx)
            problems += [problem for check in on_queries for query in queries
                         for problem in check.run(query, ctx)]
    return problems


def lint_rules(documents: Iterable[RuleDocument], ctx: LintContext,
               checks: Iterable[Check[RuleDocument]] | None = None) -> list[Problem]:
    """Every problem of every rule, rule by rule, check by check."""
    selected = tuple(checks) if checks is not None else offline_checks("rule")
    return [problem for doc in documents for check in selected for problem in check.run(doc, ctx)]


__all__ = ["CHECKS", "CatalogEntry", "Check", "DashboardDocument", "DocumentKind", "LintContext", "PanelQuery",
           "Problem", "RuleDocument", "lint_dashboards", "lint_rules", "offline_checks", "query_checks"]
