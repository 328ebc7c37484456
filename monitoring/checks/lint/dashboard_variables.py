"""dashboard/variables: every `$variable` a query, title or data source uses is defined by the dashboard."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from functools import partial
from typing import Any

from monitoring.checks.lint.framework import (
    Check,
    DashboardDocument,
    LintContext,
    Problem,
    at_dashboard,
    at_panel,
    iter_panels,
    targets,
)
from monitoring.grafana.variables import GLOBAL_VARIABLES, variables_in


def defined_variables(data: Mapping[str, Any]) -> list[str]:
    templating = data.get("templating")
    items = templating.get("list") if isinstance(templating, Mapping) else None
    return [v["name"] for v in items or [] if isinstance(v, Mapping) and isinstance(v.get("name"), str)]


def _uid(value: Any) -> str | None:
    return value.get("uid") if isinstance(value, Mapping) and isinstance(value.get("uid"), str) else None


def _panel_strings(panel: Mapping[str, Any], target_list: Iterator[tuple[int, Mapping[str, Any]]]
                   ) -> Iterator[tuple[str, str]]:
    for key in ("title", "description"):
        if isinstance(panel.get(key), str):
            yield key, panel[key]
    if _uid(panel.get("datasource")):
        yield "datasource.uid", _uid(panel["datasource"])  # type: ignore[misc]
    for i, target in target_list:
        for key in ("expr", "legendFormat", "interval"):
            if isinstance(target.get(key), str):
                yield f"targets[{i}].{key}", target[key]
        if _uid(target.get("datasource")):
            yield f"targets[{i}].datasource.uid", _uid(target["datasource"])  # type: ignore[misc]


def run(doc: DashboardDocument, ctx: LintContext) -> list[Problem]:
    names = defined_variables(doc.data)
    known = set(names) | GLOBAL_VARIABLES
    listing = ", ".join(names) or "none"
    problems: list[Problem] = []

    def undefined(where: Callable[[], str], text: str) -> None:
        for name in dict.fromkeys(variables_in(text)):
            if name not in known:
                problems.append(CHECK.problem(
                    "undefined variable",
                    f"{where()}: uses ${name}, which the dashboard does not define (defined: {listing}), in "
                    f"{text!r}"))

    templating = doc.data.get("templating")
    for i, variable in enumerate(templating.get("list", []) if isinstance(templating, Mapping) else []):
        if not isinstance(variable, Mapping):
            continue
        query = variable.get("query")
        query = query.get("query") if isinstance(query, Mapping) else query
        if isinstance(query, str):
            undefined(partial(at_dashboard, doc, f"templating.list[{i}].query"), query)
        if _uid(variable.get("datasource")):
            undefined(partial(at_dashboard, doc, f"templating.list[{i}].datasource.uid"),
                      _uid(variable["datasource"]) or "")
    for ref in iter_panels(doc.data):
        for field_name, text in _panel_strings(ref.panel, targets(ref)):
            if "$" in text or "[[" in text:
                undefined(partial(at_panel, doc, ref, field_name), text)
        repeat = ref.panel.get("repeat")
        if isinstance(repeat, str) and repeat and repeat not in known:
            problems.append(CHECK.problem(
                "undefined variable",
                f"{at_panel(doc, ref, 'repeat')}: repeats over {repeat!r}, which the dashboard does not define "
                f"(defined: {listing})"))
    return problems


CHECK = Check(
    id="dashboard/variables",
    summary="Every $variable used in queries, titles, data sources and variable queries is defined.",
    run=run,
)
