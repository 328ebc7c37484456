"""Names (scrape jobs, a label's declared values) found by what a label matcher can accept, by look-up.

Trying a matcher against every name is quadratic where each of thousands of selectors picks its own few of
thousands of names (each service its jobs, each alert its value). A matcher that names its values (`job="x"`,
`job=~"x|y"`) gives them; a pattern with a literal start (`job=~"api-.*"`) gives the names that start so. Only
a pattern without one (`job=~".*-api"`) or a negative matcher leaves every name to try.

    >>> index = NameIndex(("web", "api-2", "api-1"))
    >>> index.candidates(promql_parser.parse('up{job=~"api-.*"}').matchers.matchers[0])
    ('api-2', 'api-1')
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable
from functools import cached_property, lru_cache

import promql_parser

from monitoring import go_regexp

# A regular expression that is literal names, one or more joined by "|": it accepts those values and no other.
_LITERAL_NAMES = re.compile(r"[\w:/-]+(?:\|[\w:/-]+)*")
_REGEX_SYNTAX = frozenset("\\.^$*+?{}[]|()")
_REPEATS = frozenset("*+?{")


class NameIndex:
    """A set of names, to find those a matcher may accept without trying each (see the module docstring).

        jobs = NameIndex(stack_job_names)
        candidates = jobs.candidates(matcher)   # None: every name must be tried
    """

    def __init__(self, names: Iterable[str]) -> None:
        self.names = tuple(names)
        self._members = frozenset(self.names)

    def candidates(self, matcher: promql_parser.Matcher) -> tuple[str, ...] | None:
        """Every name matcher can accept (others besides, which matcher_accepts sorts out): those it names, in
        its order, or those its pattern starts as, in this index's order; None when only trying every name
        tells."""
        named = named_values(matcher)
        if named is not None:
            return tuple(name for name in named if name in self._members)
        prefix = literal_prefix(matcher)
        if not prefix:
            return None
        ordered = self._by_name
        at = bisect.bisect_left(ordered, prefix)
        starting = []
        while at < len(ordered) and ordered[at].startswith(prefix):
            starting.append(ordered[at])
            at += 1
        return tuple(sorted(starting, key=self._positions.__getitem__))

    @cached_property
    def _by_name(self) -> tuple[str, ...]:
        return tuple(sorted(self._members))

    @cached_property
    def _positions(self) -> dict[str, int]:
        return {name: at for at, name in reversed(list(enumerate(self.names)))}  # a repeated name: its first


def named_values(matcher: promql_parser.Matcher) -> tuple[str, ...] | None:
    """The only values matcher accepts, when it lists them (equality, or a regex of literal alternatives)."""
    if matcher.op == promql_parser.MatchOp.Equal:
        return (matcher.value,)
    if matcher.op == promql_parser.MatchOp.Re and _LITERAL_NAMES.fullmatch(matcher.value):
        return tuple(dict.fromkeys(matcher.value.split("|")))
    return None


def literal_prefix(matcher: promql_parser.Matcher) -> str:
    """What every value a `=~` matcher accepts starts with ("" when unknown, or for any other matcher): the
    literal characters its pattern starts with, up to its first piece of syntax (less the last one when the
    syntax repeats it). Prometheus anchors the pattern at both ends. A pattern that Python's re cannot read
    (RE2 syntax of its own), or an alternation outside any group, may accept values that start otherwise: ""."""
    pattern = matcher.value
    if matcher.op != promql_parser.MatchOp.Re or pattern[:1] in _REGEX_SYNTAX or not _readable(pattern) \
            or _alternates_outside_groups(pattern):
        return ""
    end = 0
    while end < len(pattern) and pattern[end] not in _REGEX_SYNTAX:
        end += 1
    if end < len(pattern) and pattern[end] in _REPEATS:
        end -= 1  # `ab*`: the b may be missing
    return pattern[:end]


@lru_cache(maxsize=4096)
def _readable(pattern: str) -> bool:
    try:
        go_regexp.anchored(pattern)
    except re.error:
        return False
    return True


def _alternates_outside_groups(pattern: str) -> bool:
    """Whether a `|` outside parentheses and character classes splits the pattern (`api.*|web`)."""
    depth, at, in_class = 0, 0, False
    while at < len(pattern):
        char = pattern[at]
        if char == "\\":
            at += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
            at += 1 + (pattern[at + 1:at + 2] == "^")
            at += pattern[at:at + 1] == "]"  # `[]...]` and `[^]...]`: a first `]` is a member
            continue
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "|" and depth == 0:
            return True
        at += 1
    return False
