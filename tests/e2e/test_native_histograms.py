"""Native-histogram latency SLOs on a real Prometheus 2.42 started with `--enable-feature=native-histograms`.

promtool 2.42 cannot prove these rules: its input series notation has no native histogram samples (a series
written as `{{schema:0 sum:5 count:4 buckets:[1 2 1]}}` fails with "unexpected character in series sequence: '{'";
the notation arrived in later releases). So the generated rules run on the server itself, scraping a target that
serves a native histogram in the protobuf exposition format (tests/e2e/native_histogram.py).

Healthy, 5 of every 10,000 requests are slower than 0.5 s: every recorded window's error ratio is exactly 0.0005,
the page stays silent, and the budget report for this month says half the 0.1% budget is spent. Then every request
is slow: the page fires.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from monitoring import SLO, CalendarPeriod, Histogram, LatencySLI, ScrapeJob, Service, Stack, StaticConfig
from monitoring.live.client import PrometheusClient
from monitoring.output.emitters import GenerateContext, render_files
from monitoring.output.files import write_tree
from monitoring.slo.budget import budget_report
from monitoring.slo.windows import Tier
from tests.test_slo_stacks import routing

from .conftest import require_server
from .environment import _start_server
from .harness import LOOPBACK, Servers, WebhookSink, wait_for
from .native_histogram import NativeHistogramTarget

pytestmark = pytest.mark.e2e

METRIC = "web_request_duration_seconds"
HEALTHY = (9995, 5)  # fast and slow requests per scrape: an error ratio of 0.0005, a burn rate of 0.5
OUTAGE = (0, 1000)
TIMEOUT = 60.0


def native_stack(target: str) -> Stack:
    web = Service(name="web", metrics=(Histogram(name=METRIC, unit="seconds", help="Latency.", native=True),),
                  scrape_jobs=(ScrapeJob(name="web",
                                         static_configs=(StaticConfig(targets=(target,)),)),))
    slo = SLO(name="latency", service="web", objective="99.9", calendar=CalendarPeriod(unit="month"),
              sli=LatencySLI(histogram=METRIC, threshold="0.5", native=True))
    return Stack(name="native", services=(web,), routing=routing(), slos=(slo,), scrape_interval="1s",
                 scrape_timeout="1s", evaluation_interval="1s")


@pytest.fixture
def native_prometheus(tmp_path: Path) -> Iterator[tuple[Servers, NativeHistogramTarget, SLO]]:
    prometheus = require_server("prometheus")
    target = NativeHistogramTarget(METRIC, *HEALTHY).start(LOOPBACK)
    with contextlib.ExitStack() as cleanup:
        cleanup.callback(target.stop)
        stack = native_stack(target.address)
        config = tmp_path / "config"
        write_tree(render_files(stack, GenerateContext("tests.e2e.test_native_histograms")), config)
        (tmp_path / "logs").mkdir()
        processes: list = []
        port = _start_server(
            "prometheus",
            lambda port: [prometheus, f"--config.file={config}/prometheus/prometheus.yml",
                          f"--storage.tsdb.path={tmp_path}/data", f"--web.listen-address={LOOPBACK}:{port}",
                          "--enable-feature=native-histograms"],
            lambda port: None, tmp_path / "logs", processes, cleanup)
        sink = WebhookSink()
        yield Servers(f"{LOOPBACK}:{port}", f"{LOOPBACK}:9", sink, lambda: processes), target, stack.slos[0]


def _ratio(servers: Servers, slo: SLO, window: str) -> float | None:
    return servers.scalar(f'slo:sli_error:ratio_rate{window}{{service="web", slo="{slo.name}"}}')


def _page(servers: Servers, slo: SLO) -> list[dict]:
    return [a for a in servers.prometheus_alerts() if a["labels"].get("alertname") == slo.alert_name(Tier.PAGE)]


def test_a_native_histogram_latency_slo_records_exact_ratios_and_pages_on_an_outage(
        native_prometheus: tuple[Servers, NativeHistogramTarget, SLO]) -> None:
    servers, target, slo = native_prometheus
    windows = slo.plan.rate_windows

    def diagnostics() -> str:
        rules = [(r["name"], r["health"], r.get("lastError")) for g in servers.rules() for r in g["rules"]]
        return f"scrapes: {target.scrapes}\nrules: {rules}\nalerts: {servers.prometheus_alerts()}"

    # The native histogram is ingested as one series (no _bucket/_count), and the SLI reads it.
    wait_for("three scrapes of the native histogram", lambda: target.scrapes >= 3, TIMEOUT, diagnostics)
    assert servers.query(f'{METRIC}_count') == []
    assert servers.scalar(f"histogram_count({METRIC})") is not None
    def every_ratio() -> dict[str, float] | None:
        found = {w: _ratio(servers, slo, w) for w in windows}
        return found if all(r is not None for r in found.values()) else None  # type: ignore[return-value]

    ratios = wait_for("every window's error ratio", every_ratio, TIMEOUT, diagnostics)
    assert set(ratios) == set(windows) and len(windows) >= 7  # 5m, 30m, 1h, 2h, 6h, 1d, 3d
    for window, ratio in ratios.items():
        assert ratio == pytest.approx(0.0005, rel=1e-9), (window, ratio)
    assert slo.plan.tier_pairs(Tier.PAGE)[0].threshold > 0.0005
    rules = [r for g in servers.rules() for r in g["rules"]]
    assert all(r["health"] == "ok" and not r.get("lastError") for r in rules), diagnostics()

    # Healthy for a while longer: the page is never even pending.
    healthy_until = time.monotonic() + 5
    while time.monotonic() < healthy_until:
        assert _page(servers, slo) == [], diagnostics()
        time.sleep(0.5)
    assert _ratio(servers, slo, "5m") == pytest.approx(0.0005, rel=1e-9)

    # `monitoring budget-report`: this month so far (all the data there is), half the 0.1% budget spent.
    client = PrometheusClient(servers.prometheus)
    [row] = budget_report(client, (slo,), at=client.now())
    assert row.period.startswith("month from ") and row.period.endswith("-01T00:00:00+00:00")
    assert row.sli == pytest.approx(0.9995, rel=1e-9) and row.budget_left == pytest.approx(0.5, rel=1e-6)

    # Every request slow: the page fires (no `for`), and the recorded ratios are above its threshold.
    target.set_mix(*OUTAGE)
    firing = wait_for("the page to fire", lambda: [a for a in _page(servers, slo) if a["state"] == "firing"],
                      TIMEOUT, diagnostics)
    assert firing[0]["labels"]["severity"] == "critical"
    fast = slo.plan.tier_pairs(Tier.PAGE)[0]
    for window in (fast.window.long, fast.window.short):
        ratio = _ratio(servers, slo, window)
        assert ratio is not None and ratio > fast.threshold, (window, ratio)
