"""`monitoring capacity`: the report with a progress bar while history is fetched."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from monitoring.capacity.history import requests_needed
from monitoring.capacity.report import check_days, forecast_capacity, parse_growth
from monitoring.errors import ExitStatus


def run(args: argparse.Namespace) -> int:
    growth = parse_growth(args.growth)
    days = check_days(args.days)
    check_days(args.ahead, "--ahead")
    # On stderr, so that stdout carries only the report; off when nobody watches (CI logs, pipes).
    progress = Progress(TextColumn("fetching history"), BarColumn(), MofNCompleteColumn(),
                        console=Console(stderr=True), transient=True, disable=not sys.stderr.isatty())
    with progress:
        task = progress.add_task("fetch", total=requests_needed(days))
        report = forecast_capacity(args.prometheus, days=days, growth=growth, ahead=args.ahead,
                                   report_dir=Path(args.report),
                                   advance=lambda n: progress.advance(task, n))
    print(report.markdown(), end="")
    print(f"wrote {', '.join(str(p) for p in report.files)}")
    return ExitStatus.OK
