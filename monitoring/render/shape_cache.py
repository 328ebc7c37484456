"""Alert scenarios derived once per shape: most alerts of a large stack are one pack alert with another name.

An expression's shape is its syntax tree with metric names and label values replaced by placeholders, in
order of first appearance (label names, operators, functions, numbers, windows and modifiers are kept), plus
what the catalog says of each metric. `alert_shapes.plan` reads names and values only through the
placeholders and the catalog only through those facts, so two expressions of one shape have one plan: it is
derived for the first and spelt with each expression's own names and values (`alert_shapes.spell`).

A label value stands in for a placeholder only where that is exact: every matcher of its label is an equality
(the derivation then only compares the value for equality), it is not a value the derivation writes itself
(`OWN_VALUES`), and the label is not `le`. Anything outside that (a `__name__` matcher, a regex with a
backslash, which could spell a placeholder, an `or` of matchers, a node kind not described here, a NUL
character) is derived directly, as is an expression that is not a recognised shape for a reason that names
one of its metrics or values.

Most expressions of a large stack are found without parsing them (`_Recipe`): the text with each name and
each plain string cut out is a key to the shape of the first expression written that way, and the names cut
out say where this one's go, provided they stand in the same relations (equal where those were equal, none
of them one the shape keeps as written); anything else is parsed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import promql_parser

from monitoring import promql
from monitoring.bounded import keep
from monitoring.model.metrics import AnyMetric
from monitoring.model.scenario import AlertScenario
from monitoring.promql.cuts import cut
from monitoring.render import alert_shapes
from monitoring.render.alert_shapes import CatalogFacts, Scenario, Unrecognised
from monitoring.render.promtool_timing import expr_windows

# Plans kept: one per shape (not per alert), so a few hundred at most for real stacks; the oldest goes first.
MAX_SHAPES = 4096
_MARK = "\x00"  # no name, no kept value and no derived value contains it: placeholders do
_QUOTED_MARK = repr(_MARK)[1:-1]  # as a message quotes it
_EQUAL = "MatchOp.Equal"
_REGEX = ("MatchOp.Re", "MatchOp.NotRe")

_plans: dict[tuple[Any, ...], Any] = {}


def clear() -> None:
    """Forget every plan and recipe (tests start from an empty cache)."""
    _plans.clear()
    _recipes.clear()


def size() -> int:
    """How many shapes have a plan."""
    return len(_plans)


class _Placeholders:
    """Names for the derivation of a shape: each metric name and replaceable label value as its placeholder."""

    def __init__(self, metrics: dict[str, str], values: dict[tuple[str, str], str]) -> None:
        self.metrics, self.values = metrics, values

    def metric(self, name: str) -> str:
        return self.metrics.get(name, name)

    def value(self, label: str, value: str) -> str:
        return self.values.get((label, value), value)


class _KeyedFacts:
    """Catalog facts of placeholders, as recorded in the shape's key."""

    def __init__(self, facts: dict[str, tuple[str | None, tuple[float, ...] | None]]) -> None:
        self.facts = facts

    def kind(self, name: str) -> str | None:
        return self.facts[name][0]

    def buckets(self, name: str) -> tuple[float, ...] | None:
        return self.facts[name][1]


def _binary(modifier: promql_parser.BinModifier | None) -> tuple[Any, ...] | None:
    """Every field of a binary operator's modifier (bool, on/ignoring, group_left/right and their labels)."""
    if modifier is None:
        return None
    matching = modifier.matching
    fill = modifier.fill_values
    return (str(modifier.card), modifier.return_bool, tuple(modifier.group_labels or ()),
            None if matching is None else (str(matching.type), tuple(matching.labels)),
            None if fill is None else (repr(fill.lhs), repr(fill.rhs)))


def _aggregation(modifier: promql_parser.AggModifier | None) -> tuple[Any, ...] | None:
    return None if modifier is None else (str(modifier.type), tuple(modifier.labels))


class Shape:
    """An expression seen as a shape: its key, the placeholders of its names and values, and its windows."""

    def __init__(self, key: tuple[Any, ...], metrics: dict[str, str], values: dict[tuple[str, str], str],
                 windows: set[int]) -> None:
        self.key, self.metrics, self.values, self.windows = key, metrics, values, windows


class _Unshaped(Exception):
    """Placeholders would not be exact for this expression."""


# A selector as the shape reads it: its metric name and its matchers (label, operator, value).
_Selector = tuple[str, list[tuple[str, str, str]]]


def _walk(node: promql_parser.Expr, parts: list[tuple[Any, ...]], selectors: list[_Selector],
          windows: set[int]) -> None:
    """Describe node and the nodes under it into parts, in the order they are written (one pass, reading each
    attribute of the parser's objects once: each read builds a new Python object; the windows of range
    selectors and subqueries are collected on the way)."""
    kind = type(node)
    if kind is promql_parser.VectorSelector:
        matchers = node.matchers
        if node.at is not None or matchers.or_matchers:
            raise _Unshaped
        described = [(m.name, str(m.op), m.value) for m in matchers.matchers]
        for label, op, value in described:
            if label == "__name__" or _MARK in value or (op in _REGEX and "\\" in value):
                raise _Unshaped
        selectors.append((node.name or "", described))
        parts.append(("vector", node.offset))
    elif kind is promql_parser.MatrixSelector:
        window = node.range
        parts.append(("matrix", window))
        windows.add(int(window.total_seconds() * 1000))
        _walk(node.vector_selector, parts, selectors, windows)
    elif kind is promql_parser.BinaryExpr:
        parts.append(("binary", str(node.op), _binary(node.modifier)))
        _walk(node.lhs, parts, selectors, windows)
        _walk(node.rhs, parts, selectors, windows)
    elif kind is promql_parser.AggregateExpr:
        param = node.param
        parts.append(("aggregate", str(node.op), _aggregation(node.modifier), param is None))
        if param is not None:
            _walk(param, parts, selectors, windows)
        _walk(node.expr, parts, selectors, windows)
    elif kind is promql_parser.Call:
        args = node.args
        parts.append(("call", node.func.name, len(args)))
        for arg in args:
            _walk(arg, parts, selectors, windows)
    elif kind is promql_parser.NumberLiteral:
        parts.append(("number", repr(node.val)))
    elif kind is promql_parser.StringLiteral:
        parts.append(("string", node.val))
    elif kind is promql_parser.ParenExpr or kind is promql_parser.UnaryExpr:
        parts.append((kind.__name__,))
        _walk(node.expr, parts, selectors, windows)
    elif kind is promql_parser.SubqueryExpr and node.at is None:
        window = node.range
        parts.append(("subquery", window, node.step, node.offset))
        windows.add(int(window.total_seconds() * 1000))
        _walk(node.expr, parts, selectors, windows)
    else:
        raise _Unshaped  # a Chain of long operator lists, `@`, or a kind not described above


def shape(node: promql_parser.Expr, facts: CatalogFacts) -> Shape | None:
    """The shape of a parsed expression under a catalog, or None where placeholders would not be exact."""
    selectors: list[_Selector] = []
    parts: list[tuple[Any, ...]] = []
    windows: set[int] = set()
    try:
        _walk(node, parts, selectors, windows)
    except _Unshaped:
        return None
    only_equal: dict[str, bool] = {}
    for _, matchers in selectors:
        for label, op, _ in matchers:
            only_equal[label] = only_equal.get(label, True) and op == _EQUAL
    metrics: dict[str, str] = {}
    values: dict[tuple[str, str], str] = {}
    same_value: dict[str, str] = {}  # one placeholder per value, whatever its label: equal stays equal
    described = []
    read: dict[str, str] = {}  # each name as the derivation reads it (a placeholder, or up as written) -> name
    for name, matchers in selectors:
        if name not in alert_shapes.OWN_METRICS and name not in metrics:
            metrics[name] = f"{_MARK}m{len(metrics)}"
        shown = metrics.get(name, name)
        read[shown] = name
        kept = []
        for label, op, value in matchers:
            if only_equal[label] and label != "le" and value not in alert_shapes.OWN_VALUES:
                value = values.setdefault((label, value), same_value.setdefault(value, f"{_MARK}v{len(same_value)}"))
            kept.append((label, op, value))
        described.append((shown, tuple(kept)))
    catalog = tuple((shown, facts.kind(name), facts.buckets(name)) for shown, name in read.items())
    return Shape((tuple(parts), tuple(described), catalog), metrics, values, windows)


_OWN_TEXTS = alert_shapes.OWN_METRICS | alert_shapes.OWN_VALUES  # names and values the derivation writes itself


class _Recipe:
    """How a text's cuts become a shape: for each cut, the placeholder it stands for (a metric's or a value's)
    or the text the shape keeps; the shape's key without its catalog facts, and the metrics it reads."""

    def __init__(self, roles: tuple[tuple[str, str], ...], found: Shape) -> None:
        self.roles = roles  # per cut: ("metric" | "value", placeholder) or ("kept", text)
        self.parts, self.described, _ = found.key
        self.read = tuple(shown for shown, _, _ in found.key[2])  # each read metric, as the key shows it
        self.labels = {p: sorted({label for (label, _), q in found.values.items() if q == p})
                       for p in set(found.values.values())}
        self.windows = found.windows
        # Texts no placeholder may stand for: those the shape keeps as written, and the derivation's own.
        self.kept = {what for role, what in roles if role == "kept"} | _OWN_TEXTS

    @classmethod
    def of(cls, cut: list[str], found: Shape) -> _Recipe | None:
        """The recipe of an expression's shape, or None where a cut's role is not certain from its text alone."""
        values = {value: p for (_, value), p in found.values.items()}
        kept = _kept_texts(found.key)
        roles = []
        for text in cut:
            role = found.metrics.get(text)
            if role is not None and text in values:
                return None  # a name that is also a value: which is which needs the tree
            if role is not None or text in values:
                if text in kept:
                    return None  # the same text placeholder here and kept there
                roles.append(("metric", role) if role is not None else ("value", values[text]))
            else:
                roles.append(("kept", text))
        placed = {what for role, what in roles if role != "kept"}
        if placed != {*found.metrics.values(), *found.values.values()}:
            return None  # a value in a string the cuts keep whole (one with a backslash)
        return cls(tuple(roles), found)

    def shape(self, cut: list[str], facts: CatalogFacts) -> Shape | None:
        """The shape of an expression with this recipe's text, from its cuts; None where they do not stand in
        the relations the recipe's own did."""
        if len(cut) != len(self.roles):
            return None
        names: dict[str, str] = {}  # placeholder -> this expression's text
        for text, (role, what) in zip(cut, self.roles, strict=True):
            if role == "kept":
                if text != what:
                    return None
            elif names.setdefault(what, text) != text:
                return None  # one placeholder, two texts
        texts = set(names.values())
        if len(texts) != len(names) or not texts.isdisjoint(self.kept):
            return None  # two placeholders that would be one, or a text the shape keeps as written
        metrics = {names[p]: p for p in self.read if p in names}
        read = {shown: names.get(shown, shown) for shown in self.read}
        catalog = tuple((shown, facts.kind(name), facts.buckets(name)) for shown, name in read.items())
        values = {(label, names[p]): p for p, labels in self.labels.items() for label in labels}
        return Shape((self.parts, self.described, catalog), metrics, values, self.windows)


def _kept_texts(key: tuple[Any, ...]) -> set[str]:
    """Every text a shape's key holds as written (label names, kept values, functions, strings, metrics)."""
    found: set[str] = set()
    pending: list[Any] = [key[0], key[1]]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            found.add(item)
        elif isinstance(item, tuple):
            pending.extend(item)
    return found


_recipes: dict[str, _Recipe | None] = {}  # the text with its cuts -> its recipe (None: parse each time)


def _shape_of_text(expr: str, catalog: Mapping[str, AnyMetric]) -> tuple[Shape | None, Any]:
    """The shape of expr (None: not shaped) and its tree (None where the text's recipe gave the shape)."""
    texts = cut(expr)  # None for a text holding NUL (_MARK) too
    if texts is not None:
        recipe = _recipes.get(texts.key)
        if recipe is not None:
            found = recipe.shape(texts.texts, CatalogFacts(catalog))
            if found is not None:
                return found, None
    node = promql.parse(expr)
    found = shape(node, CatalogFacts(catalog))
    if texts is not None and found is not None and texts.key not in _recipes:
        keep(_recipes, texts.key, _Recipe.of(texts.texts, found), MAX_SHAPES)
    return found, node


def scenario_of(expr: str, catalog: Mapping[str, AnyMetric]) -> tuple[Scenario | AlertScenario | None, str, set[int]]:
    """What `alert_shapes.shape_of(expr, catalog)` returns, derived once per shape, and the expression's windows
    (`promtool_timing.expr_windows`), read in the same pass."""
    found, node = _shape_of_text(expr, catalog)
    if found is None:
        return (*alert_shapes.shape_of(expr, catalog), expr_windows(expr))
    plan = _plans.get(found.key)
    if plan is None:
        if node is None:
            node = promql.parse(expr)
        keyed = _KeyedFacts({shown: (kind, buckets) for shown, kind, buckets in found.key[2]})
        try:
            plan = alert_shapes.Spelling(alert_shapes.plan(node, keyed, _Placeholders(found.metrics, found.values)))
        except Unrecognised as exc:
            plan = str(exc)  # why the shape is not recognised
        keep(_plans, found.key, plan, MAX_SHAPES)
    if isinstance(plan, str):
        # Said without a placeholder (as it is, or quoted by repr), the reason names nothing of this expression:
        # it is this expression's too. Otherwise it is derived on its own, for a reason naming its own metrics.
        if _MARK in plan or _QUOTED_MARK in plan:
            return (*alert_shapes.shape_of(expr, catalog), found.windows)
        return None, plan, found.windows
    assert isinstance(plan, alert_shapes.Spelling)
    try:
        return alert_shapes.spell(plan, {p: name for name, p in found.metrics.items()},
                                  {p: value for (_, value), p in found.values.items()}), "", found.windows
    except ValueError as exc:  # a spelt series the model refuses, as alert_shapes.shape_of says it
        return None, str(exc).splitlines()[0], found.windows
