"""Which labels a series can carry, and which labels an expression's result carries.

A series from the metric catalog carries its declared labels plus what its scrape jobs attach: `job`,
`instance`, static target labels, the labels the Kubernetes relabel chain writes, and the stack's external
labels (Prometheus adds those only on the way out, but users select on them in federated and remote-read
setups). A series nobody declared (a recording rule's output, say) is unknown: checks stay quiet about it.

`result_labels` follows Prometheus' own rules for the labels of a result: aggregations keep their `by` labels,
one-to-one matching with `on(...)` keeps only those, `group_left(...)` adds its labels, `absent()` keeps the
equality matchers of its selector, `histogram_quantile()` drops `le`, `label_replace()` adds its target.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

import promql_parser

from monitoring import promql
from monitoring.promql.name_index import NameIndex
from monitoring.units import duration_ms

if TYPE_CHECKING:  # the lint checks of `validate` use SeriesInfo without importing the model
    from monitoring.model.metrics import AnyMetric
    from monitoring.model.rules import RecordingRule
    from monitoring.model.scrape import ScrapeJob
    from monitoring.model.stack import Stack

TARGET_LABELS = frozenset({"job", "instance"})
# Series of recording rules are unknown unless the stack defines the rule; SLO rules always carry these.
_SCALAR_FUNCTIONS = frozenset({"scalar", "time", "pi"})
_NO_LABELS = frozenset({"vector", "time", "pi", "scalar"})
_SELECTOR_LABELS = frozenset({"absent", "absent_over_time"})


def job_labels(job: ScrapeJob, external: Mapping[str, str], *, complete: bool = True) -> frozenset[str] | None:
    """Every label a target of job attaches to the series it exposes, its metric relabelling's included; None
    when they cannot be listed: a relabel chain may copy labels through `labelmap` (Kubernetes pod labels), and
    file_sd target groups carry labels of their own (unless `complete` is false: then the labels the stack
    itself gives them)."""
    from monitoring.model.target_selection import relabel_chain

    if job.file_sd_configs and complete:
        return None
    labels = set(TARGET_LABELS) | set(external)
    for static in job.static_configs:
        labels.update(static.labels)
    chain = (*relabel_chain(job), *job.metric_relabel_configs)
    if any(step.action == "labelmap" for step in chain):
        return None
    labels.update(step.target_label for step in chain
                  if step.target_label and not step.target_label.startswith("__") and "$" not in step.target_label)
    return frozenset(labels)


@dataclass(frozen=True)
class SeriesInfo:
    """What the stack says about one series name: its labels, their declared values, the jobs that scrape it."""

    catalog: frozenset[str]  # the labels the metric catalog declares (empty for Prometheus' own series)
    own: frozenset[str]  # labels every series of the name has besides the jobs' (le, quantile)
    values: Mapping[str, tuple[str, ...]]
    jobs: Mapping[str, int]  # job name -> scrape interval in ms
    job_labels: Mapping[str, frozenset[str] | None]  # job name -> the labels it attaches (None: not listable)
    origin: str  # "counter 'x_total' of service 'api'", for messages

    @cached_property
    def labels(self) -> frozenset[str] | None:
        """Every label a series of this name can carry, whatever job scrapes it; None when not listable."""
        return self._union(self.job_labels)

    def labels_from(self, jobs: tuple[str, ...]) -> frozenset[str] | None:
        """The labels a series of this name can carry when jobs (names from job_labels, each once) scrape it."""
        if len(jobs) == len(self.job_labels):  # all of them: worked out once, not once per selector
            return self.labels
        return self._union(jobs)

    def _union(self, jobs: Iterable[str]) -> frozenset[str] | None:
        found = set(self.catalog | self.own)
        for job in jobs:
            labels = self.job_labels[job]
            if labels is None:
                return None
            found |= labels
        return frozenset(found)

    @cached_property
    def _jobs(self) -> NameIndex:
        return NameIndex(self.job_labels)

    def selected_jobs(self, selector: promql_parser.VectorSelector) -> tuple[str, ...]:
        """The jobs a selector can read: those its job matchers accept, or all of them when it has none."""
        matchers = [m for m in selector.matchers.matchers if m.name == "job"]
        # Candidates by look-up where a matcher allows (see monitoring.promql.name_index), so that a selector on
        # a series every job exposes (up) costs the same in a stack of ten jobs as in one of ten thousand.
        found = (self._jobs.candidates(m) for m in matchers)
        narrowed = next((candidates for candidates in found if candidates is not None), None)
        candidates = self._jobs.names if narrowed is None else narrowed
        jobs = tuple(j for j in candidates if all(promql.matcher_accepts(m, j) for m in matchers))
        return jobs or self._jobs.names

    def selector_labels(self, selector: promql_parser.VectorSelector) -> frozenset[str] | None:
        return self.labels_from(self.selected_jobs(selector))


def _own_labels(metric: AnyMetric, name: str) -> set[str]:
    if metric.type == "histogram" and name.endswith("_bucket"):
        return {"le"}
    return {"quantile"} if metric.type == "summary" and name == metric.name else set()


def stack_series(stack: Stack) -> dict[str, SeriesInfo]:
    """Every series name of the stack that is known well enough to judge its labels.

    A metric declared by several services is scraped by all of their jobs; a metric of a shared catalog only
    (`Stack.catalogs`) by any job of the stack.
    """
    from monitoring.model.stack import BUILTIN_SERIES

    found: dict[str, SeriesInfo] = {}
    all_intervals: dict[str, int] = {}
    all_labels: dict[str, frozenset[str] | None] = {}
    owners: list[tuple[str, tuple[AnyMetric, ...], dict[str, int] | None, dict[str, frozenset[str] | None]]] = []
    for service in stack.services:
        intervals = {j.name: duration_ms(j.scrape_interval or stack.scrape_interval) for j in service.scrape_jobs}
        labels = {j.name: job_labels(j, stack.external_labels) for j in service.scrape_jobs}
        all_intervals.update(intervals)
        all_labels.update(labels)
        owners.append((f"service {service.name!r}", service.metrics, intervals, labels))
    for catalog in stack.catalogs:
        owners.append((f"catalog {catalog.name!r}", catalog.metrics, None, all_labels))
    for owner, metrics, intervals, labels in owners:
        for metric in metrics:
            for name in metric.series_names():
                own = _own_labels(metric, name)
                if not labels:  # scraped elsewhere: Prometheus attaches job and instance at least
                    own |= TARGET_LABELS | set(stack.external_labels)
                before = found.get(name)
                if intervals is None and before is not None:
                    continue  # a shared metric that a service declares too: its jobs are known
                # A shared catalog's metric: whoever scrapes it, possibly every job of the stack.
                scraped = all_intervals if intervals is None else intervals
                jobs = {**before.jobs, **scraped} if before else scraped
                job_sets = {**before.job_labels, **labels} if before else labels
                found[name] = SeriesInfo(frozenset(metric.labels), frozenset(own), dict(metric.label_values),
                                         jobs, job_sets, before.origin if before else f"{metric.type} "
                                                                                      f"{metric.name!r} of {owner}")
    for name in sorted(BUILTIN_SERIES - {"ALERTS", "ALERTS_FOR_STATE"}):
        # Prometheus writes these itself, from the target's labels only.
        found[name] = SeriesInfo(frozenset(), TARGET_LABELS, {}, all_intervals, all_labels,
                                 f"{name!r}, which Prometheus writes per target")
    for service in stack.services:
        for rule in service.recording_rules:
            recorded = recorded_labels(rule, found)
            if recorded is not None:
                found[rule.name] = SeriesInfo(frozenset(), recorded, {}, {}, {},
                                              f"recording rule {rule.name!r} of service {service.name!r}")
    return found


def recorded_labels(rule: RecordingRule, known: Mapping[str, SeriesInfo]) -> frozenset[str] | None:
    labels = result_labels(promql.parse(rule.expr), known)
    return None if labels is None else labels | frozenset(rule.labels)


def _first_vector_arg(args: list[promql_parser.Expr]) -> promql_parser.Expr | None:
    for arg in args:
        if not isinstance(promql.unwrap(arg), promql_parser.NumberLiteral | promql_parser.StringLiteral):
            return arg
    return None


def is_scalar(node: promql_parser.Expr) -> bool:
    node = promql.unwrap(node)
    if isinstance(node, promql_parser.NumberLiteral):
        return True
    if isinstance(node, promql_parser.Call):
        return node.func.name in _SCALAR_FUNCTIONS
    if isinstance(node, promql_parser.UnaryExpr):
        return is_scalar(node.expr)
    if isinstance(node, promql_parser.BinaryExpr):
        return is_scalar(node.lhs) and is_scalar(node.rhs)
    return False


def equality_labels(selector: promql_parser.VectorSelector) -> frozenset[str]:
    return frozenset(m.name for m in selector.matchers.matchers
                     if m.op == promql_parser.MatchOp.Equal and m.name != "__name__")


def result_labels(node: promql_parser.Expr, known: Mapping[str, SeriesInfo]) -> frozenset[str] | None:
    """The labels every result series of node may carry; None when a series it reads is unknown."""
    node = promql.unwrap(node)
    if isinstance(node, promql_parser.VectorSelector):
        name = promql.selector_name(node)
        info = known.get(name) if name else None
        return info.selector_labels(node) if info else None
    if isinstance(node, promql_parser.MatrixSelector):
        return result_labels(node.vector_selector, known)
    if isinstance(node, promql_parser.SubqueryExpr | promql_parser.UnaryExpr):
        return result_labels(node.expr, known)
    if isinstance(node, promql_parser.NumberLiteral | promql_parser.StringLiteral):
        return frozenset()
    if isinstance(node, promql_parser.Call):
        return _call_labels(node, known)
    if isinstance(node, promql_parser.AggregateExpr):
        return _aggregate_labels(node, known)
    if isinstance(node, promql_parser.BinaryExpr):
        return _binary_labels(node, known)
    return None


def _call_labels(node: promql_parser.Call, known: Mapping[str, SeriesInfo]) -> frozenset[str] | None:
    name, args = node.func.name, list(node.args)
    if name in _NO_LABELS:
        return frozenset()
    if name in _SELECTOR_LABELS:
        inner = promql.unwrap(args[0])
        selector = inner.vector_selector if isinstance(inner, promql_parser.MatrixSelector) else inner
        return equality_labels(selector) if isinstance(selector, promql_parser.VectorSelector) else frozenset()
    if name == "histogram_quantile":
        inner = result_labels(args[1], known)
        return None if inner is None else inner - {"le"}
    if name in ("label_replace", "label_join"):
        inner = result_labels(args[0], known)
        target = promql.unwrap(args[1])
        return None if inner is None else inner | {target.val} if isinstance(target, promql_parser.StringLiteral) \
            else inner
    arg = _first_vector_arg(args)
    return frozenset() if arg is None else result_labels(arg, known)


def _aggregate_labels(node: promql_parser.AggregateExpr, known: Mapping[str, SeriesInfo]) -> frozenset[str] | None:
    op = str(node.op)
    inner = result_labels(node.expr, known)
    if op in ("topk", "bottomk", "limitk"):
        return inner
    modifier = node.modifier
    if modifier is None:
        labels: frozenset[str] | None = frozenset()
    elif modifier.type == promql_parser.AggModifierType.By:
        labels = frozenset(modifier.labels)
    else:
        labels = None if inner is None else inner - set(modifier.labels)
    if op == "count_values" and labels is not None and isinstance(node.param, promql_parser.StringLiteral):
        labels |= {node.param.val}
    return labels


def _binary_labels(node: promql_parser.BinaryExpr, known: Mapping[str, SeriesInfo]) -> frozenset[str] | None:
    op = str(node.op)
    if is_scalar(node.lhs):
        return result_labels(node.rhs, known)
    if is_scalar(node.rhs):
        return result_labels(node.lhs, known)
    lhs, rhs = result_labels(node.lhs, known), result_labels(node.rhs, known)
    if op == "or":
        return None if lhs is None or rhs is None else lhs | rhs
    if op in ("and", "unless"):
        return lhs
    modifier = node.modifier
    card = modifier.card if modifier else promql_parser.VectorMatchCardinality.OneToOne
    matching = modifier.matching if modifier else None
    if card == promql_parser.VectorMatchCardinality.ManyToOne:
        return None if lhs is None else lhs | set(modifier.group_labels or ())
    if card == promql_parser.VectorMatchCardinality.OneToMany:
        return None if rhs is None else rhs | set(modifier.group_labels or ())
    if matching is not None and matching.type == promql_parser.LabelModifierType.Include:
        return frozenset(matching.labels)
    side = lhs if lhs is not None else rhs
    if side is None:
        return None
    return side - set(matching.labels) if matching is not None else side
