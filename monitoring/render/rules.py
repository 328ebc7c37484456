"""Prometheus rule files, one per service."""

from __future__ import annotations

from typing import Any

from monitoring.model.rules import Alert, RecordingRule, RuleGroup, VerbatimRule
from monitoring.model.service import Service
from monitoring.model.stack import Stack


def recording_rule(rule: RecordingRule) -> dict[str, Any]:
    data: dict[str, Any] = {"record": rule.name, "expr": rule.expr}
    if rule.labels:
        data["labels"] = dict(rule.labels)
    return data


def verbatim_rule(rule: VerbatimRule, service_labels: dict[str, str]) -> dict[str, Any]:
    data: dict[str, Any] = {"alert": rule.alert} if rule.alert else {"record": rule.record}
    data["expr"] = rule.expr
    for key in ("for_", "keep_firing_for"):
        if getattr(rule, key):
            data[key.rstrip("_")] = getattr(rule, key)
    labels = {**service_labels, **rule.labels} if rule.alert else dict(rule.labels)
    if labels:
        data["labels"] = labels
    if rule.annotations:
        data["annotations"] = dict(sorted(rule.annotations.items()))
    return data


def alerting_rule(alert: Alert, annotations: dict[str, str], labels: dict[str, str]) -> dict[str, Any]:
    data: dict[str, Any] = {"alert": alert.name, "expr": alert.expr}
    if alert.for_:
        data["for"] = alert.for_
    if alert.keep_firing_for:
        data["keep_firing_for"] = alert.keep_firing_for
    data["labels"] = labels
    data["annotations"] = annotations
    return data


def rule_group(stack: Stack, service: Service, group: RuleGroup) -> dict[str, Any]:
    data: dict[str, Any] = {"name": group.name}
    if group.interval:
        data["interval"] = group.interval
    data["rules"] = [
        alerting_rule(rule, stack.alert_annotations(service, rule), service.alert_labels(rule))
        if isinstance(rule, Alert)
        else verbatim_rule(rule, service.labels) if isinstance(rule, VerbatimRule) else recording_rule(rule)
        for rule in group.rules
    ]
    return data


def render(stack: Stack, service: Service) -> dict[str, Any]:
    """The rule file of one service, as plain data; empty groups when it has no rules."""
    return {"groups": [rule_group(stack, service, group) for group in service.rule_groups]}
