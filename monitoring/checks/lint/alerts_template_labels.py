"""alerts/template-labels: an annotation's or a label value's $labels.x names a label the alert's result still
carries."""

from __future__ import annotations

import re

from monitoring.checks.lint.framework import Check, LintContext, Problem, RuleDocument
from monitoring.promql.label_sets import result_labels

# $labels.name and the index form $labels "name" / index $labels "name".
_REFERENCE = re.compile(r'\$labels\.([a-zA-Z_][a-zA-Z0-9_]*)|index\s+\$labels\s+"([a-zA-Z_][a-zA-Z0-9_]*)"')


def run(doc: RuleDocument, ctx: LintContext) -> list[Problem]:
    if doc.kind != "alert":
        return []
    carried = result_labels(doc.ast, ctx.series)
    if carried is None:
        return []
    problems = []
    texts = [*((f"labels.{key}", text) for key, text in sorted(doc.labels.items())), *sorted(doc.annotations.items())]
    for key, text in texts:
        for label in dict.fromkeys(a or b for a, b in _REFERENCE.findall(text)):
            if label not in carried:
                problems.append(CHECK.problem(
                    "template label aggregated away",
                    f"service {doc.service!r}, rule group {doc.group!r}, alert {doc.name!r}, field {key}: "
                    f"$labels.{label} is always empty, because the alert's expression does not keep {label!r} "
                    f"(its result carries {', '.join(sorted(carried)) or 'no labels'}), in {doc.quoted()}"))
    return problems


CHECK = Check(
    id="alerts/template-labels",
    summary="Every $labels.x in an annotation or a label value names a label that the alert's expression keeps.",
    run=run,
    applies_to="rule",
)
