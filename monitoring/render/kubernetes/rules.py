"""PrometheusRule: one per service (its rule groups) and one per SLO (its recording and alerting rules)."""

from __future__ import annotations

from monitoring import conventions
from monitoring.model.kubernetes_output import KubernetesOutput
from monitoring.model.service import Service
from monitoring.model.slo import SLO
from monitoring.model.stack import Stack
from monitoring.render import rules
from monitoring.render.kubernetes.resource import Resource, make
from monitoring.slo import rules as slo_rules

API_VERSION = "monitoring.coreos.com/v1"


def service_rule(stack: Stack, output: KubernetesOutput, service: Service) -> Resource:
    """The service's rule groups, exactly as in its plain rule file."""
    return make(output, API_VERSION, "PrometheusRule", service.name, labels={"app.kubernetes.io/part-of": stack.name},
                spec=rules.render(stack, service))


def slo_rule(stack: Stack, output: KubernetesOutput, objective: SLO) -> Resource:
    """One SLO's group, exactly as in its plain rule file."""
    name = conventions.slo_rule_resource(objective.service, objective.name)
    return make(output, API_VERSION, "PrometheusRule", name, labels={"app.kubernetes.io/part-of": stack.name},
                spec=slo_rules.render(stack, objective))
