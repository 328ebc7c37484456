"""YAML and JSON files of other tools, read as their own (Go) readers read them, with the line of every mapping and
key kept so that each problem names file:line.

`monitoring import` (rule files, prometheus.yml, alertmanager.yml, dashboards) and `monitoring import-slo` (Sloth,
OpenSLO, Pyrra) both read through here. Where PyYAML departs from Go's YAML packages, this reader follows Go:

- a key given twice in one mapping is an error, as promtool, Alertmanager and Sloth make it, not the last one winning;
- every mapping key is its source text (Go reads a key into a string field or map as written); a key that is itself
  a mapping or a list is refused;
- a scalar that YAML 1.1 resolves to something else than a string (`yes`, `on`, `0x10`, `1_000`, `1.50`) keeps its
  source text beside the value, in a mapping and in a list alike: Go puts that text into a string field (a label, a
  matcher, a name, a list of them) whatever the scalar resolves to, so `written` reads it there, while numeric and
  boolean fields keep the typed value;
- YAML 1.1's base-60 numbers are strings, as Go's readers have them: `18:30` is a time of day, not 1110, and
  `[1:5]` a range of days, not 65;
- nesting deeper than MAX_DEPTH, and aliases that expand a document to far more nodes than it holds (an alias bomb
  of a few hundred bytes expands to millions), are refused before anything is built from them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import yaml
from yaml.composer import ComposerError
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

# Rule files, Prometheus and Alertmanager configs, SLO specs and dashboards nest a few dozen levels at most; the
# bound also keeps the (recursive) composer well inside Python's recursion limit.
MAX_DEPTH = 200
# Aliases may expand a document to this many nodes whatever its size, and beyond that to this many times the
# nodes it holds: far above what anchors shared between routes or rules need, far below what a bomb reaches.
MIN_EXPANDED = 100_000
EXPANSION = 10

_TOO_DEEP = f"nested deeper than {MAX_DEPTH} levels: refused (the files this reads are a few levels deep)"
_MERGE_TAG = "tag:yaml.org,2002:merge"
_MAPPING_TAG = yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG
_SEQUENCE_TAG = yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG
# PyYAML's int and float patterns less their base-60 forms (`1:30`, `1:30.5`), which Go's YAML packages do not
# read as numbers.
_NUMBERS = {
    "tag:yaml.org,2002:int": re.compile(r"""^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)
                                           |[-+]?0x[0-9a-fA-F_]+)$""", re.X),
    "tag:yaml.org,2002:float": re.compile(r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?
                                             |\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?\.(?:inf|Inf|INF)
                                             |\.(?:nan|NaN|NAN))$""", re.X),
}


class Mapping(dict):  # type: ignore[type-arg]
    """A YAML mapping that remembers its own line, the line of each of its keys (1-based), and the source text of
    each value that is a scalar read as something else than a string."""

    line: int = 0
    key_lines: dict[str, int]
    texts: dict[str, str]

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)


class Sequence(list):  # type: ignore[type-arg]
    """A YAML list that remembers the source text of each item that is a scalar read as something else than a
    string, by index."""

    texts: dict[int, str]


def written(mapping: Any, key: str, default: Any = None) -> Any:
    """mapping[key] as a Go string field reads it: a scalar's source text (`yes`, `0x10` as written); a list as a
    list of strings reads it, each scalar item as written; a string, null or mapping as read; default where key
    is absent."""
    texts = getattr(mapping, "texts", None)
    if texts and key in texts:
        return texts[key]
    value = mapping.get(key, default)
    if isinstance(value, Sequence) and value.texts:
        return [value.texts.get(index, item) for index, item in enumerate(value)]
    return value


def written_items(mapping: Any) -> dict[str, Any]:
    """Every entry of a mapping whose values are strings to Prometheus (labels, annotations, match): each scalar
    value as written."""
    return {str(key): written(mapping, key) for key in mapping}


@dataclass
class Document:
    """One non-empty document of a file, and the line it starts on."""

    line: int
    data: Any


class UnreadableInput(Exception):
    """A file the reader refuses: the line (None where the parser names none) and why."""

    def __init__(self, line: int | None, problem: str) -> None:
        super().__init__(problem)
        self.line, self.problem = line, problem


class _Refusal(ComposerError):
    """A refusal of this reader, said as it is (PyYAML's own syntax errors are said as `not valid YAML (...)`)."""


def _refuse(node_or_mark: Any, problem: str) -> _Refusal:
    mark = getattr(node_or_mark, "start_mark", node_or_mark)
    return _Refusal(None, None, problem, mark)


class _Loader(yaml.SafeLoader):
    """PyYAML's safe loader, made to read as Go does (see the module's docstring)."""

    yaml_implicit_resolvers = {first: [(tag, _NUMBERS.get(tag, pattern)) for tag, pattern in resolvers]
                               for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0
        self._aliases: list[tuple[Any, Node]] = []  # (mark, the aliased node) of this document's aliases

    def compose_node(self, parent: Node | None, index: Any) -> Node:
        # Composing recurses once per level: the depth is refused here, long before Python's recursion limit.
        if self.check_event(yaml.AliasEvent):
            mark = self.peek_event().start_mark
            node = super().compose_node(parent, index)
            self._aliases.append((mark, node))
            return node
        if self._depth >= MAX_DEPTH:
            raise _refuse(self.peek_event().start_mark, _TOO_DEEP)
        self._depth += 1
        try:
            node = super().compose_node(parent, index)
        finally:
            self._depth -= 1
        if isinstance(node, MappingNode):
            _check_keys(node)
        return node

    def fetch_flow_collection_start(self, token_class: Any) -> None:
        # The scanner looks ahead at every open bracket, at a cost that grows with the nesting: a line of brackets
        # is refused here, before the composer meets it.
        if self.flow_level >= MAX_DEPTH:
            raise _refuse(self.get_mark(), _TOO_DEEP)
        super().fetch_flow_collection_start(token_class)

    def construct_document(self, node: Node) -> Any:
        _check_expansion(node, self._aliases)
        self._aliases = []
        return super().construct_document(node)


def _check_keys(node: MappingNode) -> None:
    """Keys are scalars, each given once (before merging: a key written beside `<<` overrides the merged one)."""
    seen: dict[str, int] = {}
    for key, _ in node.value:
        if not isinstance(key, ScalarNode):
            kind = "mapping" if isinstance(key, MappingNode) else "list"
            raise _refuse(key, f"a mapping key must be a single value, not a {kind}")
        if key.tag == _MERGE_TAG:
            continue
        line = key.start_mark.line + 1
        if key.value in seen:
            raise _refuse(key, f"mapping key {key.value!r} already defined at line {seen[key.value]}")
        seen[key.value] = line


def _children(node: Node) -> Iterator[Node]:
    if isinstance(node, SequenceNode):
        yield from node.value
    elif isinstance(node, MappingNode):
        for key, value in node.value:
            yield key
            yield value


def _check_expansion(root: Node, aliases: list[tuple[Any, Node]]) -> None:
    """Refuse a document whose aliases expand it to far more nodes than it holds. PyYAML builds an aliased node
    once and shares it, but whatever walks the result (the import, the Python it writes) meets every copy."""
    if not aliases:
        return
    sizes = _expanded_sizes(root)
    total, limit = sizes[id(root)], max(MIN_EXPANDED, EXPANSION * len(sizes))
    if total > limit:
        mark, _ = max(aliases, key=lambda alias: sizes.get(id(alias[1]), 0))
        raise _refuse(mark, f"aliases expand the document to {total} nodes, more than {limit} (it holds "
                            f"{len(sizes)}): refused")


def _expanded_sizes(root: Node) -> dict[int, int]:
    """The number of nodes under each node (by id) with every alias expanded; without recursion, as the
    document may be MAX_DEPTH deep."""
    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()  # on the path from the root: met again below itself, an alias holds itself
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, closing = stack.pop()
        if closing:
            open_nodes.discard(id(node))
            sizes[id(node)] = 1 + sum(sizes[id(child)] for child in _children(node))
        elif id(node) in open_nodes:
            raise _refuse(node, "an alias refers to a node that holds it: refused")
        elif id(node) not in sizes:
            open_nodes.add(id(node))
            stack.append((node, True))
            stack.extend((child, False) for child in _children(node) if id(child) not in sizes)
    return sizes


def _construct_mapping(loader: _Loader, node: MappingNode) -> Iterator[Mapping]:
    """A Mapping of the node; filled after it is yielded (as PyYAML's own mappings are), so that building nested
    mappings does not recurse."""
    mapping = Mapping()
    mapping.line, mapping.key_lines, mapping.texts = node.start_mark.line + 1, {}, {}
    yield mapping
    loader.flatten_mapping(node)  # `<<` merges
    for key_node, value_node in node.value:
        key = str(key_node.value)
        value = loader.construct_object(value_node)
        mapping[key] = value
        mapping.key_lines[key] = key_node.start_mark.line + 1
        if isinstance(value_node, ScalarNode) and value is not None and not isinstance(value, str):
            mapping.texts[key] = value_node.value
        else:
            mapping.texts.pop(key, None)  # a merged key given again


def _construct_sequence(loader: _Loader, node: SequenceNode) -> Iterator[Sequence]:
    """A Sequence of the node, filled after it is yielded (as _construct_mapping)."""
    sequence = Sequence()
    sequence.texts = {}
    yield sequence
    for index, item_node in enumerate(node.value):
        item = loader.construct_object(item_node)
        sequence.append(item)
        if isinstance(item_node, ScalarNode) and item is not None and not isinstance(item, str):
            sequence.texts[index] = item_node.value


_Loader.add_constructor(_MAPPING_TAG, _construct_mapping)
_Loader.add_constructor(_SEQUENCE_TAG, _construct_sequence)


def parse_yaml(text: str, invalid: str = "not valid YAML") -> list[Document]:
    """The non-empty documents of text; UnreadableInput with the line, and `invalid (why)` where text is not YAML."""
    loader = _Loader(text)
    documents = []
    try:
        while loader.check_data():
            line = loader.peek_event().start_mark.line + 1
            data = loader.get_data()
            if data is not None:
                documents.append(Document(line, data))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise UnreadableInput(mark.line + 1 if mark is not None else None,
                              problem if isinstance(exc, _Refusal) else f"{invalid} ({problem})") from None
    finally:
        loader.dispose()
    return documents


# JSON strings (skipped, as they may hold brackets) and brackets; the string pattern is the unrolled loop, linear
# even on a string that never ends.
_JSON_TOKEN = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]')


def parse_json(text: str) -> Any:
    """The JSON value of text; UnreadableInput with the line where it is not JSON or is nested too deep."""
    depth = 0
    for token in _JSON_TOKEN.finditer(text):
        first = token.group()[0]  # a bracket, or the quote a string starts with
        if first in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                raise UnreadableInput(text.count("\n", 0, token.start()) + 1, _TOO_DEEP)
        elif first in "]}":
            depth -= 1
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise UnreadableInput(exc.lineno, f"not valid JSON ({exc.msg})") from None
