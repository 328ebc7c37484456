"""Block-style YAML as generate writes it, read without PyYAML: `load(text)` is yaml.safe_load(text), or None.

`validate` reads some forty generated YAML files. PyYAML costs more to import than libyaml takes to parse them,
and its constructor and implicit resolver run in Python for every node. The files are written in a narrow
subset (monitoring.output.yaml_writer: block mappings and sequences, plain, single-quoted and literal scalars,
two-space indentation, no comments past the header), which a line-by-line reader takes ~3x faster.

`load` answers only where it is sure to read exactly what yaml.safe_load reads; anything else (a tab, a
comment, a flow collection, an anchor, a tag, a double-quoted or folded scalar, a plain scalar that could
resolve to something other than a string, an int or a float it spells the same way, odd indentation, a
blank line between entries...) gives None, and the caller asks PyYAML, which then also reports whatever is
wrong with the text. tests/test_block_yaml.py compares it with PyYAML over out/ and over generated and
mutated documents.

    load("groups:\\n- name: api\\n  interval: 1m\\n")   # {'groups': [{'name': 'api', 'interval': '1m'}]}
    load("a: [1, 2]\\n")                                # None: a flow sequence, PyYAML's to read
"""

from __future__ import annotations

import re
from typing import Any

# Characters PyYAML refuses or treats specially anywhere in a stream: control characters, tab, CR, the BOM, the
# YAML 1.1 line breaks NEL/LS/PS, surrogates, U+FFFE/U+FFFF.
_UNSURE_CHARACTER = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufeff\ufffe\uffff\u2028\u2029]")
# Plain scalars that resolve to something other than a string: PyYAML's resolver looks at the first character.
_RESOLVING_FIRST = frozenset("yYnNtTfFoO~-+0123456789.<=")
_BOOL = {"yes": True, "Yes": True, "YES": True, "no": False, "No": False, "NO": False,
         "true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False,
         "on": True, "On": True, "ON": True, "off": False, "Off": False, "OFF": False}
_NULL = frozenset(("~", "null", "Null", "NULL"))
_INT = re.compile(r"-?(?:0|[1-9][0-9]{0,17})")  # the ints read here; any other int, float or timestamp is unsure
_FLOAT = re.compile(r"-?(?:0|[1-9][0-9]*)\.[0-9]+")
# PyYAML's implicit resolver patterns (yaml/resolver.py) for plain scalars that start with a digit, a sign or a
# dot, in one: what matches none of them is a string.
_NUMBER_OR_TIME = re.compile(r"""
    [-+]?[0-9][0-9_]*\.[0-9_]*(?:[eE][-+][0-9]+)? | \.[0-9][0-9_]*(?:[eE][-+][0-9]+)?
  | [-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]* | [-+]?\.(?:inf|Inf|INF) | \.(?:nan|NaN|NAN)
  | [-+]?0b[0-1_]+ | [-+]?0[0-7_]+ | [-+]?(?:0|[1-9][0-9_]*) | [-+]?0x[0-9a-fA-F_]+ | [-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+
  | [0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]
  | [0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?(?:[Tt]|[\ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?
    (?:[\ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?
""", re.X)
# A plain scalar may not start with an indicator (but '-' before a digit: a negative number).
_INDICATORS = frozenset("-?:,[]{}#&*!|>'\"%@`")
_MAX_KEY = 1000  # PyYAML's simple keys end at 1024 characters


class _Unsure(Exception):
    """The text is outside the subset read here: PyYAML decides."""


def load(text: str) -> Any:
    """The document of text as yaml.safe_load reads it, or None when this reader is not sure (then ask PyYAML;
    a document that is null is also None)."""
    if not text.endswith("\n") or _UNSURE_CHARACTER.search(text) or " \n" in text or "\n---" in text \
            or "\n..." in text:
        return None  # (a line that ends in a space, a document marker past the first line)
    lines = text.split("\n")
    lines.pop()  # the empty string after the last line break
    start = 0
    while start < len(lines) and lines[start].startswith("#"):
        start += 1  # the header comment
    if start == len(lines) or not lines[start] or lines[start].startswith(("---", "...", "%", " ")):
        return None
    reader = _Reader(lines, start)
    try:
        value = reader.node(0, lines[start])
    except _Unsure:
        return None
    return value if reader.i == len(lines) else None


def _is_entry(text: str) -> bool:
    """Whether text (a line from its indentation on) is a block sequence's entry."""
    return text[0] == "-" and (len(text) == 1 or text[1] == " ")


class _Reader:
    """Reads lines[i:], one block collection at a time; every method leaves i on the first line it did not read."""

    def __init__(self, lines: list[str], start: int) -> None:
        self.lines = lines
        self.i = start

    def _next(self) -> tuple[int, str]:
        """The indentation and the text of line i (-1 and "" past the end). An empty line is unsure: outside a
        literal scalar, this tool writes none."""
        if self.i == len(self.lines):
            return -1, ""
        line = self.lines[self.i]
        text = line.lstrip(" ")
        if not text:
            raise _Unsure
        return len(line) - len(text), text

    def node(self, indent: int, text: str) -> Any:
        """The block collection whose first line is line i, text from its indentation on."""
        return self.sequence(indent, text) if _is_entry(text) else self.mapping(indent, text)

    def sequence(self, indent: int, text: str) -> list[Any]:
        items = []
        while True:
            rest = text[2:]
            if not rest or rest[0] == " " or _is_entry(rest):
                raise _Unsure  # "-" alone, a nested "- - " entry, more than one space: not written here
            at = _key_end(rest)
            if at is None:
                self.i += 1
                items.append(self.value(rest, indent))
            else:  # "- key: value": a mapping, its keys one column right of the "- "
                items.append(self.mapping(indent + 2, rest, at))
            following, text = self._next()
            if following != indent or not _is_entry(text):
                if following > indent:
                    raise _Unsure
                return items

    def mapping(self, indent: int, text: str, at: int | None = None) -> dict[Any, Any]:
        """A block mapping at indent, its first entry's text from the indentation on (at: where its key ends)."""
        mapping: dict[Any, Any] = {}
        while True:
            if at is None:
                at = _key_end(text)
                if at is None:
                    raise _Unsure
            key = _plain(text[:at])
            self.i += 1
            if at + 1 < len(text):  # "key: value"
                rest = text[at + 2:]
                if rest[0] == " ":
                    raise _Unsure
                mapping[key] = self.value(rest, indent)
                following, text = self._next()
            else:  # "key:": the value is the block below, or null
                following, text = self._next()
                if following > indent:
                    mapping[key] = self.node(following, text)
                    following, text = self._next()
                elif following == indent and _is_entry(text):
                    mapping[key] = self.sequence(indent, text)  # PyYAML's sequence under a key, not indented
                    following, text = self._next()
                else:
                    mapping[key] = None
            if following != indent or _is_entry(text):
                if following > indent:
                    raise _Unsure
                return mapping  # the end of it (or an entry of the sequence it is an item of)
            at = None

    def value(self, text: str, parent: int) -> Any:
        """A scalar written after "key: " or "- " on line i - 1, in a collection at parent's indentation."""
        if text[0] == "|":
            return self.literal(text, parent)
        return _scalar(text)

    def literal(self, header: str, parent: int) -> str:
        """A literal block scalar ("|", "|-", "|+", with an optional indentation digit) from line i on."""
        chomp = header[-1] if header[-1] in "-+" else ""
        digits = header[1:len(header) - len(chomp)]
        if digits and not (len(digits) == 1 and digits in "123456789"):
            raise _Unsure
        lines = self.lines
        if self.i >= len(lines) or not lines[self.i]:
            raise _Unsure  # no text, or leading empty lines: PyYAML's indentation rules, not these
        first = lines[self.i]
        indent = parent + int(digits) if digits else len(first) - len(first.lstrip(" "))
        prefix = " " * indent
        if indent <= parent or not first.startswith(prefix):
            raise _Unsure
        end = self.i
        while end < len(lines) and (not lines[end] or lines[end].startswith(prefix)):
            end += 1
        last = end
        while not lines[last - 1]:
            last -= 1  # trailing empty lines: chomping decides
        if end < len(lines) and end > last and lines[end].startswith(" "):
            raise _Unsure  # empty lines, then a line indented less than the text: PyYAML's to judge
        text = "\n".join([line[indent:] for line in lines[self.i:last]])
        self.i = end
        if chomp == "-":
            return text
        if chomp == "+":
            return text + "\n" * (end - last + 1)
        return text + "\n"


def _key_end(text: str) -> int | None:
    """Where the ': ' (or the final ':') that ends a plain key is in text; None if text is no "key: ..." entry."""
    if text[0] in _INDICATORS:
        return None
    at = text.find(": ")
    if at < 0:
        at = len(text) - 1 if text[-1] == ":" else -1
    return at if 0 < at <= _MAX_KEY else None


def _scalar(text: str) -> Any:
    """A scalar written on one line: single-quoted, empty flow collections, or plain."""
    first = text[0]
    if first == "'":
        inner = text[1:-1]
        if len(text) < 2 or text[-1] != "'" or "'" in inner.replace("''", ""):
            raise _Unsure
        return inner.replace("''", "'")
    if text == "[]":
        return []
    if text == "{}":
        return {}
    return _plain(text)


def _plain(text: str) -> Any:
    """A plain scalar as PyYAML's implicit resolver and safe constructor read it, where that is certain."""
    first = text[0]
    if first in _INDICATORS and not (first == "-" and text[1:2].isdigit()):
        raise _Unsure
    if ": " in text or " #" in text or text[-1] in ": ":
        raise _Unsure
    if first not in _RESOLVING_FIRST:
        return text
    if text in _BOOL:
        return _BOOL[text]
    if text in _NULL:
        return None
    if first in "yYnNtTfFoO":
        return text  # a word that is none of those
    if first in "<=":
        raise _Unsure  # "<<" merges, "=" is a value: neither is read here
    if not _NUMBER_OR_TIME.fullmatch(text):
        return text
    if _INT.fullmatch(text):
        return int(text)
    if _FLOAT.fullmatch(text):
        return float(text)
    raise _Unsure
