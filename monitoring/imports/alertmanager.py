"""alertmanager.yml to a Routing: the route tree, receivers, inhibit rules and time intervals."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from monitoring.errors import DefinitionError, InputFileError
from monitoring.imports import input_shapes
from monitoring.imports.findings import Findings
from monitoring.imports.redact import kept
from monitoring.imports.rules import source_line
from monitoring.imports.source import Mapping, SourceFile
from monitoring.imports.yaml_input import written
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
    TimePeriod,
    TimeRange,
    Webhook,
)

_ROUTE_FIELDS = {"receiver", "group_by", "matchers", "match", "match_re", "continue", "group_wait",
                 "group_interval", "repeat_interval", "mute_time_intervals", "active_time_intervals", "routes"}
_RECEIVER_TYPES = {"webhook_configs", "slack_configs", "pagerduty_configs", "email_configs"}
# Inline secrets, by where they appear, and the *_file field that replaces each.
_SECRETS = {"api_url": "api_url_file", "routing_key": "routing_key_file", "service_key": "service_key_file",
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
    if config["route"] is None:  # Alertmanager refuses a configuration without one ("no routes provided")
        raise ctx.error(config, "route", "route is null: Alertmanager needs the root route, whose receiver is the "
                                         "default")
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
            **({"resolve_timeout": _resolve_timeout(ctx, glob)} if "resolve_timeout" in glob else {}),
        )
    except InputFileError:
        raise
    except DefinitionError as exc:
        mapping, key = _located(config, intervals, exc.field)
        raise ctx.error(mapping, key, str(exc)) from None
    return RoutingImport(source.name, routing, ctx.notes)


def _resolve_timeout(ctx: _Context, glob: Any) -> str:
    timeout = written(glob, "resolve_timeout")
    if timeout is None:  # Go sets a null to the zero value, not to the 5m an absent resolve_timeout gets
        raise ctx.error(glob, "resolve_timeout", "global.resolve_timeout is null, which Alertmanager reads as 0s "
                                                 "and the model refuses: give a duration such as 5m, or leave it out")
    return str(timeout)


def _located(config: Any, intervals: list[Any], field: str | None) -> tuple[Any, str | None]:
    """The mapping and key that a field of the Routing ("route.routes[1].receiver", "receivers[0].name") was read
    from, as far as the file holds it: the line a problem of the whole routing names. The Routing's
    time_intervals are the file's time_intervals and then its mute_time_intervals."""
    if field == "resolve_timeout" and isinstance(config.get("global"), Mapping):
        return config["global"], "resolve_timeout"
    parts = [int(part) if part.isdigit() else part
             for part in (field or "route").replace("[", ".").replace("]", "").split(".") if part]
    mapping, key, node = config, "route", config
    if parts[0] == "time_intervals":
        parts, node = parts[1:], intervals
    for part in parts:
        if isinstance(node, Mapping) and isinstance(part, str) and part in node:
            mapping, key, node = node, part, node[part]
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            node = node[part]
        else:
            break
    return mapping, key


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


# Values as Alertmanager's Go types read them; the shape has been checked, so each is of the kind its field takes
# or null. Go's YAML reader sets a null to the field's zero value ("", false, 0), over the default an absent
# field gets: a null send_resolved is false, a null Slack title an empty one.

def _text(node: Any, key: str) -> str | None:
    """A string field as written (`yes`, `0x10`, `18:30` as their text); None where absent, null or empty, all of
    which Alertmanager reads as unset."""
    value = written(node, key)
    return None if value in (None, "") else str(value)


def _texts(node: Any, key: str) -> tuple[str, ...]:
    """A list of strings, each item as written; () where absent or null."""
    return tuple(str(item) for item in written(node, key) or ())


def _template(node: Any, key: str) -> str | None:
    """A templated string field: as written, "" where null (Go's zero value, which replaces Alertmanager's
    default), None where absent (Alertmanager's default)."""
    if key not in node:
        return None
    value = written(node, key)
    return "" if value is None else str(value)


def _flag(node: Any, key: str, default: bool) -> bool:
    """A boolean field: the default where absent, false where null."""
    return bool(node[key]) if key in node else default


def _text_map(node: Any) -> dict[str, str]:
    """A map of strings (match, details), each value as written; a null value is the empty string."""
    return {str(key): "" if (value := written(node, key)) is None else str(value) for key in node}


def matchers(text: str) -> list[str]:
    """The matchers one Alertmanager `matchers` entry holds, in the quoted form the model keeps
    ("team=db, severity=critical" is two matchers: see monitoring.model.matchers.split_matchers)."""
    return [matcher(token) for token in split_matchers(text)]


def matcher(text: str) -> str:
    """One Alertmanager matcher in the quoted form the model keeps: team=ops and team="ops" alike."""
    return matcher_text(*parse_matcher(text))


def _matchers(ctx: _Context, node: Any, where: str, prefix: str = "") -> tuple[str, ...]:
    found = [one for entry in _texts(node, f"{prefix}matchers") for one in matchers(entry)]
    for key, op in ((f"{prefix}match", "="), (f"{prefix}match_re", "=~")):
        if node.get(key):
            ctx.findings.unsupported(ctx.source.at(node, key), f"{where}: {key} is deprecated in Alertmanager 0.25",
                                     f"converted to the equivalent {prefix}matchers")
            found += [matcher_text(name, op, value) for name, value in _text_map(node[key]).items()]
    return tuple(found)


def _route(ctx: _Context, node: Any, where: str) -> Route:
    for key in sorted(set(node) - _ROUTE_FIELDS):
        ctx.keep(node, key, where)
    data: dict[str, Any] = {"receiver": receiver} if (receiver := _text(node, "receiver")) else {}
    for key in ("group_wait", "group_interval", "repeat_interval"):  # null is absent; "" Alertmanager refuses
        if (value := written(node, key)) is not None:
            data[key] = str(value)
    if node.get("group_by") is not None:  # null, as absent, inherits the parent's grouping
        data["group_by"] = _texts(node, "group_by")
    for key in ("mute_time_intervals", "active_time_intervals"):
        data[key] = _texts(node, key)
    try:
        return Route(matchers=_matchers(ctx, node, where), continue_=_flag(node, "continue", False),
                     routes=tuple(_route(ctx, child, f"{where}.routes[{i}]")
                                  for i, child in enumerate(node.get("routes") or [])), **data)
    except InputFileError:
        raise
    except (DefinitionError, ValueError) as exc:
        raise ctx.error(node, None, f"{where}: {exc}") from None


def _receiver(ctx: _Context, node: Any, index: int, glob: dict[str, Any]) -> Receiver:
    name = _text(node, "name") or ""
    where = f"receivers[{index}] {name!r}"
    for key in sorted(set(node) - _RECEIVER_TYPES - {"name"}):
        ctx.keep(node, key, where)
    configs = {kind: _integrations(ctx, node, kind, where) for kind in sorted(_RECEIVER_TYPES)}
    try:
        return Receiver(
            name=name,
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
    return Webhook(url=_text(config, "url") or "", send_resolved=_flag(config, "send_resolved", True),
                   max_alerts=_whole(ctx, config, "max_alerts", where), auth=_http_auth(ctx, config, where))


def _whole(ctx: _Context, config: Any, key: str, where: str) -> int:
    """A whole-number field: 0 where absent or null. Go's YAML reader takes 2.0 for 2, and 1.5 for 1 without a
    word: a fraction is refused, so that the import never keeps a number other than the one written."""
    value = config.get(key) or 0
    if isinstance(value, float) and not value.is_integer():
        shown = f"; Alertmanager would read {int(value)}" if math.isfinite(value) else ""
        raise ctx.error(config, key, f"{where}.{key} {value} is not a whole number{shown}")
    return int(value)


def _http_auth(ctx: _Context, config: Any, where: str) -> HTTPAuth | None:
    """The credentials of a webhook's http_config, as far as HTTPAuth holds them (files; basic or bearer)."""
    http = config.get("http_config") or {}
    where = f"{where}.http_config"
    for key in sorted(set(http) - _HTTP_FIELDS):
        ctx.keep(http, key, where)
    basic = http.get("basic_auth") or {}
    for key in sorted(set(basic) - _BASIC_AUTH_FIELDS):
        ctx.keep(basic, key, f"{where}.basic_auth")
    bearer = _text(http, "bearer_token_file") or _bearer_file(ctx, http, where)
    if not (bearer or basic):
        return None
    return HTTPAuth(bearer_token_file=bearer, basic_auth_username=_text(basic, "username"),
                    basic_auth_password_file=_text(basic, "password_file"))


def _bearer_file(ctx: _Context, http: Any, where: str) -> str | None:
    """authorization's credentials_file when it sends them as a bearer token (its type unset or "Bearer"),
    which is what bearer_token_file sends; another scheme the model lacks, so it is kept as a comment."""
    authorization = http.get("authorization")
    if not authorization:
        return None
    if (_text(authorization, "type") or "Bearer") != "Bearer" or set(authorization) - {"type", "credentials_file"}:
        ctx.keep(http, "authorization", f"{where} (the model sends a bearer token or basic auth only)")
        return None
    return _text(authorization, "credentials_file")


def _slack(ctx: _Context, config: Any, glob: dict[str, Any], where: str) -> Slack:
    api_url_file = _text(config, "api_url_file") or _text(glob, "slack_api_url_file")
    if not api_url_file:
        raise ctx.error(config, None, f"{where}: slack needs api_url_file (here or as global slack_api_url_file)")
    # A title or text the original leaves unset stays unset (None): Alertmanager's default, not the model's.
    return Slack(api_url_file=api_url_file, channel=_text(config, "channel") or "",
                 send_resolved=_flag(config, "send_resolved", _SEND_RESOLVED["slack_configs"]),
                 title=_template(config, "title"), text=_template(config, "text"))


def _pagerduty(ctx: _Context, config: Any, where: str) -> PagerDuty:
    routing_key_file, service_key_file = _text(config, "routing_key_file"), _text(config, "service_key_file")
    if routing_key_file and service_key_file:
        # Alertmanager sends through the Events API v1 when a service key is set, and never reads the other.
        ctx.keep(config, "routing_key_file", f"{where} (unused beside service_key_file: Events API v1)")
        routing_key_file = None
    details = config.get("details")
    # What the original leaves unset stays unset (None, no links): Alertmanager's defaults, not the model's.
    return PagerDuty(routing_key_file=routing_key_file, service_key_file=service_key_file,
                     send_resolved=_flag(config, "send_resolved", True), severity=_template(config, "severity"),
                     description=_template(config, "description"),
                     details=None if details is None else _text_map(details), links=False)


def _email(config: Any, glob: dict[str, Any]) -> Email:
    # Alertmanager fills each field left empty from the global smtp_* setting.
    require_tls = config.get("require_tls")
    return Email(to=_text(config, "to") or "", from_=_text(config, "from") or _text(glob, "smtp_from") or "",
                 smarthost=_text(config, "smarthost") or _text(glob, "smtp_smarthost") or "",
                 auth_username=_text(config, "auth_username") or _text(glob, "smtp_auth_username"),
                 auth_password_file=_text(config, "auth_password_file") or _text(glob, "smtp_auth_password_file"),
                 require_tls=_flag(glob, "smtp_require_tls", True) if require_tls is None else require_tls,
                 send_resolved=_flag(config, "send_resolved", _SEND_RESOLVED["email_configs"]))


def _inhibit(ctx: _Context, node: Any, index: int) -> InhibitRule:
    where = f"inhibit_rules[{index}]"
    try:
        return InhibitRule(source_matchers=_matchers(ctx, node, where, "source_"),
                           target_matchers=_matchers(ctx, node, where, "target_"),
                           equal=_texts(node, "equal"))
    except InputFileError:
        raise
    except (DefinitionError, ValueError) as exc:
        raise ctx.error(node, None, f"{where}: {exc}") from None


_INTERVAL_FIELDS = {"name", "time_intervals"}
_PERIOD_FIELDS = {"times", "weekdays", "days_of_month", "months", "years", "location"}


def _interval(ctx: _Context, node: Any) -> TimeInterval:
    name = _text(node, "name") or ""
    for key in sorted(set(node) - _INTERVAL_FIELDS):
        ctx.keep(node, key, f"time interval {name!r}")
    periods = node.get("time_intervals") or []
    try:
        if not periods:  # no period (absent, null or []): Alertmanager matches no moment, not every one
            return TimeInterval(name=name, never=True)
        ranges = [_period_ranges(ctx, period, name) for period in periods]
        if len(ranges) == 1:  # one period: the interval's own ranges, as it is written by hand
            return TimeInterval(name=name, **ranges[0])
        return TimeInterval(name=name, periods=tuple(TimePeriod(**period) for period in ranges))
    except InputFileError:
        raise
    except DefinitionError as exc:
        raise ctx.error(node, None, str(exc)) from None


def _period_ranges(ctx: _Context, period: Any, name: str) -> dict[str, Any]:
    """The ranges of one period of a time interval, as the model's fields."""
    for key in sorted(set(period) - _PERIOD_FIELDS):
        ctx.keep(period, key, f"time interval {name!r}")
    calendar = {key: _texts(period, key) for key in ("weekdays", "days_of_month", "months", "years")}
    location = _text(period, "location")  # absent, null or empty: UTC
    return {"times": tuple(TimeRange(**{str(k): written(t, k) for k in t}) for t in period.get("times") or ()),
            **calendar, **({"location": location} if location is not None else {})}
