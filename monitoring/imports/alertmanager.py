"""alertmanager.yml to a Routing: the route tree, receivers, inhibit rules and time intervals."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from monitoring.errors import DefinitionError, InputFileError
from monitoring.imports import input_shapes
from monitoring.imports.findings import Findings
from monitoring.imports.redact import kept
from monitoring.imports.rules import source_line
from monitoring.imports.source import SourceFile
from monitoring.imports.yaml_input import written_items
from monitoring.model.matchers import matcher_text, parse_matcher, split_matchers
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

_ROUTE_FIELDS = {"receiver", "group_by", "matchers", "match", "match_re", "continue", "group_wait",
                 "group_interval", "repeat_interval", "mute_time_intervals", "active_time_intervals", "routes"}
_RECEIVER_TYPES = {"webhook_configs", "slack_configs", "pagerduty_configs", "email_configs"}
# Inline secrets, by where they appear, and the *_file field that replaces each.
_SECRETS = {"api_url": "api_url_file", "routing_key": "routing_key_file", "service_key": "routing_key_file",
            "auth_password": "auth_password_file", "bearer_token": "bearer_token_file",
            "password": "password_file", "credentials": "credentials_file", "api_key": "api_key_file",
            "slack_api_url": "slack_api_url_file", "smtp_auth_password": "smtp_auth_password_file",
            "opsgenie_api_key": "opsgenie_api_key_file", "bot_token": "bot_token_file", "token": "token_file"}
# The fields of each integration the import reads; Alertmanager takes more (a Slack message's colour, e-mail
# headers, PagerDuty's client...), and each of those is kept as a comment, named in a warning.
_INTEGRATION_FIELDS = {
    "webhook_configs": {"url", "send_resolved", "max_alerts", "http_config"},
    "slack_configs": {"api_url_file", "channel", "send_resolved", "title", "text"},
    "pagerduty_configs": {"routing_key_file", "service_key_file", "send_resolved", "severity", "description",
                          "details"},
    "email_configs": {"to", "from", "smarthost", "auth_username", "auth_password_file", "require_tls",
                      "send_resolved"},
}
_HTTP_FIELDS = {"basic_auth", "bearer_token_file", "authorization"}  # what HTTPAuth holds of an http_config
_BASIC_AUTH_FIELDS = {"username", "password_file"}
# The global settings the import reads into the routing or into the integrations that default to them.
_GLOBAL_FIELDS = {"resolve_timeout", "slack_api_url_file", "smtp_from", "smtp_smarthost", "smtp_auth_username",
                  "smtp_auth_password_file", "smtp_require_tls"}
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
        self.notes.append(f"{where}: {key}: {kept(mapping[key], key)} (not imported)")


def import_config(source: SourceFile, findings: Findings) -> RoutingImport:
    config = source.documents[0]
    source.only_first_document(findings, "Alertmanager")
    ctx = _Context(source, findings)
    _find_secrets(ctx, config, "")
    input_shapes.check(source, config, input_shapes.ALERTMANAGER_CONFIG)
    glob = config.get("global") or {}
    for key in sorted(set(config) - {"global", "route", "receivers", "inhibit_rules", "time_intervals",
                                     "mute_time_intervals"}):
        ctx.keep(config, key, "alertmanager.yml")
    for key in sorted(set(glob) - _GLOBAL_FIELDS):
        ctx.keep(glob, key, "global")
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


def matchers(text: str) -> list[str]:
    """The matchers one Alertmanager `matchers` entry holds, in the quoted form the model keeps
    ("team=db, severity=critical" is two matchers: see monitoring.model.matchers.split_matchers)."""
    return [matcher(token) for token in split_matchers(text)]


def matcher(text: str) -> str:
    """One Alertmanager matcher in the quoted form the model keeps: team=ops and team="ops" alike."""
    return matcher_text(*parse_matcher(text))


def _matchers(ctx: _Context, node: Any, where: str, prefix: str = "") -> tuple[str, ...]:
    found = [one for entry in node.get(f"{prefix}matchers") or [] for one in matchers(str(entry))]
    for key, op in ((f"{prefix}match", "="), (f"{prefix}match_re", "=~")):
        if node.get(key):
            ctx.findings.unsupported(ctx.source.at(node, key), f"{where}: {key} is deprecated in Alertmanager 0.25",
                                     f"converted to the equivalent {prefix}matchers")
            found += [matcher_text(name, op, str(value)) for name, value in written_items(node[key]).items()]
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
    configs = {kind: _integrations(ctx, node, kind, where) for kind in sorted(_RECEIVER_TYPES)}
    try:
        return Receiver(
            name=node.get("name", ""),
            webhooks=tuple(_webhook(ctx, c, at) for c, at in configs["webhook_configs"]),
            slack=tuple(_slack(ctx, c, glob, at) for c, at in configs["slack_configs"]),
            pagerduty=tuple(_pagerduty(ctx, c, at) for c, at in configs["pagerduty_configs"]),
            email=tuple(_email(c, glob) for c, _ in configs["email_configs"]),
        )
    except InputFileError:
        raise
    except DefinitionError as exc:
        raise ctx.error(node, None, f"{where}: {exc}") from None


def _integrations(ctx: _Context, node: Any, kind: str, where: str) -> list[tuple[Any, str]]:
    """The receiver's configs of one kind, each with where it is; the fields the import does not read are kept
    as comments, so that none is lost without a word."""
    found = []
    for index, config in enumerate(node.get(kind) or []):
        at = f"{where}.{kind}[{index}]"
        for key in sorted(set(config) - _INTEGRATION_FIELDS[kind]):
            ctx.keep(config, key, at)
        found.append((config, at))
    return found


def _webhook(ctx: _Context, config: Any, where: str) -> Webhook:
    return Webhook(url=config.get("url", ""), send_resolved=config.get("send_resolved", True),
                   max_alerts=config.get("max_alerts", 0), auth=_http_auth(ctx, config, where))


def _http_auth(ctx: _Context, config: Any, where: str) -> HTTPAuth | None:
    """The credentials of a webhook's http_config, as far as HTTPAuth holds them (files; basic or bearer)."""
    http = config.get("http_config") or {}
    where = f"{where}.http_config"
    for key in sorted(set(http) - _HTTP_FIELDS):
        ctx.keep(http, key, where)
    basic = http.get("basic_auth") or {}
    for key in sorted(set(basic) - _BASIC_AUTH_FIELDS):
        ctx.keep(basic, key, f"{where}.basic_auth")
    bearer = http.get("bearer_token_file") or _bearer_file(ctx, http, where)
    if not (bearer or basic):
        return None
    return HTTPAuth(bearer_token_file=bearer, basic_auth_username=basic.get("username"),
                    basic_auth_password_file=basic.get("password_file"))


def _bearer_file(ctx: _Context, http: Any, where: str) -> str | None:
    """authorization's credentials_file when it sends them as a bearer token (its type unset or "Bearer"),
    which is what bearer_token_file sends; another scheme the model lacks, so it is kept as a comment."""
    authorization = http.get("authorization")
    if not authorization:
        return None
    if authorization.get("type", "Bearer") != "Bearer" or set(authorization) - {"type", "credentials_file"}:
        ctx.keep(http, "authorization", f"{where} (the model sends a bearer token or basic auth only)")
        return None
    return authorization.get("credentials_file")


def _slack(ctx: _Context, config: Any, glob: dict[str, Any], where: str) -> Slack:
    api_url_file = config.get("api_url_file") or glob.get("slack_api_url_file")
    if not api_url_file:
        raise ctx.error(config, None, f"{where}: slack needs api_url_file (here or as global slack_api_url_file)")
    extra = {k: config[k] for k in ("title", "text") if k in config}
    return Slack(api_url_file=api_url_file, channel=config.get("channel", ""),
                 send_resolved=config.get("send_resolved", _SEND_RESOLVED["slack_configs"]), **extra)


def _pagerduty(ctx: _Context, config: Any, where: str) -> PagerDuty:
    extra: dict[str, Any] = {k: config[k] for k in ("severity",) if k in config}
    for key, fits in (("description", _is_text), ("details", _is_text_map)):
        if key not in config:
            continue
        if fits(config[key]):
            extra[key] = config[key]
        else:
            ctx.keep(config, key, where)
    return PagerDuty(routing_key_file=config.get("routing_key_file") or config.get("service_key_file"),
                     send_resolved=config.get("send_resolved", True), **extra)


def _is_text(value: Any) -> bool:
    return isinstance(value, str)


def _is_text_map(value: Any) -> bool:
    return isinstance(value, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in value.items())


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
