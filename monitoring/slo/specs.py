"""SLO specs of other tools read into SLO definitions: Sloth (prometheus/v1 and the PrometheusServiceLevel CRD).

Every field of a spec either maps onto the model or is named in an `InputFileError`: nothing is dropped
silently. `monitoring import-slo` writes the result as Python (`monitoring.slo.spec_python`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from monitoring import conventions
from monitoring.errors import DefinitionError, InputFileError
from monitoring.model.slo import SLO, AlertTier, SLOAlerting, WindowPolicy

SLOTH_VERSION = "prometheus/v1"
SLOTH_CRD = ("sloth.slok.dev/v1", "PrometheusServiceLevel")
SLOTH_WINDOWS = ("sloth.slok.dev/v1", "AlertWindows")
# Sloth's own alert labels; a spec label of one of our reserved names is kept under this prefix.
RENAMED_PREFIX = "spec_"


@dataclass
class ImportedService:
    """The SLOs of one service read from spec files, with the notes the Python module will carry."""

    service: str
    sources: list[str] = field(default_factory=list)
    slos: list[SLO] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class ImportedSpecs:
    """Everything read from the spec files: SLOs by service, and window policies by name."""

    services: dict[str, ImportedService] = field(default_factory=dict)
    policies: dict[str, WindowPolicy] = field(default_factory=dict)

    def service(self, name: str) -> ImportedService:
        return self.services.setdefault(name, ImportedService(name))


class _Spec:
    """A mapping from a spec with the path to it, so that every problem names file and field."""

    def __init__(self, path: Path, data: Any, where: str = "") -> None:
        if not isinstance(data, Mapping):
            raise InputFileError(f"{path}: {where or 'the document'} must be a mapping, not {type(data).__name__}")
        self.path, self.data, self.where = path, data, where
        self.used: set[str] = set()

    def _name(self, key: str) -> str:
        return f"{self.where}.{key}" if self.where else key

    def get(self, *keys: str, default: Any = None) -> Any:
        """The first of keys present (Sloth's CRD spells fields camelCase where prometheus/v1 uses snake_case)."""
        self.used.update(keys)
        return next((self.data[k] for k in keys if k in self.data), default)

    def require(self, *keys: str) -> Any:
        value = self.get(*keys)
        if value is None:
            raise self.error(f"{self._name(keys[0])} is required")
        return value

    def child(self, *keys: str) -> _Spec | None:
        value = self.get(*keys)
        return None if value is None else _Spec(self.path, value, self._name(keys[0]))

    def children(self, key: str) -> Iterator[_Spec]:
        value = self.get(key, default=[])
        if not isinstance(value, list):
            raise self.error(f"{self._name(key)} must be a list")
        for number, item in enumerate(value):
            yield _Spec(self.path, item, f"{self._name(key)}[{number}]")

    def error(self, problem: str) -> InputFileError:
        return InputFileError(f"{self.path}: {problem}")

    def unsupported(self, key: str, why: str) -> InputFileError:
        return self.error(f"{self._name(key)} is not supported: {why}")

    def done(self) -> None:
        """Every key was read: anything left is a feature this importer does not know, so it is named."""
        left = sorted(set(self.data) - self.used)
        if left:
            raise self.unsupported(left[0], "this importer does not know the field, and will not drop it")


def _labels(spec: _Spec, key: str, notes: list[str], keep: tuple[str, ...] = ()) -> dict[str, str]:
    """The labels under key; reserved names are kept under RENAMED_PREFIX with a note, except those in keep."""
    labels = spec.get(key, default={}) or {}
    if not isinstance(labels, Mapping):
        raise spec.error(f"{spec._name(key)} must be a mapping of label names to values")
    result = {}
    for name, value in labels.items():
        if str(name) in keep:
            result[str(name)] = str(value)
            continue
        name = str(name)
        if name in conventions.RESERVED_LABELS:
            notes.append(f"{spec._name(key)}: label {name} is reserved here; kept as {RENAMED_PREFIX}{name}")
            name = RENAMED_PREFIX + name
        result[name] = str(value)
    return result


def _sloth_tier(spec: _Spec | None, default_severity: str, notes: list[str]) -> AlertTier:
    if spec is None:
        return AlertTier(severity=default_severity)
    disabled = bool(spec.get("disable", default=False))
    labels = _labels(spec, "labels", notes, keep=("severity",))
    severity = labels.pop("severity", None) or default_severity
    annotations = dict(spec.get("annotations", default={}) or {})
    spec.done()
    return AlertTier(enabled=not disabled, severity=severity, labels=labels,
                     summary=annotations.pop("summary", None), title=annotations.pop("title", None),
                     annotations=annotations)


def _sloth_slo(service: str, common_labels: dict[str, str], spec: _Spec, notes: list[str]) -> SLO:
    name = str(spec.require("name"))
    sli = spec.child("sli")
    if sli is None:
        raise spec.error(f"{spec._name('sli')} is required")
    if sli.get("raw") is not None:
        raise sli.unsupported("raw", "an error-ratio query cannot be weighted by traffic; write events "
                              "(error_query and total_query) instead")
    if sli.get("plugin") is not None:
        raise sli.unsupported("plugin", "SLI plugins are Go code run by Sloth; write the plugin's queries as "
                              "events (error_query and total_query)")
    events = sli.child("events")
    if events is None:
        raise sli.error(f"{sli._name('events')} is required")
    errors, total = events.require("error_query", "errorQuery"), events.require("total_query", "totalQuery")
    events.done()
    sli.done()
    if spec.get("plugins") is not None:
        raise spec.unsupported("plugins", "SLO plugins are Go code run by Sloth")
    alerting = spec.child("alerting") or _Spec(spec.path, {}, spec._name("alerting"))
    annotations = dict(alerting.get("annotations", default={}) or {})
    shared_labels = _labels(alerting, "labels", notes)
    page = _sloth_tier(alerting.child("page_alert", "pageAlert"), "critical", notes)
    ticket = _sloth_tier(alerting.child("ticket_alert", "ticketAlert"), "warning", notes)
    slo_alerting = SLOAlerting(name=alerting.get("name"), page=page, ticket=ticket, labels=shared_labels,
                               summary=annotations.pop("summary", None), title=annotations.pop("title", None),
                               annotations=annotations)
    alerting.done()
    labels = {**common_labels, **_labels(spec, "labels", notes)}
    slo = SLO(name=name, service=service, objective=str(spec.require("objective")),
              description=str(spec.get("description", default="") or ""), labels=labels,
              sli={"type": "query", "errors": str(errors), "total": str(total)}, alerting=slo_alerting)
    spec.done()
    return slo


def _sloth_service(path: Path, spec: _Spec, result: ImportedSpecs) -> None:
    service = str(spec.require("service"))
    imported = result.service(service)
    imported.sources.append(path.name)
    common = _labels(spec, "labels", imported.notes)
    if spec.get("slo_plugins", "sloPlugins") is not None:
        raise spec.unsupported("slo_plugins", "SLO plugins are Go code run by Sloth")
    for slo_spec in spec.children("slos"):
        slo = _sloth_slo(service, common, slo_spec, imported.notes)
        if any(s.name == slo.name for s in imported.slos):
            raise slo_spec.error(f"slo {slo.name!r} of service {service!r} is defined twice "
                                 f"(also in {', '.join(imported.sources[:-1]) or path.name})")
        imported.slos.append(slo)
    spec.done()


def _sloth_windows(path: Path, spec: _Spec, result: ImportedSpecs) -> None:
    body = spec.child("spec")
    if body is None:
        raise spec.error("spec is required")
    period = str(body.require("sloPeriod"))
    rows = []
    for tier in ("page", "ticket"):
        tier_spec = body.child(tier)
        if tier_spec is None:
            raise body.error(f"spec.{tier} is required")
        for speed in ("quick", "slow"):
            row = tier_spec.child(speed)
            if row is None:
                raise tier_spec.error(f"spec.{tier}.{speed} is required")
            rows.append({"tier": tier, "long": str(row.require("longWindow")), "short": str(row.require("shortWindow")),
                         "budget_percent": str(row.require("errorBudgetPercent"))})
            row.done()
        tier_spec.done()
    body.done()
    spec.get("metadata")
    spec.done()
    result.policies[f"sloth_{period}"] = WindowPolicy(windows=tuple(rows))


def read(path: Path, result: ImportedSpecs) -> None:
    """Every document of a spec file into result; InputFileError naming the file and field of any problem."""
    try:
        documents = [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d is not None]
    except (OSError, UnicodeDecodeError) as exc:
        raise InputFileError(f"{path}: cannot be read ({exc})") from None
    except yaml.YAMLError as exc:
        raise InputFileError(f"{path}: not YAML ({str(exc).splitlines()[0]})") from None
    if not documents:
        raise InputFileError(f"{path}: holds no spec")
    for number, data in enumerate(documents):
        spec = _Spec(path, data, f"document {number + 1}" if len(documents) > 1 else "")
        spec.where = ""
        kind = (data.get("apiVersion"), data.get("kind"))
        try:
            if data.get("version") == SLOTH_VERSION:
                spec.get("version")
                _sloth_service(path, spec, result)
            elif kind == SLOTH_CRD:
                spec.get("apiVersion", "kind", "metadata")
                body = spec.child("spec")
                if body is None:
                    raise spec.error("spec is required")
                spec.done()
                _sloth_service(path, body, result)
            elif kind == SLOTH_WINDOWS:
                spec.get("apiVersion", "kind")
                _sloth_windows(path, spec, result)
            else:
                raise InputFileError(
                    f"{path}: document {number + 1} is not a spec this importer reads (version {SLOTH_VERSION!r}, "
                    f"or apiVersion/kind {'/'.join(SLOTH_CRD)} or {'/'.join(SLOTH_WINDOWS)}; found "
                    f"{data.get('version') or '/'.join(str(k) for k in kind if k) or 'neither'})")
        except InputFileError:
            raise
        except DefinitionError as exc:
            raise InputFileError(f"{path}: {exc}") from None


def read_files(paths: list[Path]) -> ImportedSpecs:
    result = ImportedSpecs()
    for path in paths:
        read(path, result)
    return result
