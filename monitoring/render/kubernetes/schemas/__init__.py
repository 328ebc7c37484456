"""The Prometheus Operator's CRD schemas (openAPIV3Schema of each served version), as package data.

Extracted from the Operator's CustomResourceDefinitions (Apache-2.0, see NOTICE.md) by `extract`, which keeps
each schema as published except for its `description` texts (documentation, a large share of the bytes).
tests/test_kubernetes_schemas.py proves the shipped files equal a fresh extraction from the CRDs.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
OPERATOR_VERSION = "0.93.0"
# kind -> (apiVersion, CRD file in the Operator's repository)
KINDS = {
    "PrometheusRule": ("monitoring.coreos.com/v1", "monitoring.coreos.com_prometheusrules.yaml"),
    "PodMonitor": ("monitoring.coreos.com/v1", "monitoring.coreos.com_podmonitors.yaml"),
    "ServiceMonitor": ("monitoring.coreos.com/v1", "monitoring.coreos.com_servicemonitors.yaml"),
    "Probe": ("monitoring.coreos.com/v1", "monitoring.coreos.com_probes.yaml"),
    "AlertmanagerConfig": ("monitoring.coreos.com/v1alpha1", "monitoring.coreos.com_alertmanagerconfigs.yaml"),
    "ScrapeConfig": ("monitoring.coreos.com/v1alpha1", "monitoring.coreos.com_scrapeconfigs.yaml"),
}


def _without_descriptions(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _without_descriptions(v) for k, v in node.items() if not (k == "description" and isinstance(v, str))}
    if isinstance(node, list):
        return [_without_descriptions(item) for item in node]
    return node


def extract(crd_dir: Path) -> dict[str, str]:
    """file name -> JSON text of the schema of each kind, from the Operator's CRD files."""
    import yaml  # only here: checking out/ reads the shipped JSON and needs no PyYAML

    class CRDLoader(yaml.SafeLoader):
        """The CRDs quote enum values such as '=' that YAML 1.1 would read as its 'value' tag: read them as text."""

    CRDLoader.add_constructor("tag:yaml.org,2002:value", lambda loader, node: loader.construct_scalar(node))
    files = {}
    for kind, (api_version, crd_file) in KINDS.items():
        crd = yaml.load((crd_dir / crd_file).read_text(), Loader=CRDLoader)
        version = api_version.rpartition("/")[2]
        (served,) = [v for v in crd["spec"]["versions"] if v["name"] == version]
        schema = _without_descriptions(served["schema"]["openAPIV3Schema"])
        files[f"{kind}.json"] = json.dumps(schema, sort_keys=True, separators=(",", ":")) + "\n"
    return files


@cache
def schema(kind: str) -> dict[str, Any]:
    """The openAPIV3Schema of kind, as shipped."""
    loaded: dict[str, Any] = json.loads((HERE / f"{kind}.json").read_text())
    return loaded

