"""`monitoring check --prometheus URL`: does every series a rule or a dashboard query selects exist?

For each selector (except inside `absent()`, which expects nothing), in the spirit of pint's `promql/series`:
the metric must have series, every label a matcher needs must be on some of them, and every `by` label of an
aggregation must be on some series it aggregates. Each is asked as `count(last_over_time(...[lookback]))`, so
a series that was scraped within the lookback counts. A rule or panel with any such problem is dead: it can
never show or fire anything. Two cases are only notes: a matcher whose label exists but whose value matches
no series right now (an error matcher on a healthy system matches nothing), and a label that no series carries
yet although the metric catalog declares it (OpenTelemetry's `error_type` appears with the first error).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import promql_parser

from monitoring import go_regexp, promql
from monitoring.checks.dashboards import read_out_dir
from monitoring.grafana.variables import PLACEHOLDER
from monitoring.live.client import PrometheusClient
from monitoring.live.sources import external_labels, read_rules
from monitoring.model.stack import Stack
from monitoring.promql.label_sets import stack_series

DEFAULT_LOOKBACK = "1h"
SKIPPED_SERIES = frozenset({"ALERTS", "ALERTS_FOR_STATE"})  # exist only while alerts are pending or firing
_ABSENT = frozenset({"absent", "absent_over_time"})


@dataclass
class Checked:
    """One rule or dashboard query: what it is, and why it is dead (empty: alive)."""

    kind: str  # "alert", "record" or "panel"
    name: str
    where: str
    dead: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class CheckReport:
    """What `check` found: every rule and query it read, and the queries it sent."""

    prometheus: str
    lookback: str
    items: list[Checked]
    queries: int

    @property
    def dead(self) -> list[Checked]:
        return [item for item in self.items if item.dead]


def _matches_empty(matcher: promql_parser.Matcher) -> bool:
    op = matcher.op
    if op == promql_parser.MatchOp.Equal:
        return matcher.value == ""
    if op == promql_parser.MatchOp.NotEqual:
        return matcher.value != ""
    try:
        found = go_regexp.anchored(matcher.value).match("") is not None
    except re.error:
        return True
    return found == (op == promql_parser.MatchOp.Re)


def _selectors(node: promql_parser.Expr) -> Iterator[promql_parser.VectorSelector]:
    """Selectors whose series must exist: not those directly inside absent()."""
    if isinstance(node, promql_parser.Call) and node.func.name in _ABSENT:
        return
    if isinstance(node, promql_parser.VectorSelector):
        yield node
    for child in promql.children(node):
        yield from _selectors(child)


class _Asker:
    """Counts series, each distinct question once; knows the labels the catalog declares per series name."""

    def __init__(self, client: PrometheusClient, lookback: str, declared: Mapping[str, frozenset[str]]) -> None:
        self.client, self.lookback, self.declared = client, lookback, declared
        self.answers: dict[str, bool] = {}

    def exists(self, selector: str) -> bool:
        if selector not in self.answers:
            result = self.client.query(f"count(last_over_time({selector}[{self.lookback}]))")
            self.answers[selector] = bool(result) and float(result[0]["value"][1]) > 0
        return self.answers[selector]


def _check_selector(asker: _Asker, node: promql_parser.VectorSelector, item: Checked) -> None:
    name = promql.selector_name(node)
    if name is None or name in SKIPPED_SERIES:
        return
    if not asker.exists(name):
        item.dead.append(f"{name!r} has no series")
        return
    for matcher in node.matchers.matchers:
        if matcher.name == "__name__" or PLACEHOLDER in matcher.value:
            continue
        if not _matches_empty(matcher) and not asker.exists(f'{name}{{{matcher.name}!=""}}'):
            text = promql.matcher_text(matcher)
            if matcher.name in asker.declared.get(name, ()):
                item.notes.append(f"label {matcher.name!r}, which the catalog declares, is on no series of "
                                  f"{name!r} yet")
            else:
                item.dead.append(f"label {matcher.name!r} is on no series of {name!r} (matcher {text})")
        elif not asker.exists(f"{name}{{{promql.matcher_text(matcher)}}}"):
            item.notes.append(f"matcher {promql.matcher_text(matcher)} matches no series of {name!r} now")


def _check_grouping(asker: _Asker, node: promql_parser.AggregateExpr, item: Checked, hidden: frozenset[str]) -> None:
    modifier = node.modifier
    if modifier is None or modifier.type != promql_parser.AggModifierType.By:
        return
    names = [n for s in _selectors(node.expr) if (n := promql.selector_name(s)) and n not in SKIPPED_SERIES]
    made = {arg.val for sub in promql.nodes(node.expr) if isinstance(sub, promql_parser.Call)
            and sub.func.name in ("label_replace", "label_join") for arg in sub.args[1:2]
            if isinstance(arg, promql_parser.StringLiteral)}
    if not names or not all(asker.exists(n) for n in names):
        return  # a missing metric is reported on its own
    for label in modifier.labels:
        if label in hidden or label in made:
            continue
        if any(label in asker.declared.get(n, ()) for n in names):
            continue
        if not any(asker.exists(f'{n}{{{label}!=""}}') for n in names):
            item.dead.append(f"by label {label!r} of {node.op}() is on no series of {', '.join(map(repr, names))}")


def check_expr(asker: _Asker, expr: promql_parser.Expr, item: Checked, hidden: frozenset[str]) -> None:
    for node in _selectors(expr):
        _check_selector(asker, node, item)
    for node in promql.nodes(expr):
        if isinstance(node, promql_parser.AggregateExpr):
            _check_grouping(asker, node, item, hidden)
    item.dead = list(dict.fromkeys(item.dead))
    item.notes = list(dict.fromkeys(item.notes))


def _items(out_dir: Path) -> list[tuple[Checked, promql_parser.Expr | None]]:
    found: list[tuple[Checked, promql_parser.Expr | None]] = []
    for rule in read_rules(out_dir):
        found.append((Checked(rule.kind, rule.name, f"{rule.file}, group {rule.group!r}"), promql.parse(rule.expr)))
    documents, _ = read_out_dir(out_dir)
    for doc in documents:
        for query in doc.queries:
            path, _, where = query.where.partition(": ")
            title = doc.data.get("title", "")
            found.append((Checked("panel", f"{title}: {where}", path), query.ast))
    return found


def declared_labels(stack: Stack) -> dict[str, frozenset[str]]:
    """Series name -> the labels its catalog declares (and le/quantile), from the stack's definitions."""
    return {name: info.catalog | info.own for name, info in stack_series(stack).items()}


def check(client: PrometheusClient, out_dir: Path, lookback: str = DEFAULT_LOOKBACK, *,
          declared: Mapping[str, frozenset[str]] | None = None,
          progress: Callable[[int, int], None] | None = None) -> CheckReport:
    """Every rule and dashboard query of out_dir against the series of the Prometheus behind client.

    declared (see declared_labels) turns a missing label that the catalog declares into a note."""
    hidden = external_labels(out_dir)
    asker = _Asker(client, lookback, declared or {})
    items = _items(out_dir)
    for done, (item, ast) in enumerate(items, 1):
        if ast is not None:
            check_expr(asker, ast, item, hidden)
        if progress:
            progress(done, len(items))
    return CheckReport(client.url, lookback, [item for item, _ in items], client.requests)
