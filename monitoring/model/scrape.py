"""Scrape jobs: where Prometheus finds targets, and how it authenticates to them."""

from __future__ import annotations

import re
from typing import Annotated, ClassVar, Literal

from pydantic import AfterValidator, Field, field_validator, model_validator

from monitoring.model.base import Model, SecretsFromFiles
from monitoring.model.common import Labels, PositiveDuration, SecretFile, duration_ms
from monitoring.units import check_host_port

_JOB_NAME = re.compile(r"\A[a-zA-Z0-9_.:-]{1,200}\Z")


def _job_name(name: str) -> str:
    if not _JOB_NAME.match(name):
        raise ValueError(f"scrape job name {name!r} must be 1 to 200 ASCII letters, digits, '_', '.', ':' or '-'")
    return name


class StaticConfig(Model):
    """Targets listed by hand (host:port), with labels added to every series scraped from them.

        StaticConfig(targets=("api-0:8080", "api-1:8080"), labels={"team": "api"})
    """

    kind: ClassVar[str] = "static_config"
    targets: tuple[str, ...] = Field(min_length=1)
    labels: Labels = {}

    @field_validator("targets")
    @classmethod
    def _host_port(cls, targets: tuple[str, ...]) -> tuple[str, ...]:
        for target in targets:
            try:
                check_host_port(target)
            except ValueError as exc:
                raise ValueError(f"targets: {exc}") from None
        return targets


class FileSDConfig(Model):
    """Targets read from JSON or YAML files that another tool keeps up to date.

        FileSDConfig(files=("/etc/prometheus/targets/api-*.json",))
    """

    kind: ClassVar[str] = "file_sd_config"
    files: tuple[str, ...] = Field(min_length=1)
    refresh_interval: PositiveDuration = "5m"


class KubernetesSDConfig(Model):
    """Pod discovery, with the usual prometheus.io/* annotation relabel chain.

        KubernetesSDConfig(namespaces=("shop",))
    """

    kind: ClassVar[str] = "kubernetes_sd_config"
    role: Literal["pod"] = "pod"
    namespaces: tuple[str, ...] = ()


class BasicAuth(Model):
    """HTTP basic authentication for a scrape; the password comes from a file, never inline.

        BasicAuth(username="prometheus", password_file="/etc/prometheus/secrets/api")
    """

    kind: ClassVar[str] = "basic_auth"
    username: str = Field(min_length=1)
    password_file: SecretFile


class TLSConfig(Model):
    """TLS settings for scraping https targets: a CA to trust, a client certificate, the server name.

        TLSConfig(ca_file="/etc/prometheus/ca.pem", server_name="api.internal")
    """

    kind: ClassVar[str] = "tls_config"
    ca_file: SecretFile | None = None
    cert_file: SecretFile | None = None
    key_file: SecretFile | None = None
    server_name: str | None = None
    insecure_skip_verify: bool = False

    @model_validator(mode="after")
    def _cert_and_key(self) -> TLSConfig:
        if (self.cert_file is None) != (self.key_file is None):
            raise ValueError("cert_file and key_file must be given together")
        return self


class ScrapeJob(SecretsFromFiles):
    """How Prometheus finds and scrapes one kind of target: use one per exporter or application.

        ScrapeJob(name="api", scrape_interval="15s", static_configs=(StaticConfig(targets=("api:8080",)),))
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
    tls_config: TLSConfig | None = None

    @model_validator(mode="after")
    def _consistent(self) -> ScrapeJob:
        if not (self.static_configs or self.file_sd_configs or self.kubernetes_sd_configs):
            raise ValueError("needs static_configs, file_sd_configs or kubernetes_sd_configs")
        if self.basic_auth and self.bearer_token_file:
            raise ValueError("basic_auth and bearer_token_file are mutually exclusive")
        if not self.metrics_path.startswith("/"):
            raise ValueError(f"metrics_path {self.metrics_path!r} must start with '/'")
        if (
            self.scrape_interval
            and self.scrape_timeout
            and duration_ms(self.scrape_timeout) > duration_ms(self.scrape_interval)
        ):
            raise ValueError(
                f"scrape_timeout {self.scrape_timeout} must not exceed scrape_interval {self.scrape_interval}"
            )
        return self
