"""An expression's text with its names and plain strings cut out: a key shared by the expressions a large stack
writes for each service with other names.

    >>> cut('up{job="svc1"} == 0')
    Cut(key='\\x01{\\x01=\\x01"} == 0', texts=['up', 'job', 'svc1'], words=(True, True, False), strings_plain=True)

Kept in the key as written: keywords and aggregations (case-insensitive, as Prometheus reads them), words
before "(" (functions), numbers (a duration is one: 5m), comments and strings that are not plain (a backslash,
backticks). A plain string (quoted, no backslash: its text is its value) is cut, its opening quote kept, and
so is any other word (a metric or a label name). What each cut is in the expression (a name, a matcher's value,
an argument) is for its user to find in the tree of one expression of the key.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from monitoring.promql.lexemes import NUMBER, STRING, WORD

RESERVED = frozenset({
    "and", "or", "unless", "atan2", "by", "without", "on", "ignoring", "group_left", "group_right", "bool",
    "offset", "start", "end", "inf", "nan", "sum", "avg", "count", "min", "max", "group", "stddev", "stdvar",
    "topk", "bottomk", "count_values", "quantile", "limitk", "limit_ratio",
})
# Comments, plain strings, other strings, numbers, words. A plain string is tried before any string; a word
# is atomic, so that a function's name is not cut short.
_CUTS = re.compile(rf"""(\#[^\n]*)|("[^"\\\n]*"|'[^'\\\n]*')|({STRING})|({NUMBER})|((?>{WORD}))(?!\s*\()""")
CUT = "\x01"  # where a name or a plain string was cut out (no PromQL text contains it: the key would differ)
_NOT_CUT = ("\x00", CUT)  # texts holding these have no key: NUL is refused, and the mark would be ambiguous


class Cut(NamedTuple):
    """An expression's key, what was cut out of it in order, whether each cut is a word rather than a plain
    string, and whether its every string was plain (and cut)."""

    key: str
    texts: list[str]
    words: tuple[bool, ...]
    strings_plain: bool


def cut(expr: str) -> Cut | None:
    """The expression with its names and plain strings cut out; None for a text the cuts cannot describe."""
    if any(mark in expr for mark in _NOT_CUT):
        return None
    texts: list[str] = []
    words: list[bool] = []
    other_strings = False

    def one(match: re.Match[str]) -> str:
        nonlocal other_strings
        word, plain = match.group(5), match.group(2)
        if word is not None and word.lower() not in RESERVED:
            texts.append(word)
            words.append(True)
            return CUT
        if plain is not None:
            texts.append(plain[1:-1])
            words.append(False)
            return CUT + plain[0]
        other_strings = other_strings or match.group(3) is not None
        return match.group()

    return Cut(_CUTS.sub(one, expr), texts, tuple(words), not other_strings)
