"""alertmanager.yml to a Routing: the route tree, receivers, inhibit rules and time intervals."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from monitoring.errors import DefinitionError, InputFileError
from monitoring.imports import input_shapes
from monitoring.imports.findings import Findings
from monitoring.imports.rules import source_line
from monitoring.imports.source import SourceFile
from monitoring.model.routing import (
    Email,
    HTTPAuth,
    InhibitRule,
    PagerDuty,
    Receiver,
    Route,
    Routing,
    Slack,
    TimeInterval,
    TimeRange,
    Webhook,
)

_UNQUOTED = re.compile(r'^\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*(.*?)\s*$')
_ROUTE_FIELDS = {"receiver", "group_by", "matchers", "match", "match_re", "continue", "group_wait",
                 "group_interval", "repeat_interval", "mute_time_intervals", "active_time_intervals", "routes"}
_RECEIVER_TYPES = {"webhook_configs", "slack_configs", "pagerduty_configs", "email_configs"}
# Inline secrets, by where they appear, and the *_file field that replaces each.
_SECRETS = {"api_url": "api_url_file", "routing_key": "routing_key_file", "service_key": "routing_key_file",
            "auth_password": "auth_password_file", "bearer_token": "bearer_token_file",
            "password": "password_file", "credentials": "credentials_file", "api_key": "api_key_file",
            "slack_api_url": "slack_api_url_file", "smtp_auth_password": "smtp_auth_password_file",
            "opsgenie_api_key": "opsgenie_api_key_file", "bot_token": "bot_token_file", "token": "token_file"}
# Alertmanager's own defaults for send_resolved, which differ between integrations.
_SEND_RESOLVED = {"webhook_configs": True, "slack_configs": False, "pagerduty_configs": True, "email_configs": False}


@dataclass
class RoutingImport:
    source: str
    routing: Routing
    notes: list[str] = field(default_factory=list)


def is_alertmanager_config(document: Any) -> bool:
    return isinstance(document, dict) and "route" in document and "receivers" in document


class _Context:
    def __init__(self, source: SourceFile, findings: Findings) -> None:
        self.source, self.findings, self.notes = source, findings, []

    def error(self, mapping: Any, key: str | None, message: str) -> InputFileError:
        return self.source.error(source_line(mapping, key), message)

    def keep(self, mapping: Any, key: str, where: str) -> None:
        self.findings.unsupported(self.source.at(mapping, key), f"{where}: {key!r}", "kept as a comment in the module")
        self.notes.append(f"{where}: {key}: {mapping[key]!r} (not imported)")


def import_config(source: SourceFile, findings: Findings) -> RoutingImport:
    config = source.documents[0]
    ctx = _Context(source, findings)
    _find_secrets(ctx, config, "")
    input_shapes.check(source, config, input_shapes.ALERTMANAGER_CONFIG)
    glob = config.get("global") or {}
    for key in sorted(set(config) - {"global", "route", "receivers", "inhibit_rules", "time_intervals",
                                     "mute_time_intervals"}):
        ctx.keep(config, key, "alertmanager.yml")
    try:
        receivers = tuple(_receiver(ctx, r, i, glob) for i, r in enumerate(config.get("receivers") or []))
        intervals = [*(config.get("time_intervals") or []), *(config.get("mute_time_intervals") or [])]
        routing = Routing(
            route=_route(ctx, config["route"], "route"),
            receivers=receivers,
            inhibit_rules=tuple(_inhibit(ctx, r, i) for i, r in enumerate(config.get("inhibit_rules") or [])),
            time_intervals=tuple(_interval(ctx, t) for t in intervals),
            **({"resolve_timeout": str(glob["resolve_timeout"])} if "resolve_timeout" in glob else {}),
        )
    except InputFileError:
        raise
    except DefinitionError as exc:
        raise ctx.error(config, "route", str(exc)) from None
    return RoutingImport(source.name, routing, ctx.notes)


def _find_secrets(ctx: _Context, node: Any, path: str) -> None:
    """Stop at the first inline secret: it must never be written into Python source."""
    if isinstance(node, dict):
        for key, value in node.items():
            here = f"{path}.{key}" if path else str(key)
            if key in _SECRETS and value and not str(key).endswith("_file"):
                raise ctx.error(node, key, f"{here} is a secret written inline: put it in a file and use "
                                           f"{_SECRETS[key]}")
            _find_secrets(ctx, value, here)
    elif isinstance(node, list):
        for index, item in enumerate(node):
            _find_secrets(ctx, item, f"{path}[{index}]")


def matcher(text: str) -> str:
    """An Alertmanager matcher in the quoted form the model keeps: team=ops and team="ops" alike."""
    match = _UNQUOTED.match(text)
    if match is None:
        raise ValueError(f"matcher {text!r} does not parse")
    name, op, value = match.groups()
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return f"{name}{op}{value}"
    return f'{name}{op}"{_quote(value)}"'


def _quote(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"')


def _matchers(ctx: _Context, node: Any, where: str, prefix: str = "") -> tuple[str, ...]:
    found = [matcher(m) for m in node.get(f"{prefix}matchers") or []]
    for key, op in ((f"{prefix}match", "="), (f"{prefix}match_re", "=~")):
        if node.get(key):
            ctx.findings.unsupported(ctx.source.at(node, key), f"{where}: {key} is deprecated in Alertmanager 0.25",
                                     f"converted to the equivalent {prefix}matchers")
            found += [f'{name}{op}"{_quote(str(value))}"' for name, value in node[key].items()]
    return tuple(found)


def _route(ctx: _Context, node: Any, where: str) -> Route:
    for key in sorted(set(node) - _ROUTE_FIELDS):
        ctx.keep(node, key, where)
    data = {k: node[k] for k in ("receiver", "group_wait", "group_interval", "repeat_interval") if k in node}
    if "group_by" in node:
        data["group_by"] = tuple(node["group_by"])
    for key in ("mute_time_intervals", "active_time_intervals"):
        data[key] = tuple(node.get(key) or ())
    try:
        return Route(matchers=_matchers(ctx, node, where), continue_=bool(node.get("continue", False)),
                     routes=tuple(_route(ctx, child, f"{where}.routes[{i}]")
                                  for i, child in enumerate(node.get("routes") or [])), **data)
    except InputFileError:
        raise
    except (DefinitionError, ValueError) as exc:
        raise ctx.error(node, None, f"{where}: {exc}") from None


def _receiver(ctx: _Context, node: Any, index: int, glob: dict[str, Any]) -> Receiver:
    where = f"receivers[{index}] {node.get('name')!r}"
    for key in sorted(set(node) - _RECEIVER_TYPES - {"name"}):
        ctx.keep(node, key, where)
    try:
        return Receiver(
            name=node.get("name", ""),
            webhooks=tuple(_webhook(c) for c in node.get("webhook_configs") or []),
            slack=tuple(_slack(ctx, c, glob, where) for c in node.get("slack_configs") or []),
            pagerduty=tuple(PagerDuty(routing_key_file=c.get("routing_key_file") or c.get("service_key_file"),
                                      send_resolved=c.get("send_resolved", True),
                                      **({"severity": c["severity"]} if "severity" in c else {}))
                            for c in node.get("pagerduty_configs") or []),
            email=tuple(_email(c, glob) for c in node.get("email_configs") or []),
        )
    except InputFileError:
        raise
    except DefinitionError as exc:
        raise ctx.error(node, None, f"{where}: {exc}") from None


def _webhook(config: Any) -> Webhook:
    http = config.get("http_config") or {}
    basic = http.get("basic_auth") or {}
    auth = None
    if http.get("bearer_token_file") or basic:
        auth = HTTPAuth(bearer_token_file=http.get("bearer_token_file"), basic_auth_username=basic.get("username"),
                        basic_auth_password_file=basic.get("password_file"))
    return Webhook(url=config.get("url", ""), send_resolved=config.get("send_resolved", True),
                   max_alerts=config.get("max_alerts", 0), auth=auth)


def _slack(ctx: _Context, config: Any, glob: dict[str, Any], where: str) -> Slack:
    api_url_file = config.get("api_url_file") or glob.get("slack_api_url_file")
    if not api_url_file:
        raise ctx.error(config, None, f"{where}: slack needs api_url_file (here or as global slack_api_url_file)")
    extra = {k: config[k] for k in ("title", "text") if k in config}
    return Slack(api_url_file=api_url_file, channel=config.get("channel", ""),
                 send_resolved=config.get("send_resolved", _SEND_RESOLVED["slack_configs"]), **extra)


def _email(config: Any, glob: dict[str, Any]) -> Email:
    return Email(to=config.get("to", ""), from_=config.get("from", glob.get("smtp_from", "")),
                 smarthost=config.get("smarthost", glob.get("smtp_smarthost", "")),
                 auth_username=config.get("auth_username", glob.get("smtp_auth_username")),
                 auth_password_file=config.get("auth_password_file", glob.get("smtp_auth_password_file")),
                 require_tls=config.get("require_tls", glob.get("smtp_require_tls", True)),
                 send_resolved=config.get("send_resolved", _SEND_RESOLVED["email_configs"]))


def _inhibit(ctx: _Context, node: Any, index: int) -> InhibitRule:
    where = f"inhibit_rules[{index}]"
    try:
        return InhibitRule(source_matchers=_matchers(ctx, node, where, "source_"),
                           target_matchers=_matchers(ctx, node, where, "target_"),
                           equal=tuple(node.get("equal") or ()))
    except InputFileError:
        raise
    except (DefinitionError, ValueError) as exc:
        raise ctx.error(node, None, f"{where}: {exc}") from None


def _interval(ctx: _Context, node: Any) -> TimeInterval:
    name = node.get("name", "")
    periods = node.get("time_intervals") or [{}]
    if len(periods) > 1:
        ctx.keep(node, "time_intervals", f"time interval {name!r} (the model holds one period; the first is kept)")
    period = periods[0]
    try:
        return TimeInterval(name=name, times=tuple(TimeRange(**t) for t in period.get("times") or ()),
                            **{k: tuple(str(v) for v in period[k])
                               for k in ("weekdays", "days_of_month", "months", "years") if k in period},
                            **({"location": period["location"]} if "location" in period else {}))
    except InputFileError:
        raise
    except DefinitionError as exc:
        raise ctx.error(node, None, str(exc)) from None
