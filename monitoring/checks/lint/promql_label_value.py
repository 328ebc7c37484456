"""promql/label-value: a matcher on a label whose values the catalog declares matches at least one of them."""

from __future__ import annotations

import re

import promql_parser

from monitoring import promql
from monitoring.checks.lint.framework import Check, LintContext, Problem, RuleDocument


def matches(matcher: promql_parser.Matcher, value: str) -> bool:
    """Whether matcher selects a series whose label holds value (Prometheus anchors regular expressions)."""
    op = matcher.op
    if op in (promql_parser.MatchOp.Equal, promql_parser.MatchOp.NotEqual):
        return (value == matcher.value) == (op == promql_parser.MatchOp.Equal)
    try:
        found = re.fullmatch(matcher.value, value) is not None
    except re.error:
        return True  # RE2 syntax Python does not know: do not guess
    return found == (op == promql_parser.MatchOp.Re)


def run(doc: RuleDocument, ctx: LintContext) -> list[Problem]:
    found: dict[str, None] = {}
    for node in promql.nodes(doc.ast):
        if not isinstance(node, promql_parser.VectorSelector):
            continue
        name = promql.selector_name(node)
        info = ctx.series.get(name) if name else None
        if info is None:
            continue
        for matcher in node.matchers.matchers:
            values = info.values.get(matcher.name)
            if values and not any(matches(matcher, v) for v in values):
                found[f"{doc.where()}: matcher {matcher} of {name!r} matches none of the values the "
                      f"catalog declares for label {matcher.name!r} ({', '.join(values)}), so it selects nothing, "
                      f"in {doc.quoted()}"] = None
    return [CHECK.problem("label value never matches", message) for message in found]


CHECK = Check(
    id="promql/label-value",
    summary="A matcher on a label whose values the metric catalog declares matches at least one of those values.",
    run=run,
    applies_to="rule",
)
