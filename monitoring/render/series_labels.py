"""Label sets for synthetic test series: the smallest set that a PromQL selector selects (or does not).

Prometheus anchors regular expressions; a missing label matches as the empty string. Regex examples come from
Python's own regex parser: the first branch of an alternation, the lowest value of a range, the minimum number
of repeats.
"""

from __future__ import annotations

import re
import re._constants as _sre  # type: ignore[import-not-found]  # Python's regex parser (3.11+)
import re._parser as _sre_parse  # type: ignore[import-not-found]
from dataclasses import dataclass
from functools import lru_cache

import promql_parser

from monitoring import go_regexp, promql

# Values tried, in order, where a label only has to avoid something.
FILLERS = ("", "synthetic", "0", "x")


@dataclass(frozen=True)
class Matcher:
    name: str
    op: str  # =, !=, =~, !~
    value: str

    def matches(self, value: str) -> bool:
        if self.op == "=":
            return value == self.value
        if self.op == "!=":
            return value != self.value
        found = go_regexp.anchored(self.value).match(value) is not None
        return found if self.op == "=~" else not found


# MatchOp members are not hashable: look them up by their string form.
_OPS = {"MatchOp.Equal": "=", "MatchOp.NotEqual": "!=", "MatchOp.Re": "=~", "MatchOp.NotRe": "!~"}


def parse_selector(text: str) -> tuple[str, tuple[Matcher, ...]]:
    """(metric name, matchers other than the name) of a vector selector."""
    node = promql.parse(text)
    if not isinstance(node, promql_parser.VectorSelector):
        raise ValueError(f"{text!r} is not a vector selector")
    name = node.name or ""
    matchers = []
    for m in node.matchers.matchers:
        op = _OPS[str(m.op)]
        if m.name == "__name__" and op == "=":
            name = m.value
            continue
        matchers.append(Matcher(m.name, op, m.value))
    return name, tuple(matchers)


def selects(matchers: tuple[Matcher, ...], labels: dict[str, str]) -> bool:
    return all(m.matches(labels.get(m.name, "")) for m in matchers)


@lru_cache(maxsize=4096)
def regex_example(pattern: str) -> str | None:
    """A short string the anchored pattern matches, or None if none was found (kept: many selectors of a large
    stack share their regexes)."""
    try:
        parsed = _sre_parse.parse(go_regexp.translate(pattern, angle_names=False))  # Go's syntax, in Python's
        text = _example(list(parsed))
        return text if go_regexp.anchored(pattern).match(text) else None
    except (re.error, _Unsupported, IndexError, TypeError, ValueError):
        return None


class _Unsupported(Exception):
    pass


def _example(items: list) -> str:  # type: ignore[type-arg]
    out = []
    for op, arg in items:
        if op == _sre.LITERAL:
            out.append(chr(arg))
        elif op == _sre.NOT_LITERAL:
            out.append("a" if chr(arg) != "a" else "b")
        elif op == _sre.ANY:
            out.append("a")
        elif op == _sre.IN:
            out.append(_in_example(arg))
        elif op == _sre.BRANCH:
            out.append(_example(list(arg[1][0])))
        elif op == _sre.SUBPATTERN:
            out.append(_example(list(arg[-1])))
        elif op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT):
            low, _, item = arg
            out.append(_example(list(item)) * low)
        elif op == _sre.AT:
            continue
        else:
            raise _Unsupported(str(op))
    return "".join(out)


def _in_example(items: list) -> str:  # type: ignore[type-arg]
    if items and items[0][0] == _sre.NEGATE:
        excluded = items[1:]
        for candidate in "a0_xZ-":
            if not any(_in_item_matches(item, candidate) for item in excluded):
                return candidate
        raise _Unsupported("negated set")
    op, arg = items[0]
    if op == _sre.LITERAL:
        return chr(arg)
    if op == _sre.RANGE:
        return chr(arg[0])
    if op == _sre.CATEGORY:
        return {_sre.CATEGORY_DIGIT: "0", _sre.CATEGORY_SPACE: " "}.get(arg, "a")
    raise _Unsupported(str(op))


def _in_item_matches(item: tuple, char: str) -> bool:  # type: ignore[type-arg]
    op, arg = item
    if op == _sre.LITERAL:
        return chr(arg) == char
    if op == _sre.RANGE:
        return arg[0] <= ord(char) <= arg[1]
    return True  # categories: assume the worst


def _candidates(matchers: list[Matcher]) -> list[str]:
    """Values to try for one label: what equality or a regex demands, else fillers."""
    for m in matchers:
        if m.op == "=":
            return [m.value]
    values: list[str] = []
    for m in matchers:
        if m.op == "=~":
            example = regex_example(m.value)
            if example is not None:
                values.append(example)
    values.extend(FILLERS)
    for m in matchers:  # what a negative matcher names is a value a *different* selector may need
        if m.op in ("!=", "!~"):
            example = m.value if m.op == "!=" else regex_example(m.value)
            if example is not None:
                values.append(example)
    return list(dict.fromkeys(values))


def example_labels(include: tuple[Matcher, ...], exclude: tuple[Matcher, ...] | None = None) -> dict[str, str] | None:
    """Labels that every matcher of include selects and, if given, the matchers of exclude do not."""
    names = sorted({m.name for m in include} | {m.name for m in exclude or ()})
    options = {}
    for name in names:
        own = [m for m in include if m.name == name]
        wanted = _candidates(own) + _candidates([m for m in exclude or () if m.name == name])
        options[name] = [v for v in dict.fromkeys(wanted) if all(m.matches(v) for m in own)]
        if not options[name]:
            return None
    labels = {name: values[0] for name, values in options.items()}
    if exclude is None or not selects(exclude, labels):
        return _present(labels)
    # Change one label at a time until the exclude selector no longer selects.
    for name in names:
        for value in options[name][1:]:
            trial = {**labels, name: value}
            if not selects(exclude, trial):
                return _present(trial)
    return None


def _present(labels: dict[str, str]) -> dict[str, str]:
    """Empty values mean 'no such label'."""
    return {k: v for k, v in labels.items() if v != ""}


def series_text(name: str, labels: dict[str, str]) -> str:
    """metric{a="1", b="2"} with labels sorted and values escaped as PromQL strings."""
    return sorted_series_text(name, sorted(labels.items()))


def sorted_series_text(name: str, labels: list[tuple[str, str]]) -> str:
    """series_text of labels already sorted by name."""
    if not labels:
        return name
    body = ", ".join(f'{k}="{_escape(v)}"' for k, v in labels)
    return f"{name}{{{body}}}"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
