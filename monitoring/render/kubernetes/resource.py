"""A Kubernetes resource as plain data, with the metadata every generated resource shares."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from monitoring import conventions
from monitoring.model.kubernetes_output import KubernetesOutput

MANAGED_BY = {"app.kubernetes.io/managed-by": conventions.TOOL}


@dataclass(frozen=True)
class Resource:
    """One object: its kind, name and body; file is where it is written under out/, and origin what it was made
    from, as out/manifest.json names it ("service:api", "slo:api/availability", "dashboard:...")."""

    kind: str
    name: str
    body: dict[str, Any]
    origin: str = "kubernetes"

    def made_from(self, origin: str | None) -> Resource:
        return replace(self, origin=origin or self.origin)

    @property
    def file(self) -> str:
        return conventions.kubernetes_file(self.kind, self.name)


def make(output: KubernetesOutput, api_version: str, kind: str, name: str, *, namespace: str | None = None,
         labels: dict[str, str] | None = None, annotations: dict[str, str] | None = None,
         **top: Any) -> Resource:
    """A resource with apiVersion, kind and metadata (the output's labels, then these) and top-level fields."""
    metadata: dict[str, Any] = {"name": name, "namespace": namespace or output.namespace,
                                "labels": dict(sorted({**MANAGED_BY, **output.labels, **(labels or {})}.items()))}
    if annotations:
        metadata["annotations"] = dict(sorted(annotations.items()))
    return Resource(kind, name, {"apiVersion": api_version, "kind": kind, "metadata": metadata, **top})
