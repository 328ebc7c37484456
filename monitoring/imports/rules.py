"""Prometheus rule files, plain or as PrometheusRule resources, to rule groups of model objects."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from monitoring import promql
from monitoring.errors import DefinitionError
from monitoring.imports import input_shapes
from monitoring.imports.findings import Findings
from monitoring.imports.redact import kept
from monitoring.imports.source import Mapping, SourceFile
from monitoring.imports.yaml_input import written, written_items
from monitoring.model.rules import SEVERITIES, Alert, RecordingRule, RuleGroup, VerbatimRule

_GROUP_KEYS = {"name", "interval", "rules"}
_RULE_KEYS = {"alert", "record", "expr", "for", "keep_firing_for", "labels", "annotations"}
_OWN_FIELDS = ("summary", "description", "runbook_url")


@dataclass
class RuleFile:
    """The rule groups of one input file, or of one PrometheusRule resource in it: one service."""

    name: str
    source: str
    groups: list[RuleGroup] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def is_rule_document(document: Any) -> bool:
    return isinstance(document, dict) and (
        "groups" in document or document.get("kind") in ("PrometheusRule", "List")
    )


def rule_files(source: SourceFile, findings: Findings, alert_names: set[str]) -> list[RuleFile]:
    """One RuleFile per PrometheusRule resource of source, as Kubernetes reads every document of a manifest; a
    plain rule file is its first document only, as Prometheus and promtool read it (the others are named in a
    warning)."""
    found = []
    documents = source.documents
    if documents and isinstance(documents[0], dict) and documents[0].get("kind") not in ("PrometheusRule", "List"):
        source.only_first_document(findings, "Prometheus")
        documents = documents[:1]
    for document in documents:
        if not isinstance(document, dict):
            raise source.error(getattr(document, "line", 1), "not a rule file: expected 'groups' or a PrometheusRule")
        resources = [document]
        if document.get("kind") == "List":
            input_shapes.check(source, document, input_shapes.RULE_LIST)
            resources = document.get("items") or []
        for resource in resources:
            input_shapes.check(source, resource, input_shapes.PROMETHEUS_RULE
                               if resource.get("kind") == "PrometheusRule" else input_shapes.RULE_FILE)
            found.append(_rule_file(source, resource, findings, alert_names))
    return found


def _rule_file(source: SourceFile, document: Any, findings: Findings, alert_names: set[str]) -> RuleFile:
    if document.get("kind") == "PrometheusRule":
        name = str(written(document.get("metadata") or {}, "name") or source.path.stem)
        groups = (document.get("spec") or {}).get("groups")
    elif "groups" in document:
        name, groups = source.path.name.split(".")[0], document["groups"]
    else:
        raise source.error(getattr(document, "line", 1), "not a rule file: expected 'groups' or a PrometheusRule")
    if not isinstance(groups, list):
        raise source.error(source_line(document, "groups"), "groups must be a list of rule groups")
    rule_file = RuleFile(name=name, source=source.name)
    for group in groups:
        rule_file.groups.append(_group(source, group, findings, alert_names, rule_file.notes))
    return rule_file


def source_line(mapping: Any, key: str | None = None) -> int:
    if isinstance(mapping, Mapping):
        return mapping.line_of(key) if key else mapping.line
    return 1


def _group(source: SourceFile, group: Any, findings: Findings, alert_names: set[str],
           notes: list[str]) -> RuleGroup:
    if not isinstance(group, dict) or not isinstance(group.get("name"), str) or not isinstance(
            group.get("rules"), list):
        raise source.error(source_line(group), "a rule group needs a name and a list of rules")
    for key in sorted(set(group) - _GROUP_KEYS):
        findings.unsupported(source.at(group, key), f"rule group {group['name']!r}: field {key!r}",
                             "kept as a comment in the module, not in the generated rules")
        notes.append(f"rule group {group['name']!r}: {key}: {kept(group[key], key)} (not imported)")
    rules = tuple(_rule(source, rule, group["name"], findings, alert_names) for rule in group["rules"])
    try:
        return RuleGroup(name=group["name"], interval=group.get("interval"), rules=rules)
    except DefinitionError as exc:
        raise source.error(source_line(group), str(exc)) from None


def _rule(source: SourceFile, rule: Any, group: str, findings: Findings,
          alert_names: set[str]) -> Alert | RecordingRule | VerbatimRule:
    if not isinstance(rule, dict) or ("alert" in rule) == ("record" in rule) or "expr" not in rule:
        raise source.error(source_line(rule), f"rule group {group!r}: a rule needs expr and one of alert, record")
    where = source.at(rule)
    unknown = sorted(set(rule) - _RULE_KEYS)
    if unknown:
        raise source.error(source_line(rule, unknown[0]), f"rule {rule.get('alert') or rule.get('record')!r}: "
                                                            f"unknown field {unknown[0]!r}")
    _refuse_null(source, rule, group)
    expr = str(written(rule, "expr"))
    try:
        promql.parse(expr)
    except ValueError as exc:
        raise source.error(source_line(rule, "expr"), str(exc)) from None
    # Prometheus reads these, and label and annotation values, as written: `page: yes` is "yes", not true. A null
    # `for`, `keep_firing_for`, labels or annotations it reads as Go's zero value: none.
    data = {k: _text(written(rule, k)) if k in ("alert", "record", "for", "keep_firing_for")
            else written_items(v) if k in ("labels", "annotations") and isinstance(v, dict) else v
            for k, v in rule.items() if v is not None}
    data["expr"] = expr
    modelled, reason = _modelled(data, alert_names)
    if modelled is not None:
        if isinstance(modelled, Alert):
            alert_names.add(modelled.name)
        return modelled
    findings.unsupported(where, f"{'alert' if 'alert' in rule else 'record'} {data.get('alert') or data['record']!r}: "
                                f"{reason}", "kept as a VerbatimRule")
    try:
        return VerbatimRule(**{("for_" if k == "for" else k): v for k, v in data.items()})
    except DefinitionError as exc:
        raise source.error(source_line(rule), str(exc)) from None


def _text(value: Any) -> str:
    return str(value)


# A rule's fields that Prometheus needs as text: null there is no value the model can hold.
_REQUIRED_TEXT = {"alert": "an alert name", "record": "a series name", "expr": "a PromQL expression"}


def _refuse_null(source: SourceFile, rule: Any, group: str) -> None:
    """A null alert, record or expr is refused with its line: PyYAML reads it as None, which must never become
    the text 'None'. (promtool reads the scalar's text instead: `expr: null` selects a metric named null, `~`
    does not parse; either way the rule is not what its author wrote, so it is refused: quote the word null if
    that is what is meant.)"""
    for key, what in _REQUIRED_TEXT.items():
        if key in rule and rule[key] is None:
            name = next((rule[k] for k in ("alert", "record") if rule.get(k) is not None), None)
            named = f"rule {name!r}" if name is not None else f"a rule of group {group!r}"
            raise source.error(source_line(rule, key), f"{named}: {key} is null, where Prometheus needs {what}: "
                                                       "write it (quoted, if it is the word null)")


def _modelled(data: dict[str, Any], alert_names: set[str]) -> tuple[Alert | RecordingRule | None, str]:
    """The rule as an Alert or RecordingRule, or None and why it does not fit the model's conventions."""
    labels = {str(k): str(v) for k, v in (data.get("labels") or {}).items()}
    if "record" in data:
        try:
            return RecordingRule(record=data["record"], expr=data["expr"], labels=labels), ""
        except DefinitionError as exc:
            return None, _reason(exc)
    annotations = {str(k): str(v) for k, v in (data.get("annotations") or {}).items()}
    name = data["alert"]
    if name in alert_names:
        return None, "an alert of this name is already imported (the model wants unique alert names)"
    severity = labels.pop("severity", None)
    if severity not in SEVERITIES:
        return None, f"severity {severity!r} is not one of {', '.join(SEVERITIES)}"
    own = {key: annotations.pop(key, None) for key in _OWN_FIELDS}
    if not own["summary"] or not own["description"]:
        return None, "the model wants a summary and a description annotation"
    try:
        return Alert(name=name, expr=data["expr"], for_=data.get("for"), keep_firing_for=data.get("keep_firing_for"),
                     severity=severity, labels=labels, annotations=annotations, **own), ""
    except DefinitionError as exc:
        return None, _reason(exc)


def _reason(exc: DefinitionError) -> str:
    return exc.problem

