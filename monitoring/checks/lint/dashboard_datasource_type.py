"""dashboard/datasource-type: every query's data source has a known type, or its queries go unchecked."""

from __future__ import annotations

from monitoring.checks.lint.framework import (
    Check,
    DashboardDocument,
    LintContext,
    Problem,
    at_panel,
    datasource_type,
    iter_panels,
    targets,
)


def run(doc: DashboardDocument, ctx: LintContext) -> list[Problem]:
    problems: list[Problem] = []
    for ref in iter_panels(doc.data):
        panel_source = ref.panel.get("datasource")
        named: dict[str, str] = {}  # uid -> the field that names it: the panel's, else its first target's
        for i, target in targets(ref):
            if datasource_type(target, ref) is not False:
                continue
            source = target.get("datasource") or panel_source
            uid = str(source.get("uid"))  # type: ignore[union-attr]
            on_panel = isinstance(panel_source, dict) and panel_source.get("uid") == uid and not panel_source.get(
                "type")
            named.setdefault(uid, "datasource" if on_panel else f"targets[{i}].datasource")
        for uid, field in named.items():
            problems.append(CHECK.problem(
                "data source of unknown type",
                f"{at_panel(doc, ref, field)}: data source {uid!r} has no type (a name the stack does not declare, "
                f"or a uid alone), so its queries are not checked: declare it in the stack's datasources, "
                f"DataSource(name={uid!r}, type=...)"))
    return problems


CHECK = Check(
    id="dashboard/datasource-type",
    summary="Every query's data source has a type: one named without it (not declared in Stack.datasources) "
            "leaves its queries unchecked.",
    run=run,
    severity="warning",
)
