"""alertmanager.yml from the routing model, in the syntax Alertmanager 0.25 accepts."""

from __future__ import annotations

from typing import Any

from monitoring.model import notifications
from monitoring.model.routing import (
    Email,
    HTTPAuth,
    PagerDuty,
    Receiver,
    Route,
    Slack,
    TimeInterval,
    TimePeriod,
    Webhook,
)
from monitoring.model.stack import Stack
from monitoring.slo import rules as slo


def _http_config(auth: HTTPAuth) -> dict[str, Any]:
    if auth.bearer_token_file:
        return {"authorization": {"type": "Bearer", "credentials_file": auth.bearer_token_file}}
    return {"basic_auth": {"username": auth.basic_auth_username, "password_file": auth.basic_auth_password_file}}


def _webhook(hook: Webhook, dashboards: bool) -> dict[str, Any]:
    data: dict[str, Any] = {"url": hook.url, "send_resolved": hook.send_resolved}
    if hook.max_alerts:
        data["max_alerts"] = hook.max_alerts
    if hook.auth:
        data["http_config"] = _http_config(hook.auth)
    return data


def _slack(slack: Slack, dashboards: bool) -> dict[str, Any]:
    data: dict[str, Any] = {"api_url_file": slack.api_url_file, "channel": slack.channel,
                            "send_resolved": slack.send_resolved}
    # None: the field stays out, and Alertmanager sends its own default.
    data.update({key: value for key, value in (("title", slack.title), ("text", slack.text)) if value is not None})
    return data


def _pagerduty(pd: PagerDuty, dashboards: bool) -> dict[str, Any]:
    """dashboards: alerts carry dashboard_url, so details and links name it too (when pd.links)."""
    data: dict[str, Any] = ({"routing_key_file": pd.routing_key_file} if pd.routing_key_file is not None
                            else {"service_key_file": pd.service_key_file})
    data["send_resolved"] = pd.send_resolved
    if pd.severity:
        data["severity"] = pd.severity
    # None: the field stays out, and Alertmanager sends its own default.
    if pd.description is not None:
        data["description"] = pd.description
    dashboard = pd.links and dashboards
    if pd.details is not None or dashboard:
        extra = notifications.PAGERDUTY_DASHBOARD_DETAIL if dashboard else {}
        data["details"] = dict(sorted({**extra, **(pd.details or {})}.items()))
    if pd.links:
        data["links"] = [notifications.RUNBOOK_LINK, *([notifications.DASHBOARD_LINK] if dashboards else [])]
    return data


def _email(email: Email, dashboards: bool) -> dict[str, Any]:
    data: dict[str, Any] = {"to": email.to, "from": email.from_, "smarthost": email.smarthost,
                            "require_tls": email.require_tls, "send_resolved": email.send_resolved}
    if email.auth_username:
        data["auth_username"] = email.auth_username
        data["auth_password_file"] = email.auth_password_file
    return data


def receiver(rcv: Receiver, dashboards: bool = False) -> dict[str, Any]:
    """dashboards: the stack's alerts carry a dashboard_url annotation for notifications to link."""
    data: dict[str, Any] = {"name": rcv.name}
    for key, configs, render in (
        ("webhook_configs", rcv.webhooks, _webhook),
        ("slack_configs", rcv.slack, _slack),
        ("pagerduty_configs", rcv.pagerduty, _pagerduty),
        ("email_configs", rcv.email, _email),
    ):
        if configs:
            data[key] = [render(c, dashboards) for c in configs]
    return data


def route(node: Route) -> dict[str, Any]:
    data: dict[str, Any] = {}
    if node.receiver:
        data["receiver"] = node.receiver
    if node.matchers:
        data["matchers"] = list(node.matchers)
    if node.group_by is not None:
        data["group_by"] = list(node.group_by)
    for key in ("group_wait", "group_interval", "repeat_interval"):
        if getattr(node, key):
            data[key] = getattr(node, key)
    if node.continue_:
        data["continue"] = True
    if node.mute_time_intervals:
        data["mute_time_intervals"] = list(node.mute_time_intervals)
    if node.active_time_intervals:
        data["active_time_intervals"] = list(node.active_time_intervals)
    if node.routes:
        data["routes"] = [route(child) for child in node.routes]
    return data


def time_interval(interval: TimeInterval) -> dict[str, Any]:
    """The interval with its periods (none for never=True: Alertmanager then matches no moment)."""
    return {"name": interval.name, "time_intervals": [_period(period) for period in interval.in_periods()]}


def _period(period: TimePeriod) -> dict[str, Any]:
    data: dict[str, Any] = {}
    if period.times:
        data["times"] = [{"start_time": t.start_time, "end_time": t.end_time} for t in period.times]
    for key in ("weekdays", "days_of_month", "months", "years"):
        if getattr(period, key):
            data[key] = list(getattr(period, key))
    data["location"] = period.location
    return data


def render(stack: Stack) -> dict[str, Any]:
    routing = stack.routing
    config: dict[str, Any] = {
        "global": {"resolve_timeout": routing.resolve_timeout},
        "route": route(routing.route),
        "receivers": [receiver(r, stack.grafana_url is not None)
                      for r in sorted(routing.receivers, key=lambda r: r.name)],
    }
    inhibit_rules = [
        {"source_matchers": list(rule.source_matchers), "target_matchers": list(rule.target_matchers),
         **({"equal": list(rule.equal)} if rule.equal else {})}
        for rule in routing.inhibit_rules
    ] + slo.inhibit_rules(stack)
    if inhibit_rules:
        config["inhibit_rules"] = inhibit_rules
    if routing.time_intervals:
        config["time_intervals"] = [time_interval(t) for t in sorted(routing.time_intervals, key=lambda t: t.name)]
    return config
