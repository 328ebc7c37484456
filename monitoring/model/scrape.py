"""Scrape jobs: where Prometheus finds targets, and how it authenticates to them."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field, field_validator, model_validator

from monitoring.model.base import Model, SecretsFromFiles
from monitoring.model.common import Labels, PositiveDuration, duration_ms


class StaticConfig(Model):
    kind: ClassVar[str] = "static_config"
    targets: tuple[str, ...] = Field(min_length=1)
    labels: Labels = {}

    @field_validator("targets")
    @classmethod
    def _host_port(cls, targets: tuple[str, ...]) -> tuple[str, ...]:
        for target in targets:
            if "://" in target or "/" in target or not target.rpartition(":")[2].isdigit():
                raise ValueError(f"targets: {target!r} must be host:port, without scheme or path")
        return targets


class FileSDConfig(Model):
    kind: ClassVar[str] = "file_sd_config"
    files: tuple[str, ...] = Field(min_length=1)
    refresh_interval: PositiveDuration = "5m"


class KubernetesSDConfig(Model):
    """Pod discovery, with the usual prometheus.io/* annotation relabel chain."""

    kind: ClassVar[str] = "kubernetes_sd_config"
    role: Literal["pod"] = "pod"
    namespaces: tuple[str, ...] = ()


class BasicAuth(Model):
    kind: ClassVar[str] = "basic_auth"
    username: str = Field(min_length=1)
    password_file: str = Field(min_length=1)


class TLSConfig(Model):
    kind: ClassVar[str] = "tls_config"
    ca_file: str | None = None
    cert_file: str | None = None
    key_file: str | None = None
    server_name: str | None = None
    insecure_skip_verify: bool = False

    @model_validator(mode="after")
    def _cert_and_key(self) -> TLSConfig:
        if (self.cert_file is None) != (self.key_file is None):
            raise ValueError("cert_file and key_file must be given together")
        return self


class ScrapeJob(SecretsFromFiles):
    inline_secrets: ClassVar[dict[str, str]] = {
        "password": "basic_auth=BasicAuth(username=..., password_file=...)",
        "bearer_token": "bearer_token_file",
    }
    kind: ClassVar[str] = "scrape job"
    name: str = Field(min_length=1, pattern=r"^[a-zA-Z0-9_.:-]+$")
    scrape_interval: PositiveDuration | None = None
    scrape_timeout: PositiveDuration | None = None
    metrics_path: str = "/metrics"
    scheme: Literal["http", "https"] = "http"
    honor_labels: bool = False
    static_configs: tuple[StaticConfig, ...] = ()
    file_sd_configs: tuple[FileSDConfig, ...] = ()
    kubernetes_sd_configs: tuple[KubernetesSDConfig, ...] = ()
    basic_auth: BasicAuth | None = None
    bearer_token_file: str | None = None
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
