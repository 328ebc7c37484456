"""The metric catalog inferred from expressions: which series they select, and what type each is.

Evidence comes first, names second. How the expressions use a series says what it is: under rate(), irate(),
increase() or resets() it only grows (a counter); under histogram_quantile() its `_bucket` series are a
histogram's; under deriv(), predict_linear(), delta(), idelta() or an aggregation over time (avg_over_time()...)
it goes up and down (a gauge). Where no expression says, Prometheus names give the type away partly: `_total`
is a counter, `_bucket` (with `_sum` and `_count`) a histogram, `_sum` with `_count` a summary; everything else
is taken for a gauge. A running Prometheus's `/api/v1/metadata`, when given, is the exporter's own word and
wins over both. When the sources disagree, the module says so (a conflict note). A counter or gauge whose name
breaks the naming rule its type implies is marked `third_party`.

Buckets come from the `le` values the expressions compare with; without any, the client libraries' defaults
stand in, and the module says so.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterable, Mapping

import promql_parser

from monitoring import promql
from monitoring.grafana.variables import PLACEHOLDER
from monitoring.model.metrics import Counter, Gauge, Histogram, Summary
from monitoring.model.stack import BUILTIN_SERIES

_TEMPLATE_LABEL = re.compile(r"\$labels\.([a-zA-Z_][a-zA-Z0-9_]*)")
DEFAULT_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
AnyMetric = Counter | Gauge | Histogram | Summary

# Functions whose (range) argument says the type of the series it selects directly.
COUNTER_FUNCTIONS = frozenset({"rate", "irate", "increase", "resets"})
GAUGE_FUNCTIONS = frozenset({"deriv", "predict_linear", "delta", "idelta", "holt_winters",
                             "double_exponential_smoothing"})
# Aggregations over time are meant for gauges, but are also written over counters (max_over_time(x_total[1h])):
# evidence too weak to overrule a `_total` name.
WEAK_GAUGE_FUNCTIONS = frozenset({"avg_over_time", "min_over_time", "max_over_time", "sum_over_time",
                                  "quantile_over_time", "stddev_over_time", "stdvar_over_time"})


class Usage:
    """The series names, label names and `le` values expressions use."""

    def __init__(self) -> None:
        self.labels: dict[str, set[str]] = {}
        self.le: dict[str, set[float]] = {}
        self.order: list[str] = []
        self.rated: set[str] = set()  # selected inside rate(), irate() or increase(): they only grow
        # series name -> type -> the first expression that shows it ("rate() in alert 'X'")
        self.evidence: dict[str, dict[str, str]] = {}

    def add(self, expr: str, described: str = "an imported expression") -> None:
        def visit(node: object) -> None:
            if isinstance(node, promql_parser.Call) and node.func.name in ("rate", "irate", "increase"):
                self.rated.update(n for n in promql.selected_metrics(str(node)))
            if isinstance(node, promql_parser.Call) and node.args:
                name = node.func.name
                kind = ("counter" if name in COUNTER_FUNCTIONS else "gauge" if name in GAUGE_FUNCTIONS
                        else "gauge?" if name in WEAK_GAUGE_FUNCTIONS else None)
                if name == "histogram_quantile" and len(node.args) > 1:
                    for series in _direct_series(node.args[1]):
                        if series.endswith("_bucket"):
                            self._show(series.removesuffix("_bucket"), "histogram", f"{name}() in {described}")
                elif kind is not None:
                    for series in _direct_series(node.args[0]):
                        self._show(series, kind, f"{name}() in {described}")
            for label_names, subtrees in _label_uses(node):
                for subtree in subtrees:
                    for selector in promql.nodes(subtree):
                        if isinstance(selector, promql_parser.VectorSelector) and (
                                name := promql.selector_name(selector)):
                            # job and instance come from the scrape, not from the exporter's catalog.
                            self._label(name, [n for n in label_names if n not in ("job", "instance")])
            if isinstance(node, promql_parser.VectorSelector) and (name := promql.selector_name(node)):
                if name not in self.labels:
                    self.labels[name] = set()
                    self.order.append(name)
                for matcher in node.matchers.matchers:
                    if matcher.name == "le":
                        with contextlib.suppress(ValueError):
                            self.le.setdefault(name, set()).add(float(matcher.value))
                    else:
                        self._label(name, [matcher.name])

        promql_parser.walk(promql.parse(expr), visit)

    def templated(self, expr: str, texts: Iterable[str]) -> None:
        """An alert's annotations read `$labels.x`: the series of its expression carry x (node exporter's
        `mountpoint`, say), although no matcher names it."""
        used = {m.group(1) for text in texts for m in _TEMPLATE_LABEL.finditer(text)} - {"job", "instance"}
        if not used:
            return
        for node in promql.nodes(promql.parse(expr)):
            if isinstance(node, promql_parser.VectorSelector) and (name := promql.selector_name(node)):
                self._label(name, used)

    def _label(self, name: str, label_names: Iterable[str]) -> None:
        if name not in self.labels:
            self.labels[name] = set()
            self.order.append(name)
        self.labels[name].update(label for label in label_names
                                 if label not in ("le", "quantile", PLACEHOLDER) and not label.startswith("__"))

    def _show(self, name: str, kind: str, how: str) -> None:
        """Record that how reads name as kind ('gauge?': weakly, see WEAK_GAUGE_FUNCTIONS)."""
        self.evidence.setdefault(name, {}).setdefault(kind, how)


def _label_uses(node: object) -> list[tuple[list[str], list[promql_parser.Expr]]]:
    """Labels an expression needs on the series under it besides its matchers: `by`/`without` of an
    aggregation, `on`/`ignoring`/`group_left` of a binary operation, the source labels of label_replace() and
    label_join(). Each pair is (labels, the subtrees whose series carry them)."""
    if isinstance(node, promql_parser.AggregateExpr) and node.modifier is not None:
        return [(list(node.modifier.labels), [node.expr])]
    if isinstance(node, promql_parser.BinaryExpr) and node.modifier is not None:
        modifier = node.modifier
        labels = [*(modifier.matching.labels if modifier.matching is not None else ()),
                  *(modifier.group_labels or ())]
        return [(labels, [node.lhs, node.rhs])] if labels else []
    if isinstance(node, promql_parser.Call) and node.func.name in ("label_replace", "label_join") and node.args:
        # label_replace(v, dst, replacement, src, regex) and label_join(v, dst, separator, src...): from index 3.
        sources = [promql.unwrap(a).val for a in node.args[3:4 if node.func.name == "label_replace" else None]
                   if isinstance(promql.unwrap(a), promql_parser.StringLiteral)]
        return [(sources, [node.args[0]])] if sources else []
    return []


def _direct_series(node: promql_parser.Expr) -> list[str]:
    """The series a function argument reads directly: x[5m], a subquery's selector, or under sum by (le) (...)
    and rate(...) for histogram_quantile()."""
    node = promql.unwrap(node)
    while isinstance(node, promql_parser.AggregateExpr):
        node = promql.unwrap(node.expr)
    if isinstance(node, promql_parser.Call) and node.func.name in ("rate", "irate", "increase") and node.args:
        node = promql.unwrap(node.args[0])
    if isinstance(node, promql_parser.MatrixSelector):
        node = node.vector_selector
    elif isinstance(node, promql_parser.SubqueryExpr):
        node = promql.unwrap(node.expr)
    name = promql.selector_name(node) if isinstance(node, promql_parser.VectorSelector) else None
    return [name] if name else []


def infer(usage: Usage, recorded: Iterable[str], described_by: dict[str, str],
          metadata: Mapping[str, str] | None = None) -> tuple[list[AnyMetric], list[str]]:
    """(metrics, notes): one metric per family the expressions select that nothing records. metadata (family ->
    type, from Prometheus' /api/v1/metadata) is the exporter's own word and wins."""
    skip = set(recorded) | BUILTIN_SERIES
    names = [n for n in usage.order if n not in skip]
    present = set(names)
    metrics: list[AnyMetric] = []
    notes: list[str] = []
    done: set[str] = set()
    for name in names:
        family, kind = _family(name, present, usage.rated)
        family, kind = _decide(name, family, kind, usage, metadata or {}, notes)
        if family in done:
            continue
        done.add(family)
        parts = [family] if kind in ("counter", "gauge") else [family + s for s in ("", "_bucket", "_sum", "_count")]
        labels = tuple(sorted(set().union(*(usage.labels.get(p, set()) for p in parts))))
        help_text = f"Selected by {described_by.get(name, 'an imported expression')}."
        if kind == "histogram":
            buckets = tuple(sorted(b for b in usage.le.get(family + "_bucket", set()) if b != float("inf")))
            if not buckets:
                buckets = DEFAULT_BUCKETS
                notes.append(f"{family}: no le values in the expressions, so the buckets are the client defaults")
            metrics.append(Histogram(name=family, help=help_text, labels=labels, buckets=buckets))
        elif kind == "summary":
            metrics.append(Summary(name=family, help=help_text, labels=labels))
        elif kind == "counter":
            metrics.append(Counter(name=family, help=help_text, labels=labels,
                                   third_party=not family.endswith("_total")))
        else:
            metrics.append(Gauge(name=family, help=help_text, labels=labels, third_party=family.endswith("_total")))
    return metrics, notes


_SHOWN = {"counter": "a counter", "gauge": "a gauge", "histogram": "a histogram", "summary": "a summary"}


def _decide(name: str, family: str, by_name: str, usage: Usage, metadata: Mapping[str, str],
            notes: list[str]) -> tuple[str, str]:
    """The family and type of series name: Prometheus' metadata, else the expressions' evidence, else the name.
    Disagreements are noted."""
    evidence = usage.evidence.get(name, {})
    shown = {kind: how for kind, how in evidence.items() if kind != "gauge?"}
    if "gauge?" in evidence and "gauge" not in shown:
        if by_name == "counter" and not shown:
            notes.append(f"{name}: {evidence['gauge?']} reads it as a gauge, but its name says counter: kept a "
                         "counter")
        elif by_name != "counter":
            shown["gauge"] = evidence["gauge?"]
    if by_name in ("histogram", "summary"):
        shown.update(usage.evidence.get(family, {}))
        shown.pop("counter", None)  # rate() over _count, _sum and _bucket is how they are read
    # Client libraries name a counter's family without `_total` in metadata (OpenMetrics), or with it (text format).
    told = metadata.get(family) or metadata.get(name) or metadata.get(name.removesuffix("_total"))
    if told in _SHOWN and told not in ("histogram", "summary") and by_name in ("histogram", "summary"):
        told = None  # metadata of the whole family is about the family; a part keeps its own
    if told in _SHOWN:
        others = [f"{how} reads it as {_SHOWN[kind]}" for kind, how in shown.items() if kind != told]
        if others:
            notes.append(f"{name}: conflict: Prometheus' metadata says {_SHOWN[told]}, but {'; '.join(others)}; "
                         f"kept {_SHOWN[told]}")
        return (family if told == by_name else name), told
    if by_name in ("histogram", "summary") or not shown:
        if by_name == "summary" and "histogram" in shown:
            return family, "histogram"
        return family, by_name
    if len(shown) > 1:
        chosen = by_name if by_name in shown else sorted(shown)[0]
        readings = "; ".join(f"{how} reads it as {_SHOWN[kind]}" for kind, how in sorted(shown.items()))
        notes.append(f"{name}: conflict: {readings}; kept {_SHOWN[chosen]}"
                     + (", as its name suggests" if chosen == by_name else ""))
        return name, chosen
    (kind,) = shown
    if kind == "histogram":
        return family, by_name
    if kind != by_name:
        notes.append(f"{name}: {shown[kind]} reads it as {_SHOWN[kind]}, although its name suggests "
                     f"{_SHOWN[by_name]}: taken as {_SHOWN[kind]}")
    return name, kind


def _family(name: str, present: set[str], rated: set[str]) -> tuple[str, str]:
    for suffix in ("_bucket", "_sum", "_count"):
        base = name.removesuffix(suffix)
        if base != name:
            if base + "_bucket" in present:
                return base, "histogram"
            if suffix != "_bucket" and ({base + "_sum", base + "_count"} <= present or name in rated):
                return base, "summary"
    return name, "counter" if name.endswith("_total") else "gauge"
