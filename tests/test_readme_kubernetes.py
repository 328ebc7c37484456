"""The README's Kubernetes example runs and writes what the README says."""

from __future__ import annotations

import re
from pathlib import Path

from monitoring.output.emitters import GenerateContext, render_files

README = Path(__file__).resolve().parent.parent / "README.md"


def test_the_kubernetes_example_generates_its_resources() -> None:
    section = README.read_text().split("## Deploying on Kubernetes", 1)[1].split("\n## ", 1)[0]
    (code,) = re.findall(r"```python\n(.*?)```", section, flags=re.S)
    namespace: dict[str, object] = {}
    exec(compile(code, str(README), "exec"), namespace)
    files = render_files(namespace["stack"], GenerateContext("README.md"))  # type: ignore[arg-type]
    assert "kubectl apply --server-side -k out/kubernetes" in section
    assert sorted(p for p in files if p.startswith("kubernetes/")) == [
        "kubernetes/kustomization.yaml", "kubernetes/podmonitor-shop.yaml",
        "kubernetes/secret-alertmanager-config.yaml"]
