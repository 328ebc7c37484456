"""The dashboard checks: lint (schema and structure) over rendered dashboards or over out/grafana/."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from monitoring import conventions
from monitoring.checks.lint import CHECKS, DashboardDocument, LintContext, Problem, lint_dashboards, offline_checks
from monitoring.checks.report import CheckResult
from monitoring.errors import DefinitionError
from monitoring.model.stack import Stack
from monitoring.render import slo as slo_rules
from monitoring.render.dashboards import RenderedDashboard


def known_series(stack: Stack) -> frozenset[str]:
    """What a dashboard may select: the stack's catalog and rules, plus the SLO recording rules it generates."""
    names = set(stack.known_series())
    for service in slo_rules.services_with_slos(stack):
        for group in slo_rules.render(stack, service)["groups"]:
            names.update(rule["record"] for rule in group["rules"] if "record" in rule)
    return frozenset(names)


def lint(stack: Stack, documents: Iterable[DashboardDocument]) -> list[Problem]:
    return lint_dashboards(documents, LintContext(known_series(stack)))


def require_clean(stack: Stack, dashboards: Iterable[RenderedDashboard]) -> None:
    """DefinitionError with the first problem (file, panel and field) if any dashboard fails a check."""
    problems = lint(stack, [DashboardDocument(d.source, d.data) for d in dashboards])
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise DefinitionError(f"{problems[0].message} [{problems[0].check}]{more}")


def read_out_dir(out_dir: Path) -> tuple[list[DashboardDocument], list[str]]:
    """The dashboards under out_dir/grafana, and what breaks the file layout the publisher relies on."""
    problems: list[str] = []
    folders_file = out_dir / conventions.GRAFANA_FOLDERS_FILE
    declared: set[str] = set()
    try:
        folders = json.loads(folders_file.read_text("utf-8"))
        declared = {f["uid"] for f in folders}
    except (OSError, ValueError, KeyError, TypeError) as exc:
        problems.append(f"{folders_file}: not a JSON list of {{uid, title}} ({type(exc).__name__}: {exc})")
    documents = []
    for path in sorted((out_dir / conventions.GRAFANA_DASHBOARDS_DIR).glob("*/*.json")):
        try:
            data: Any = json.loads(path.read_text("utf-8"))
        except ValueError as exc:
            problems.append(f"{path}: not JSON ({exc})")
            continue
        if not isinstance(data, dict):
            problems.append(f"{path}: not a JSON object")
            continue
        if path.parent.name not in declared:
            problems.append(f"{path}: folder {path.parent.name!r} is not in {conventions.GRAFANA_FOLDERS_FILE}")
        if data.get("uid") != path.stem:
            problems.append(f"{path}: uid {data.get('uid')!r} differs from the file name {path.stem!r}")
        documents.append(DashboardDocument(str(path), data))
    return documents, problems


def check_dashboards(stack: Stack, out_dir: Path) -> list[CheckResult]:
    """`monitoring validate`: the file layout, then one result per lint check over every dashboard."""
    documents, layout = read_out_dir(out_dir)
    checked = f"{len(documents)} dashboards in {out_dir / conventions.GRAFANA_DIR}"
    results = [CheckResult("dashboard/files", not layout, checked, "\n".join(layout))]
    problems = lint(stack, documents)
    for check in offline_checks():
        lines = [p.message for p in problems if p.check == check.id]
        results.append(CheckResult(check.id, not lines, checked, "\n".join(lines)))
    return results


__all__ = ["CHECKS", "check_dashboards", "known_series", "lint", "read_out_dir", "require_clean"]
