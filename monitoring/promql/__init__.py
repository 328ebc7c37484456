"""PromQL helpers on the promql-parser AST: parse with a readable error, list selected metrics, walk the tree.

The parser is a native extension whose cost is not linear: its Python objects copy every subtree, so an `or`
of 2,000 selectors takes gigabytes, and 20,000 nested parentheses overflow its stack. So input is bounded
before it reaches the parser (length, nesting depth), and long chains of binary operators at the top level
are split here and their operands parsed one by one (a `Chain` node), which keeps the cost linear.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

import promql_parser

from monitoring import go_regexp
from monitoring.bounded import keep
from monitoring.promql.lexemes import NUMBER, STRING, WORD
from monitoring.promql.name_index import NameIndex

# Far beyond any readable rule; the `or` of 2,000 selectors is about 40,000 characters.
MAX_LENGTH = 200_000
# Brackets of any kind nested deeper than this are refused before the parser sees them.
MAX_DEPTH = 64
# Binary operators the parser gets in one call; longer top-level chains are split, nested ones refused.
MAX_OPERATORS = 200
_RUN = 4


@dataclass(frozen=True)
class Chain:
    """A top-level chain of binary operators, split so that each operand was parsed on its own.

    `operators[i]` (with its modifiers, e.g. 'or on (job)') joins operands[i] and operands[i + 1].
    """

    operands: tuple[object, ...]
    operators: tuple[str, ...]


# The lexemes (see promql.lexemes), with space, comments, operators and brackets between them.
_TOKEN = re.compile(rf"""
    (?P<space>[ \t\r\n]+|\#[^\n]*)
  | (?P<string>{STRING})
  | (?P<number>{NUMBER})
  | (?P<ident>{WORD})
  | (?P<op>==|!=|>=|<=|=~|!~|[-+*/%^<>=])
  | (?P<open>[(\[{{])
  | (?P<close>[)\]}}])
  | (?P<other>[,@:])
""", re.VERBOSE)

# Binary operators by precedence, loosest first (Prometheus' own order; all left-associative but '^').
_PRECEDENCE = {"or": 1, "and": 2, "unless": 2, "==": 3, "!=": 3, "<=": 3, "<": 3, ">=": 3, ">": 3,
               "+": 4, "-": 4, "*": 5, "/": 5, "%": 5, "atan2": 5, "^": 6}
# Keywords after which a '+' or '-' is a sign, not an operator.
_KEYWORDS = frozenset({"and", "or", "unless", "atan2", "by", "without", "on", "ignoring", "group_left",
                       "group_right", "bool", "offset"})
_MODIFIERS = frozenset({"bool", "on", "ignoring", "group_left", "group_right"})


class _Token(NamedTuple):
    kind: str
    text: str
    start: int
    end: int
    depth: int  # bracket depth before the token
    in_braces: bool  # inside {...}: '=', '!=', '=~' are label matchers there


def _tokens(expr: str) -> list[_Token] | None:
    """The lexemes of expr, with their bracket depth; None if expr holds something PromQL cannot lex."""
    tokens: list[_Token] = []
    stack: list[str] = []
    position = 0
    for match in _TOKEN.finditer(expr):
        if match.start() != position:
            return None  # the parser reports the character it does not expect
        position = match.end()
        kind = match.lastgroup
        if kind == "space":
            continue
        text = match.group()
        tokens.append(_Token(kind, text.lower() if kind == "ident" else text, match.start(), position,  # type: ignore[arg-type]
                             len(stack), bool(stack) and stack[-1] == "{"))
        if kind == "open":
            stack.append(text)
            if len(stack) > MAX_DEPTH:
                raise ValueError(f"PromQL nests brackets more than {MAX_DEPTH} deep (at offset {match.start()})")
        elif kind == "close" and stack:
            stack.pop()
    return tokens if position == len(expr) else None


def _binary_operators(tokens: Sequence[_Token]) -> list[int]:
    """Indexes of the tokens that are binary operators (not signs, not label matchers)."""
    found = []
    previous: _Token | None = None
    for index, token in enumerate(tokens):
        is_operator = (token.kind == "op" and not token.in_braces and token.text != "=") or (
            token.kind == "ident" and token.text in ("and", "or", "unless", "atan2") and not token.in_braces)
        if is_operator and token.text in ("+", "-"):
            is_operator = previous is not None and (
                previous.kind in ("string", "number", "close")
                or (previous.kind == "ident" and previous.text not in _KEYWORDS))
        if is_operator and token.text in _PRECEDENCE:
            found.append(index)
        previous = token
    return found


def _modifiers_end(tokens: Sequence[_Token], index: int) -> int:
    """The index of the first token after an operator's modifiers (bool, on(...), group_left(...))."""
    while index < len(tokens) and tokens[index].kind == "ident" and tokens[index].text in _MODIFIERS:
        index += 1
        if index < len(tokens) and tokens[index].text == "(":
            depth = tokens[index].depth
            index += 1
            while index < len(tokens) and not (tokens[index].text == ")" and tokens[index].depth == depth + 1):
                index += 1
            index += 1
    return index


def _error(expr: str, reason: str) -> ValueError:
    shown = " ".join(expr.split())
    shown = shown if len(shown) <= 200 else f"{shown[:200]}…"
    return ValueError(f"PromQL does not parse ({reason}): {shown!r}")


def _parse_native(expr: str) -> promql_parser.Expr:
    try:
        return promql_parser.parse(expr)
    except Exception as exc:  # the parser raises a bare exception type of its own
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise _error(expr, reason) from None


def _parse_bounded(expr: str, tokens: Sequence[_Token]) -> object:
    """Parse the text of tokens (a slice of expr's tokens, all at the same base depth)."""
    text = expr[tokens[0].start:tokens[-1].end] if tokens else ""
    operators = _binary_operators(tokens)
    if len(operators) <= MAX_OPERATORS:
        return _parse_native(text)
    base = tokens[0].depth
    if tokens[0].text == "(" and tokens[-1].text == ")" and all(t.depth > base for t in tokens[1:-1]):
        return _parse_bounded(expr, tokens[1:-1])  # one group around everything: its inside is the chain
    top = [i for i in operators if tokens[i].depth == base]
    if not top:
        raise _error(text, f"{len(operators)} binary operators inside one function call or aggregation; at most "
                           f"{MAX_OPERATORS}: split it with recording rules")
    loosest = min(_PRECEDENCE[tokens[i].text] for i in top)
    splits = [i for i in top if _PRECEDENCE[tokens[i].text] == loosest]
    operands, joins = [], []
    # Operands go to the parser in short runs: a native call costs more than a short chain inside it, and a
    # long chain inside it costs quadratically.
    group_start, group_size, group_operators = 0, 0, 0
    start, start_of_join, pending_join = 0, 0, ""
    counted = set(operators)
    for index in [*splits, len(tokens)]:
        if start >= index:
            raise _error(text, "an operator without an operand")
        inside = sum(1 for i in range(start, index) if i in counted)
        if group_size and (group_size >= _RUN or group_operators + inside + 1 > MAX_OPERATORS):
            operands.append(_operand(expr, tokens[group_start:start_of_join]))
            joins.append(pending_join)
            group_start, group_size, group_operators = start, 0, 0
        group_size += 1
        group_operators += inside + (1 if group_size > 1 else 0)
        if index < len(tokens):
            start_of_join, start = index, _modifiers_end(tokens, index + 1)
            pending_join = " ".join(expr[tokens[index].start:tokens[start - 1].end].split())
    operands.append(_operand(expr, tokens[group_start:]))
    for join in set(joins):
        _parse_native(f"x {join} x")  # each operator with its modifiers, checked by the parser itself
    return Chain(tuple(operands), tuple(joins))


def _operand(expr: str, tokens: Sequence[_Token]) -> object:
    node = _parse_bounded(expr, tokens)
    if value_type(node) not in ("vector", "scalar"):
        operand = expr[tokens[0].start:tokens[-1].end]
        raise _error(operand, "binary expression must contain only scalar and instant vector types")
    return node


# Anything that could be (part of) a binary operator; each operator has at least one of these.
_OPERATOR_LIKE = re.compile(r"[-+*/%^<>=!]|(?i:\b(?:and|or|unless|atan2)\b)")


def _surely_bounded(expr: str) -> bool:
    """Whether expr is certainly within MAX_DEPTH and MAX_OPERATORS without lexing it: few enough brackets and
    operator-like characters in all (strings and comments included, so this only ever errs towards lexing)."""
    if "#" in expr or expr.count("(") + expr.count("[") + expr.count("{") > MAX_DEPTH:
        return False
    # k binary operators need k + 1 operands around them: at least 2k + 1 characters.
    return len(expr) <= 2 * MAX_OPERATORS + 1 or len(_OPERATOR_LIKE.findall(expr)) <= MAX_OPERATORS


@lru_cache(maxsize=4096)
def parse(expr: str) -> promql_parser.Expr:
    """The AST of expr, or ValueError quoting the expression and the parser's reason.

    Long top-level chains of binary operators come back as a `Chain` of separately parsed operands.
    """
    if len(expr) > MAX_LENGTH:
        raise ValueError(f"PromQL is {len(expr)} characters long; the limit is {MAX_LENGTH}")
    if "\x00" in expr:
        raise ValueError("PromQL contains a NUL character")
    if _surely_bounded(expr):
        try:  # the common case: one native call, without lexing the expression here first
            return promql_parser.parse(expr.strip(" \t\r\n"))
        except Exception:  # the way below words the error exactly as it always has
            pass
    tokens = _tokens(expr)
    if not tokens:
        return _parse_native(expr)
    return _parse_bounded(expr, tokens)  # type: ignore[return-value]


def selector_name(selector: promql_parser.VectorSelector) -> str | None:
    """The metric a selector picks, by name or by a {__name__="..."} equality matcher; None for a regex."""
    if selector.name:
        return selector.name
    for matcher in selector.matchers.matchers:
        if matcher.name == "__name__" and matcher.op == promql_parser.MatchOp.Equal:
            return matcher.value
    return None


def selected_metrics(expr: str) -> frozenset[str]:
    """Metric names that expr selects, by name or by a {__name__="..."} equality matcher."""
    return selected_in(parse(expr))


def selected_in(tree: promql_parser.Expr) -> frozenset[str]:
    """Metric names that a parsed expression selects (see selected_metrics)."""
    return frozenset(
        name for node in nodes(tree)
        if isinstance(node, promql_parser.VectorSelector) and (name := selector_name(node))
    )


def matcher_labels(expr: str, *, required: bool = False) -> frozenset[str]:
    """The labels expr's selectors match on (besides __name__); with `required`, only those a matched series must
    carry (a matcher that accepts the empty value, `!="x"` or `=~".*"`, also selects series without the label)."""
    return frozenset(
        matcher.name for node in nodes(parse(expr)) if isinstance(node, promql_parser.VectorSelector)
        for matcher in node.matchers.matchers
        if matcher.name != "__name__" and not (required and matcher_accepts(matcher, ""))
    )


def children(node: promql_parser.Expr) -> tuple[promql_parser.Expr, ...]:
    """The direct sub-expressions of node, in the order they are written."""
    if isinstance(node, promql_parser.BinaryExpr):
        return (node.lhs, node.rhs)
    if isinstance(node, promql_parser.AggregateExpr):
        return (node.expr,) if node.param is None else (node.param, node.expr)
    if isinstance(node, promql_parser.Call):
        return tuple(node.args)
    if isinstance(node, promql_parser.ParenExpr | promql_parser.UnaryExpr | promql_parser.SubqueryExpr):
        return (node.expr,)
    if isinstance(node, promql_parser.MatrixSelector):
        return (node.vector_selector,)
    if isinstance(node, Chain):
        return node.operands  # type: ignore[return-value]
    return ()  # selectors and literals


def nodes(node: promql_parser.Expr) -> Iterator[promql_parser.Expr]:
    """node and every expression inside it, depth first, in the order they are written (no recursion)."""
    pending = [node]
    while pending:
        current = pending.pop()
        yield current
        pending.extend(reversed(children(current)))


def unwrap(node: promql_parser.Expr) -> promql_parser.Expr:
    """node without the parentheses around it."""
    while isinstance(node, promql_parser.ParenExpr):
        node = node.expr
    return node


def value_type(node: promql_parser.Expr) -> str:
    """What node evaluates to: 'vector' (instant), 'matrix' (range vector), 'scalar' or 'string'."""
    node = unwrap(node)
    if isinstance(node, promql_parser.MatrixSelector | promql_parser.SubqueryExpr):
        return "matrix"
    if isinstance(node, promql_parser.NumberLiteral):
        return "scalar"
    if isinstance(node, promql_parser.StringLiteral):
        return "string"
    if isinstance(node, promql_parser.UnaryExpr):
        return value_type(node.expr)
    if isinstance(node, promql_parser.Call):
        return str(node.func.return_type).rpartition(".")[2].lower()
    if isinstance(node, promql_parser.BinaryExpr | Chain):
        operands = (node.lhs, node.rhs) if isinstance(node, promql_parser.BinaryExpr) else node.operands
        return "vector" if any(value_type(o) == "vector" for o in operands) else "scalar"
    return "vector"  # selectors and aggregations


def check_instant(expr: str, kind: str | None = None) -> str:
    """expr if it evaluates to an instant vector or a scalar, as rules must; ValueError otherwise. `kind`: expr's
    value_type, when it is known (promql.text_facts)."""
    kind = value_type(parse(expr)) if kind is None else kind
    if kind == "matrix":
        raise ValueError("is a range vector, which a rule cannot evaluate (it fails at every evaluation): "
                         "wrap it in a function such as rate(...) or avg_over_time(...)")
    if kind == "string":
        raise ValueError("is a string; a rule needs an instant vector or a scalar")
    return expr


def matcher_accepts(matcher: promql_parser.Matcher, value: str) -> bool:
    """Whether matcher selects a series whose label holds value (regular expressions anchored, as in Prometheus;
    Go's syntax that monitoring.go_regexp cannot read counts as a match, so that nothing is judged on a guess)."""
    op = matcher.op
    if op in (promql_parser.MatchOp.Equal, promql_parser.MatchOp.NotEqual):
        return (value == matcher.value) == (op == promql_parser.MatchOp.Equal)
    try:
        found = go_regexp.anchored(matcher.value).match(value) is not None
    except re.error:
        return True
    return found == (op == promql_parser.MatchOp.Re)


_MATCH_OPS = {"MatchOp.Equal": "=", "MatchOp.NotEqual": "!=", "MatchOp.Re": "=~", "MatchOp.NotRe": "!~"}


def matcher_text(matcher: promql_parser.Matcher) -> str:
    """The matcher as PromQL, its value quoted again (the parser's own text leaves backslashes bare)."""
    value = matcher.value.replace("\\", "\\\\").replace('"', '\\"')
    return f'{matcher.name}{_MATCH_OPS[str(matcher.op)]}"{value}"'


def _accepts_one_of(matcher: promql_parser.Matcher, values: tuple[str, ...]) -> bool:
    """any(matcher_accepts(matcher, v) for v in values), by look-up where matcher allows (see NameIndex): a
    catalog may declare thousands of values for a label, and each of thousands of rules select one of them."""
    candidates = _index_of(values).candidates(matcher)
    return any(matcher_accepts(matcher, v) for v in (values if candidates is None else candidates))


_INDEXES: dict[int, tuple[tuple[str, ...], NameIndex]] = {}


def _index_of(values: tuple[str, ...]) -> NameIndex:
    """NameIndex(values), made once per tuple: kept by identity (the entry holds the tuple, so its id is not
    reused while the entry lasts), since hashing the tuple would cost as much as indexing it."""
    found = _INDEXES.get(id(values))
    if found is not None and found[0] is values:
        return found[1]
    return keep(_INDEXES, id(values), (values, NameIndex(values)), 4096)[1]


def unmatched_values(tree: promql_parser.Expr, metrics: Mapping[str, Mapping[str, tuple[str, ...]]],
                     unknown: str | None = None) -> Iterator[str]:
    """'matcher status=~"5.." of 'jobs_total' matches none of the values the catalog declares for label 'status'
    (ok, failed)' for every matcher in tree on a label whose values metrics (name -> label -> values) declares;
    a matcher whose value contains `unknown` (a stand-in for a value not known yet) is not judged."""
    for node in nodes(tree):
        if not isinstance(node, promql_parser.VectorSelector):
            continue
        name = selector_name(node)
        declared = metrics.get(name, {}) if name else {}
        for matcher in node.matchers.matchers:
            values = declared.get(matcher.name)
            if unknown is not None and unknown in matcher.value:
                continue
            if values and not _accepts_one_of(matcher, values):
                yield (f"matcher {matcher_text(matcher)} of {name!r} matches none of the values the catalog "
                       f"declares for label {matcher.name!r} ({', '.join(values)})")
