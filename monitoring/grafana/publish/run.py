"""Publishing as a library: gate on out/, plan against Grafana, apply, and return a PublishReport.

Nothing here prints: progress goes to a callback, and the command line (monitoring.cli) turns the report (or, when
an interrupt stops the apply, the interrupt's note saying what was applied) into text. Messages that carry Grafana's
answers are redacted before they enter the report.
"""

from __future__ import annotations

import dataclasses
import os
import subprocess
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import requests
from urllib3.exceptions import InsecureRequestWarning

from monitoring.api import PublishReport, PublishRequest, check_switches
from monitoring.grafana.publish.apply import Outcome, apply_plan, stop_summary
from monitoring.grafana.publish.client import STOPPING, ClientSettings, GrafanaClient, RetryStats, build_session
from monitoring.grafana.publish.config import ConfigError, GrafanaConfig
from monitoring.grafana.publish.desired import Desired, load_desired
from monitoring.grafana.publish.live import read_live
from monitoring.grafana.publish.plan import Plan, build_plan
from monitoring.grafana.publish.pool import Progress
from monitoring.grafana.publish.secrets import Redactor
from monitoring.output.manifest import read_handoff
from monitoring.project import is_path
from monitoring.units import quoted

# Requests at once: each is a thread and a pooled connection to one Grafana, which serves a few dozen at a time;
# a larger number only queues there, and an absurd one would spend minutes and gigabytes making the pool.
MAX_CONCURRENCY = 64

@dataclass(frozen=True)
class PublishOptions:
    dry_run: bool = False
    force: bool = False
    prune: bool = False
    concurrency: int = 8
    message: str = "published by monitoring"


def plan_publish(client: GrafanaClient, desired: Desired, options: PublishOptions,
                 progress: Progress | None = None) -> Plan:
    live = read_live(client, desired, prune=options.prune, concurrency=options.concurrency, progress=progress)
    return build_plan(desired, live, options.force)


def publish_to(client: GrafanaClient, desired: Desired, options: PublishOptions, out_dir: Path, *,
               redactor: Redactor | None = None, progress: Progress | None = None) -> PublishReport:
    """Plan and (unless a dry run) apply desired with client: no gate, no environment.

    A run that stops part-way (rejected credentials, Grafana unreachable) returns a report whose error names what
    was applied and what was not, and whose outcome holds it. An interrupt (Ctrl-C, SIGTERM) cancels the
    requests in flight and propagates; during the apply, it carries a note (add_note) saying what was applied,
    since the caller gets no report."""
    redact = redactor or Redactor()
    report = PublishReport(out_dir, options.dry_run, empty=not desired.folders and not desired.dashboards,
                           redact=redact)
    plan = None
    outcome = Outcome()
    applying = False
    try:
        plan = _redacted_plan(plan_publish(client, desired, options, progress), redact)
        if options.dry_run:
            return dataclasses.replace(report, plan=plan)
        applying = True
        apply_plan(client, plan, options.message, options.concurrency, progress, outcome=outcome)
    except STOPPING as exc:  # nothing else can succeed: stop, keeping the plan if there was one
        error = redact(str(exc))
        if applying and plan is not None:
            error = f"{error}; {redact(stop_summary(plan, _redacted_outcome(outcome, redact)))}"
        return dataclasses.replace(report, plan=plan, outcome=outcome if applying else None, error=error)
    except KeyboardInterrupt as interrupt:
        client.cancel()  # the abandoned requests make no further attempt
        if applying and plan is not None:
            # The caller gets no report: what was applied goes with the interrupt, as a note the CLI prints.
            summary = stop_summary(plan, _redacted_outcome(outcome, redact), unsure=True)
            interrupt.add_note(f"publish interrupted: {redact(summary)}")
        raise
    return dataclasses.replace(report, plan=plan, outcome=_redacted_outcome(outcome, redact))


def _redacted_plan(plan: Plan, redact: Redactor) -> Plan:
    plan.failures = [(what, redact(why)) for what, why in plan.failures]
    plan.notes = [redact(note) for note in plan.notes]
    return plan


def _redacted_outcome(outcome: Outcome, redact: Redactor) -> Outcome:
    outcome.failures = [(what, redact(why)) for what, why in outcome.failures]
    outcome.notes = [redact(note) for note in outcome.notes]
    return outcome


def gate(out_dir: Path) -> tuple[list[str], list]:
    """(files changed since generate, validation results): publishing may go ahead when the first is empty
    and every result passed. Reads out/ alone: the manifest's hashes say whether anything changed."""
    from monitoring.checks.validate import validate

    stale = read_handoff(out_dir).changed_files(out_dir)
    return (stale, []) if stale else ([], validate(out_dir))


def commit_message(project_dir: Path) -> str:
    """The version-history message: the git commit the dashboards were generated from, when there is one."""
    try:
        proc = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=project_dir, capture_output=True,
                              text=True, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return "published by monitoring"
    sha = proc.stdout.strip()
    return f"published by monitoring from {sha}" if proc.returncode == 0 and sha else "published by monitoring"


def check_request(request: PublishRequest) -> None:
    """A TypeError for a field of the request of the wrong type: the caller's programming mistake, told before
    anything is read (a switch given as the text "no" would otherwise count as on)."""
    check_switches("PublishRequest", **{name: getattr(request, name) for name in ("insecure", "dry_run", "force",
                                                                                    "prune")})
    if not isinstance(request.concurrency, int) or isinstance(request.concurrency, bool):
        raise TypeError(f"PublishRequest concurrency must be a whole number of requests at once (at least 1), not "
                        f"{type(request.concurrency).__name__} {quoted(request.concurrency)}")
    if request.grafana_url is not None and not isinstance(request.grafana_url, str):
        raise TypeError(f"PublishRequest grafana_url must be a str or None, not {type(request.grafana_url).__name__}")
    if request.ca_cert is not None and not is_path(request.ca_cert):
        raise TypeError(f"PublishRequest ca_cert must be a path (a pathlib.Path or a str) or None, not "
                        f"{type(request.ca_cert).__name__}")


def publish_out(out_dir: Path, request: PublishRequest, project_dir: Path, *,
                env: Mapping[str, str] | None = None, client_settings: ClientSettings | None = None,
                session: requests.Session | None = None, progress: Progress | None = None) -> PublishReport:
    """Gate, plan and (unless a dry run) apply out/grafana."""
    check_request(request)
    config = GrafanaConfig.from_env(os.environ if env is None else env, request.grafana_url, request.ca_cert,
                                    request.insecure)
    redactor = Redactor([config.token, config.password])
    if not 1 <= request.concurrency <= MAX_CONCURRENCY:
        raise ConfigError(f"--concurrency {request.concurrency} must be from 1 to {MAX_CONCURRENCY}")
    stale, checks = gate(out_dir)
    refused = PublishReport(out_dir, request.dry_run, tuple(stale), tuple(checks), redact=redactor)
    if not refused.gate_passed:
        return refused
    notes = []
    if config.insecure:
        notes.append("TLS certificate verification is off (--insecure)")
    if config.plain_http_to_remote:
        notes.append(f"{config.url} is plain HTTP: the credentials cross the network unencrypted")
    client_settings = client_settings or ClientSettings(pool_size=max(16, request.concurrency))
    stats = RetryStats()
    client = GrafanaClient(session or build_session(config, client_settings, stats), config.url, client_settings)
    options = PublishOptions(dry_run=request.dry_run, force=request.force, prune=request.prune,
                             concurrency=request.concurrency, message=commit_message(project_dir))
    # urllib3 warns on stderr at each unverified request; the report says it once instead. Only for this call:
    # the caller's own unverified requests keep their warning.
    with warnings.catch_warnings():
        if config.insecure:
            warnings.simplefilter("ignore", InsecureRequestWarning)
        report = publish_to(client, load_desired(out_dir), options, out_dir, redactor=redactor, progress=progress)
    return dataclasses.replace(report, checks=tuple(checks), warnings=tuple(notes),
                               retries=tuple(sorted(stats.causes.items())))
