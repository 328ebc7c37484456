"""Scrape jobs: where Prometheus finds targets, and how it authenticates to them."""

from __future__ import annotations

import re
from typing import Annotated, ClassVar, Literal

from pydantic import AfterValidator, Field, field_validator

from monitoring.kubernetes_names import check_port_name
from monitoring.model.base import FieldProblem, Model, SecretsFromFiles, model_check, require_distinct
from monitoring.model.common import LIMIT_MAX, Labels, PositiveDuration, SecretFile
from monitoring.model.kubernetes import (
    KubernetesLabelKey,
    KubernetesLabels,
    KubernetesName,
    LabelRequirement,
    SecretKeyRef,
    check_label_value,
)
from monitoring.model.relabel import RelabelConfig, apply
from monitoring.units import check_host_port, duration_ms, unsafe_character

_JOB_NAME = re.compile(r"\A[a-zA-Z0-9_.:-]{1,200}\Z")


def _job_name(name: str) -> str:
    if not _JOB_NAME.match(name):
        raise ValueError(f"scrape job name {name!r} must be 1 to 200 ASCII letters, digits, '_', '.', ':' or '-'")
    return name


def check_target(address: str) -> str:
    """An address Prometheus scrapes: host:port, or a host alone, to which Prometheus adds the scheme's port."""
    if "/" in address:  # what Prometheus itself refuses: "is not a valid hostname"
        raise ValueError(f"{address!r} must be host:port, not a URL")
    try:
        return check_host_port(address)
    except ValueError as exc:
        try:
            check_host_port(f"{address}:80")
        except ValueError:
            raise exc from None
        return address


class StaticConfig(Model):
    """Targets listed by hand in a ScrapeJob, with labels they all get.

        StaticConfig(targets=("app-1:8080", "app-2:8080"), labels={"team": "web"})

    Each target is an address (host:port, or a host: Prometheus adds the scheme's port) unless the job's
    relabel_configs turn it into one: a URL that the blackbox exporter probes becomes __param_target, and the
    exporter's host:port the __address__.
    """

    kind: ClassVar[str] = "static_config"
    targets: tuple[str, ...] = Field(min_length=1)
    labels: Labels = Field(default_factory=dict)

    @field_validator("targets")
    @classmethod
    def _texts(cls, targets: tuple[str, ...]) -> tuple[str, ...]:
        for target in targets:
            if not target or unsafe_character(target):
                raise ValueError(f"targets: {target!r} must be an address or URL, without spaces or control "
                                 "characters")
        return targets


class FileSDConfig(Model):
    """Targets read from files that something else writes (file-based service discovery).

        FileSDConfig(files=("/etc/prometheus/targets/*.json",), refresh_interval="1m")
    """

    kind: ClassVar[str] = "file_sd_config"
    files: tuple[str, ...] = Field(min_length=1)
    refresh_interval: PositiveDuration = "5m"

    @model_check
    def _file_patterns(self) -> FileSDConfig:
        for index, pattern in enumerate(self.files):
            if not _FILE_SD_PATTERN.fullmatch(pattern):
                raise FieldProblem(f"files[{index}] {pattern!r} is not a file pattern Prometheus takes: a path "
                                   "ending in .json, .yml or .yaml, any '*' in its last segment",
                                   field=f"files[{index}]", value=pattern)
        return self


# What Prometheus' file discovery takes (discovery/file: patFileSDName): a path ending in .json, .yml or .yaml,
# whose last segment alone may hold '*'. Any other name fails `promtool check config` and Prometheus' start.
_FILE_SD_PATTERN = re.compile(r"[^*\n]*(?:\*[^/\n]*)?\.(?:json|yml|yaml|JSON|YML|YAML)")


ROLE_META = {"pod": "pod", "endpoints": "service", "service": "service", "node": "node"}
# Pods that are not running yet or any more: scraping them only produces failed scrapes and stale series.
NOT_RUNNING_PHASES = ("Pending", "Succeeded", "Failed")
DEFAULT_APP_LABEL = "app.kubernetes.io/name"


def meta_label(key: str) -> str:
    """The Prometheus name of a Kubernetes label key: every character outside [a-zA-Z0-9_] becomes '_'."""
    return re.sub(r"[^a-zA-Z0-9_]", "_", key)


class KubernetesSDConfig(Model):
    """Kubernetes discovery that picks its own targets: by label, by port name, and (pods) by container.

    Roles pod and endpoints need a selector (app, match_labels or match_expressions) and a port name, so two
    services in one namespace never scrape each other. The same selection becomes the SD `selectors`, a keep
    in the relabelling, and the selector of the PodMonitor (pod) or ServiceMonitor (endpoints):

        KubernetesSDConfig(role="pod", namespaces=("shop",), app="shop-api", port="metrics")

    Role node discovers kubelets (cAdvisor: metrics_path="/metrics/cadvisor"); role service discovers Services.

        KubernetesSDConfig(role="node")
    """

    kind: ClassVar[str] = "kubernetes_sd_config"
    role: Literal["pod", "endpoints", "service", "node"] = "pod"
    namespaces: tuple[KubernetesName, ...] = ()
    app: Annotated[str, AfterValidator(check_label_value)] | None = None
    app_label: KubernetesLabelKey = DEFAULT_APP_LABEL
    match_labels: KubernetesLabels = Field(default_factory=dict)
    match_expressions: tuple[LabelRequirement, ...] = ()
    port: KubernetesName | None = None
    container: KubernetesName | None = None

    @model_check
    def _selects(self) -> KubernetesSDConfig:
        if self.role == "node":
            if self.namespaces or self.port or self.container:
                extra = next(f for f in ("namespaces", "port", "container") if getattr(self, f))
                raise self.field_problem(extra, "role node takes no namespaces, port or container: it discovers "
                                         "kubelets")
            return self
        if not self.requirements():
            raise ValueError(f"role {self.role} needs a selector (app, match_labels or match_expressions): "
                             "without one the job scrapes every target in its namespaces")
        if self.port is None:
            raise self.field_problem("port", f"role {self.role} needs port, the name of the metrics port")
        if self.role == "pod":
            self._container_port_name()
        if self.container and self.role != "pod":
            raise self.field_problem("container", "container selects a container of a pod: only role pod takes it")
        if self.app is not None and self.app_label in self.match_labels:
            raise self.field_problem("app", f"app sets label {self.app_label!r}, which match_labels sets too")
        return self

    @model_check
    def _namespaces_are_a_set(self) -> KubernetesSDConfig:
        require_distinct("namespaces", self.namespaces, "a ScrapeConfig's kubernetesSDConfigs namespaces are a "
                         "set, which the API server keeps free of repeats")
        return self

    def _container_port_name(self) -> None:
        """Role pod keeps the container port of this name (and its PodMonitor names it): a name Kubernetes
        refuses for a container port would select nothing."""
        try:
            check_port_name(self.port or "")
        except ValueError as exc:
            raise self.field_problem("port", f"role pod selects a container port by name: {exc}") from None

    def selector_labels(self) -> dict[str, str]:
        """The matchLabels of the selection: app under app_label, then match_labels."""
        app = {self.app_label: self.app} if self.app is not None else {}
        return dict(sorted({**app, **self.match_labels}.items()))

    def requirements(self) -> tuple[LabelRequirement, ...]:
        """Every label requirement of the selection, equality ones as In with one value."""
        equal = tuple(LabelRequirement(key=k, operator="In", values=(v,)) for k, v in self.selector_labels().items())
        return equal + self.match_expressions

    @property
    def meta_object(self) -> str:
        """Whose labels the selection reads: the pod's, the Service's (endpoints, service) or the node's."""
        return ROLE_META[self.role]


class BasicAuth(Model):
    """Basic auth: password_file for prometheus.yml; username_secret and password_secret for the Operator.

        BasicAuth(username="prometheus", password_file="/etc/prometheus/secrets/app")
    """

    kind: ClassVar[str] = "basic_auth"
    username: str = Field(min_length=1)
    password_file: SecretFile
    username_secret: SecretKeyRef | None = None
    password_secret: SecretKeyRef | None = None


class TLSConfig(Model):
    """TLS towards targets: *_file for prometheus.yml, *_secret for the Operator's monitors.

        TLSConfig(ca_file="/etc/prometheus/ca.pem", server_name="app.internal")
    """

    kind: ClassVar[str] = "tls_config"
    ca_file: SecretFile | None = None
    cert_file: SecretFile | None = None
    key_file: SecretFile | None = None
    server_name: str | None = None
    insecure_skip_verify: bool = False
    # The Operator's copies of the files, read from Secrets.
    ca_secret: SecretKeyRef | None = None
    cert_secret: SecretKeyRef | None = None
    key_secret: SecretKeyRef | None = None

    @model_check
    def _cert_and_key(self) -> TLSConfig:
        if (self.cert_file is None) != (self.key_file is None):
            raise ValueError("cert_file and key_file must be given together")
        for name in ("ca", "cert", "key"):
            if getattr(self, f"{name}_secret") and not getattr(self, f"{name}_file"):
                raise self.field_problem(f"{name}_file", f"{name}_secret is the Operator's copy of {name}_file: give "
                                         "both")
        return self


class ScrapeJob(SecretsFromFiles):
    """One scrape job: its targets (static, file or Kubernetes discovery), auth, relabelling and limits.

        ScrapeJob(name="shop", kubernetes_sd_configs=(KubernetesSDConfig(app="shop", port="metrics"),))

        ScrapeJob(name="app", static_configs=(StaticConfig(targets=("app:8080",)),), scrape_interval="30s")
    """

    inline_secrets: ClassVar[dict[str, str]] = {
        "password": "basic_auth=BasicAuth(username=..., password_file=...)",
        "bearer_token": "bearer_token_file",
    }
    kind: ClassVar[str] = "scrape job"
    name: Annotated[str, AfterValidator(_job_name)]
    scrape_interval: PositiveDuration | None = None
    scrape_timeout: PositiveDuration | None = None
    metrics_path: str = "/metrics"
    scheme: Literal["http", "https"] = "http"
    honor_labels: bool = False
    static_configs: tuple[StaticConfig, ...] = ()
    file_sd_configs: tuple[FileSDConfig, ...] = ()
    kubernetes_sd_configs: tuple[KubernetesSDConfig, ...] = ()
    basic_auth: BasicAuth | None = None
    bearer_token_file: SecretFile | None = None
    bearer_token_secret: SecretKeyRef | None = None
    tls_config: TLSConfig | None = None
    relabel_configs: tuple[RelabelConfig, ...] = ()
    metric_relabel_configs: tuple[RelabelConfig, ...] = ()
    sample_limit: int | None = Field(default=None, gt=0, le=LIMIT_MAX)
    label_limit: int | None = Field(default=None, gt=0, le=LIMIT_MAX)
    # With the Kubernetes output on, a Kubernetes job becomes a PodMonitor (role pod), a ServiceMonitor (role
    # endpoints) or a ScrapeConfig (roles node and service). False when the platform scrapes the targets already
    # (kube-prometheus-stack's kubelet): a second scrape would double every sum over them.
    monitor: bool = True

    @model_check
    def _consistent(self) -> ScrapeJob:
        if not (self.static_configs or self.file_sd_configs or self.kubernetes_sd_configs):
            raise ValueError("needs static_configs, file_sd_configs or kubernetes_sd_configs")
        if self.kubernetes_sd_configs and (len(self.kubernetes_sd_configs) > 1 or self.static_configs
                                           or self.file_sd_configs):
            raise self.field_problem("kubernetes_sd_configs", "a job with kubernetes_sd_configs has exactly one "
                                     "and no other targets, so that it is one monitor")
        if self.bearer_token_secret and not self.bearer_token_file:
            raise self.field_problem("bearer_token_file",
                                     "bearer_token_secret is the Operator's copy of bearer_token_file: give both")
        if self.basic_auth and self.bearer_token_file:
            raise ValueError("basic_auth and bearer_token_file are mutually exclusive")
        self._check_targets()
        if not self.metrics_path.startswith("/"):
            raise self.field_problem("metrics_path", f"metrics_path {self.metrics_path!r} must start with '/'")
        if (
            self.scrape_interval
            and self.scrape_timeout
            and duration_ms(self.scrape_timeout) > duration_ms(self.scrape_interval)
        ):
            raise self.field_problem(
                "scrape_timeout",
                f"scrape_timeout {self.scrape_timeout} must not exceed scrape_interval {self.scrape_interval}"
            )
        return self

    def _check_targets(self) -> None:
        """Each static target is an address once relabel_configs ran, as Prometheus needs it to scrape it: without
        relabelling the target itself (Prometheus refuses a URL there), with it what the chain makes of the target
        (Prometheus' own labels set, as it sets them), unless the chain drops it."""
        for i, static in enumerate(self.static_configs):
            for j, target in enumerate(static.targets):
                problem = self._target_problem(target, static.labels)
                if problem is not None:
                    raise FieldProblem(f"static_configs[{i}].targets[{j}]: {problem}",
                                       field=f"static_configs[{i}].targets[{j}]", value=target)

    def _target_problem(self, target: str, labels: dict[str, str]) -> str | None:
        if not self.relabel_configs:
            try:
                check_target(target)
            except ValueError as exc:
                hint = " (a URL target needs relabel_configs that set __address__, as the blackbox exporter's do)"
                return f"{exc}{hint if '/' in target else ''}"
            return None
        after = apply(self.relabel_configs, {**labels, "__address__": target, "__scheme__": self.scheme,
                                             "__metrics_path__": self.metrics_path, "job": self.name})
        if after is None:
            return None
        address = after.get("__address__", "")
        try:
            check_target(address)
        except ValueError as exc:
            return f"relabel_configs make its __address__ {address!r}, which Prometheus cannot scrape: {exc}"
        return None

