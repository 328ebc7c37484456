"""dashboard/panel-schema: a panel's `options` and `fieldConfig.defaults.custom` against its type's schema."""

from __future__ import annotations

from typing import Any

from monitoring.checks.lint import schemas
from monitoring.checks.lint.framework import Check, DashboardDocument, LintContext, Problem, at_panel, iter_panels
from monitoring.grafana.schemas import PANEL_TYPES


def run(doc: DashboardDocument, ctx: LintContext) -> list[Problem]:
    problems: list[Problem] = []
    for ref in iter_panels(doc.data):
        kind = ref.panel.get("type")
        if kind not in PANEL_TYPES:
            continue  # rows have neither; unknown types are dashboard/panel-type's to report
        checks: list[tuple[str, str, Any]] = [("options", "Options", ref.panel.get("options", {}))]
        config = ref.panel.get("fieldConfig")
        custom = config.get("defaults", {}).get("custom") if isinstance(config, dict) else None
        if custom is not None:
            checks.append(("fieldConfig.defaults.custom", "FieldConfig", custom))
        for prefix, definition, value in checks:
            if not schemas.defines(kind, definition):
                if value:
                    problems.append(CHECK.problem(
                        "panel type has no such settings",
                        f"{at_panel(doc, ref, prefix)}: a {kind} panel has no {prefix} settings, found {value!r}"))
                continue
            for path, reason in schemas.errors(kind, definition, value):
                where = f"{prefix}.{path}" if path else prefix
                problems.append(CHECK.problem(f"{kind} {prefix} do not match the schema",
                                              f"{at_panel(doc, ref, where)}: {reason}"))
    return problems


CHECK = Check(
    id="dashboard/panel-schema",
    summary="Each panel's options and custom field config validate against that panel type's schema.",
    run=run,
)
