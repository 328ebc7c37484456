"""The Alertmanager's configuration as the Secret the Operator reads, and teams' AlertmanagerConfigs.

The Operator merges every selected AlertmanagerConfig into the global configuration: it prefixes its receivers
with "<namespace>/<name>/", replaces any = or =~ matcher on namespace of its top route with its own
namespace="<namespace>", sets continue: true on that route and puts it first under the global root route; it
writes each matcher back as Alertmanager writes one (labels.Matcher.String). `operator_merge` does the same, so
tests can prove with amtool what the running Alertmanager will do.
"""

from __future__ import annotations

import copy
from typing import Any

from monitoring.conventions import ALERTMANAGER_SECRET_KEY
from monitoring.model.kubernetes_output import KubernetesOutput, TeamReceiver, TeamRouting, is_namespace_selector
from monitoring.model.matchers import matcher_text, parse_matcher
from monitoring.model.stack import Stack
from monitoring.output.files import to_yaml
from monitoring.render import alertmanager
from monitoring.render.kubernetes.resource import Resource, make

CONFIG_KEY = ALERTMANAGER_SECRET_KEY
API_VERSION = "monitoring.coreos.com/v1alpha1"


def config_secret(stack: Stack, output: KubernetesOutput) -> Resource:
    """alertmanager.yml in the Secret the Alertmanager resource names in spec.configSecret. It holds no secret
    values: receivers read theirs from *_file paths (mount them with the Alertmanager's spec.secrets)."""
    return make(output, "v1", "Secret", output.alertmanager_secret, type="Opaque",
                stringData={CONFIG_KEY: to_yaml(alertmanager.render(stack), "")})


def _matcher(text: str) -> dict[str, str]:
    """A matcher as the CRD's {name, value, matchType}: split and decoded as Alertmanager reads the text, so
    that the Operator writes back (labels.Matcher.String) the matcher the model holds."""
    name, op, value = parse_matcher(text)
    return {"name": name, "value": value, "matchType": op}


def _receiver(receiver: TeamReceiver) -> dict[str, Any]:
    data: dict[str, Any] = {"name": receiver.name}
    if receiver.slack_api_url:
        slack: dict[str, Any] = {"apiURL": receiver.slack_api_url.render(), "sendResolved": True}
        if receiver.slack_channel:
            slack["channel"] = receiver.slack_channel
        data["slackConfigs"] = [slack]
    if receiver.pagerduty_routing_key:
        data["pagerdutyConfigs"] = [{"routingKey": receiver.pagerduty_routing_key.render(), "sendResolved": True}]
    if receiver.webhook_url:
        data["webhookConfigs"] = [{"urlSecret": receiver.webhook_url.render(), "sendResolved": True}]
    return data


def team_config(output: KubernetesOutput, team: TeamRouting) -> Resource:
    route: dict[str, Any] = {"receiver": team.receiver}
    if team.group_by:
        route["groupBy"] = list(team.group_by)
    if team.matchers:
        route["matchers"] = [_matcher(m) for m in team.matchers]
    if team.routes:
        route["routes"] = [{"receiver": r.receiver, "matchers": [_matcher(m) for m in r.matchers]}
                           for r in team.routes]
    return make(output, API_VERSION, "AlertmanagerConfig", team.name, namespace=team.namespace,
                spec={"route": route, "receivers": [_receiver(r) for r in team.receivers]})


def _top_matchers(team: TeamRouting) -> list[str]:
    """The top route's matchers as the Operator writes them into alertmanager.yaml (decoded, then quoted again: the
    form the model keeps them in, see routing.check_matcher): any = or =~ matcher on namespace removed, then its own
    namespace="<namespace>" added (the model refuses the removed ones: see TeamRouting)."""
    kept = [m for m in team.matchers if not is_namespace_selector(m)]
    return [*kept, matcher_text("namespace", "=", team.namespace)]


def operator_merge(global_config: dict[str, Any], team: TeamRouting) -> dict[str, Any]:
    """The global configuration with team's routing merged in as the Operator merges it (receivers left as
    webhooks to a placeholder: their integrations read Secrets that only exist in the cluster)."""
    merged = copy.deepcopy(global_config)
    prefix = f"{team.namespace}/{team.name}/"
    merged["receivers"] = [*merged["receivers"], *(
        {"name": prefix + r.name, "webhook_configs": [{"url": "http://127.0.0.1:1/"}]} for r in team.receivers)]
    route: dict[str, Any] = {"receiver": prefix + team.receiver, "matchers": _top_matchers(team), "continue": True}
    if team.group_by:
        route["group_by"] = list(team.group_by)
    if team.routes:
        route["routes"] = [{"receiver": prefix + r.receiver, "matchers": list(r.matchers)}
                           for r in team.routes]
    merged["route"]["routes"] = [route, *merged["route"].get("routes", [])]
    return merged
