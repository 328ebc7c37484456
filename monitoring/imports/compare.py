"""Semantic equality of rule files: what `monitoring import` promises to keep.

Two rule files are equal when they hold the same groups (name, interval) with the same rules in the same
order: kind and name, expressions compared as parsed ASTs, `for` and `keep_firing_for` as durations, labels
and annotations as string maps. Formatting, quoting and key order do not matter.
"""

from __future__ import annotations

from typing import Any

from monitoring import promql
from monitoring.units import duration_ms


def rule_groups(document: Any) -> list[dict[str, Any]]:
    """The groups of a plain rule file, a PrometheusRule resource or a List of them."""
    if not isinstance(document, dict):
        return []
    if document.get("kind") == "List":
        return [g for item in document.get("items") or [] for g in rule_groups(item)]
    if document.get("kind") == "PrometheusRule":
        return list((document.get("spec") or {}).get("groups") or [])
    return list(document.get("groups") or [])


def _duration(value: Any) -> int:
    return duration_ms(str(value)) if value else 0


def _strings(mapping: Any) -> dict[str, str]:
    return {str(k): str(v) for k, v in (mapping or {}).items()}


def _rule_key(rule: dict[str, Any]) -> tuple[Any, ...]:
    return (
        "alert" if "alert" in rule else "record",
        str(rule.get("alert") or rule.get("record")),
        repr(promql.parse(str(rule["expr"]))),
        _duration(rule.get("for")),
        _duration(rule.get("keep_firing_for")),
        _strings(rule.get("labels")),
        _strings(rule.get("annotations")),
    )


def differences(before: list[dict[str, Any]], after: list[dict[str, Any]]) -> list[str]:
    """What differs between two lists of rule groups; empty when they are semantically equal."""
    found = []
    if [g["name"] for g in before] != [g["name"] for g in after]:
        return [f"groups {[g['name'] for g in before]} became {[g['name'] for g in after]}"]
    for old, new in zip(before, after, strict=True):
        if _duration(old.get("interval")) != _duration(new.get("interval")):
            found.append(f"group {old['name']!r}: interval {old.get('interval')} became {new.get('interval')}")
        old_rules, new_rules = old.get("rules") or [], new.get("rules") or []
        if len(old_rules) != len(new_rules):
            found.append(f"group {old['name']!r}: {len(old_rules)} rules became {len(new_rules)}")
            continue
        for a, b in zip(old_rules, new_rules, strict=True):
            if _rule_key(a) != _rule_key(b):
                fields = ("kind", "name", "expr", "for", "keep_firing_for", "labels", "annotations")
                what = [f for f, x, y in zip(fields, _rule_key(a), _rule_key(b), strict=True) if x != y]
                found.append(f"group {old['name']!r}, rule {a.get('alert') or a.get('record')!r}: {', '.join(what)}")
    return found
