"""Prometheus rule files, one per service."""

from __future__ import annotations

from typing import Any

from monitoring.model.rules import Alert, RecordingRule, RuleGroup
from monitoring.model.service import Service
from monitoring.model.stack import Stack


def recording_rule(rule: RecordingRule) -> dict[str, Any]:
    data: dict[str, Any] = {"record": rule.name, "expr": rule.expr}
    if rule.labels:
        data["labels"] = dict(rule.labels)
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
        if isinstance(rule, Alert) else recording_rule(rule)
        for rule in group.rules
    ]
    return data


def render(stack: Stack, service: Service) -> dict[str, Any]:
    """The rule file of one service, as plain data; empty groups when it has no rules."""
    return {"groups": [rule_group(stack, service, group) for group in service.rule_groups]}
