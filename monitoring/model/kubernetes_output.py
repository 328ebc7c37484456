"""The Kubernetes output: Prometheus Operator resources under out/kubernetes/, and teams' own routing."""

from __future__ import annotations

from typing import Annotated, ClassVar

from pydantic import AfterValidator, Field, field_validator

from monitoring.model.base import FieldProblem, Model, model_check, require_distinct, require_unique
from monitoring.model.common import LabelName
from monitoring.model.kubernetes import (
    KubernetesLabelKey,
    KubernetesLabels,
    KubernetesName,
    KubernetesObjectName,
    SecretKeyRef,
    check_label_value,
    check_object_name,
)
from monitoring.model.matchers import split_matcher
from monitoring.model.probe import Probe
from monitoring.model.routing import check_matcher
from monitoring.model.scrape import ScrapeJob

Matcher = Annotated[str, AfterValidator(check_matcher)]


def is_namespace_selector(matcher: str) -> bool:
    """Whether matcher is one the Operator removes from an AlertmanagerConfig's top route (to put its own
    namespace="<namespace>" there): an = or =~ matcher on namespace."""
    name, op, _ = split_matcher(matcher)
    return name == "namespace" and op in ("=", "=~")


class TeamReceiver(Model):
    """A receiver of a team's AlertmanagerConfig; every secret is a Secret key in the team's namespace.

        TeamReceiver(name="shop-slack", slack_api_url=SecretKeyRef(name="shop-alerting", key="slack-url"),
                     slack_channel="#shop")
    """

    kind: ClassVar[str] = "team receiver"
    name: KubernetesName
    slack_api_url: SecretKeyRef | None = None
    slack_channel: str | None = None
    pagerduty_routing_key: SecretKeyRef | None = None
    webhook_url: SecretKeyRef | None = None

    @model_check
    def _one_integration(self) -> TeamReceiver:
        if not (self.slack_api_url or self.pagerduty_routing_key or self.webhook_url):
            raise ValueError("needs slack_api_url, pagerduty_routing_key or webhook_url")
        if self.slack_channel and not self.slack_api_url:
            raise self.field_problem("slack_api_url", "slack_channel needs slack_api_url")
        return self


class TeamRoute(Model):
    """A child route of a team's routing: alerts matching all matchers go to receiver.

        TeamRoute(matchers=('severity="critical"',), receiver="shop-pager")
    """

    kind: ClassVar[str] = "team route"
    matchers: tuple[Matcher, ...] = Field(min_length=1)
    receiver: KubernetesName


class TeamRouting(Model):
    """Routing a team owns in its own namespace, emitted as an AlertmanagerConfig (v1alpha1).

    The Operator adds the matcher namespace="<namespace>" to the top of this routing (and continue: true), so
    it only ever sees alerts whose `namespace` label is the team's namespace: put that label on the team's
    alerts (series from the team's pods carry it; otherwise set it in Service.labels). It drops any `=` or `=~`
    matcher on namespace there, so such a matcher in `matchers` is refused.

        slack_url = SecretKeyRef(name="shop-alerting", key="slack-url")
        TeamRouting(name="shop", namespace="shop", matchers=('team="shop"',), receiver="shop-slack",
                    receivers=(TeamReceiver(name="shop-slack", slack_api_url=slack_url),))
    """

    kind: ClassVar[str] = "team routing"
    name: KubernetesObjectName
    namespace: KubernetesName
    matchers: tuple[Matcher, ...] = ()
    group_by: tuple[LabelName, ...] = ()
    receiver: KubernetesName
    receivers: tuple[TeamReceiver, ...] = Field(min_length=1)
    routes: tuple[TeamRoute, ...] = ()

    @model_check
    def _receivers_exist(self) -> TeamRouting:
        names = [r.name for r in self.receivers]
        require_unique("receiver", names, "receivers[{}].name")
        uses = [("receiver", self.receiver),
                *((f"routes[{i}].receiver", route.receiver) for i, route in enumerate(self.routes))]
        known = frozenset(names)  # a look-up per route, not a scan of the receivers
        for field, used in uses:
            if used not in known:
                raise FieldProblem(f"receiver {used!r} is not among receivers ({', '.join(names)})", field=field,
                                   value=used)
        return self

    @model_check
    def _operator_keeps_matchers(self) -> TeamRouting:
        for index, matcher in enumerate(self.matchers):
            if is_namespace_selector(matcher):
                raise FieldProblem(f"matcher {matcher!r} selects a namespace: the Operator replaces any = or =~ "
                                   f"matcher on namespace in the top route with namespace=\"{self.namespace}\"; "
                                   "route on another label, or give the routing that namespace",
                                   field=f"matchers[{index}]", value=matcher)
        return self

    @model_check
    def _group_by_is_a_set(self) -> TeamRouting:
        require_distinct("group_by", self.group_by, "the AlertmanagerConfig's groupBy is a set, and Alertmanager "
                         "refuses a repeated group_by label")
        return self


class KubernetesOutput(Model):
    """Write Prometheus Operator resources to out/kubernetes/ as well, for
    `kubectl apply --server-side -k out/kubernetes`.

    namespace holds the PrometheusRules, monitors, the Alertmanager Secret and the dashboard ConfigMaps; labels go
    on every resource so that the Operator's selectors pick them up (kube-prometheus-stack: release=<release>):

        KubernetesOutput(namespace="monitoring", labels={"release": "kube-prometheus-stack"})  # Stack(kubernetes=)
    """

    kind: ClassVar[str] = "kubernetes output"
    namespace: KubernetesName = "monitoring"
    labels: KubernetesLabels = Field(default_factory=dict)
    # The Secret the Alertmanager resource names in spec.configSecret (the chart: alertmanagerSpec.configSecret).
    alertmanager_secret: KubernetesObjectName = "alertmanager-config"
    # kube-prometheus-stack's Grafana sidecar: the label it watches and the annotation naming the folder.
    dashboard_label: KubernetesLabelKey = "grafana_dashboard"
    dashboard_label_value: Annotated[str, AfterValidator(check_label_value)] = "1"
    folder_annotation: KubernetesLabelKey = "grafana_folder"
    team_routing: tuple[TeamRouting, ...] = ()

    @field_validator("team_routing")
    @classmethod
    def _unique(cls, routing: tuple[TeamRouting, ...]) -> tuple[TeamRouting, ...]:
        require_unique("team routing", [f"{r.namespace}/{r.name}" for r in routing])
        return routing


# The Operator's resource for each discovery role. Pods and Services' endpoints have monitors made for them; nodes
# (kubelets, cAdvisor) and Services themselves have none, so their jobs become a ScrapeConfig, which carries the
# job's own discovery and relabelling as prometheus.yml has them.
MONITOR_KINDS = {"pod": "PodMonitor", "endpoints": "ServiceMonitor", "service": "ScrapeConfig",
                 "node": "ScrapeConfig"}


def monitor_kind(job: ScrapeJob) -> str | None:
    """PodMonitor, ServiceMonitor or ScrapeConfig for a Kubernetes job (MONITOR_KINDS); None for static or file
    targets, which have no monitor form."""
    if len(job.kubernetes_sd_configs) != 1:
        return None
    return MONITOR_KINDS[job.kubernetes_sd_configs[0].role]


def check_probe(probe: Probe) -> None:
    """DefinitionError unless the probe's name can name its Probe resource."""
    try:
        check_object_name(probe.name)
    except ValueError as exc:
        raise probe.error(f"the name becomes the Probe resource's: {exc}", field="name", value=probe.name) from None


def check_monitor_job(job: ScrapeJob) -> None:
    """DefinitionError unless job can become a monitor: a Kubernetes name, and credentials only from Secrets."""
    if monitor_kind(job) is None:
        raise job.error("static or file targets have no monitor form: set monitor=False when the platform scrapes "
                        "these targets, or discover them with kubernetes_sd_configs", field="monitor",
                        value=job.monitor)
    try:
        check_object_name(job.name)
    except ValueError as exc:
        raise job.error(f"the name becomes the monitor's: {exc}", field="name", value=job.name) from None
    auth = job.basic_auth
    if auth and not (auth.username_secret and auth.password_secret):
        raise job.error("a monitor reads basic auth only from Secrets: set username_secret and password_secret",
                        field="basic_auth", value=auth)
    if job.bearer_token_file and not job.bearer_token_secret:
        raise job.error("a monitor reads the bearer token only from a Secret: set bearer_token_secret",
                        field="bearer_token_file", value=job.bearer_token_file)
    tls = job.tls_config
    for name in ("ca", "cert", "key"):
        if tls and getattr(tls, f"{name}_file") and not getattr(tls, f"{name}_secret"):
            raise job.error(f"a monitor reads TLS files only from Secrets: set {name}_secret", field="tls_config",
                            value=tls)
