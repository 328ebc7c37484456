"""promql/rate-window: a rate()/irate()/increase() range spans at least 4 scrapes of the job producing it."""

from __future__ import annotations

import promql_parser

from monitoring import promql
from monitoring.checks.lint.framework import Check, Expression, LintContext, Problem
from monitoring.units import format_duration

RATE_FUNCTIONS = frozenset({"rate", "irate", "increase"})
SCRAPES = 4  # enough samples that one missed scrape still leaves two in the range


def _jobs(selector: promql_parser.VectorSelector, jobs: dict[str, int]) -> dict[str, int]:
    """The scrape jobs a selector can read: those its job="..." matcher names, else every job of the series."""
    for matcher in selector.matchers.matchers:
        if matcher.name == "job" and matcher.op == promql_parser.MatchOp.Equal and matcher.value in jobs:
            return {matcher.value: jobs[matcher.value]}
    return jobs


def run(doc: Expression, ctx: LintContext) -> list[Problem]:
    found: dict[str, None] = {}
    for node in doc.nodes:
        if not (isinstance(node, promql_parser.Call) and node.func.name in RATE_FUNCTIONS and node.args):
            continue
        arg = promql.unwrap(node.args[0])
        if not isinstance(arg, promql_parser.MatrixSelector):
            continue
        name = promql.selector_name(arg.vector_selector)
        info = ctx.series.get(name) if name else None
        if info is None or not info.jobs:
            continue
        window = int(arg.range.total_seconds() * 1000)
        jobs = _jobs(arg.vector_selector, dict(info.jobs))
        job, interval = max(sorted(jobs.items()), key=lambda item: item[1])
        if window < SCRAPES * interval:
            found[f"{doc.where()}: {node.func.name}() over {name!r} reads {format_duration(window)}, fewer than "
                  f"{SCRAPES} scrapes of job {job!r} (every {format_duration(interval)}): use at least "
                  f"{format_duration(SCRAPES * interval)}, in {doc.quoted()}"] = None
    return [CHECK.problem("rate window too short", message) for message in found]


CHECK = Check(
    id="promql/rate-window",
    summary="The range of rate(), irate() and increase() is at least 4 scrape intervals of the job that "
            "produces the series.",
    run=run,
    applies_to="rule",
    reads_dashboards=True,
)
