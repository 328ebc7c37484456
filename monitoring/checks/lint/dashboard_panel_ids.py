"""dashboard/panel-ids: every panel has an integer id, unique in the dashboard (rows and nested panels too)."""

from __future__ import annotations

from monitoring.checks.lint.framework import Check, DashboardDocument, LintContext, Problem, at_panel, iter_panels


def run(doc: DashboardDocument, ctx: LintContext) -> list[Problem]:
    problems: list[Problem] = []
    first: dict[int, str] = {}
    for ref in iter_panels(doc.data):
        ident = ref.panel.get("id")
        if not isinstance(ident, int) or isinstance(ident, bool):
            problems.append(CHECK.problem("panel without id",
                                          f"{at_panel(doc, ref, 'id')}: must be an integer, found {ident!r}"))
        elif ident in first:
            problems.append(CHECK.problem(
                "duplicate panel id",
                f"{at_panel(doc, ref, 'id')}: {ident} is already the id of the panel at {first[ident]}"))
        else:
            first[ident] = ref.path
    return problems


CHECK = Check(
    id="dashboard/panel-ids",
    summary="Every panel has an integer id that no other panel of the dashboard has.",
    run=run,
)
