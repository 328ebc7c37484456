"""dashboard/panel-type: only Grafana's core panel types, never a deprecated one such as `graph` or `singlestat`,
nor a plugin's panel, whose options nothing here can check."""

from __future__ import annotations

from monitoring.checks.lint.framework import Check, DashboardDocument, LintContext, Problem, at_panel, iter_panels
from monitoring.grafana.schemas import MIGRATED_PANEL_TYPES, MODERN_PANEL_TYPES


def run(doc: DashboardDocument, ctx: LintContext) -> list[Problem]:
    problems: list[Problem] = []
    for ref in iter_panels(doc.data):
        kind = ref.panel.get("type")
        if kind in MODERN_PANEL_TYPES:
            continue
        where = at_panel(doc, ref, "type")
        if kind in MIGRATED_PANEL_TYPES:
            problems.append(CHECK.problem(
                "deprecated panel type",
                f"{where}: {kind!r} is a deprecated panel type, which Grafana migrates with losses "
                f"(use {MIGRATED_PANEL_TYPES[kind]})"))
        elif not isinstance(kind, str) or not kind:
            problems.append(CHECK.problem("panel without a type", f"{where}: must be a core Grafana panel type, "
                                                                  f"found {kind!r}"))
        else:
            import difflib  # only to suggest a type for one that is not Grafana's

            close = difflib.get_close_matches(kind, MODERN_PANEL_TYPES, n=1, cutoff=0.8)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            problems.append(CHECK.problem(
                "not a core panel type",
                f"{where}: {kind!r} is not a core Grafana panel type{hint}: a plugin's panel, whose options "
                "cannot be checked here"))
    return problems


CHECK = Check(
    id="dashboard/panel-type",
    summary="Panels use Grafana's core types only: no deprecated type (graph, singlestat...), no plugin panel.",
    run=run,
)
