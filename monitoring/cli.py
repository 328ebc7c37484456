"""The command line: a thin layer over the library. Exit statuses: see monitoring.errors.ExitStatus."""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn, TextIO, TypeVar

from monitoring import command_exit
from monitoring.command_exit import Terminated
from monitoring.errors import ExitStatus, MonitoringError

if TYPE_CHECKING:
    from monitoring.api import PublishReport
    from monitoring.checks.alert_tests import AlertTestReport
    from monitoring.checks.report import CheckResult
    from monitoring.grafana.publish.apply import Outcome
    from monitoring.grafana.publish.plan import DashboardChange, Plan
    from monitoring.project import Project

# Every import below is deferred to the command that needs it: `monitoring --help` and `--version` load
# neither the model nor grafanalib.


def _project(args: argparse.Namespace) -> Project:
    """The project main() was given, else the one the working directory is in (the only place that looks)."""
    from monitoring.project import Project

    return args.project or Project.find()


def _out_dir(args: argparse.Namespace, project: Project) -> Path:
    return Path(args.out) if args.out else project.out_dir


# Options naming a file or directory to write or read after the stack's code has run (which may change the working
# directory): made absolute as the command starts. Messages still show them as given (`_shown`).
_PATH_OPTIONS = ("out", "output")


def _absolute_paths(args: argparse.Namespace) -> None:
    """Each of _PATH_OPTIONS given made absolute against the working directory now; `args.given` keeps the text
    given, for messages."""
    args.given = {}
    for name in _PATH_OPTIONS:
        value = getattr(args, name, None)
        if isinstance(value, str):
            args.given[name] = value
            setattr(args, name, str(Path(value).absolute()))


def _shown(args: argparse.Namespace, path: Path) -> Path:
    """path as a message shows it: --out as it was given, when it is that; else as it is (the project's out/,
    which is absolute)."""
    given = getattr(args, "given", {}).get("out")
    return Path(given) if given is not None and args.out is not None and path == Path(args.out) else path


def _print(lines: Sequence[str], file: TextIO | None = None) -> None:
    for line in lines:
        # A path's bytes that are not UTF-8 come as lone surrogates, which a UTF-8 stdout refuses (a
        # UnicodeEncodeError, in any locale but C): they are written as escapes (`\udcff`) instead.
        print(line.encode("utf-8", "backslashreplace").decode("utf-8"), file=file or sys.stdout)


# The environment variables whose values are secrets the tool reads (Grafana's and Prometheus' credentials), and
# those naming a file that holds one.
SECRET_VARIABLES = ("GRAFANA_TOKEN", "GRAFANA_PASSWORD", "PROMETHEUS_TOKEN")
SECRET_FILE_VARIABLES = ("PROMETHEUS_TOKEN_FILE",)


def _tell(lines: Sequence[str]) -> None:
    """Errors, warnings and notes, on standard error: the one place the command prints them. A message may quote
    anything (a stack's own exception, a server's answer, a file's line): none shows the value of a secret
    environment variable or an address's password (`***` in their place)."""
    if lines:
        _print([redact(line) for line in lines], sys.stderr)


def redact(text: str) -> str:
    """text without the values of the secret environment variables (SECRET_VARIABLES, and the content of the
    files SECRET_FILE_VARIABLES name), in any spelling, nor the password of any address in it."""
    from monitoring.grafana.publish.secrets import Redactor

    return Redactor(_secrets())(text)


def _secrets() -> list[str]:
    """The values of the secret environment variables, as given and as the tool uses them (stripped)."""
    import os

    found: list[str] = []
    for name in SECRET_VARIABLES:
        value = os.environ.get(name)
        found += [value, value.strip()] if value else []
    for name in SECRET_FILE_VARIABLES:
        path = os.environ.get(name)
        found += _file_secret(path) if path else []
    return found


def _file_secret(path: str) -> list[str]:
    """The secret in the file at path, as given and stripped; nothing for a file that cannot be read, or is not a
    regular file (a FIFO would be waited on)."""
    import os
    import stat

    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except (OSError, ValueError):
        return []
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return []
        text = os.read(fd, 1 << 16).decode("utf-8", "replace")
    except OSError:
        return []
    finally:
        os.close(fd)
    return [text, text.strip()]


# Control characters but tab and line feed: what a tool echoes from a file of out/ must not move the cursor,
# recolour or retitle the terminal.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _printable(text: str) -> str:
    """text with its control characters (but tab and line feed) written as escapes (`\x1b`)."""
    return _CONTROL.sub(lambda c: repr(c.group())[1:-1], text)


def cmd_generate(args: argparse.Namespace) -> int:
    from monitoring import api

    project = _project(args)
    report = api.generate(project, stack=args.stack, out_dir=_out_dir(args, project), check=args.check,
                          force=getattr(args, "force", False))
    _tell([f"monitoring: warning: {w}" for w in report.warnings])
    out = _shown(args, report.out_dir)
    if report.checked:
        _print(report.stale)
        print(f"{out} is stale: run `{project.regenerate}`" if report.stale else f"{out} is up to date")
        return ExitStatus.OK if report.ok else ExitStatus.FAILED
    if not report.written:
        print(f"{out} is up to date: nothing written ({report.files} files)")
    elif report.changed < report.files:
        print(f"wrote {report.changed} of {report.files} files to {out} (the others were as generated)")
    else:
        print(f"wrote {report.files} files to {out}")
    return ExitStatus.OK


def cmd_tools(args: argparse.Namespace) -> int:
    from monitoring.checks.provision import ensure_tools

    report = ensure_tools(install=args.install)
    _print(report.lines)
    _tell(report.errors)
    return ExitStatus.OK if report.ok else ExitStatus.FAILED


def result_lines(results: Sequence[CheckResult], *, only_failed: bool = False) -> list[str]:
    """One line per result, a failure's details and any warnings indented under it."""
    lines = []
    for result in results:
        if only_failed and result.ok:
            continue
        # What a check says quotes the tools' output, which quotes the files it read.
        lines.append(_printable(f"{'ok  ' if result.ok else 'FAIL'} {result.name}: {result.checked}"))
        if not result.ok and result.details:
            lines.append("    " + _printable(result.details).replace("\n", "\n    "))
        if result.warnings:
            lines.append("    " + _printable(result.warnings).replace("\n", "\n    "))
    return lines


def cmd_validate(args: argparse.Namespace) -> int:
    from monitoring import api

    # --out names all that validate reads: then no project is looked for (nor its pyproject.toml parsed)
    project = None if args.out and not args.project else _project(args)
    report = api.validate(project, out_dir=Path(args.out) if args.out else None)
    _print(result_lines(report.results))
    print("all checks passed" if report.ok else "validation failed")
    return ExitStatus.OK if report.ok else ExitStatus.FAILED


def cmd_test(args: argparse.Namespace) -> int:
    from monitoring import api

    project = _project(args)
    report = api.test(project, out_dir=_out_dir(args, project))
    _print(alert_test_lines(report))
    return ExitStatus.OK if report.ok else ExitStatus.FAILED


def alert_test_lines(report: AlertTestReport) -> list[str]:
    """The report as `monitoring test` prints it: promtool's verdict, the coverage table, the problems (an
    untested alert's with why generate wrote no tests for it)."""
    if report.as_generated is not None and not report.as_generated.ok:
        return [*result_lines([report.as_generated]), "alert tests not run: out/ is not what generate wrote"]
    width = max([len("alert"), *map(len, report.alerts)])
    lines = [*result_lines([report.promtool] if report.promtool else []), "",
             f"{'alert':<{width}}  firing  silent  (checks expecting the alert firing / silent)"
             if report.alerts else "no alerts to test"]
    for alert in report.alerts:
        firing, silent = len(report.coverage.firing.get(alert, [])), len(report.coverage.silent.get(alert, []))
        mark = "" if firing and silent else "   <- untested " + ("firing" if not firing else "silent")
        lines.append(f"{alert:<{width}}  {firing:>6}  {silent:>6}{mark}")
    lines += [f"FAIL {problem}" for problem in report.problems]
    if report.untested:
        lines.append(f"FAIL {len(report.untested)} of {len(report.alerts)} alerts are not tested both firing and "
                     "silent: " + ", ".join(report.untested))
        lines += [f"FAIL alert {name!r}: {why}" for name, why in report.no_generated_tests.items()
                  if name in report.untested]
    lines.append("all alert tests passed" if report.ok else "alert tests failed")
    return [_printable(line) for line in lines]  # alert and test names as the test files spell them


T = TypeVar("T")


def _with_progress(what: str, run: Callable[[Callable[[int, int], None]], T]) -> T:
    """run(update) with a progress bar on stderr (only on a terminal); update(done, total) moves it."""
    from rich.console import Console
    from rich.progress import Progress

    console = Console(stderr=True)
    with Progress(console=console, transient=True, disable=not console.is_terminal) as bar:
        task = bar.add_task(what, total=None)
        return run(lambda done, total: bar.update(task, completed=done, total=total))


def _live_options(args: argparse.Namespace, option: str):  # -> (PrometheusClient, duration)
    """The client for --prometheus and the duration of option (--lookback, --range), both checked."""
    from monitoring.errors import UsageError
    from monitoring.live.client import PrometheusClient
    from monitoring.units import check_duration

    value = getattr(args, option)
    try:
        duration = check_duration(value, positive=True)
    except ValueError as exc:
        raise UsageError(f"--{option}: {exc}") from None
    return PrometheusClient(args.prometheus, timeout=args.timeout), duration


def cmd_check(args: argparse.Namespace) -> int:
    from monitoring.live.report import check_lines
    from monitoring.live.series_check import check, declared_labels

    project = _project(args)
    stack = project.load_stack(args.stack)
    client, lookback = _live_options(args, "lookback")
    report = _with_progress("checking series", lambda update: check(
        client, _out_dir(args, project), lookback, declared=declared_labels(stack), progress=update))
    _print(check_lines(report))
    return ExitStatus.FAILED if report.dead else ExitStatus.OK


def cmd_budget_report(args: argparse.Namespace) -> int:
    from monitoring.live.client import PrometheusClient
    from monitoring.slo.budget import budget_lines, budget_report

    stack = _project(args).load_stack(args.stack)
    client = PrometheusClient(args.prometheus, timeout=args.timeout)
    at = args.at if args.at is not None else client.now()
    _print(budget_lines(budget_report(client, stack.slos, at)))
    return ExitStatus.OK


def cmd_backtest(args: argparse.Namespace) -> int:
    import json

    from monitoring.live.backtest import backtest
    from monitoring.live.report import backtest_table

    client, range_ = _live_options(args, "range")
    report = _with_progress("backtesting alerts", lambda update: backtest(
        client, _out_dir(args, _project(args)), range_, end=args.end, progress=update))
    print(json.dumps(report.as_json(), indent=2) if args.format == "json" else "\n".join(backtest_table(report)))
    return ExitStatus.OK


def cmd_publish(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from monitoring import api

    project = _project(args)
    request = api.PublishRequest(grafana_url=args.grafana_url, ca_cert=args.ca_cert, insecure=args.insecure,
                                 dry_run=args.dry_run, force=args.force, prune=args.prune,
                                 concurrency=args.concurrency)
    report = api.publish(project, request, out_dir=_out_dir(args, project), progress=ProgressBar(sys.stderr))
    out, err = publish_lines(replace(report, out_dir=_shown(args, report.out_dir)), project.regenerate,
                             style_for(sys.stdout))
    _print(out)
    _tell(err)
    return ExitStatus.OK if report.ok else ExitStatus.FAILED


# --- how publish and diff show a PublishReport --------------------------------------------------------------------

class Style:
    """ANSI colours, or plain text when disabled."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def _wrap(self, code: str, text: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if self.enabled else text

    def red(self, text: str) -> str:
        return self._wrap("31", text)

    def green(self, text: str) -> str:
        return self._wrap("32", text)

    def yellow(self, text: str) -> str:
        return self._wrap("33", text)

    def cyan(self, text: str) -> str:
        return self._wrap("36", text)

    def bold(self, text: str) -> str:
        return self._wrap("1", text)


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def style_for(stream: TextIO) -> Style:
    """Colour when the stream is a terminal and NO_COLOR is not set (https://no-color.org)."""
    import os

    return Style(_isatty(stream) and not os.environ.get("NO_COLOR"))


class ProgressBar:
    """`label [#####.....] 120/500` on one line of a terminal, redrawn at most 10 times a second and erased when
    done; nothing in logs, or for a few items. Call it as progress(label, done, total)."""

    FEW = 5  # up to this many items finish too fast for a bar to help

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self._drawn = 0.0

    def __call__(self, label: str, done: int, total: int) -> None:
        import time

        if total <= self.FEW or not _isatty(self.stream):
            return
        now = time.monotonic()
        if now - self._drawn >= 0.1 or done == total:
            self._drawn = now
            filled = 30 * done // total
            self.stream.write(f"\r{label} [{'#' * filled}{'.' * (30 - filled)}] {done}/{total}")
            if done == total:
                self.stream.write("\r\x1b[K")  # erase the bar: what follows starts on a clean line
            self.stream.flush()


def publish_lines(report: PublishReport, regenerate: str, style: Style) -> tuple[list[str], list[str]]:
    """(standard output, standard error) of `monitoring publish` / `diff` for report, redacted."""
    from monitoring.grafana.publish.plan import Action

    out: list[str] = []
    err = [f"warning: {w}" for w in report.warnings]
    if report.stale:
        out += [*report.stale, f"refusing to publish: {report.out_dir} is stale: run `{regenerate}`"]
    elif not report.gate_passed:
        out += [*result_lines(report.checks, only_failed=True),
                "refusing to publish: validation failed (see `monitoring validate`)"]
    elif report.checks:  # a library caller may have published without the gate
        out.append(f"gate: {report.out_dir} is up to date and passes {len(report.checks)} checks")
    if report.empty:
        out.append(f"nothing to publish: {report.out_dir} has no grafana/ output")
    plan, outcome = report.plan, report.outcome
    if plan is not None:
        out += _plan_lines(plan, style, diffs=report.dry_run)
        if report.dry_run:
            out.append("diff: nothing to change" if plan.clean else f"diff: {plan.writes} change(s), "
                       f"{plan.counts()[Action.DRIFT]} drift, {len(plan.failures)} unreadable")
    if report.error is not None:
        err.append(f"monitoring: {'diff' if report.dry_run else 'publish'} failed: {report.error}")
    elif plan is not None and outcome is not None:
        out += _summary_lines(plan, outcome, style)
    if report.retries:
        causes = ", ".join(f"{cause} x{n}" for cause, n in report.retries)
        err.append(f"retried {sum(n for _, n in report.retries)} request(s): {causes}")
    return [report.redact(line) for line in out], [report.redact(line) for line in err]


def _colour_diff(lines: list[str], style: Style) -> list[str]:
    coloured = []
    for line in lines:
        if line.startswith(("---", "+++", "folder:")):
            coloured.append(style.bold(line))
        elif line.startswith("@@"):
            coloured.append(style.cyan(line))
        elif line.startswith("+"):
            coloured.append(style.green(line))
        elif line.startswith("-"):
            coloured.append(style.red(line))
        else:
            coloured.append(line)
    return coloured


def _counts_line(plan: Plan) -> str:
    from monitoring.grafana.publish.plan import Action

    counts, folders = plan.counts(), plan.folder_counts()
    dashboards = ", ".join(f"{counts[a]} {a}" for a in Action)
    folder_part = ", ".join(f"{folders[a]} {a}" for a in (Action.CREATE, Action.UPDATE, Action.PRUNE))
    failed = f"; {len(plan.failures)} unreadable" if plan.failures else ""
    return f"plan: dashboards: {dashboards}; folders: {folder_part}{failed}"


def _item_line(change: DashboardChange, style: Style) -> str:
    from monitoring.grafana.publish.plan import Action

    where = f" in folder {change.folder_uid}" if change.action != Action.PRUNE else ""
    if change.live_folder is not None and change.body is not None and change.live_folder != change.folder_uid:
        where = f", moving from folder {change.live_folder or 'General'} to {change.folder_uid}"
    label = f"{change.action.value:<9} dashboard {change.uid} ({change.title!r}){where}"
    if change.action == Action.DRIFT:
        return style.yellow(f"{label}: {change.reason}; kept (--force overwrites it)")
    if change.forced:
        return style.yellow(f"{label}: {change.reason}; overwritten because of --force")
    return label


def _plan_lines(plan: Plan, style: Style, diffs: bool) -> list[str]:
    """The counts, one line per change, and with `diffs` the unified diff of each update, drift and prune."""
    from monitoring.grafana.publish.plan import Action, dashboard_diff

    lines = [style.bold(_counts_line(plan))]
    for folder in [*plan.folders, *plan.prune_folders]:
        if folder.action == Action.UPDATE:
            lines.append(f"{'update':<9} folder {folder.uid}: title {folder.live_title!r} -> {folder.title!r}")
        elif folder.action != Action.UNCHANGED:
            lines.append(f"{folder.action.value:<9} folder {folder.uid} ({folder.title!r})")
    for change in plan.dashboards:
        if change.action == Action.UNCHANGED:
            continue
        lines.append(_item_line(change, style))
        if diffs and change.action != Action.CREATE:
            lines.extend(_colour_diff(dashboard_diff(change), style))
    lines += [f"note: {note}" for note in plan.notes]
    lines += [style.red(f"cannot read {_named(what, why)}") for what, why in plan.failures]
    return lines


def _summary_lines(plan: Plan, outcome: Outcome, style: Style) -> list[str]:
    from monitoring.grafana.publish.plan import Action

    counts, done = plan.counts(), outcome.done
    failed = len(outcome.failures) + len(plan.failures)
    line = (f"published: {done['created']} created, {done['updated']} updated, {counts[Action.UNCHANGED]} unchanged, "
            f"{counts[Action.DRIFT]} drift kept, {done['pruned']} pruned, {failed} failed; folders: "
            f"{done['folder created']} created, {done['folder updated']} updated, {done['folder pruned']} pruned")
    lines = [style.bold(line)]
    for change in plan.dashboards:
        if change.action == Action.DRIFT:
            lines.append(style.yellow(f"DRIFT  {change.what}: {change.reason}; kept: publish --force overwrites it"))
    lines += [f"note: {note}" for note in outcome.notes]
    for what, why in [*plan.failures, *outcome.failures]:
        lines.append(style.red(f"FAILED {_named(what, why)}"))
    if failed:
        lines.append("what succeeded stays; re-run publish to finish the rest")
    return lines


def _named(what: str, why: str) -> str:
    """'dashboard x: why', without naming the item twice when the message already starts with it."""
    return why if why.startswith(f"{what}:") else f"{what}: {why}"


def cmd_import(args: argparse.Namespace) -> int:
    from monitoring.imports import import_files
    from monitoring.imports.write import write_import

    metadata = None
    if args.prometheus:
        from monitoring.live.client import PrometheusClient

        metadata = PrometheusClient(args.prometheus, timeout=args.timeout).metric_types()
    result = import_files([Path(p) for p in args.files], package=args.package, name=args.name,
                          dashboards_dir=args.dashboards, strict=args.strict, metadata=metadata)
    _tell([f"monitoring: warning: {warning}" for warning in result.warnings])
    written = write_import(result, Path(args.directory), force=args.force)
    counts = ", ".join(f"{n} {what}" for what, n in result.counts.items() if n)
    print(f"imported {counts or 'nothing'}: wrote {len(written)} files")
    print(f"next: set stack = \"{result.stack}\" in [tool.monitoring] of pyproject.toml, "
          "then run `monitoring generate`")
    return ExitStatus.OK


def cmd_ci(args: argparse.Namespace) -> int:
    from monitoring.ci import render, run_ci

    client, lookback = _live_options(args, "lookback") if args.prometheus else (None, args.lookback)
    report = run_ci(_project(args), args.stack, Path(args.out) if args.out else None, prometheus=client,
                    lookback=lookback)
    text = redact(render(report, args.format))  # its steps' errors are messages the command prints
    if args.output:
        Path(args.output).write_text(text + "\n", encoding="utf-8")
        print(f"monitoring ci {report.status}: report written to {args.given['output']}")
    else:
        print(text)
    _tell([f"monitoring: error: {error_line(redact(step.error))}" for step in report.steps if step.error is not None])
    return report.exit_status


def cmd_init(args: argparse.Namespace) -> int:
    import shlex

    from monitoring.scaffold import init_project

    directory = Path(args.directory)
    written = init_project(directory, force=args.force, name=args.name)
    print(_printable(f"created {len(written)} files in {directory}").replace("\n", "\\n"))
    # A command to paste into a shell: the directory quoted as the shell reads it. One that holds a line break or
    # a control character cannot be pasted as one line: it is named apart instead.
    quoted = shlex.quote(str(directory))
    steps = "monitoring generate && monitoring validate && monitoring test"
    print(f"next: cd {quoted} && {steps}" if quoted.isprintable() else f"next: in {str(directory)!r}, run {steps}")
    return ExitStatus.OK


def cmd_import_slo(args: argparse.Namespace) -> int:
    from monitoring.slo import spec_python, specs

    imported = specs.read_files([Path(p) for p in args.files], naming=args.naming, slo_period=args.default_slo_period)
    written = spec_python.write(spec_python.render(imported), Path(args.directory), force=args.force)
    _tell([f"monitoring: warning: {note}" for note in imported.notes])
    count = sum(len(s.slos) for s in imported.services.values())
    print(f"imported {count} SLOs of {len(imported.services)} services: wrote "
          + ", ".join(str(p) for p in written))
    return ExitStatus.OK


def cmd_check_hpa(args: argparse.Namespace) -> int:
    from monitoring import conventions
    from monitoring.checks.adapter import check_hpa_manifests

    out = _out_dir(args, _project(args))
    found = check_hpa_manifests([Path(p) for p in args.manifests],
                                Path(args.adapter) if args.adapter else out / conventions.ADAPTER_CONFIG)
    adapter = Path(args.adapter) if args.adapter else _shown(args, out) / conventions.ADAPTER_CONFIG  # as given
    for line in found.undecided:
        print(line)
    if found.undecided:
        # Not a failure: only the series Prometheus holds can say, and no rule rules these names out.
        print(f"{found.checked} HPA(s): no metric is refused by {adapter}; {len(found.undecided)} metric(s) "
              "depend on the series the adapter discovers in Prometheus (above)")
    else:
        print(f"{found.checked} HPA(s): every Pods and Object metric is exported by {adapter}")
    return ExitStatus.OK


def cmd_capacity(args: argparse.Namespace) -> int:
    from monitoring.capacity.report import check_days, forecast_capacity, parse_growth

    growth = parse_growth(args.growth)
    days, ahead = check_days(args.days, "--days"), check_days(args.ahead, "--ahead")
    # The bar is on stderr, so that stdout carries only the report.
    report = _with_progress("fetching history", lambda update: forecast_capacity(
        args.prometheus, days=days, growth=growth, ahead=ahead, report_dir=Path(args.report),
        progress=lambda _label, done, total: update(done, total)))
    print(report.markdown(), end="")
    print(f"wrote {', '.join(str(p) for p in report.files)}")
    return ExitStatus.OK


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "init": cmd_init,
    "ci": cmd_ci,
    "check": cmd_check,
    "backtest": cmd_backtest,
    "budget-report": cmd_budget_report,
    "import": cmd_import,
    "import-slo": cmd_import_slo,
    "check-hpa": cmd_check_hpa,
    "capacity": cmd_capacity,
    "generate": cmd_generate,
    "validate": cmd_validate,
    "test": cmd_test,
    "publish": cmd_publish,
    "diff": cmd_publish,
    "tools": cmd_tools,
}


def _positive_seconds(text: str) -> float:
    """--timeout: a finite number of seconds above 0 (the HTTP client refuses others with a traceback)."""
    import math

    try:
        seconds = float(text)
    except ValueError:
        seconds = math.nan
    if not math.isfinite(seconds) or seconds <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be a number of seconds above 0, like 30 or 2.5")
    return seconds


def _sloth_period(text: str) -> str:
    """--default-slo-period: whole days, as Sloth reads it ('4w' is 28d)."""
    from monitoring.slo.specs import sloth_period

    try:
        return sloth_period(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


_LAST_SECOND = 253402300799  # 9999-12-31T23:59:59Z


def _epoch_seconds(text: str) -> float:
    """--end, --at: a time in seconds since the epoch, from the epoch to the end of year 9999 (the last one
    a date can hold: the reports write each time as a date)."""
    import math

    try:
        seconds = float(text)
    except ValueError:
        seconds = math.nan
    if not math.isfinite(seconds) or not 0 <= seconds <= _LAST_SECOND:
        raise argparse.ArgumentTypeError(f"{text!r} must be a time in seconds since the epoch, like 1767225600")
    return seconds


def _add_publish_arguments(cmd: argparse.ArgumentParser, dry_run_flag: bool) -> None:
    if dry_run_flag:
        cmd.add_argument("--dry-run", action="store_true", help="print the plan and diffs; write nothing")
    else:
        cmd.set_defaults(dry_run=True)
    cmd.add_argument("--force", action="store_true", help="overwrite dashboards edited in Grafana (drift)")
    cmd.add_argument("--prune", action="store_true", help="delete managed dashboards that are no longer generated")
    cmd.add_argument("--grafana-url", help="Grafana base URL (default: $GRAFANA_URL)")
    cmd.add_argument("--ca-cert", help="a CA bundle to trust in addition to the system's")
    cmd.add_argument("--insecure", action="store_true", help="do not verify TLS certificates")
    cmd.add_argument("--concurrency", type=int, default=8, help="parallel requests, 1 to 64 (default 8)")


DESCRIPTION = """\
Monitoring as code: Prometheus configuration and rules, Alertmanager routing, Grafana dashboards and
promtool tests from Python definitions, checked with the real promtool and amtool.

Start with `monitoring init DIR` for a new project, or `monitoring import FILE...` to bring in the rule
files, prometheus.yml, alertmanager.yml and dashboard JSON you have. Then `monitoring generate` after
every change, and `monitoring ci` for generate --check, validate and test in one gate."""

EPILOG = """\
Settings come from [tool.monitoring] in the nearest pyproject.toml (stack, out, dashboards, alert_tests,
regenerate). Exit status: 0 ok, 1 a check failed, 2 bad input or usage, 141 the reader of the output went
away (`| head`)."""


def error_line(message: str) -> str:
    """message on one line, each control character written as an escape (`\\x1b`): what a message quotes from a
    stack's exception or an imported file must not move the cursor, recolour or retitle the terminal."""
    return _printable(" ".join(message.split()))  # split() takes tabs and line feeds too


class _Version(argparse.Action):
    """--version, looked up only when asked for (importlib.metadata is not free)."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: object) -> None:
        super().__init__(option_strings, dest, nargs=0, help=str(kwargs.get("help", "")))

    def __call__(self, parser: argparse.ArgumentParser, *args: object, **kwargs: object) -> None:
        from monitoring.output.manifest import tool_version

        print(f"{parser.prog} {tool_version()}")  # on standard output, as argparse's own version action does
        parser.exit()


class _Parser(argparse.ArgumentParser):
    """Usage errors in one line, like every other error: 'monitoring ci: error: argument --format: ...'."""

    def error(self, message: str) -> NoReturn:
        _tell([f"{self.prog}: error: {message}"])
        raise SystemExit(ExitStatus.BAD_INPUT)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="monitoring", description=DESCRIPTION, epilog=EPILOG,
                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action=_Version, help="show the version and exit")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, help_text in (
        ("generate", "render every output into --out (atomically)"),
        ("validate", "run promtool, amtool and the offline checks over --out"),
        ("test", "run generated and hand-written promtool tests, and report alert test coverage"),
        ("publish", "publish dashboards and folders to Grafana: plan, then apply"),
        ("diff", "show what publish would change; exit 1 if anything would"),
    ):
        cmd = sub.add_parser(name, help=help_text)
        cmd.add_argument("--out", help="output directory (default: [tool.monitoring] out, or out/)")
        if name == "generate":  # the only command that imports the stack; the others read --out alone
            cmd.add_argument("--stack", help="import path of the stack, e.g. alerts.stack:stack")
            cmd.add_argument("--check", action="store_true",
                             help="write nothing; exit 1 if --out differs from what generate would write")
            cmd.add_argument("--force", action="store_true",
                             help="import and render even when nothing the last generation read has changed")
        if name in ("publish", "diff"):
            _add_publish_arguments(cmd, dry_run_flag=name == "publish")
    ci = sub.add_parser("ci", help="the CI gate: generate --check, validate, test and, with --prometheus, check; "
                                   "with a report in one format")
    ci.add_argument("--stack", help="import path of the stack, e.g. alerts.stack:stack")
    ci.add_argument("--out", help="output directory (default: [tool.monitoring] out, or out/)")
    ci.add_argument("--format", default="text", choices=("text", "json", "junit", "github"),
                    help="text (default), json (schema: monitoring/ci/ci-report.schema.json), junit or github")
    ci.add_argument("--output", metavar="FILE", help="write the report to FILE instead of standard output")
    ci.add_argument("--prometheus", metavar="URL", help="also run `check` against this Prometheus (a bearer token "
                                                        "comes from $PROMETHEUS_TOKEN(_FILE))")
    ci.add_argument("--lookback", default="1h", help="with --prometheus: a series seen this recently exists "
                                                     "(default 1h)")
    ci.add_argument("--timeout", type=_positive_seconds, default=30.0,
                    help="with --prometheus: seconds per request (default 30)")
    init = sub.add_parser("init", help="create a project of your own: stack, alert test, SLO, dashboard, CI")
    init.add_argument("directory", nargs="?", default=".", metavar="DIR", help="where (default: .; must be empty)")
    init.add_argument("--name", help="the project and stack name (default: the directory's name)")
    init.add_argument("--force", action="store_true", help="write into a non-empty directory, over existing files")
    imp = sub.add_parser("import", help="turn rule files, prometheus.yml, alertmanager.yml and Grafana "
                                        "dashboard JSON into Python definitions")
    imp.add_argument("files", nargs="+", metavar="FILE", help="the files to import (kind recognised by content)")
    imp.add_argument("--package", default="imported", help="the Python package to write (default: imported)")
    imp.add_argument("--name", help="the stack name (default: the package name)")
    imp.add_argument("--dashboards", default="dashboards",
                     help="where dashboards kept as JSON go (default: dashboards)")
    imp.add_argument("--directory", default=".", help="the project directory to write into (default: .)")
    imp.add_argument("--prometheus", metavar="URL", help="read each metric's type from this Prometheus's "
                                                         "/api/v1/metadata, over what the expressions and names say")
    imp.add_argument("--timeout", type=_positive_seconds, default=30.0,
                     help="with --prometheus: seconds per request (default 30)")
    imp.add_argument("--strict", action="store_true",
                     help="fail on anything the model cannot hold, instead of keeping it verbatim with a warning")
    imp.add_argument("--force", action="store_true", help="overwrite files that exist")
    slo_imp = sub.add_parser("import-slo", help="turn SLO specs (Sloth prometheus/v1, PrometheusServiceLevel and "
                                                "AlertWindows; OpenSLO v1; Pyrra ServiceLevelObjective) into Python "
                                                "SLO definitions, one module per service")
    slo_imp.add_argument("files", nargs="+", metavar="FILE", help="the spec files")
    slo_imp.add_argument("--directory", default="slos", help="where the modules go (default: slos)")
    slo_imp.add_argument("--force", action="store_true", help="overwrite modules that exist")
    slo_imp.add_argument("--naming", choices=("default", "sloth"), default="default",
                         help="label the SLOs' series and alerts as Sloth does (sloth_id, sloth_service, sloth_slo, "
                              "sloth_window, sloth_severity), so that Sloth's dashboards keep working")
    slo_imp.add_argument("--default-slo-period", type=_sloth_period, default="30d", metavar="PERIOD",
                         help="the period of every Sloth SLO, as Sloth's own option (default 30d); AlertWindows of "
                              "that period become their window policy")
    for name, help_text in (
        ("check", "check every rule and dashboard query against a running Prometheus: exit 1 if one is dead"),
        ("backtest", "evaluate every alert over a past range of a running Prometheus: episodes and flapping"),
    ):
        live = sub.add_parser(name, help=help_text)
        live.add_argument("--prometheus", required=True, metavar="URL",
                          help="Prometheus base URL; a bearer token comes from $PROMETHEUS_TOKEN(_FILE)")
        live.add_argument("--out", help="output directory to read (default: [tool.monitoring] out, or out/)")
        live.add_argument("--timeout", type=_positive_seconds, default=30.0, help="seconds per request (default 30)")
        if name == "check":
            live.add_argument("--stack", help="import path of the stack, for its metric catalog")
            live.add_argument("--lookback", default="1h", help="a series seen this recently exists (default 1h)")
        else:
            live.add_argument("--range", default="7d", help="how far back to evaluate (default 7d)")
            live.add_argument("--end", type=_epoch_seconds,
                              help="end of the range, seconds since the epoch (default now)")
            live.add_argument("--format", choices=("table", "json"), default="table")
    budget = sub.add_parser("budget-report", help="error budgets of the SLOs with a calendar period, this month or "
                                                  "week so far, from a running Prometheus")
    budget.add_argument("--prometheus", required=True, metavar="URL",
                        help="Prometheus base URL; a bearer token comes from $PROMETHEUS_TOKEN(_FILE)")
    budget.add_argument("--stack", help="import path of the stack (default: [tool.monitoring] stack)")
    budget.add_argument("--at", type=_epoch_seconds,
                        help="the end of the period so far, seconds since the epoch (default now)")
    budget.add_argument("--timeout", type=_positive_seconds, default=30.0, help="seconds per request (default 30)")
    hpa = sub.add_parser("check-hpa", help="check that HPA manifests scale only on metrics the adapter exports")
    hpa.add_argument("manifests", nargs="+", help="YAML files with HorizontalPodAutoscaler documents")
    hpa.add_argument("--adapter", help="prometheus-adapter config (default: OUT/adapter/prometheus-adapter.yml)")
    hpa.add_argument("--out", help="output directory (default: [tool.monitoring] out, or out/)")
    capacity = sub.add_parser("capacity", help="forecast CPU, memory and request rate from Prometheus history")
    capacity.add_argument("--prometheus", required=True, help="Prometheus base URL, e.g. http://prometheus:9090")
    capacity.add_argument("--days", type=int, default=30, help="days of history to fit (default 30)")
    capacity.add_argument("--ahead", type=int, default=30, help="days to forecast ahead (default 30)")
    capacity.add_argument("--growth", default="50%", help="growth on top of the trend (default 50%%)")
    capacity.add_argument("--report", default="capacity-report", help="directory for capacity.md and the charts")
    tools = sub.add_parser("tools", help="report promtool, amtool, prometheus and alertmanager")
    tools.add_argument("--install", action="store_true", help="apt-get what is missing (root on Debian)")
    return parser


def _refuse_empty_values(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """A usage error for an option or argument given as an empty string: `--out ""` or `--stack "$UNSET"` would
    otherwise read as not given at all, and the command would work on the project's default in silence."""
    subparsers = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    command = subparsers.choices[args.command]
    for action in command._actions:
        value = getattr(args, action.dest, None)
        values = value if isinstance(value, list) else [value]
        if any(isinstance(v, str) and not v.strip() for v in values):
            name = "/".join(action.option_strings) or action.metavar or action.dest
            command.error(f"argument {name}: must not be empty")


def main(argv: Sequence[str] | None = None, project: Project | None = None) -> int:
    """Run one command; return its exit status. project: the Project to work on (default: the one found from
    the working directory, as the installed `monitoring` command does), so scripts and tests pass it instead of
    changing directory:

        main(["generate", "--check"], project=Project.find(Path("services/payments")))
    """
    try:
        return _main(argv, project)
    except OSError as exc:
        # The reader of standard output or error went away (`monitoring validate | head -1`), whether as the
        # command wrote or as it said why it stopped: nothing more can be said, and it is no bad input.
        if command_exit.reader_gone(exc):
            return ExitStatus.BROKEN_PIPE
        raise


def _main(argv: Sequence[str] | None, project: Project | None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        _refuse_empty_values(parser, args)
    except SystemExit as exc:
        if exc.code:
            return ExitStatus.BAD_INPUT
        # --help's text went to standard output, where argparse ignores a broken pipe
        return ExitStatus.BROKEN_PIPE if argv is None and command_exit.output_gone() else ExitStatus.OK
    args.project = project
    try:
        _absolute_paths(args)
        return COMMANDS[args.command](args)
    except MonitoringError as exc:
        # Deliberate errors carry a complete one-line message; anything else is a bug and keeps its traceback.
        _tell([f"monitoring: error: {error_line(redact(str(exc)))}"])
        return exc.exit_status
    except OSError as exc:  # the file system, not the definitions: still one line naming the path
        if command_exit.reader_gone(exc):
            return ExitStatus.BROKEN_PIPE
        where = f"{exc.filename}: " if exc.filename else ""
        _tell([f"monitoring: error: {error_line(redact(f'{where}{exc.strerror or type(exc).__name__}'))}"])
        return ExitStatus.BAD_INPUT
    except Terminated as stopped:  # SIGTERM or SIGHUP, once `run` has made them raise it: as Ctrl-C
        _tell([f"monitoring: terminated ({stopped.name})", *_notes(stopped)])
        return stopped.exit_status
    except KeyboardInterrupt as interrupt:
        _tell(["monitoring: interrupted", *_notes(interrupt)])
        return ExitStatus.INTERRUPTED


def _notes(interrupt: BaseException) -> list[str]:
    """What the library said of the work an interrupt stopped (publish: what was applied), one line each."""
    return [f"monitoring: {error_line(redact(note))}" for note in getattr(interrupt, "__notes__", ())]


def run() -> NoReturn:
    """The installed `monitoring` command: main() with this process's arguments, then exit with its status
    (SIGTERM and SIGHUP stop it as Ctrl-C does; see monitoring.command_exit)."""
    command_exit.stop_on_signals()
    inherited = command_exit.open_for_writing()
    command_exit.leave(main(), inherited)


if __name__ == "__main__":
    run()
