"""Shared metric catalogs of the usual Kubernetes exporters, for Stack.catalogs.

Every service's rules may select these metrics (its own catalog plus the shared ones), so an alert on memory
against the container limit needs no service to pretend it exposes cAdvisor's metrics:

    Stack(..., catalogs=(catalogs.kube_state_metrics(), catalogs.cadvisor(), catalogs.process()))
"""

from __future__ import annotations

from monitoring.model.metrics import Catalog, Counter, Gauge

_CONTAINER = ("namespace", "pod", "container")


def kube_state_metrics() -> Catalog:
    """kube-state-metrics: the desired and reported state of Kubernetes objects."""
    return Catalog(name="kube-state-metrics", description="Kubernetes object state (kube-state-metrics).", metrics=(
        Gauge(name="kube_pod_container_resource_limits", labels=(*_CONTAINER, "resource", "unit"),
              unit_labels=("resource", "unit"),
              help="Resource limits of a container (memory in bytes, cpu in cores)."),
        Gauge(name="kube_pod_container_resource_requests", labels=(*_CONTAINER, "resource", "unit"),
              unit_labels=("resource", "unit"),
              help="Resource requests of a container (memory in bytes, cpu in cores)."),
        Counter(name="kube_pod_container_status_restarts_total", labels=_CONTAINER, help="Container restarts."),
        Gauge(name="kube_pod_status_phase", labels=("namespace", "pod", "phase"),
              help="1 for the phase the pod is in, 0 for the others."),
        Gauge(name="kube_deployment_spec_replicas", labels=("namespace", "deployment"),
              help="Replicas the Deployment asks for."),
        Gauge(name="kube_deployment_status_replicas_available", labels=("namespace", "deployment"),
              help="Replicas of the Deployment that are available."),
        Gauge(name="kube_horizontalpodautoscaler_spec_max_replicas", labels=("namespace", "horizontalpodautoscaler"),
              help="The most replicas the HorizontalPodAutoscaler may set."),
        Gauge(name="kube_horizontalpodautoscaler_status_current_replicas",
              labels=("namespace", "horizontalpodautoscaler"),
              help="Replicas the HorizontalPodAutoscaler currently runs."),
    ))


def cadvisor() -> Catalog:
    """cAdvisor, as the kubelet serves it on /metrics/cadvisor: per-container resource usage."""
    return Catalog(name="cadvisor", description="Container resource usage (cAdvisor in the kubelet).", metrics=(
        Gauge(name="container_memory_working_set_bytes", unit="bytes", labels=_CONTAINER,
              help="Memory the kernel cannot reclaim without swapping: what the OOM killer watches."),
        Counter(name="container_cpu_usage_seconds_total", unit="seconds", labels=_CONTAINER,
                help="CPU time consumed by the container, in core-seconds."),
        Counter(name="container_cpu_cfs_throttled_periods_total", labels=_CONTAINER,
                help="CFS periods in which the container was throttled."),
        Counter(name="container_cpu_cfs_periods_total", labels=_CONTAINER,
                help="CFS periods in which the container was runnable."),
        Counter(name="container_network_receive_bytes_total", unit="bytes", labels=("namespace", "pod", "interface"),
                help="Bytes received by the pod's network interfaces."),
        Counter(name="container_network_transmit_bytes_total", unit="bytes", labels=("namespace", "pod", "interface"),
                help="Bytes sent by the pod's network interfaces."),
    ))


def node_exporter() -> Catalog:
    """node-exporter: the machine under the pods."""
    return Catalog(name="node-exporter", description="Node resources (node-exporter).", metrics=(
        Counter(name="node_cpu_seconds_total", unit="seconds", labels=("cpu", "mode"),
                help="CPU time spent in each mode."),
        Gauge(name="node_memory_MemAvailable_bytes", unit="bytes", help="Memory available without swapping."),
        Gauge(name="node_memory_MemTotal_bytes", unit="bytes", help="Total usable memory."),
        Gauge(name="node_filesystem_avail_bytes", unit="bytes", labels=("device", "fstype", "mountpoint"),
              help="Filesystem space available to non-root users."),
        Gauge(name="node_filesystem_size_bytes", unit="bytes", labels=("device", "fstype", "mountpoint"),
              help="Filesystem size."),
        Gauge(name="node_load1", help="1-minute load average."),
    ))


def process() -> Catalog:
    """The process metrics every Prometheus client library exports for the process it runs in."""
    return Catalog(name="process", description="Process metrics of the client libraries.", metrics=(
        Counter(name="process_cpu_seconds_total", unit="seconds", help="User and system CPU time spent."),
        Gauge(name="process_resident_memory_bytes", unit="bytes", help="Resident memory size."),
        Gauge(name="process_virtual_memory_bytes", unit="bytes", help="Virtual memory size."),
        Gauge(name="process_open_fds", help="Open file descriptors."),
        Gauge(name="process_max_fds", help="The most file descriptors the process may open."),
        Gauge(name="process_start_time_seconds", unit="seconds", help="Start time since the Unix epoch."),
    ))
