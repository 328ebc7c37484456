"""alerts/for-interval: an alert's `for` is zero or at least one evaluation interval of its group."""

from __future__ import annotations

from monitoring.checks.lint.framework import Check, LintContext, Problem, RuleDocument
from monitoring.units import format_duration


def run(doc: RuleDocument, ctx: LintContext) -> list[Problem]:
    if doc.kind != "alert" or not doc.for_ms or not doc.interval_ms or doc.for_ms >= doc.interval_ms:
        return []
    return [CHECK.problem(
        "for shorter than the evaluation interval",
        f"service {doc.service!r}, rule group {doc.group!r}, alert {doc.name!r}, field for: "
        f"{format_duration(doc.for_ms)} is shorter than the group's evaluation interval "
        f"{format_duration(doc.interval_ms)}: the alert cannot stay pending that long, it fires at the next "
        f"evaluation, {format_duration(doc.interval_ms)} later; set for to 0s or at least "
        f"{format_duration(doc.interval_ms)}")]


CHECK = Check(
    id="alerts/for-interval",
    summary="An alert's `for` is zero or at least the evaluation interval of its rule group.",
    run=run,
    applies_to="rule",
)
