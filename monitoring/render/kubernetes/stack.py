"""Every Kubernetes resource of a stack, and the kustomization that lists them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from monitoring import conventions
from monitoring.model.kubernetes_output import KubernetesOutput
from monitoring.model.stack import Stack
from monitoring.render.kubernetes import alertmanager, dashboards, monitors, probes, rules
from monitoring.render.kubernetes.resource import Resource


def resources(stack: Stack, output: KubernetesOutput, files: dict[str, str],
              origins: Mapping[str, str] | None = None) -> list[Resource]:
    """Rules, monitors, probes, the Alertmanager Secret, teams' routing, then dashboards; files are the plain outputs
    already rendered (the dashboards are taken from there, as Grafana would load them)."""
    found = [rules.service_rule(stack, output, s).made_from(f"service:{s.name}") for s in stack.services
             if s.rule_groups]
    found += [rules.slo_rule(stack, output, objective).made_from(f"slo:{objective.service}/{objective.name}")
              for objective in stack.slos]
    found += [monitors.monitor(stack, output, job).made_from(f"service:{s.name}") for s in stack.services
              for job in s.scrape_jobs if job.monitor]
    found += [probes.probe(output, probe).made_from(f"service:{s.name}") for s in stack.services for probe in s.probes]
    found.append(alertmanager.config_secret(stack, output).made_from("alertmanager"))
    found += [alertmanager.team_config(output, team).made_from(f"team:{team.name}") for team in output.team_routing]
    found += dashboards.dashboard_config_maps(output, files, origins)
    return found


def kustomization(found: list[Resource]) -> dict[str, Any]:
    """kustomization.yaml: every resource file, sorted; `kubectl apply -k out/kubernetes` applies them."""
    resources_dir = conventions.KUBERNETES_DIR + "/"
    return {"apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization",
            "resources": sorted(r.file.removeprefix(resources_dir) for r in found)}
