"""dashboard/schema: the dashboard and each panel against Grafana's dashboard schema (a panel of a type that is
not Grafana's, or deprecated, is dashboard/panel-type's to report, once)."""

from __future__ import annotations

from monitoring.checks.lint import schemas
from monitoring.checks.lint.framework import (
    Check,
    DashboardDocument,
    LintContext,
    Problem,
    at_dashboard,
    at_panel,
    iter_panels,
)
from monitoring.grafana.schemas import MODERN_PANEL_TYPES


def run(doc: DashboardDocument, ctx: LintContext) -> list[Problem]:
    problems = [
        CHECK.problem("dashboard does not match the schema", f"{at_dashboard(doc, path or '(top level)')}: {reason}")
        for path, reason in schemas.errors("dashboard", "Dashboard", schemas.dashboard_without_panels(doc.data))
    ]
    if "panels" in doc.data and not isinstance(doc.data["panels"], list):
        problems.append(CHECK.problem("dashboard does not match the schema",
                                      f"{at_dashboard(doc, 'panels')}: must be a list"))
    for ref in iter_panels(doc.data):
        kind = ref.panel.get("type")
        if kind not in MODERN_PANEL_TYPES:
            continue  # a deprecated or plugin panel's own keys: dashboard/panel-type names the panel once
        instance = ref.panel
        if kind == "row" and isinstance(instance.get("panels"), list):
            instance = {**instance, "panels": []}  # each of its panels is checked on its own, as a panel
        definition = "RowPanel" if kind == "row" else "Panel"
        problems += [
            CHECK.problem("panel does not match the schema", f"{at_panel(doc, ref, path or '(panel)')}: {reason}")
            for path, reason in schemas.errors("dashboard", definition, instance)
        ]
    return problems


CHECK = Check(
    id="dashboard/schema",
    summary="The dashboard, its variables and every panel validate against Grafana's dashboard schema.",
    run=run,
)
