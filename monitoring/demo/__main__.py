"""python -m monitoring.demo --port N [--role mcp|cadvisor|kube-state-metrics] ..."""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
from collections.abc import Sequence

import monitoring.demo
from monitoring.errors import ExitStatus

try:
    from prometheus_client import disable_created_metrics

    from monitoring.demo.server import DemoServer
    from monitoring.demo.workload import CadvisorWorkload, KubeStateWorkload, MCPWorkload, Workload
except ModuleNotFoundError as exc:  # prometheus_client comes with the test extra
    sys.exit(f"demo: needs {exc.name}: pip install -e '.[test]'")


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m monitoring.demo", description=monitoring.demo.__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, required=True, help="port to listen on (0: any free port)")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--role", choices=("mcp", "cadvisor", "kube-state-metrics"), default="mcp",
                        help="what to pretend to be (default mcp)")
    parser.add_argument("--rate", type=float, default=20.0, help="MCP operations per second (default 20)")
    parser.add_argument("--families", choices=("all", "otel"), default="all",
                        help="mcp role: every metric family, or the OpenTelemetry family only (default all)")
    parser.add_argument("--seed", type=int, default=1, help="random seed, for repeatable traffic")
    parser.add_argument("--pods", default="mcp/mcp-server-0",
                        help="comma-separated namespace/pod list for the cadvisor and kube-state-metrics roles")
    return parser.parse_args(argv)


def workload(args: argparse.Namespace) -> Workload:
    pods = tuple(p for p in args.pods.split(",") if p)
    if args.role == "cadvisor":
        return CadvisorWorkload(pods, seed=args.seed)
    if args.role == "kube-state-metrics":
        return KubeStateWorkload(pods, seed=args.seed)
    return MCPWorkload(rate=args.rate, seed=args.seed, families=args.families)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    disable_created_metrics()  # _created series are noise for Prometheus 2.42
    try:
        server = DemoServer(workload(args), args.host, args.port)
    except (OSError, ValueError) as exc:
        print(f"demo: cannot serve the {args.role} role on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return ExitStatus.BAD_INPUT
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print(f"demo: {args.role} on http://{args.host}:{server.port}/metrics (control: /control)", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()
    return ExitStatus.OK


if __name__ == "__main__":
    sys.exit(main())
