"""Blackbox probes: HTTP endpoints that Prometheus checks through the blackbox exporter."""

from __future__ import annotations

from typing import ClassVar
from urllib.parse import urlsplit

from pydantic import Field, field_validator

from monitoring.model.base import Model, model_check
from monitoring.model.common import Labels, PositiveDuration, Slug
from monitoring.units import safe_url, unsafe_character


class BlackboxModule(Model):
    """One module of the blackbox exporter's blackbox.yml: how a target is probed and what counts as success.

    Use the modules in MODULES; a module is named by probes, e.g. `Probe(module="http_ready", ...)`.
    """

    kind: ClassVar[str] = "blackbox module"
    name: str = Field(pattern=r"^[a-z0-9_]+$")
    timeout: PositiveDuration
    valid_status_codes: tuple[int, ...] = Field(min_length=1)
    method: str = "GET"
    follow_redirects: bool = True


# Every 2xx status code that is defined (RFC 9110, 4918, 5842, 3229).
STATUS_2XX = (200, 201, 202, 203, 204, 205, 206, 207, 208, 226)
MODULES: dict[str, BlackboxModule] = {
    # Liveness: the process answers at all.
    "http_2xx": BlackboxModule(name="http_2xx", timeout="5s", valid_status_codes=STATUS_2XX),
    # Readiness: only 200 means ready (a 503 is the usual "not ready yet"); a redirect is not an answer.
    "http_ready": BlackboxModule(name="http_ready", timeout="3s", valid_status_codes=(200,),
                                 follow_redirects=False),
}

# What the blackbox exporter exposes per probe: selectable by rules and dashboards once a stack has probes.
PROBE_SERIES = frozenset({
    "probe_success", "probe_duration_seconds", "probe_http_status_code", "probe_http_duration_seconds",
    "probe_ssl_earliest_cert_expiry", "probe_http_ssl", "probe_dns_lookup_time_seconds",
})


class KubernetesServiceTarget(Model):
    """A Kubernetes Service to probe through its cluster DNS name, when one URL for the Service is enough.

        KubernetesServiceTarget(name="mcp-server", namespace="mcp", port=8080)
    """

    kind: ClassVar[str] = "kubernetes service target"
    name: Slug
    namespace: Slug = "default"
    port: int = Field(ge=1, le=65535)
    scheme: str = Field(default="http", pattern=r"^https?$")

    def url(self, path: str) -> str:
        return f"{self.scheme}://{self.name}.{self.namespace}.svc:{self.port}{path}"


class Probe(Model):
    """An HTTP endpoint probed by the blackbox exporter, as one scrape job named `name`.

    Use it for health and readiness endpoints that have no metrics of their own, by URL or Kubernetes Service:

        Probe(name="mcp-ready", module="http_ready", targets=("http://mcp-0.mcp:8080/ready",))
    """

    kind: ClassVar[str] = "probe"
    name: str = Field(min_length=1, pattern=r"^[a-zA-Z0-9_.:-]+$")
    module: str
    targets: tuple[str, ...] = ()
    service: KubernetesServiceTarget | None = None
    path: str = "/"
    interval: PositiveDuration = "30s"
    exporter: str = "blackbox-exporter:9115"
    slow_after: PositiveDuration = "1s"
    labels: Labels = Field(default_factory=dict)

    @field_validator("module")
    @classmethod
    def _known_module(cls, module: str) -> str:
        if module not in MODULES:
            raise ValueError(f"module {module!r} is not a blackbox module: use one of {', '.join(sorted(MODULES))}")
        return module

    @field_validator("targets")
    @classmethod
    def _urls(cls, targets: tuple[str, ...]) -> tuple[str, ...]:
        for target in targets:
            if unsafe_character(target):  # urlsplit would drop a line break, and Prometheus refuse the URL
                raise ValueError(f"targets: {safe_url(target)!r} must not contain a space or a control character")
            parts = urlsplit(target)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise ValueError(f"targets: {target!r} must be a URL with http:// or https:// and a host")
        return targets

    @field_validator("exporter")
    @classmethod
    def _host_port(cls, exporter: str) -> str:
        if "/" in exporter or not exporter.rpartition(":")[2].isdigit():
            raise ValueError(f"exporter {exporter!r} must be the blackbox exporter's host:port")
        return exporter

    @model_check
    def _one_source(self) -> Probe:
        if bool(self.targets) == (self.service is not None):
            raise ValueError("set targets (URLs) or service (a Kubernetes Service), exactly one")
        if not self.path.startswith("/"):
            raise self.field_problem("path", f"path {self.path!r} must start with '/'")
        return self

    @property
    def urls(self) -> tuple[str, ...]:
        """The URLs probed: the targets, or the Service's DNS name with path."""
        return self.targets if self.service is None else (self.service.url(self.path),)

    @property
    def timeout(self) -> str:
        return MODULES[self.module].timeout

    @property
    def https(self) -> bool:
        return any(url.startswith("https://") for url in self.urls)
