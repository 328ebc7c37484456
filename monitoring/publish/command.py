"""`monitoring publish` and `monitoring diff`: gate, plan, show, apply, summarise.

Exit status: 0 when Grafana holds what was generated; 1 when something failed, drift was kept, the gate
refused, or (diff / --dry-run) there is anything to change; 2 for bad configuration or input.
"""

from __future__ import annotations

import io
import os
import subprocess
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import requests
from urllib3.exceptions import InsecureRequestWarning

from monitoring.api import PublishReport, PublishRequest
from monitoring.checks.report import print_results
from monitoring.errors import ExitStatus
from monitoring.output.manifest import Manifest
from monitoring.publish.apply import apply_plan
from monitoring.publish.client import AuthError, ClientSettings, GrafanaClient, RetryStats, build_session
from monitoring.publish.config import ConfigError, GrafanaConfig
from monitoring.publish.desired import Desired, load_desired
from monitoring.publish.live import read_live
from monitoring.publish.plan import Action, Plan, build_plan
from monitoring.publish.report import plan_lines, style_for, summary_lines
from monitoring.publish.secrets import RedactingStream, Redactor


@dataclass(frozen=True)
class PublishOptions:
    dry_run: bool = False
    force: bool = False
    prune: bool = False
    concurrency: int = 8
    message: str = "published by monitoring"


def plan_publish(client: GrafanaClient, desired: Desired, options: PublishOptions,
                 stream: TextIO | None = None) -> Plan:
    live = read_live(client, desired, prune=options.prune, concurrency=options.concurrency, stream=stream)
    return build_plan(desired, live, options.force)


def run(client: GrafanaClient, desired: Desired, options: PublishOptions, out: TextIO, err: TextIO) -> int:
    """Plan, print, and (unless dry run) apply. The library entry point: no gate, no environment."""
    style = style_for(out)
    try:
        plan = plan_publish(client, desired, options, err)
        if options.dry_run:
            _print(out, plan_lines(plan, style, diffs=True))
            drift = plan.counts()[Action.DRIFT]
            _print(out, ["diff: nothing to change" if plan.clean else
                         f"diff: {plan.writes} change(s), {drift} drift, {len(plan.failures)} unreadable"])
            return ExitStatus.OK if plan.clean else ExitStatus.FAILED
        _print(out, plan_lines(plan, style, diffs=False))
        outcome = apply_plan(client, plan, options.message, options.concurrency, err)
    except AuthError as exc:
        print(f"monitoring: publish failed: {exc}", file=err)
        return ExitStatus.FAILED
    _print(out, summary_lines(plan, outcome, style))
    failed = outcome.failures or plan.failures or plan.counts()[Action.DRIFT]
    return ExitStatus.FAILED if failed else ExitStatus.OK


def gate(out_dir: Path, out: TextIO) -> bool:
    """True if publishing may go ahead: out/ is exactly what generate wrote, and validation passes.

    Reads out/ alone: the manifest's hashes say whether anything changed since generate.
    """
    from monitoring.checks.validate import validate

    stale = Manifest.read(out_dir).changed_files(out_dir)
    if stale:
        from monitoring.project import Project

        regenerate = Project.find(out_dir.resolve().parent).regenerate
        _print(out, [*stale, f"refusing to publish: {out_dir} is stale: run `{regenerate}`"])
        return False
    results = validate(out_dir)
    if not print_results(results, out, only_failed=True):
        print("refusing to publish: validation failed (see `monitoring validate`)", file=out)
        return False
    print(f"gate: {out_dir} is up to date and passes {len(results)} checks", file=out)
    return True


def commit_message(project_dir: Path) -> str:
    """The version-history message: the git commit the dashboards were generated from, when there is one."""
    try:
        proc = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=project_dir, capture_output=True,
                              text=True, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return "published by monitoring"
    sha = proc.stdout.strip()
    return f"published by monitoring from {sha}" if proc.returncode == 0 and sha else "published by monitoring"


def publish_out(out_dir: Path, request: PublishRequest, project_dir: Path, *,
                env: Mapping[str, str] | None = None, client_settings: ClientSettings | None = None,
                session: requests.Session | None = None) -> PublishReport:
    """Gate, plan, show and (unless a dry run) apply out/grafana; the report holds what there was to show."""
    out, err = io.StringIO(), io.StringIO()
    ok = _publish(out_dir, request, project_dir, env, client_settings, session, out, err)
    return PublishReport(ok, tuple(out.getvalue().splitlines()), tuple(err.getvalue().splitlines()))


def _publish(out_dir: Path, request: PublishRequest, project_dir: Path, env: Mapping[str, str] | None,
             client_settings: ClientSettings | None, session: requests.Session | None, out: TextIO,
             err: TextIO) -> bool:
    config = GrafanaConfig.from_env(os.environ if env is None else env, request.grafana_url, request.ca_cert,
                                    request.insecure)
    # The last guard: whatever any layer prints (plan, diff of live JSON, report, pool) is redacted on its way out.
    redactor = Redactor([config.token, config.password])
    out, err = RedactingStream(out, redactor), RedactingStream(err, redactor)
    if request.concurrency < 1:
        raise ConfigError(f"--concurrency {request.concurrency} must be at least 1")
    if not gate(out_dir, out):
        return False
    desired = load_desired(out_dir)
    if not desired.folders and not desired.dashboards:
        print(f"nothing to publish: {out_dir} has no grafana/ output", file=out)
    if config.insecure:
        warnings.filterwarnings("ignore", category=InsecureRequestWarning)
        print("warning: TLS certificate verification is off (--insecure)", file=err)
    if config.plain_http_to_remote:
        print(f"warning: {config.url} is plain HTTP: the credentials cross the network unencrypted", file=err)
    client_settings = client_settings or ClientSettings(pool_size=max(16, request.concurrency))
    stats = RetryStats()
    client = GrafanaClient(session or build_session(config, client_settings, stats), config.url, client_settings)
    options = PublishOptions(dry_run=request.dry_run, force=request.force, prune=request.prune,
                             concurrency=request.concurrency, message=commit_message(project_dir))
    status = run(client, desired, options, out, err)
    if stats.total:
        causes = ", ".join(f"{cause} x{n}" for cause, n in sorted(stats.causes.items()))
        print(f"retried {stats.total} request(s): {causes}", file=err)
    return status == ExitStatus.OK


def _print(out: TextIO, lines: list[str]) -> None:
    for line in lines:
        print(line, file=out)
