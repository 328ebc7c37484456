"""The metric catalog inferred from expressions: which series they select, and what type each looks like.

Prometheus names give the type away only partly: `_total` is a counter, `_bucket` (with `_sum` and
`_count`) a histogram, `_sum` with `_count` (or a `_count` under rate()) a summary; everything else is
taken for a gauge. Buckets come from the
`le` values the expressions compare with; without any, the client libraries' defaults stand in, and the
module says so.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable

import promql_parser

from monitoring import promql
from monitoring.model.metrics import Counter, Gauge, Histogram, Summary
from monitoring.model.stack import BUILTIN_SERIES

DEFAULT_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
AnyMetric = Counter | Gauge | Histogram | Summary


class Usage:
    """The series names, label names and `le` values expressions use."""

    def __init__(self) -> None:
        self.labels: dict[str, set[str]] = {}
        self.le: dict[str, set[float]] = {}
        self.order: list[str] = []
        self.rated: set[str] = set()  # selected inside rate(), irate() or increase(): they only grow

    def add(self, expr: str) -> None:
        def visit(node: object) -> None:
            if isinstance(node, promql_parser.Call) and node.func.name in ("rate", "irate", "increase"):
                self.rated.update(n for n in promql.selected_metrics(str(node)))
            if isinstance(node, promql_parser.VectorSelector) and (name := promql.selector_name(node)):
                if name not in self.labels:
                    self.labels[name] = set()
                    self.order.append(name)
                for matcher in node.matchers.matchers:
                    if matcher.name == "le":
                        with contextlib.suppress(ValueError):
                            self.le.setdefault(name, set()).add(float(matcher.value))
                    elif matcher.name not in ("__name__", "quantile") and not matcher.name.startswith("__"):
                        self.labels[name].add(matcher.name)

        promql_parser.walk(promql.parse(expr), visit)


def infer(usage: Usage, recorded: Iterable[str], described_by: dict[str, str]) -> tuple[list[AnyMetric], list[str]]:
    """(metrics, notes): one metric per family the expressions select that nothing records."""
    skip = set(recorded) | BUILTIN_SERIES
    names = [n for n in usage.order if n not in skip]
    present = set(names)
    metrics: list[AnyMetric] = []
    notes: list[str] = []
    done: set[str] = set()
    for name in names:
        family, kind = _family(name, present, usage.rated)
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
            metrics.append(Counter(name=family, help=help_text, labels=labels))
        else:
            metrics.append(Gauge(name=family, help=help_text, labels=labels))
    return metrics, notes


def _family(name: str, present: set[str], rated: set[str]) -> tuple[str, str]:
    for suffix in ("_bucket", "_sum", "_count"):
        base = name.removesuffix(suffix)
        if base != name:
            if base + "_bucket" in present:
                return base, "histogram"
            if suffix != "_bucket" and ({base + "_sum", base + "_count"} <= present or name in rated):
                return base, "summary"
    return name, "counter" if name.endswith("_total") else "gauge"
