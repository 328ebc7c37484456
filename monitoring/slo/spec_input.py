"""Reading SLO spec files of other tools: YAML documents that remember the line of every field, and a reader that
names the file, the line and the field of every problem.

Every spec reader (`specs` for Sloth, `openslo_specs`, `pyrra_specs`) walks its documents through `Spec`: a field
is either read (and so maps onto the model) or named in an `InputFileError` by `Spec.done()`. Nothing is dropped
silently; what maps only approximately is written down as a note, which `import-slo` prints as a warning and keeps
in the generated module's docstring.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from monitoring.errors import DefinitionError, InputFileError
from monitoring.imports.yaml_input import UnreadableInput, parse_yaml, written, written_items
from monitoring.model.base import Model
from monitoring.model.slo import SLO, WindowPolicy
from monitoring.slo.naming import NAMINGS, NamingStyle

M = TypeVar("M", bound=Model)


@dataclass
class ImportedService:
    """The SLOs of one service read from spec files, with the notes the Python module will carry."""

    service: str
    sources: list[str] = field(default_factory=list)
    slos: list[SLO] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, slo: SLO, spec: Spec) -> None:
        if any(s.name == slo.name for s in self.slos):
            raise spec.error(f"slo {slo.name!r} of service {self.service!r} is defined twice "
                             f"(also in {', '.join(self.sources[:-1]) or spec.path.name})")
        self.slos.append(slo)


@dataclass
class ImportedSpecs:
    """Everything read from the spec files: SLOs by service, and window policies by name."""

    services: dict[str, ImportedService] = field(default_factory=dict)
    policies: dict[str, WindowPolicy] = field(default_factory=dict)
    naming: NamingStyle = "default"  # the naming every imported SLO gets (Sloth's keeps Sloth's labels working)
    sloth_period: str = "30d"  # the period of every Sloth SLO (Sloth's --default-slo-period), in days
    unused: list[str] = field(default_factory=list)  # what was read but belongs to no SLO (warnings only)

    @property
    def reserved(self) -> tuple[str, ...]:
        """Labels the imported SLOs set themselves: a spec label of one of these names is renamed."""
        return NAMINGS[self.naming].reserved

    def service(self, name: str, source: str | None = None) -> ImportedService:
        imported = self.services.setdefault(name, ImportedService(name))
        if source is not None and source not in imported.sources:
            imported.sources.append(source)
        return imported

    @property
    def notes(self) -> list[str]:
        """Every warning: each service's notes, then what no SLO used."""
        return [*(note for service in self.services.values() for note in dict.fromkeys(service.notes)),
                *self.unused]


def load_documents(path: Path) -> list[Any]:
    """The non-empty YAML documents of a file; InputFileError naming the file (and line) when it cannot be read."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputFileError(f"{path}: cannot be read ({exc})") from None
    try:
        documents = parse_yaml(text, invalid="not YAML")
    except UnreadableInput as exc:
        raise InputFileError(f"{f'{path}:{exc.line}' if exc.line else path}: {exc.problem}") from None
    if not documents:
        raise InputFileError(f"{path}: holds no spec")
    return [document.data for document in documents]


class Spec:
    """A mapping from a spec with its path in the document, so that every problem names file, line and field."""

    def __init__(self, path: Path, data: Any, where: str = "", line: int = 0) -> None:
        self.path, self.where = path, where
        self.line = getattr(data, "line", 0) or line
        if not isinstance(data, Mapping):
            raise InputFileError(f"{self.at()}: {where or 'the document'} must be a mapping, not "
                                 f"{type(data).__name__}")
        self.data = data
        self.used: set[str] = set()

    def at(self, key: str | None = None) -> str:
        """'file:line' of key (or of this mapping)."""
        line = getattr(self.data, "key_lines", {}).get(key, self.line) if key is not None else self.line
        return f"{self.path}:{line}" if line else str(self.path)

    def name(self, key: str) -> str:
        return f"{self.where}.{key}" if self.where else key

    def get(self, *keys: str, default: Any = None) -> Any:
        """The first of keys present (Sloth's CRD spells fields camelCase where prometheus/v1 uses snake_case)."""
        self.used.update(keys)
        return next((self.data[k] for k in keys if k in self.data), default)

    def present(self, *keys: str) -> str | None:
        """The first of keys present in the mapping, without reading it."""
        return next((k for k in keys if k in self.data), None)

    def require(self, *keys: str) -> Any:
        value = self.get(*keys)
        if value is None:
            raise self.error(f"{self.name(keys[0])} is required")
        return value

    def text(self, *keys: str, default: str | None = None) -> str | None:
        """A scalar field as written (YAML reads 99.9 as a float, 2 as an int and `yes` as true; the tools, in Go,
        read the text into their string fields)."""
        value = self.get(*keys)
        if value is None:
            return default
        if isinstance(value, Mapping | list):
            raise self.error(f"{self.name(keys[0])} must be a single value, not a {type(value).__name__}",
                             key=keys[0])
        return str(written(self.data, self.present(*keys) or keys[0]))

    def need_text(self, *keys: str) -> str:
        """A required scalar field as written."""
        self.require(*keys)
        return str(self.text(*keys))

    def text_map(self, key: str) -> dict[str, Any]:
        """A mapping of names to strings (annotations), each scalar value as written."""
        value = self.get(key, default={}) or {}
        if not isinstance(value, Mapping):
            raise self.error(f"{self.name(key)} must be a mapping of names to values", key=key)
        return written_items(value)

    def child(self, *keys: str) -> Spec | None:
        value = self.get(*keys)
        key = self.present(*keys) or keys[0]
        return None if value is None else Spec(self.path, value, self.name(key), self._line(key))

    def need_child(self, *keys: str) -> Spec:
        child = self.child(*keys)
        if child is None:
            raise self.error(f"{self.name(keys[0])} is required")
        return child

    def children(self, key: str) -> Iterator[Spec]:
        value = self.get(key, default=[]) or []
        if not isinstance(value, list):
            raise self.error(f"{self.name(key)} must be a list", key=key)
        for number, item in enumerate(value):
            yield Spec(self.path, item, f"{self.name(key)}[{number}]", self._line(key))

    def _line(self, key: str) -> int:
        return getattr(self.data, "key_lines", {}).get(key, self.line)

    def error(self, problem: str, key: str | None = None) -> InputFileError:
        return InputFileError(f"{self.at(key)}: {problem}")

    def unsupported(self, key: str, why: str) -> InputFileError:
        return self.error(f"{self.name(key)} is not supported: {why}", key=key)

    def done(self) -> None:
        """Every key was read: anything left is a feature this importer does not know, so it is named."""
        left = sorted(str(k) for k in set(self.data) - self.used)
        if left:
            raise self.unsupported(left[0], "this importer does not know the field, and will not drop it")


def make(spec: Spec, model: type[M], **fields: Any) -> M:
    """model(**fields), or an InputFileError at the spec's file and line naming what the model refused."""
    try:
        return model(**fields)
    except DefinitionError as exc:
        raise spec.error(refused(exc)) from None


def refused(exc: DefinitionError) -> str:
    """What a model refused, without the constructor's place in this package's code (the spec's line is)."""
    return f"{exc.definition}: {exc.problem}" if exc.definition else exc.problem


def labels_of(spec: Spec, key: str, notes: list[str], reserved: tuple[str, ...], keep: tuple[str, ...] = (),
              prefix: str = "spec_") -> dict[str, str]:
    """The labels under key; reserved names are kept under prefix with a note, except those in keep."""
    labels = spec.get(key, default={}) or {}
    if not isinstance(labels, Mapping):
        raise spec.error(f"{spec.name(key)} must be a mapping of label names to values", key=key)
    result = {}
    for name, value in written_items(labels).items():
        if name in reserved and name not in keep:
            notes.append(f"{spec.name(key)}: label {name} is reserved here; kept as {prefix}{name}")
            name = prefix + name
        result[name] = str(value)
    return result


_DURATION = re.compile(r"\A(\d+)([mhdwMQY])\Z")
_DURATION_DAYS = {"d": 1, "w": 7}


def period_of(spec: Spec, key: str, text: str) -> str:
    """A rolling period in whole days ('28d') from a duration such as '4w', '2w' or '30d'; the error names key."""
    match = _DURATION.match(text.strip())
    if match is None or match.group(2) not in _DURATION_DAYS:
        raise spec.error(f"{spec.name(key)} {text!r} is not supported: a rolling period is a whole number of days "
                         "or weeks here, like '28d' or '4w'", key=key)
    return f"{int(match.group(1)) * _DURATION_DAYS[match.group(2)]}d"
