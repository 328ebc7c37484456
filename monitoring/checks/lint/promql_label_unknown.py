"""promql/label-unknown: every matcher and every by/without label names a label the series can carry."""

from __future__ import annotations

import promql_parser

from monitoring import promql
from monitoring.checks.lint.framework import Check, Expression, LintContext, Problem
from monitoring.grafana.variables import PLACEHOLDER
from monitoring.promql.label_sets import SeriesInfo, result_labels


def _listed(labels: frozenset[str]) -> str:
    return ", ".join(sorted(labels)) or "none"


def _selector_problems(doc: Expression, node: promql_parser.VectorSelector, ctx: LintContext) -> list[str]:
    name = promql.selector_name(node)
    info = ctx.series.get(name) if name else None
    jobs = info.selected_jobs(node) if info else ()
    carried = info.labels_from(jobs) if info else None
    if info is None or carried is None:
        return []
    return [_unknown(doc, m.name, name, info, jobs, carried)
            for m in node.matchers.matchers if m.name not in ("__name__", PLACEHOLDER) and m.name not in carried]


def _unknown(doc: Expression, label: str, series: str, info: SeriesInfo, jobs: tuple[str, ...],
             carried: frozenset[str]) -> str:
    scraped = f"its scrape job{'s' if len(jobs) > 1 else ''} {', '.join(jobs)}" if jobs else "Prometheus"
    return (f"{doc.where()}: matcher on label {label!r}, which {series!r} never carries: neither "
            f"{info.origin} (labels: {_listed(info.catalog)}) nor {scraped} (labels: "
            f"{_listed(carried - info.catalog)}) produce it, in {doc.quoted()}")


def _grouping_problems(doc: Expression, node: promql_parser.AggregateExpr, ctx: LintContext) -> list[str]:
    if node.modifier is None or not node.modifier.labels:
        return []
    inner = result_labels(node.expr, ctx.series)
    if inner is None:
        return []
    word = "by" if node.modifier.type == promql_parser.AggModifierType.By else "without"
    return [f"{doc.where()}: {word} label {label!r} of {node.op}() is carried by no series it aggregates "
            f"(they carry {_listed(inner)}), in {doc.quoted()}"
            for label in node.modifier.labels if label not in inner and label != PLACEHOLDER]


def run(doc: Expression, ctx: LintContext) -> list[Problem]:
    found: dict[str, None] = {}
    for node in doc.nodes:
        if isinstance(node, promql_parser.VectorSelector):
            found.update(dict.fromkeys(_selector_problems(doc, node, ctx)))
        elif isinstance(node, promql_parser.AggregateExpr):
            found.update(dict.fromkeys(_grouping_problems(doc, node, ctx)))
    return [CHECK.problem("unknown label", message) for message in found]


CHECK = Check(
    id="promql/label-unknown",
    summary="Every label matcher and every by/without label names a label that the metric catalog or the scrape "
            "job of the series can produce.",
    run=run,
    applies_to="rule",
    reads_dashboards=True,
)
