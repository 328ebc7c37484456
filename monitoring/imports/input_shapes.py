"""The shapes of what `monitoring import` reads, checked before anything is mapped onto the model.

A rule file, prometheus.yml, alertmanager.yml or dashboard JSON of another shape than Prometheus, Alertmanager
and Grafana read (a number where the rule groups are, a list where a receiver's fields are, labels written as a
list, targets that are not a list) is one line naming the file, the line and the field, never a traceback from
deep inside the mapping. Only what the importers read is described; the rest is theirs to keep as a comment. An
empty value (`routes:` with nothing after it, JSON's null) is read as absent, as the tools themselves read it.

    check(source, source.documents[0], ALERTMANAGER_CONFIG)   # or InputFileError "alertmanager.yml:7: ..."
"""

from __future__ import annotations

from typing import Any

from monitoring.checks.shapes import OPTIONAL, document_problem
from monitoring.imports.source import Mapping, SourceFile


def _nullable(shape: Any, made: dict[int, Any] | None = None) -> Any:
    """shape, each optional field of it (at any depth) also taking null; a shape that holds itself (a route's
    routes) is made once."""
    made = {} if made is None else made
    if id(shape) in made:
        return made[id(shape)]
    if isinstance(shape, list):
        return [_nullable(shape[0], made)]
    if not isinstance(shape, dict):
        return shape
    result: dict[Any, Any] = {}
    made[id(shape)] = result
    if str in shape:
        result[str] = _nullable(shape[str], made)
        return result
    result.update({key: _nullable(value, made) for key, value in shape.items() if key != OPTIONAL})
    result[OPTIONAL] = {key: _or_null(_nullable(value, made)) for key, value in shape.get(OPTIONAL, {}).items()}
    return result


def _or_null(shape: Any) -> tuple[Any, ...]:
    return (*shape, None) if isinstance(shape, tuple) else (shape, None)


_SCALAR = (str, int, float, bool)
_TEXTS = {str: _SCALAR}  # labels, annotations, matchers by name: Prometheus reads a number as its text
_ANY_OBJECT: dict[str, Any] = {}

_RULE = {OPTIONAL: {"alert": str, "record": str, "expr": (str, int, float), "for": str, "keep_firing_for": str,
                    "labels": _TEXTS, "annotations": _TEXTS}}
_GROUPS = [{OPTIONAL: {"name": str, "interval": str, "rules": [_RULE]}}]
RULE_FILE = _nullable({OPTIONAL: {"groups": _GROUPS}})
PROMETHEUS_RULE = _nullable({OPTIONAL: {"metadata": {OPTIONAL: {"name": _SCALAR}},
                                        "spec": {OPTIONAL: {"groups": _GROUPS}}}})
RULE_LIST = _nullable({OPTIONAL: {"items": [_ANY_OBJECT]}})

_STATIC = {OPTIONAL: {"targets": [str], "labels": _TEXTS}}
_JOB = {OPTIONAL: {
    "job_name": (str, int), "scrape_interval": str, "scrape_timeout": str, "metrics_path": str, "scheme": str,
    "honor_labels": bool, "sample_limit": int, "label_limit": int, "bearer_token_file": str,
    "static_configs": [_STATIC], "file_sd_configs": [{OPTIONAL: {"files": [str], "refresh_interval": str}}],
    "basic_auth": {OPTIONAL: {"username": str, "password": str, "password_file": str}},
    "authorization": {OPTIONAL: {"type": str, "credentials": str, "credentials_file": str}},
    "tls_config": {str: _SCALAR}}}
PROMETHEUS_CONFIG = _nullable({OPTIONAL: {
    "global": {OPTIONAL: {"scrape_interval": str, "scrape_timeout": str, "evaluation_interval": str,
                          "external_labels": _TEXTS}},
    "alerting": {OPTIONAL: {"alertmanagers": [{OPTIONAL: {"static_configs": [_STATIC]}}]}},
    "rule_files": [str], "scrape_configs": [_JOB]}})

_ROUTE: dict[str, Any] = {OPTIONAL: {
    "receiver": str, "group_by": [str], "matchers": [str], "match": _TEXTS, "match_re": _TEXTS, "continue": bool,
    "group_wait": str, "group_interval": str, "repeat_interval": str, "mute_time_intervals": [str],
    "active_time_intervals": [str]}}
_ROUTE[OPTIONAL]["routes"] = [_ROUTE]  # a route holds routes, to any depth
_HTTP = {OPTIONAL: {"bearer_token_file": str, "basic_auth": {OPTIONAL: {"username": str, "password_file": str}}}}
_RECEIVER = {OPTIONAL: {
    "name": str,
    "webhook_configs": [{OPTIONAL: {"url": str, "send_resolved": bool, "max_alerts": int, "http_config": _HTTP}}],
    "slack_configs": [{OPTIONAL: {"api_url_file": str, "channel": str, "send_resolved": bool, "title": str,
                                  "text": str}}],
    "pagerduty_configs": [{OPTIONAL: {"routing_key_file": str, "service_key_file": str, "send_resolved": bool,
                                      "severity": str}}],
    "email_configs": [{OPTIONAL: {"to": str, "from": str, "smarthost": str, "auth_username": str,
                                  "auth_password_file": str, "require_tls": bool, "send_resolved": bool}}]}}
_INHIBIT = {OPTIONAL: {"source_matchers": [str], "target_matchers": [str], "source_match": _TEXTS,
                       "source_match_re": _TEXTS, "target_match": _TEXTS, "target_match_re": _TEXTS, "equal": [str]}}
_PERIOD = {OPTIONAL: {"times": [{OPTIONAL: {"start_time": str, "end_time": str}}], "weekdays": [_SCALAR],
                      "days_of_month": [_SCALAR], "months": [_SCALAR], "years": [_SCALAR], "location": str}}
_INTERVAL = {OPTIONAL: {"name": str, "time_intervals": [_PERIOD]}}
ALERTMANAGER_CONFIG = _nullable({OPTIONAL: {
    "global": {OPTIONAL: {"resolve_timeout": str, "smtp_from": str, "smtp_smarthost": str,
                          "smtp_auth_username": str, "smtp_auth_password_file": str, "smtp_require_tls": bool,
                          "slack_api_url_file": str}},
    "route": _ROUTE, "receivers": [_RECEIVER], "inhibit_rules": [_INHIBIT], "time_intervals": [_INTERVAL],
    "mute_time_intervals": [_INTERVAL], "templates": [str]}})


_NUMBER = (int, float)
_TARGET = {OPTIONAL: {"expr": (str, int, float), "refId": str, "legendFormat": str, "datasource": (str, dict),
                      "hide": bool, "interval": str, "instant": bool, "format": str}}
_DEFAULTS = {OPTIONAL: {"unit": str, "decimals": _NUMBER, "min": _NUMBER, "max": _NUMBER, "mappings": [_ANY_OBJECT],
                        "thresholds": {OPTIONAL: {"mode": str, "steps": [{OPTIONAL: {"color": str,
                                                                                      "value": _NUMBER}}]}}}}
_PANEL: dict[str, Any] = {OPTIONAL: {
    "type": str, "title": str, "description": str, "datasource": (str, dict), "collapsed": bool,
    "gridPos": {OPTIONAL: {"x": _NUMBER, "y": _NUMBER, "w": _NUMBER, "h": _NUMBER}}, "targets": [_TARGET],
    "fieldConfig": {OPTIONAL: {"defaults": _DEFAULTS, "overrides": [_ANY_OBJECT]}}, "options": _ANY_OBJECT,
    # An old graph's axes and series settings, which the migration reads (monitoring.grafana.legacy_dashboard):
    # of these kinds; what their items are, Grafana ignores where it cannot read it (Ceph's exports hold lists
    # inside seriesOverrides), and so does the migration.
    "yaxes": list, "seriesOverrides": list, "aliasColors": dict}}
_PANEL[OPTIONAL]["panels"] = [_PANEL]  # a row's
_VARIABLE = {OPTIONAL: {"name": str, "type": str, "label": str, "query": (str, dict), "datasource": (str, dict),
                        "options": [_ANY_OBJECT], "current": _ANY_OBJECT, "hide": int}}
DASHBOARD = _nullable({OPTIONAL: {
    "title": str, "uid": str, "tags": [str], "panels": [_PANEL],
    "rows": [{OPTIONAL: {"title": str, "panels": [_PANEL]}}],
    "templating": {OPTIONAL: {"list": [_VARIABLE]}}, "annotations": {OPTIONAL: {"list": [_ANY_OBJECT]}},
    "links": [_ANY_OBJECT], "time": _ANY_OBJECT}})


def check(source: SourceFile, document: Any, shape: Any) -> None:
    """InputFileError "file:line: field is not ..." where document departs from shape."""
    found = document_problem(document, shape)
    if found is not None:
        raise source.error(_line(document, found[1]), found[0])


def _line(document: Any, parts: tuple[Any, ...]) -> int:
    """The line of what parts lead to: a field's key, a list item's first line, or else the nearest of these."""
    line = getattr(document, "line", 0) or 1
    node = document
    for part in parts:
        if isinstance(node, Mapping) and part in node:
            line = node.line_of(str(part)) or line
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            node = node[part]
            line = getattr(node, "line", 0) or line
        else:
            break
    return line
