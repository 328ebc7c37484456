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
# is atomic, so that a function's name is not cut short. The lookahead names every character a match can start
# with: at any other (a space, an operator, a bracket) the five are not tried one by one, which halves the split.
_CUTS = re.compile(rf"""(?=[#"'`0-9.a-zA-Z_:])"""
                   rf"""(?:(\#[^\n]*)|("[^"\\\n]*"|'[^'\\\n]*')|({STRING})|({NUMBER})|((?>{WORD}))(?!\s*\())""")
CUT = "\x01"  # where a name or a plain string was cut out (no PromQL text contains it: the key would differ)


class Cut(NamedTuple):
    """An expression's key, what was cut out of it in order, whether each cut is a word rather than a plain
    string, and whether its every string was plain (and cut)."""

    key: str
    texts: list[str]
    words: tuple[bool, ...]
    strings_plain: bool


def cut(expr: str) -> Cut | None:
    """The expression with its names and plain strings cut out; None for a text the cuts cannot describe."""
    if "\x00" in expr or CUT in expr:  # no key: NUL is refused, and the mark would be ambiguous
        return None
    # One split, no callback per match: every model's expression comes here. The parts are the text before the
    # first match, then per match its five groups (one of them set; none matches empty) and the text after it.
    parts = _CUTS.split(expr)
    texts: list[str] = []
    words: list[bool] = []
    pieces: list[str] = []
    other_strings = False
    for at in range(1, len(parts), 6):
        pieces.append(parts[at - 1])
        comment, plain, string, number, word = parts[at:at + 5]
        if word is not None:
            if word.lower() in RESERVED:
                pieces.append(word)
            else:
                texts.append(word)
                words.append(True)
                pieces.append(CUT)
        elif plain is not None:
            texts.append(plain[1:-1])
            words.append(False)
            pieces.append(CUT + plain[0])
        else:
            other_strings = other_strings or string is not None
            pieces.append(comment or string or number)
    pieces.append(parts[-1])
    return Cut("".join(pieces), texts, tuple(words), not other_strings)
