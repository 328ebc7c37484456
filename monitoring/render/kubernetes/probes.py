"""The Prometheus Operator's Probe resource for each blackbox probe: the same exporter, module, interval and
targets as the probe's scrape job in prometheus.yml."""

from __future__ import annotations

from monitoring.model.kubernetes_output import KubernetesOutput
from monitoring.model.probe import Probe
from monitoring.render.blackbox import operator_probe_spec
from monitoring.render.kubernetes.resource import Resource, make

API_VERSION = "monitoring.coreos.com/v1"


def probe(output: KubernetesOutput, probe: Probe) -> Resource:
    return make(output, API_VERSION, "Probe", probe.name, spec=operator_probe_spec(probe))
