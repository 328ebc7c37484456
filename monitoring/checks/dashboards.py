"""The dashboard checks: lint (schema and structure) over rendered dashboards or over out/grafana/."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from monitoring import conventions
from monitoring.checks import context
from monitoring.checks.lint import (
    CHECKS,
    DashboardDocument,
    LintContext,
    Problem,
    lint_dashboards,
    offline_checks,
    query_checks,
)
from monitoring.checks.report import CheckResult
from monitoring.output.manifest import Manifest, read_json

if TYPE_CHECKING:  # checking out/ needs neither the model nor the hand-written dashboards' machinery
    from monitoring.model.stack import Stack


def lint(stack: Stack, documents: Iterable[DashboardDocument]) -> list[Problem]:
    return lint_dashboards(documents, LintContext.of(stack))


def read_out_dir(out_dir: Path, sources: dict[str, str] | None = None
                 ) -> tuple[list[DashboardDocument], list[str]]:
    """The dashboards under out_dir/grafana, and what breaks the file layout the publisher relies on."""
    problems: list[str] = []
    folders_file = out_dir / conventions.GRAFANA_FOLDERS_FILE
    declared: set[str] = set()
    try:
        folders = read_json(folders_file)
        declared = {f["uid"] for f in folders}
    except (OSError, ValueError, KeyError, TypeError) as exc:
        problems.append(f"{folders_file}: not a JSON list of {{uid, title}} ({type(exc).__name__}: {exc})")
    documents = []
    for path in sorted((out_dir / conventions.GRAFANA_DASHBOARDS_DIR).glob("*/*.json")):
        try:
            data: Any = read_json(path)  # what Grafana cannot read (NaN) is no JSON here either
        except (ValueError, RecursionError) as exc:
            problems.append(f"{path}: not JSON ({exc})")
            continue
        if not isinstance(data, dict):
            problems.append(f"{path}: not a JSON object")
            continue
        if path.parent.name not in declared:
            problems.append(f"{path}: folder {path.parent.name!r} is not in {conventions.GRAFANA_FOLDERS_FILE}")
        if data.get("uid") != path.stem:
            problems.append(f"{path}: uid {data.get('uid')!r} differs from the file name {path.stem!r}")
        source = (sources or {}).get(path.stem)
        documents.append(DashboardDocument(f"{path} (from {source})" if source else str(path), data))
    return documents, problems


def check_dashboards(manifest: Manifest, out_dir: Path) -> list[CheckResult]:
    """`monitoring validate`: the file layout, then one result per lint check over every dashboard in out/."""
    sources = {path.stem: manifest.origin(path.as_posix()).removeprefix("hand-written:")
               for path in manifest.paths(conventions.GRAFANA_DASHBOARDS_DIR + "/")
               if manifest.origin(path.as_posix()).startswith("hand-written:")}
    documents, layout = read_out_dir(out_dir, sources)
    return _results(out_dir, documents, layout, lint_dashboards(documents, context.lint_context(manifest.checks)))


def _results(out_dir: Path, documents: list[DashboardDocument], layout: list[str],
             problems: list[Problem]) -> list[CheckResult]:
    checked = f"{len(documents)} dashboards in {out_dir / conventions.GRAFANA_DIR}"
    results = [CheckResult("dashboard/files", not layout, checked, "\n".join(layout))]
    # Every dashboard check, then the label-aware rule checks over every panel query; warnings are printed
    # without failing.
    named = [(c, c.id) for c in offline_checks()] + [(c, f"{c.id} (dashboard queries)") for c in query_checks()]
    for check, name in named:
        found = [p for p in problems if p.check == check.id]
        errors = [p.message for p in found if p.severity == "error"]
        warnings = [f"warning: {p.line()}" for p in found if p.severity == "warning"]
        results.append(CheckResult(name, not errors, checked, "\n".join(errors), "\n".join(warnings)))
    return results


__all__ = ["CHECKS", "check_dashboards", "lint", "read_out_dir"]
