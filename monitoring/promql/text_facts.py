"""What the model asks of a rule's expression (that it parses, what it evaluates to, the metrics it selects),
found once per text for the many expressions a large stack writes with other names.

    >>> facts('sum(rate(svc1_requests_total{job="svc1"}[5m]))')
    Facts(value_type='vector', selected=frozenset({'svc1_requests_total'}))
    >>> facts('sum(rate(svc2_requests_total{job="svc2"}[5m]))')   # not parsed: the first one's recipe
    Facts(value_type='vector', selected=frozenset({'svc2_requests_total'}))

The first expression of a key (`cuts.cut`: the text with its names and plain strings cut out) is parsed, and a
recipe kept: which cuts may hold other texts in the next expression of the key, and where the metrics it
selects are named. With the same key, the other cuts as written, and its own cuts equal exactly where the
first one's were, the next expression's tree is the first one's with other names and values in it: it parses
as that one did, evaluates to the same type, and selects the metrics named at the same places.

A cut may hold another text only where no text of that kind can change how the parser reads it:
- a word whose every occurrence in the first expression is a name in its tree (a metric's or a label's; not a
  keyword in its place), and that the parser reads alone as a metric name, in the first expression and in the
  next (a keyword of the parser's is not one, whichever version it is); with a colon only where the first
  word had one (a metric's place: a label name takes none), and not starting with "__" (`__name__` makes a
  matcher's value a metric name);
- a plain string whose every occurrence in the text is the value of an = or != matcher on a label other than
  __name__ (a regular expression must compile; a function's argument may have to be a label name), given in
  printable ASCII and empty exactly where the first one was (a selector needs a matcher that does not match
  the empty string).

Anything else is parsed each time, as is every expression of a text with strings that are not plain, `or`
inside braces, or a long chain of operators (`promql.Chain`), and every text longer than MAX_TEXT.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import NamedTuple

import promql_parser

from monitoring import promql
from monitoring.bounded import keep
from monitoring.promql.cuts import Cut, cut

MAX_RECIPES = 4096  # one per text of a key: a few hundred for real stacks; the oldest goes first
# Longer texts are parsed each time: a rule is rarely this long, and each recipe keeps its text as its key.
MAX_TEXT = 4096
MAX_WORDS = 65_536  # words the parser was asked about: a large stack's metric names
MAX_WORD = 200  # longer names are not replaced (an expression holding one is parsed), nor kept here
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_:]*\Z")
_PRINTABLE = re.compile(r"[ -~]*\Z")
_EQUALITY = frozenset({"MatchOp.Equal", "MatchOp.NotEqual"})


class Facts(NamedTuple):
    """What an expression evaluates to (promql.value_type) and the metric names it selects."""

    value_type: str
    selected: frozenset[str]


def facts(expr: str) -> Facts:
    """expr's facts; ValueError, as promql.parse words it, when expr does not parse."""
    last = _last
    if last is not None and last[0] == expr:  # a rule's validators ask twice in a row
        return last[1]
    found_cut = cut(expr) if len(expr) <= MAX_TEXT else None
    recipe = _recipes.get(found_cut.key) if found_cut is not None else None
    found = recipe.facts(found_cut) if recipe is not None and found_cut is not None else None
    if found is None:
        tree = promql.parse(expr)
        found = Facts(promql.value_type(tree), promql.selected_in(tree))
        if found_cut is not None and found_cut.key not in _recipes:
            keep(_recipes, found_cut.key, _Recipe.of(found_cut, tree, found), MAX_RECIPES)
    _remember(expr, found)
    return found


class _Recipe:
    """How the facts of an expression of one key follow from its cuts (see the module docstring)."""

    def __init__(self, first: Cut, kept: tuple[str | None, ...], found: Facts) -> None:
        self.words = first.words
        self.classes = _classes(first.texts)
        self.kept = kept  # per cut: the text it must hold, or None where another may stand
        self.colons = tuple(":" in text for text in first.texts)
        self.empty = tuple(text == "" for text in first.texts)
        self.value_type = found.value_type
        named_at = {text: i for i, text in reversed(list(enumerate(first.texts))) if kept[i] is None}
        self.selected_at = tuple(sorted(named_at[name] for name in found.selected if name in named_at))
        self.selected_as_written = frozenset(name for name in found.selected if name not in named_at)

    @classmethod
    def of(cls, first: Cut, tree: promql_parser.Expr, found: Facts) -> _Recipe | None:
        """The recipe of the first expression of a key, or None where its cuts' roles are not certain."""
        if not first.strings_plain or isinstance(tree, promql.Chain):
            return None
        as_values: Counter[str] = Counter()  # values of = and != matchers on labels other than __name__
        as_names: Counter[str] = Counter()  # names of metrics and labels, wherever the tree holds one
        for node in promql.nodes(tree):
            if isinstance(node, promql_parser.VectorSelector):
                matchers = node.matchers
                if matchers.or_matchers:
                    return None
                as_values.update(m.value for m in matchers.matchers
                                 if m.name != "__name__" and str(m.op) in _EQUALITY)
                as_names.update([node.name] if node.name else [])
                as_names.update(m.name for m in matchers.matchers)
            elif isinstance(node, promql_parser.AggregateExpr) and node.modifier is not None:
                as_names.update(node.modifier.labels)
            elif isinstance(node, promql_parser.BinaryExpr) and node.modifier is not None:
                matching = node.modifier.matching
                as_names.update([*(matching.labels if matching is not None else ()),
                                 *(node.modifier.group_labels or ())])
        pairs = list(zip(first.texts, first.words, strict=True))
        strings = Counter(text for text, word in pairs if not word)
        words = Counter(text for text, word in pairs if word)
        # A text is replaced only where each of its occurrences plays the one part: a word that is not a name
        # in the tree is a keyword in its place (one a newer parser may read alone as a metric name).
        kept = tuple(
            None if (as_names[text] == words[text] and _renamable_word(text) if word
                     else as_values[text] == strings[text] and _printable(text))
            else text
            for text, word in pairs)
        return cls(first, kept, found)

    def facts(self, other: Cut) -> Facts | None:
        """The facts of another expression of the key, or None where its cuts do not allow them."""
        if other.words != self.words or _classes(other.texts) != self.classes:
            return None
        checked: set[tuple[str, bool]] = set()  # one text may be a value in one place and a name in another
        for i, text in enumerate(other.texts):
            kept = self.kept[i]
            if kept is not None:
                if text != kept:
                    return None
            elif (text, self.words[i]) not in checked:
                checked.add((text, self.words[i]))
                if self.words[i]:
                    if not _renamable_word(text) or (":" in text and not self.colons[i]):
                        return None
                elif not _printable(text) or (text == "") != self.empty[i]:
                    return None
        texts = other.texts
        return Facts(self.value_type, self.selected_as_written.union(texts[i] for i in self.selected_at))


def _classes(texts: list[str]) -> tuple[int, ...]:
    """Which cuts hold equal texts: each text's index among the distinct texts, in order of first appearance."""
    seen: dict[str, int] = {}
    return tuple(seen.setdefault(text, len(seen)) for text in texts)


def _printable(text: str) -> bool:
    return _PRINTABLE.match(text) is not None


def _renamable_word(word: str) -> bool:
    """Whether the parser reads word alone as a metric name (not a keyword, a number or anything else)."""
    if len(word) > MAX_WORD or not _NAME.match(word) or word.startswith("__"):
        return False
    found = _words.get(word)
    if found is None:
        try:
            node = promql_parser.parse(word)
        except Exception:  # the parser raises a bare exception type of its own
            found = False
        else:
            found = isinstance(node, promql_parser.VectorSelector) and node.name == word
        keep(_words, word, found, MAX_WORDS)
    return found


_recipes: dict[str, _Recipe | None] = {}  # key -> recipe (None: parse each expression of the key)
_words: dict[str, bool] = {}
_last: tuple[str, Facts] | None = None


def _remember(expr: str, found: Facts) -> None:
    global _last
    _last = (expr, found)


def clear() -> None:
    """Forget every recipe and word (tests start from empty caches)."""
    global _last
    _recipes.clear()
    _words.clear()
    _last = None
