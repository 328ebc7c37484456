"""dashboard/panel-type: only modern core panel types, never `graph` or `singlestat`."""

from __future__ import annotations

from monitoring.checks.lint.framework import Check, DashboardDocument, LintContext, Problem, at_panel, iter_panels
from monitoring.grafana.schemas import MIGRATED_PANEL_TYPES, MODERN_PANEL_TYPES


def run(doc: DashboardDocument, ctx: LintContext) -> list[Problem]:
    problems: list[Problem] = []
    for ref in iter_panels(doc.data):
        kind = ref.panel.get("type")
        if kind in MODERN_PANEL_TYPES:
            continue
        instead = f" (use {MIGRATED_PANEL_TYPES[kind]})" if kind in MIGRATED_PANEL_TYPES else ""
        problems.append(CHECK.problem(
            "panel type not allowed",
            f"{at_panel(doc, ref, 'type')}: {kind!r} is not one of {', '.join(MODERN_PANEL_TYPES)}{instead}"))
    return problems


CHECK = Check(
    id="dashboard/panel-type",
    summary="Panels use modern types only: timeseries, stat, gauge, table, heatmap, bargauge, piechart, text, "
            "row.",
    run=run,
)
