"""How a Kubernetes scrape job picks its targets, as relabelling steps: one definition for prometheus.yml, the
Operator's monitors and the tests that evaluate the chain against discovered targets.

prometheus.yml: selection (keep by label), then target steps (phase, port, container, address, labels), then
the job's own relabel_configs. A monitor selects by its `selector`; the Operator builds address, namespace, pod
and container itself and drops Succeeded/Failed pods, so it gets only the steps it lacks (monitor_steps).
"""

from __future__ import annotations

import re

from monitoring.model.kubernetes import LabelRequirement
from monitoring.model.relabel import RelabelConfig
from monitoring.model.scrape import NOT_RUNNING_PHASES, KubernetesSDConfig, ScrapeJob, meta_label

META = "__meta_kubernetes_"


def literal(text: str) -> str:
    """text as an RE2 regex that matches only itself (re.escape would also escape '-', which reads badly)."""
    return re.sub(r"([.\\^$*+?()\[\]{}|])", r"\\\1", text)


def _requirement_step(sd: KubernetesSDConfig, req: LabelRequirement) -> RelabelConfig:
    key = meta_label(req.key)
    if req.operator in ("In", "NotIn"):
        action = "keep" if req.operator == "In" else "drop"
        regex = "|".join(literal(v) for v in req.values)
        return RelabelConfig(source_labels=(f"{META}{sd.meta_object}_label_{key}",), regex=regex, action=action)
    action = "keep" if req.operator == "Exists" else "drop"
    return RelabelConfig(source_labels=(f"{META}{sd.meta_object}_labelpresent_{key}",), regex="true", action=action)


def selection_steps(sd: KubernetesSDConfig) -> tuple[RelabelConfig, ...]:
    """Keep exactly the targets the selector matches (the SD selectors already narrow what is listed)."""
    return tuple(_requirement_step(sd, req) for req in sd.requirements())


def _not_running(phases: tuple[str, ...]) -> RelabelConfig:
    return RelabelConfig(source_labels=(f"{META}pod_phase",), regex="|".join(phases), action="drop")


def _copy(label: str, target: str) -> RelabelConfig:
    return RelabelConfig(source_labels=(label,), target_label=target)


def _container(sd: KubernetesSDConfig) -> tuple[RelabelConfig, ...]:
    if sd.container is None:
        return ()
    return (RelabelConfig(source_labels=(f"{META}pod_container_name",), regex=literal(sd.container),
                          action="keep"),)


def target_steps(sd: KubernetesSDConfig) -> tuple[RelabelConfig, ...]:
    """After selection: drop pods that do not run, keep the metrics port (and container), set the address
    from the pod IP (in brackets when it is IPv6) and the port, and label targets with where they run."""
    if sd.role == "node":
        return (_copy(f"{META}node_name", "node"),)
    port = literal(sd.port or "")
    if sd.role == "service":
        return (RelabelConfig(source_labels=(f"{META}service_port_name",), regex=port, action="keep"),
                _copy(f"{META}namespace", "namespace"), _copy(f"{META}service_name", "service"))
    port_label = f"{META}pod_container_port_name" if sd.role == "pod" else f"{META}endpoint_port_name"
    ip_port = (f"{META}pod_ip", f"{META}pod_container_port_number")
    steps = [
        _not_running(NOT_RUNNING_PHASES),
        RelabelConfig(source_labels=(port_label,), regex=port, action="keep"),
        *_container(sd),
        RelabelConfig(source_labels=ip_port, regex=r"([^:]+);(\d+)", replacement="$1:$2",
                      target_label="__address__"),
        RelabelConfig(source_labels=ip_port, regex=r"(.*:.*);(\d+)", replacement="[$1]:$2",
                      target_label="__address__"),
        _copy(f"{META}namespace", "namespace"),
        _copy(f"{META}pod_name", "pod"),
        _copy(f"{META}pod_container_name", "container"),
        _copy(f"{META}pod_node_name", "node"),
    ]
    if sd.role == "endpoints":
        steps.append(_copy(f"{META}service_name", "service"))
    return tuple(steps)


def relabel_chain(job: ScrapeJob) -> tuple[RelabelConfig, ...]:
    """The whole relabel_configs of a job in prometheus.yml."""
    kubernetes = tuple(step for sd in job.kubernetes_sd_configs for step in (*selection_steps(sd), *target_steps(sd)))
    return kubernetes + job.relabel_configs


def monitor_steps(job: ScrapeJob, sd: KubernetesSDConfig) -> tuple[RelabelConfig, ...]:
    """The relabelings of the job's monitor: what the Operator does not do itself, then the job's own.

    The Operator drops Succeeded and Failed pods and sets namespace, pod and container; it does not drop Pending
    pods, keep one container, label the node, or name the job as the model does (it uses namespace/monitor)."""
    steps = [_not_running(("Pending",)), *_container(sd), _copy(f"{META}pod_node_name", "node"),
             RelabelConfig(target_label="job", replacement=job.name)]
    return (*steps, *job.relabel_configs)


def sd_selectors(sd: KubernetesSDConfig) -> list[dict[str, str]]:
    """kubernetes_sd_configs selectors: the API server lists only matching objects."""
    if not sd.requirements():
        return []
    role = {"pod": "pod", "endpoints": "service", "service": "service", "node": "node"}[sd.role]
    return [{"role": role, "label": ",".join(req.selector_text() for req in sd.requirements())}]
