"""Publish 500 generated dashboards to the local Grafana (tests/grafana_server.py) over loopback HTTP.

Measures: the first publish (requests, wall time; target <= 10 s), a no-op publish (reads <= 1 per dashboard,
writes = 0), and a first publish with 20% injected faults (500/502/429/slow/dropped), followed by a no-op.
Exits 1 if a target is missed or a dashboard did not land exactly once.
Run: .venv/bin/python benchmarks/bench_publish.py [--dashboards N] [--concurrency N] [--latency SECONDS]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # for tests.grafana_server

from monitoring.cli import Style, publish_lines
from monitoring.grafana.publish.client import ClientSettings, GrafanaClient, RetryStats, build_session
from monitoring.grafana.publish.config import GrafanaConfig
from monitoring.grafana.publish.desired import Desired, load_desired
from monitoring.grafana.publish.run import PublishOptions, publish_to
from tests.grafana_server import FakeGrafana, Faults, running_grafana, synthetic_tree

TOKEN = "bench-token"


def publish(grafana: FakeGrafana, desired: Desired, settings: ClientSettings, concurrency: int) -> dict:
    grafana.reset_counts()
    stats = RetryStats()
    config = GrafanaConfig.from_env({"GRAFANA_URL": grafana.url, "GRAFANA_TOKEN": TOKEN})
    client = GrafanaClient(build_session(config, settings, stats), config.url, settings)
    started = time.perf_counter()
    published = publish_to(client, desired, PublishOptions(concurrency=concurrency), Path("out"))
    seconds = time.perf_counter() - started
    out, _ = publish_lines(published, "make generate", Style(False))
    return {"status": int(not published.ok), "seconds": seconds, "requests": grafana.count(), "reads": grafana.reads(),
            "writes": grafana.writes(), "retries": stats.total, "faults": sum(grafana.faults_injected.values()),
            "summary": next(line for line in out if line.startswith("published:"))}


def report(name: str, figures: dict) -> None:
    print(f"{name:<28} {figures['seconds']:6.2f} s  {figures['requests']:5d} requests "
          f"({figures['reads']} reads, {figures['writes']} writes), {figures['faults']} faults injected, "
          f"{figures['retries']} retries, exit {figures['status']}")


def landed_once(grafana: FakeGrafana, desired: Desired) -> bool:
    return all(grafana.saves(d.uid) == 1 and grafana.dashboard_folder(d.uid) == d.folder_uid
               for d in desired.dashboards) and len(grafana.state.dashboards) == len(desired.dashboards)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dashboards", type=int, default=500)
    parser.add_argument("--folders", type=int, default=10)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--latency", type=float, default=0.0,
                        help="seconds the local Grafana takes per request, to mimic a remote one")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-publish.") as tmp:
        synthetic_tree(Path(tmp), options.dashboards, options.folders)
        desired = load_desired(Path(tmp))
    n = len(desired.dashboards)
    print(f"{n} dashboards in {len(desired.folders)} folders, concurrency {options.concurrency}, "
          f"server latency {options.latency * 1000:.0f} ms")
    problems = []

    # The shipped defaults: 5 s connect / 30 s read timeouts, 6 retries, backoff 0.5 s x 2^n plus jitter.
    defaults = ClientSettings()
    with running_grafana(tokens={TOKEN: "Admin"}, latency=options.latency) as grafana:
        first = publish(grafana, desired, defaults, options.concurrency)
        report("first publish", first)
        noop = publish(grafana, desired, defaults, options.concurrency)
        report("no-op publish", noop)
        if first["status"] or first["seconds"] > 10:
            problems.append(f"first publish: exit {first['status']}, {first['seconds']:.2f} s (target <= 10 s)")
        if noop["writes"] or noop["reads"] > n:
            problems.append(f"no-op publish: {noop['reads']} reads for {n} dashboards, {noop['writes']} writes")
        if not landed_once(grafana, desired):
            problems.append("first publish: not every dashboard landed exactly once")

    # 20% faults. Slow responses take 1.5 s, so the read timeout is cut to 1 s to make them time out; 429s ask
    # for Retry-After: 1, which is honoured. Everything else as shipped.
    faulty = ClientSettings(read_timeout=1.0)
    faults = Faults(rate=0.2, slow_seconds=1.5, retry_after=1, seed=2024)
    with running_grafana(tokens={TOKEN: "Admin"}, faults=faults, latency=options.latency) as grafana:
        first_faults = publish(grafana, desired, faulty, options.concurrency)
        report("first publish, 20% faults", first_faults)
        kinds = ", ".join(f"{kind} x{count}" for kind, count in sorted(grafana.faults_injected.items()))
        print(f"{'':<28} faults: {kinds}")
        exactly_once = landed_once(grafana, desired)
        noop_faults = publish(grafana, desired, faulty, options.concurrency)
        report("no-op publish, 20% faults", noop_faults)
        if first_faults["status"] or not exactly_once:
            problems.append(f"publish with faults: exit {first_faults['status']}, exactly once: {exactly_once}")
        if noop_faults["writes"]:
            problems.append(f"no-op publish with faults: {noop_faults['writes']} writes")
    print(f"first publish: {first['summary']}")
    for problem in problems:
        print(f"MISSED: {problem}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
