"""`monitoring check` and `monitoring backtest` against a real Prometheus.

- the e2e environment (every demo exporter serving both metric families): nothing is dead;
- a demo exporter serving only the OpenTelemetry family: `check` names exactly the rules on the seed family;
- a history backfilled with `promtool tsdb create-blocks-from openmetrics`, holding one outage and one blip
  shorter than `for`: `backtest` reports exactly the outage, from its start plus `for` to its end.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from monitoring import RuleGroup, Stack, promql
from monitoring.cli import main
from monitoring.live.backtest import backtest
from monitoring.live.client import PrometheusClient
from monitoring.live.series_check import check, declared_labels
from monitoring.model import Alert, Receiver, RecordingRule, Route, Routing
from monitoring.output.emitters import GenerateContext, render_files
from monitoring.output.files import write_tree
from monitoring.packs import mcp

from .conftest import require_server
from .environment import Environment, Exporter, _start_server
from .harness import LOOPBACK, wait_for

pytestmark = pytest.mark.e2e
STACKS: dict[str, Stack] = {}  # for `monitoring check --stack tests.e2e.test_live:otel`


def __getattr__(name: str) -> Stack:
    if name in STACKS:
        return STACKS[name]
    raise AttributeError(name)
SEED_RULES = (
    Alert(name="MCPSeedLatency", severity="warning", for_="1m",
          expr="histogram_quantile(0.95, sum by (le, job) (rate(mcp_request_duration_seconds_bucket[5m]))) > 1",
          summary="Seed-family p95 latency is above 1 second.", description="p95 of {{ $labels.job }}."),
    RecordingRule(record="job:mcp_requests:rate5m", expr="sum by (job) (rate(mcp_requests_total[5m]))"),
)


def _stack(job: str, targets: tuple[str, ...], extra: tuple[Alert | RecordingRule, ...] = ()) -> Stack:
    """The MCP server alone (no container metrics: no cadvisor here), plus extra rules."""
    service = mcp.service(jobs={job: targets}, kubernetes=False, scrape_interval="1s", scrape_timeout="1s")
    own = {n for m in service.metrics for n in m.series_names()} | {"up"}
    groups = [group.model_copy(update={"rules": tuple(r for r in group.rules
                                                      if promql.selected_metrics(r.expr) <= own)})
              for group in service.rule_groups]
    if extra:
        groups.append(RuleGroup(name="mcp-server.seed", rules=extra))
    return Stack(name="live", scrape_interval="1s", scrape_timeout="1s", evaluation_interval="30s",
                 services=(service.model_copy(update={"rule_groups": tuple(groups)}),),
                 routing=Routing(route=Route(receiver="none"), receivers=(Receiver(name="none"),)))


@contextlib.contextmanager
def _prometheus(workdir: Path, config: Path, data: Path) -> Path:
    with contextlib.ExitStack() as cleanup:
        port = _start_server(
            "prometheus-live",
            lambda port: [require_server("prometheus"), f"--config.file={config}", f"--storage.tsdb.path={data}",
                          f"--web.listen-address={LOOPBACK}:{port}"],
            lambda port: None, workdir, [], cleanup)
        yield f"http://{LOOPBACK}:{port}"


def test_check_finds_nothing_dead_in_the_running_environment(e2e: Environment) -> None:
    client = PrometheusClient(e2e.servers.prometheus)
    # Recording rules write their first series a few evaluations after the targets are up.
    deadline = time.monotonic() + 30
    while True:
        report = check(client, e2e.config_dir, declared=declared_labels(e2e.stack))
        dead = [(i.kind, i.name, i.dead) for i in report.items if i.dead]
        if not dead or time.monotonic() > deadline:
            break
        time.sleep(1)
    rules = [i for i in report.items if i.kind != "panel"]
    assert len(rules) == sum(len(g["rules"]) for g in e2e.baseline_rules)
    assert not dead, "\n".join(map(str, dead))
    print(f"check: {len(report.items)} rules and queries, none dead, {report.queries} queries")


def test_check_names_the_rules_on_the_family_the_exporter_does_not_serve(tmp_path: Path,
                                                                          capsys: pytest.CaptureFixture[str]) -> None:
    exporter = Exporter("otel-only", ["--role", "mcp", "--families", "otel"], tmp_path)
    exporter.launch()
    try:
        exporter.wait_listening()
        out = tmp_path / "out"
        stack = _stack("mcp-otel", (exporter.address,), SEED_RULES)
        write_tree(render_files(stack, GenerateContext("live")), out)
        with _prometheus(tmp_path, out / "prometheus" / "prometheus.yml", tmp_path / "data") as url:
            client = PrometheusClient(url)
            wait_for("a scrape of the exporter", lambda: client.query("up == 1") or None, 30,
                     lambda: exporter.process.describe() if exporter.process else "")
            report = check(client, out, declared=declared_labels(stack))
            dead = {(i.kind, i.name): i.dead for i in report.dead if i.kind != "panel"}
            assert dead == {
                ("alert", "MCPSeedLatency"): ["'mcp_request_duration_seconds_bucket' has no series"],
                ("record", "job:mcp_requests:rate5m"): ["'mcp_requests_total' has no series"],
            }
            panels = [i for i in report.dead if i.kind == "panel"]
            assert panels and all("mcp_request" in r or "mcp_tool_executions" in r or "mcp_resource_access" in r
                                  for i in panels for r in i.dead), [(i.name, i.dead) for i in panels]
            STACKS["otel"] = stack
            assert main(["check", "--prometheus", url, "--out", str(out), "--stack", "tests.e2e.test_live:otel"]) == 1
            printed = capsys.readouterr().out
            assert "DEAD alert 'MCPSeedLatency'" in printed and "DEAD record 'job:mcp_requests:rate5m'" in printed
    finally:
        exporter.kill()


# The history: up of one target every 30s for 3h, ending an hour ago; a 30s blip at 40m, an outage of
# exactly 20m at 1h30m. MCPServiceDown (up == 0, for 1m, evaluated every 30s) fires 1m into the outage.
STEP, SPAN, BLIP, OUTAGE, OUTAGE_LENGTH = 30, 3 * 3600, 40 * 60, 90 * 60, 20 * 60


def _history(start: int) -> str:
    lines = ["# TYPE up gauge"]
    for offset in range(0, SPAN + STEP, STEP):
        down = offset == BLIP or OUTAGE <= offset < OUTAGE + OUTAGE_LENGTH
        lines.append(f'up{{instance="mcp-0:9464",job="mcp-server"}} {0 if down else 1} {start + offset}')
    return "\n".join(lines) + "\n# EOF\n"


def test_backtest_reports_exactly_the_backfilled_incident(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    start = (int(time.time()) - SPAN - 3600) // 3600 * 3600
    history = tmp_path / "history.om"
    history.write_text(_history(start), encoding="utf-8")
    data = tmp_path / "data"
    promtool = shutil.which("promtool") or require_server("promtool")
    subprocess.run([promtool, "tsdb", "create-blocks-from", "openmetrics", str(history), str(data)],
                   check=True, capture_output=True, timeout=120)
    out = tmp_path / "out"
    write_tree(render_files(_stack("mcp-server", ("mcp-0:9464",)), GenerateContext("live")), out)
    config = tmp_path / "prometheus.yml"
    config.write_text("global: {}\n", encoding="utf-8")
    with _prometheus(tmp_path, config, data) as url:
        end = start + SPAN - 600  # inside the history: later, the last sample goes stale
        report = backtest(PrometheusClient(url), out, "2h30m", end=end)
        fired = {a.name: a for a in report.alerts if a.episodes}
        assert list(fired) == ["MCPServiceDown"]
        (episode,) = fired["MCPServiceDown"].episodes
        assert episode.labels == {"alertname": "MCPServiceDown", "instance": "mcp-0:9464", "job": "mcp-server"}
        assert (episode.start - start, episode.end - start) == (OUTAGE + 60, OUTAGE + OUTAGE_LENGTH)
        assert fired["MCPServiceDown"].firing_seconds == OUTAGE_LENGTH - 60
        assert fired["MCPServiceDown"].per_day == pytest.approx(1 / (2.5 / 24))
        assert main(["backtest", "--prometheus", url, "--out", str(out), "--range", "2h30m",
                     "--end", str(end), "--format", "json"]) == 0
        printed = json.loads(capsys.readouterr().out)
        down = next(a for a in printed["alerts"] if a["alert"] == "MCPServiceDown")
        assert down["firing_seconds"] == OUTAGE_LENGTH - 60 and len(down["episodes"]) == 1
    print(f"backtest: {report.queries} queries; MCPServiceDown fired once, {OUTAGE_LENGTH - 60}s", file=sys.stderr)
