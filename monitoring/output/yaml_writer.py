"""Deterministic block-style YAML: PyYAML's spelling, without PyYAML's per-node Python overhead.

`pyyaml_dump` is the reference: PyYAML (libyaml when available), keys in the order the renderer built
them, multi-line strings as literal blocks, no line folding. `dump` writes the same bytes directly for
the shapes generated files use: mappings with string keys, lists, strings, numbers, booleans and None.
Anything it is not sure to spell exactly as PyYAML would (a key that needs quoting, a multi-line string
with blank or indented first lines) makes it hand the whole document to `pyyaml_dump`; single-line
strings that need quoting are asked of PyYAML one by one. Large stacks spend most of their generation
time here, which is why this exists.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import yaml

from monitoring.bounded import address as _address
from monitoring.units import FrozenDict

_STR_TAG = "tag:yaml.org,2002:str"
_TRAILING_SPACE = re.compile(r"[ \t]\n")
# libyaml's emitter is much faster than the pure-Python one and writes the same YAML.
_BaseDumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class _Dumper(_BaseDumper):  # type: ignore[misc,valid-type]
    def ignore_aliases(self, data: Any) -> bool:
        return True


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    # A literal block cannot keep spaces at the end of a line: such text is quoted, so it stays as it was.
    if "\n" in value and not _TRAILING_SPACE.search(value) and not value.endswith("\n\n"):
        return dumper.represent_scalar(_STR_TAG, value, style="|")
    return dumper.represent_scalar(_STR_TAG, value)


_Dumper.add_representer(str, _represent_str)
# A definition's labels or annotations, put in a document as they are: a mapping, as a dict is.
_Dumper.add_representer(FrozenDict, _BaseDumper.represent_dict)


def pyyaml_dump(data: Any, header: str = "") -> str:
    """The reference spelling, through PyYAML."""
    return header + yaml.dump(data, Dumper=_Dumper, sort_keys=False, default_flow_style=False,
                              allow_unicode=True, width=1_000_000)
_PRINTABLE_ASCII = re.compile(r"\A[\x20-\x7e]+\Z")
_RESOLVER = yaml.resolver.Resolver()
_LEADING_INDICATORS = frozenset("#,[]{}&*!|>'\"%@`")


class _Unsure(Exception):
    """The fast writer cannot promise PyYAML's exact spelling: use to_yaml."""


# The first characters of the plain scalars PyYAML may read as something else (a number, a bool, null...): it
# looks up its implicit resolvers by the first character, so a string starting with any other is a string.
_RESOLVED_FIRST = frozenset(_RESOLVER.yaml_implicit_resolvers) if None not in _RESOLVER.yaml_implicit_resolvers \
    else None


def _resolves_to_str(value: str) -> bool:
    if _RESOLVED_FIRST is not None and value and value[0] not in _RESOLVED_FIRST:
        return True
    return _RESOLVER.resolve(yaml.ScalarNode, value, (True, False)) == _STR_TAG


@lru_cache(maxsize=65_536)
def _plain_ok(value: str) -> bool:
    """Would PyYAML write this single-line string plain in block context? (Its analyze_scalar, for ASCII.)"""
    if not _PRINTABLE_ASCII.match(value) or value[0] == " " or value[-1] == " ":
        return False
    if value.startswith(("---", "...")) or value[0] in _LEADING_INDICATORS:
        return False
    if value[0] in "?:-" and (len(value) == 1 or value[1] == " "):
        return False
    if ": " in value or value.endswith(":") or " #" in value:
        return False
    return _resolves_to_str(value)


@lru_cache(maxsize=65_536)
def _quoted(value: str) -> str:
    """A single-line string as PyYAML writes it as a mapping value (quoted, or plain with non-ASCII).

    Printable ASCII that cannot be plain is always single-quoted by PyYAML (its analyze_scalar allows single
    quotes for any such line, and no line is ever folded at our width), with each quote doubled."""
    if not value:
        return "''"
    if _PRINTABLE_ASCII.match(value):
        return "'" + value.replace("'", "''") + "'"
    text = pyyaml_dump({"k": value})
    if not text.startswith("k: ") or text.count("\n") != 1:
        raise _Unsure(value)
    return text[3:-1]


def _string(value: str) -> str:
    return value if _plain_ok(value) else _quoted(value)


class NotOneLine(ValueError):
    """A multi-line string, which YAML writes as a block where it sits, was asked for as a one-line scalar."""


@lru_cache(maxsize=65_536)  # the generated tests ask for the same eval_time and values texts again and again
def one_line(value: str) -> str:
    """A one-line string as `dump` spells it as a mapping value or a list item (NotOneLine for a multi-line
    one)."""
    if "\n" in value:
        raise NotOneLine(value)
    try:
        return _string(value)
    except _Unsure:  # PyYAML's spelling of it, alone in a document: the same wherever it sits
        return pyyaml_dump({"k": value})[3:-1]


def _scalar(value: Any) -> str:
    if isinstance(value, str):
        return _string(value)
    if value is True or value is False:
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _float(value)
    raise _Unsure(type(value).__name__)


def _float(value: float) -> str:
    if value != value or value in (float("inf"), float("-inf")):
        raise _Unsure("special float")
    text = repr(value).lower()
    return text.replace("e", ".0e", 1) if "." not in text and "e" in text else text


@lru_cache(maxsize=4096)
def _key(key: Any) -> str:
    if not isinstance(key, str) or not _plain_ok(key):
        raise _Unsure(f"key {key!r}")
    return key


def _literal(value: str, indent: str) -> str:
    """A multi-line string as pyyaml_dump writes it: a literal block that keeps the text exactly."""
    lines = value.splitlines()
    if (_TRAILING_SPACE.search(value) or value.endswith(("\n\n", " ", "\t")) or not lines
            or any(not line or not _PRINTABLE_ASCII.match(line) for line in lines) or lines[0][0] == " "):
        raise _Unsure("literal block")
    chomp = "" if value.endswith("\n") else "-"  # keep the text exactly: no newline added at the end
    return f"|{chomp}\n" + "".join(f"{indent}{line}\n" for line in lines)


# A list that appears several times in one document (the same object: a test file repeats one expected alert
# under every check that expects it) is written once per indentation and its text reused: (address of the list,
# indentation) -> its text. Addresses are stable while the document being dumped holds them. (Lists only:
# mappings are many.)
_Seen = dict[tuple[int, str], str]


def _mapping(data: dict[str, Any], indent: str, out: list[str], seen: _Seen, first_prefix: str | None = None
             ) -> None:
    """Keys at `indent`; the first line may carry a prefix instead (the '- ' of a list item)."""
    prefix = indent if first_prefix is None else first_prefix
    child = indent + "  "
    for key, value in data.items():
        head = prefix + _key(key) + ":"
        prefix = indent
        kind = type(value)
        if kind is str:
            out.append(head + " " + _literal(value, child) if "\n" in value else f"{head} {_string(value)}\n")
        elif kind is dict or kind is FrozenDict:  # a definition's labels, put in as they are
            if value:
                out.append(head + "\n")
                _mapping(value, child, out, seen)
            else:
                out.append(head + " {}\n")
        elif kind is list:
            if value:
                out.append(head + "\n")
                _reused(value, indent, out, seen, _sequence)  # PyYAML does not indent a list under a mapping key
            else:
                out.append(head + " []\n")
        else:
            out.append(f"{head} {_scalar(value)}\n")


# Lists are keyed by their address (see bounded.address): the document being dumped holds them alive.
def _reused(value: Any, indent: str, out: list[str], seen: _Seen, write: Any) -> None:
    key = (_address(value), indent)
    text = seen.get(key)
    if text is None:
        part: list[str] = []
        write(value, indent, part, seen)
        text = seen[key] = "".join(part)
    out.append(text)


def _sequence(data: list[Any], indent: str, out: list[str], seen: _Seen) -> None:
    for item in data:
        kind = type(item)
        if (kind is dict or kind is FrozenDict) and item:
            _mapping(item, indent + "  ", out, seen, first_prefix=indent + "- ")
        elif kind is dict or kind is FrozenDict or kind is list or (kind is str and "\n" in item):
            raise _Unsure("nested or empty container in a list")
        else:
            out.append(f"{indent}- {_scalar(item)}\n")


def dump(data: Any, header: str = "") -> str:
    """Exactly `pyyaml_dump(data, header)`, several times faster for documents of simple shapes."""
    if not isinstance(data, dict) or not data:  # an empty document is PyYAML's "{}"
        return pyyaml_dump(data, header)
    out = [header]
    try:
        _mapping(data, "", out, {})
    except _Unsure:
        return pyyaml_dump(data, header)
    return "".join(out)
