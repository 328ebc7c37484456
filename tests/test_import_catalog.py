"""The metric catalog `monitoring import` infers: evidence from the expressions over names, metadata over both."""

from __future__ import annotations

import pytest

from monitoring.errors import DefinitionError
from monitoring.imports import catalog
from monitoring.model.metrics import Counter, Gauge, Histogram, Summary


def _infer(*exprs: str, metadata: dict[str, str] | None = None) -> tuple[dict[str, object], list[str]]:
    usage = catalog.Usage()
    for index, expr in enumerate(exprs):
        usage.add(expr, f"alert 'A{index}'")
    metrics, notes = catalog.infer(usage, (), {}, metadata)
    return {m.name: m for m in metrics}, notes


CASES = [
    # (expressions, metric, its type, third_party, a note that must be there, or "")
    # Ceph names its counters without _total: rate() says what they are, and the lint then agrees.
    (["rate(ceph_osd_op_r[5m]) > 100"], "ceph_osd_op_r", Counter, True,
     "ceph_osd_op_r: rate() in alert 'A0' reads it as a counter, although its name suggests a gauge"),
    (["sum(increase(errors[1h])) > 0", "resets(restarts[1h]) > 0"], "errors", Counter, True, ""),
    (["deriv(node_filesystem_used_total[1h]) > 0"], "node_filesystem_used_total", Gauge, True,
     "node_filesystem_used_total: deriv() in alert 'A0' reads it as a gauge, although its name suggests a counter"),
    (["predict_linear(disk_free_bytes[6h], 86400) < 0"], "disk_free_bytes", Gauge, False, ""),
    (["histogram_quantile(0.99, sum by (le) (rate(rpc_seconds_bucket[5m]))) > 1"], "rpc_seconds", Histogram, False,
     ""),
    (["rate(gc_seconds_sum[5m]) / rate(gc_seconds_count[5m]) > 1"], "gc_seconds", Summary, False, ""),
    (["http_requests_total > 1"], "http_requests_total", Counter, False, ""),
    (["queue_depth > 1"], "queue_depth", Gauge, False, ""),
    # An aggregation over time is weak evidence: a _total name keeps its counter, with a note.
    (["max_over_time(jobs_total[1h]) > 3"], "jobs_total", Counter, False,
     "jobs_total: max_over_time() in alert 'A0' reads it as a gauge, but its name says counter: kept a counter"),
    (["avg_over_time(temperature_celsius[10m]) > 80"], "temperature_celsius", Gauge, False, ""),
    # Two expressions disagree: the conflict is reported, the name decides.
    (["rate(pool_bytes[5m]) > 1", "delta(pool_bytes[5m]) > 0"], "pool_bytes", Gauge, False,
     "pool_bytes: conflict: rate() in alert 'A0' reads it as a counter; delta() in alert 'A1' reads it as a gauge; "
     "kept a gauge, as its name suggests"),
]


@pytest.mark.parametrize(("exprs", "name", "kind", "third_party", "note"), CASES, ids=[c[1] for c in CASES])
def test_types_come_from_how_expressions_use_them(exprs: list[str], name: str, kind: type, third_party: bool,
                                                  note: str) -> None:
    metrics, notes = _infer(*exprs)
    assert type(metrics[name]) is kind
    assert getattr(metrics[name], "third_party", False) is third_party
    assert not note or any(n.startswith(note) for n in notes), notes


def test_prometheus_metadata_wins_and_a_disagreement_is_a_conflict() -> None:
    metrics, notes = _infer("rate(ceph_pool_rd[5m]) > 1", "ceph_pool_objects > 1e6",
                            metadata={"ceph_pool_rd": "gauge", "ceph_pool_objects": "counter"})
    assert type(metrics["ceph_pool_rd"]) is Gauge and type(metrics["ceph_pool_objects"]) is Counter
    assert metrics["ceph_pool_objects"].third_party
    assert ("ceph_pool_rd: conflict: Prometheus' metadata says a gauge, but rate() in alert 'A0' reads it as a "
            "counter; kept a gauge") in notes
    assert not any(n.startswith("ceph_pool_objects") for n in notes)  # no expression said otherwise


def test_the_naming_rule_holds_for_the_project_own_metrics() -> None:
    with pytest.raises(DefinitionError, match="counter name 'ceph_osd_op_r' must end in '_total'"):
        Counter(name="ceph_osd_op_r", help="Reads.")
    assert Counter(name="ceph_osd_op_r", help="Reads.", third_party=True).name == "ceph_osd_op_r"


def test_labels_come_from_groupings_and_joins_too() -> None:
    """Ceph's dashboards group by labels no matcher names: the catalog declares them, so the label checks that
    read those dashboards find nothing missing."""
    metrics, _ = _infer(
        "sum by (source_zone) (rate(ceph_data_sync_from_zone_fetch_bytes_sum[5m]))",
        "rate(ceph_rgw_get_b[5m]) * on (instance_id) group_left (ceph_daemon) ceph_rgw_metadata",
        'label_replace(rate(node_disk_io_time_seconds_total{job="node"}[5m]), "host", "$1", "instance", "(.*)")',
        "count without (hostname) (ceph_osd_metadata)")
    assert metrics["ceph_data_sync_from_zone_fetch_bytes"].labels == ("source_zone",)
    assert metrics["ceph_rgw_get_b"].labels == ("ceph_daemon", "instance_id")
    assert metrics["ceph_rgw_metadata"].labels == ("ceph_daemon", "instance_id")
    assert metrics["node_disk_io_time_seconds_total"].labels == ("job",)  # instance comes from the scrape
    assert metrics["ceph_osd_metadata"].labels == ("hostname",)


def test_labels_an_alert_template_reads_are_carried_by_its_series() -> None:
    """Ceph's CephNodeDiskspaceWarning says `$labels.mountpoint`: node exporter's filesystem series carry it."""
    usage = catalog.Usage()
    expr = ('predict_linear(node_filesystem_free_bytes{device=~"/.*"}[2d], 3600 * 24 * 5) '
            '* on(instance) group_left(nodename) node_uname_info < 0')
    usage.add(expr, "alert 'CephNodeDiskspaceWarning'")
    usage.templated(expr, ["Mountpoint {{ $labels.mountpoint }} on {{ $labels.nodename }} ({{ $labels.job }})"])
    metrics = {m.name: m for m in catalog.infer(usage, (), {})[0]}
    assert metrics["node_filesystem_free_bytes"].labels == ("device", "mountpoint", "nodename")
