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


def _fields(fields: dict[str, Any]) -> dict[str, Any]:
    """The shape of a mapping of these optional fields, each of which may also be null."""
    return {OPTIONAL: {key: (*shape, None) if isinstance(shape, tuple) else (shape, None)
                       for key, shape in fields.items()}}


# The shape of alertmanager.yml as Alertmanager's Go types read it, checked before anything is mapped, so that a
# value of another kind is one line naming file:line and the field, never a Python error from inside the mapping.
# A string field takes any scalar (Go reads `yes` or `0x10` there as written, and so does `written`); a boolean
# takes true or false only, and a number a number: Alertmanager refuses `'yes'` (a string) for a boolean. (Its
# reader takes a float for a whole number, dropping the fraction: the import refuses one with a fraction.)
# Fields the import only keeps as comments are described too where they are booleans or numbers.
_SCALARS = [_SCALAR]
_SCALAR_MAP = {str: (*_SCALAR, None)}  # a map of strings (details, headers, match): null is the empty string
_AM_TLS = _fields({"insecure_skip_verify": bool, "ca_file": _SCALAR, "cert_file": _SCALAR, "key_file": _SCALAR,
                "server_name": _SCALAR, "min_version": _SCALAR})
_AM_HTTP = _fields({
    "basic_auth": _fields({"username": _SCALAR, "password_file": _SCALAR}),
    "authorization": _fields({"type": _SCALAR, "credentials_file": _SCALAR}), "bearer_token_file": _SCALAR,
    "oauth2": _fields({"client_id": _SCALAR, "client_secret_file": _SCALAR, "scopes": _SCALARS, "token_url": _SCALAR,
                       "endpoint_params": _SCALAR_MAP, "tls_config": _AM_TLS, "proxy_url": _SCALAR}),
    "tls_config": _AM_TLS, "proxy_url": _SCALAR, "follow_redirects": bool, "enable_http2": bool})


def _integration(fields: dict[str, Any]) -> list[Any]:
    """The shape of a receiver's list of configs of one kind: these fields and every notifier's own."""
    return [_fields({"send_resolved": bool, "http_config": _AM_HTTP, **fields})]


_AM_ROUTE = _fields({
    "receiver": _SCALAR, "group_by": _SCALARS, "matchers": _SCALARS, "match": _SCALAR_MAP, "match_re": _SCALAR_MAP,
    "continue": bool, "group_wait": _SCALAR, "group_interval": _SCALAR, "repeat_interval": _SCALAR,
    "mute_time_intervals": _SCALARS, "active_time_intervals": _SCALARS})
_AM_ROUTE[OPTIONAL]["routes"] = ([_AM_ROUTE], None)  # a route holds routes, to any depth
_AM_RECEIVER = _fields({
    "name": _SCALAR,
    "webhook_configs": _integration({"url": _SCALAR, "max_alerts": (int, float)}),
    "slack_configs": _integration({"api_url_file": _SCALAR, "channel": _SCALAR, "title": _SCALAR, "text": _SCALAR,
                                   "short_fields": bool, "link_names": bool, "fields": [_fields({"short": bool})]}),
    "pagerduty_configs": _integration({"routing_key_file": _SCALAR, "service_key_file": _SCALAR, "severity": _SCALAR,
                                       "description": _SCALAR, "details": _SCALAR_MAP}),
    "email_configs": [_fields({"send_resolved": bool, "to": _SCALAR, "from": _SCALAR, "smarthost": _SCALAR,
                               "auth_username": _SCALAR, "auth_password_file": _SCALAR, "require_tls": bool,
                               "tls_config": _AM_TLS, "headers": _SCALAR_MAP})],
    "opsgenie_configs": _integration({"update_alerts": bool, "details": _SCALAR_MAP}),
    "pushover_configs": _integration({"html": bool}),
    "telegram_configs": _integration({"chat_id": (int, float), "disable_notifications": bool}),
    **{kind: _integration({}) for kind in ("victorops_configs", "wechat_configs", "sns_configs", "webex_configs",
                                           "discord_configs")}})
_AM_PERIOD = _fields({"times": [_fields({"start_time": _SCALAR, "end_time": _SCALAR})], "weekdays": _SCALARS,
                   "days_of_month": _SCALARS, "months": _SCALARS, "years": _SCALARS, "location": _SCALAR})
_AM_INTERVAL = _fields({"name": _SCALAR, "time_intervals": [_AM_PERIOD]})
_AM_INHIBIT = _fields({"source_matchers": _SCALARS, "target_matchers": _SCALARS, "source_match": _SCALAR_MAP,
                    "source_match_re": _SCALAR_MAP, "target_match": _SCALAR_MAP, "target_match_re": _SCALAR_MAP,
                    "equal": _SCALARS})
ALERTMANAGER_CONFIG = _fields({
    "global": _fields({"resolve_timeout": _SCALAR, "smtp_from": _SCALAR, "smtp_smarthost": _SCALAR,
                       "smtp_auth_username": _SCALAR, "smtp_auth_password_file": _SCALAR, "smtp_require_tls": bool,
                       "slack_api_url_file": _SCALAR, "http_config": _AM_HTTP}),
    "route": _AM_ROUTE, "receivers": [_AM_RECEIVER], "inhibit_rules": [_AM_INHIBIT], "time_intervals": [_AM_INTERVAL],
    "mute_time_intervals": [_AM_INTERVAL], "templates": _SCALARS})


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
