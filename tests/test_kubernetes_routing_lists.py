"""A TeamRouting's matchers read as Alertmanager reads them; what the Operator does to its top route; no repeats
in the lists the CRDs declare sets (nor in group_by); container port names as Kubernetes takes them.

The matcher cases go through amtool: the plain alertmanager.yml (the model's text) and the global configuration
merged with the rendered AlertmanagerConfig the way the Operator merges it (each CRD matcher written back as
Alertmanager's labels.Matcher.String writes it) must send every alert to the same place.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from monitoring import (
    DefinitionError,
    KubernetesSDConfig,
    Receiver,
    Route,
    Routing,
    ScrapeJob,
    SecretKeyRef,
    Service,
    Stack,
    StaticConfig,
)
from monitoring.checks import kubernetes as checks
from monitoring.checks.tools import Tool
from monitoring.model.kubernetes_output import KubernetesOutput, TeamReceiver, TeamRoute, TeamRouting
from monitoring.output.files import to_yaml
from monitoring.render import alertmanager
from monitoring.render.kubernetes.alertmanager import operator_merge, team_config

# (matcher as written, (name, operator, value) as Alertmanager reads it, a label value it selects, one it does not)
MATCHERS = [
    ('summary="a!=b"', ("summary", "=", "a!=b"), "a!=b", "a"),
    ('summary!="x=~y"', ("summary", "!=", "x=~y"), "x", "x=~y"),
    ('msg=~"a=~b|c!=d"', ("msg", "=~", "a=~b|c!=d"), "c!=d", "a"),
    ('code=~"5\\d\\d"', ("code", "=~", "5\\d\\d"), "503", "5dd"),
    ('team="a\\tb"', ("team", "=", "a\\tb"), "a\\tb", "a\tb"),
    ('x="\\x41"', ("x", "=", "\\x41"), "\\x41", "A"),
    ('x="a\\\\b"', ("x", "=", "a\\b"), "a\\b", "a\\\\b"),
    ('msg="say \\"hi\\""', ("msg", "=", 'say "hi"'), 'say "hi"', "say \\"),
    ('x="a\\nb"', ("x", "=", "a\nb"), "a\nb", "a\\nb"),
    ('v=~"x|y,z"', ("v", "=~", "x|y,z"), "y,z", "y"),
    (' sev  !~ "crit|warn" ', ("sev", "!~", "crit|warn"), "info", "warn"),
]
NAMESPACE = "shop"
HOOK = TeamReceiver(name="hook", webhook_url=SecretKeyRef(name="shop-alerting", key="url"))
PAGER = TeamReceiver(name="pager", webhook_url=SecretKeyRef(name="shop-alerting", key="pager"))


def _stack(routing: Routing, team: TeamRouting) -> Stack:
    api = Service(name="api", scrape_jobs=(ScrapeJob(name="api", monitor=False,
                                                     static_configs=(StaticConfig(targets=("api:8080",)),)),))
    return Stack(name="matchers", services=(api,), routing=routing,
                 kubernetes=KubernetesOutput(team_routing=(team,)))


def _team(matcher: str, where: str) -> TeamRouting:
    """The matcher on the team's top route, or on a child route to another receiver."""
    if where == "top":
        return TeamRouting(name="shop", namespace=NAMESPACE, matchers=(matcher,), receiver="hook", receivers=(HOOK,))
    return TeamRouting(name="shop", namespace=NAMESPACE, receiver="hook", receivers=(HOOK, PAGER),
                       routes=(TeamRoute(matchers=(matcher,), receiver="pager"),))


def _go_quote(value: str) -> str:
    """A value as Alertmanager's labels.Matcher.String quotes it (the Operator writes CRD matchers so)."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _written(matcher: dict[str, str]) -> str:
    return f"{matcher['name']}{matcher.get('matchType', '=')}{_go_quote(matcher['value'])}"


def _merged_from_resource(global_config: dict[str, Any], resource: dict[str, Any]) -> dict[str, Any]:
    """What the Operator makes of the rendered AlertmanagerConfig: receivers prefixed, the top route's = and =~
    matchers on namespace replaced by its own, continue: true, the route first under the root."""
    meta, spec = resource["metadata"], resource["spec"]
    prefix = f"{meta['namespace']}/{meta['name']}/"
    top = spec["route"]
    matchers = [_written(m) for m in top.get("matchers", [])
                if not (m["name"] == "namespace" and m.get("matchType", "=") in ("=", "=~"))]
    route: dict[str, Any] = {"receiver": prefix + top["receiver"],
                             "matchers": [*matchers, f'namespace="{meta["namespace"]}"'], "continue": True}
    if "groupBy" in top:
        route["group_by"] = top["groupBy"]
    if "routes" in top:
        route["routes"] = [{"receiver": prefix + r["receiver"], "matchers": [_written(m) for m in r["matchers"]]}
                           for r in top["routes"]]
    receivers = [{"name": prefix + r["name"], "webhook_configs": [{"url": "http://127.0.0.1:1/"}]}
                 for r in spec["receivers"]]
    return {**global_config, "receivers": [*global_config["receivers"], *receivers],
            "route": {**global_config["route"], "routes": [route, *global_config["route"].get("routes", [])]}}


def _routes(amtool: Tool, config: Path, labels: dict[str, str]) -> str:
    proc = amtool.run("config", "routes", "test", f"--config.file={config}",
                      *(f"{k}={_go_quote(v)}" for k, v in sorted(labels.items())))
    assert proc.returncode in (0, 1), proc.stderr
    return proc.stdout.strip()


@pytest.mark.parametrize(("text", "parsed", "selected", "other"), MATCHERS)
def test_the_shared_parser_reads_a_matcher_as_alertmanager(text: str, parsed: tuple[str, str, str], selected: str,
                                                           other: str) -> None:
    from monitoring.model.matchers import matcher_text, parse_matcher

    assert parse_matcher(text) == parsed
    assert parse_matcher(matcher_text(*parsed)) == parsed


@pytest.mark.parametrize("where", ["top", "child"])
@pytest.mark.parametrize(("text", "parsed", "selected", "other"), MATCHERS)
def test_team_matchers_route_as_the_plain_configuration(tmp_path: Path, amtool: Tool, text: str,
                                                        parsed: tuple[str, str, str], selected: str, other: str,
                                                        where: str) -> None:
    team = _team(text, where)
    routing = Routing(route=Route(receiver="default", routes=(Route(matchers=(text,), receiver="plain"),)),
                      receivers=(Receiver(name="default"), Receiver(name="plain")))
    stack = _stack(routing, team)
    resource = team_config(stack.kubernetes, team).body  # type: ignore[arg-type]
    route = resource["spec"]["route"]
    crd = route["matchers"][0] if where == "top" else route["routes"][0]["matchers"][0]
    assert (crd["name"], crd["matchType"], crd["value"]) == parsed
    global_config = alertmanager.render(stack)
    operator = _merged_from_resource(global_config, resource)
    assert operator_merge(global_config, team) == operator  # the tool's merge is the Operator's
    plain, merged = tmp_path / "plain.yml", tmp_path / "merged.yml"
    plain.write_text(to_yaml(global_config))
    merged.write_text(to_yaml(operator))
    team_receiver = "shop/shop/hook" if where == "top" else "shop/shop/pager"
    for value, selects in ((selected, True), (other, False)):
        labels = {parsed[0]: value, "namespace": NAMESPACE, "alertname": "A"}
        assert (_routes(amtool, plain, labels) == "plain") is selects, (value, "plain")
        assert (team_receiver in _routes(amtool, merged, labels).split(",")) is selects, (value, "merged")


@pytest.mark.parametrize("matcher", ['namespace="billing"', 'namespace=~"bill.*"', ' namespace = "shop"'])
def test_a_top_level_namespace_selector_is_refused(matcher: str) -> None:
    with pytest.raises(DefinitionError) as caught:
        TeamRouting(name="shop", namespace=NAMESPACE, matchers=('team="shop"', matcher), receiver="hook",
                    receivers=(HOOK,))
    assert caught.value.field == "matchers[1]"
    assert "Operator replaces" in str(caught.value) and "\n" not in str(caught.value)


@pytest.mark.parametrize("matcher", ['namespace!="billing"', 'namespace!~"kube-.*"'])
def test_a_negative_namespace_matcher_is_kept_as_the_operator_keeps_it(matcher: str) -> None:
    team = TeamRouting(name="shop", namespace=NAMESPACE, matchers=(matcher,), receiver="hook", receivers=(HOOK,))
    routing = Routing(route=Route(receiver="default"), receivers=(Receiver(name="default"),))
    global_config = alertmanager.render(_stack(routing, team))
    top = operator_merge(global_config, team)["route"]["routes"][0]
    assert top["matchers"] == [matcher, f'namespace="{NAMESPACE}"']


def test_a_namespace_child_route_matcher_stays() -> None:
    """The Operator replaces namespace matchers on the top route only: a child route's one stays."""
    team = TeamRouting(name="shop", namespace=NAMESPACE, receiver="hook", receivers=(HOOK, PAGER),
                       routes=(TeamRoute(matchers=('namespace="shop"',), receiver="pager"),))
    routing = Routing(route=Route(receiver="default"), receivers=(Receiver(name="default"),))
    merged = operator_merge(alertmanager.render(_stack(routing, team)), team)
    assert merged["route"]["routes"][0]["routes"][0]["matchers"] == ['namespace="shop"']


def _job(role: str, **sd: Any) -> ScrapeJob:
    return ScrapeJob(name="api", kubernetes_sd_configs=(KubernetesSDConfig(role=role, **sd),))


# Each list that ends up in a set-list of a CRD (or in Alertmanager's group_by), repeated.
DUPLICATES = [
    ("route group_by", lambda: Route(receiver="r", group_by=("alertname", "team", "alertname")), "group_by[2]"),
    ("team group_by", lambda: TeamRouting(name="shop", namespace=NAMESPACE, receiver="hook", receivers=(HOOK,),
                                          group_by=("alertname", "alertname")), "group_by[1]"),
    *((f"{role} namespaces", lambda role=role: _job(role, namespaces=("shop", "web", "shop"), app="api",
                                                    port="metrics"), "kubernetes_sd_configs[0].namespaces[2]")
      for role in ("pod", "endpoints", "service")),
]


@pytest.mark.parametrize(("case", "build", "field"), DUPLICATES, ids=[d[0] for d in DUPLICATES])
def test_a_repeat_in_a_set_list_is_refused(case: str, build: Any, field: str) -> None:
    with pytest.raises(DefinitionError) as caught:
        build()
    assert caught.value.field == field and "listed twice" in str(caught.value), case
    assert "\n" not in str(caught.value)


def _resource(kind: str, api_version: str, spec: dict[str, Any]) -> dict[str, Any]:
    return {"apiVersion": api_version, "kind": kind, "metadata": {"name": "a", "namespace": "shop"}, "spec": spec}


_ALPHA = "monitoring.coreos.com/v1alpha1"
_RULE = {"alert": "A", "expr": "up == 0"}
# Resources with a repeat the API server refuses: (kind, spec, where validate reports it).
REPEATED = [
    ("AlertmanagerConfig", _ALPHA, {"route": {"receiver": "x", "groupBy": ["a", "b", "a"]},
                                    "receivers": [{"name": "x"}]}, "spec.route.groupBy.2"),
    ("AlertmanagerConfig", _ALPHA, {"route": {"receiver": "x"}, "receivers": [{"name": "x"}, {"name": "x"}]},
     "spec.receivers.1"),
    ("ScrapeConfig", _ALPHA, {"kubernetesSDConfigs": [{"role": "Pod", "namespaces": {"names": ["a", "a"]}}]},
     "spec.kubernetesSDConfigs.0.namespaces.names.1"),
    ("ScrapeConfig", _ALPHA, {"kubernetesSDConfigs": [{"role": "Pod", "selectors": [
        {"role": "Pod", "label": "a=b"}, {"role": "Pod", "label": "c=d"}]}]},
     "spec.kubernetesSDConfigs.0.selectors.1"),
    ("PrometheusRule", "monitoring.coreos.com/v1", {"groups": [{"name": "g", "rules": [_RULE]},
                                                               {"name": "g", "rules": [_RULE]}]}, "spec.groups.1"),
]


@pytest.mark.parametrize(("kind", "api_version", "spec", "where"), REPEATED, ids=[r[3] for r in REPEATED])
def test_validate_refuses_a_repeat_in_a_set_or_map_list(kind: str, api_version: str, spec: dict[str, Any],
                                                        where: str) -> None:
    problems = checks.schema_problems(_resource(kind, api_version, spec))
    assert [p for p in problems if p.startswith(f"{where}:") and "x-kubernetes-list-type" in p], problems


def test_validate_takes_distinct_set_and_map_lists() -> None:
    spec = {"route": {"receiver": "x", "groupBy": ["a", "b"]}, "receivers": [{"name": "x"}, {"name": "y"}]}
    assert checks.schema_problems(_resource("AlertmanagerConfig", _ALPHA, spec)) == []


@pytest.mark.parametrize("port", ["metrics", "http-metrics", "web1", "a", "abcdefghijklm-1"])
def test_a_container_port_name_kubernetes_takes_is_accepted(port: str) -> None:
    assert _job("pod", app="api", port=port).kubernetes_sd_configs[0].port == port


@pytest.mark.parametrize("port", ["metrics-port-for-api", "abcdefghijklmnop", "9090", "123-456",
                                  "http--metrics"])
def test_a_container_port_name_kubernetes_refuses_is_refused(port: str) -> None:
    with pytest.raises(DefinitionError) as caught:
        _job("pod", app="api", port=port)
    assert caught.value.field == "kubernetes_sd_configs[0].port" and "IANA service name" in str(caught.value)
    assert "\n" not in str(caught.value)


def test_a_service_port_name_is_a_dns_label() -> None:
    """Role endpoints selects a Service's port, whose name is a DNS-1123 label (up to 63): not a container's."""
    assert _job("endpoints", app="api", port="metrics-port-for-api").kubernetes_sd_configs[0].port


def test_a_team_routing_resource_names_its_team_in_the_manifest() -> None:
    from monitoring.output.emitters import GenerateContext, output_files

    _, manifest = output_files(_stack(Routing(receivers=(Receiver(name="null"),), route=Route(receiver="null")),
                                      _team('team="shop"', "top")), GenerateContext("matchers:stack"))
    assert manifest.origin("kubernetes/alertmanagerconfig-shop.yaml") == "team:shop"
