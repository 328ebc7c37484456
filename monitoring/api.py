"""The library's four verbs: generate, validate, test and publish. Each returns a report; none prints.

`generate` is the only one that imports the stack and renders. It writes out/ and out/manifest.json; the other
three read out/ alone. The command line (monitoring.cli) is a thin layer that prints these reports.
"""

from __future__ import annotations

import contextlib
import os
import stat
import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from monitoring.errors import OutputError
from monitoring.output.manifest import MANIFEST, Manifest, Signature, blocking_file, read_current, sha256, signature

if TYPE_CHECKING:
    import requests

    from monitoring.checks.alert_tests import AlertTestReport
    from monitoring.checks.report import CheckResult
    from monitoring.grafana.publish.apply import Outcome
    from monitoring.grafana.publish.client import ClientSettings
    from monitoring.grafana.publish.plan import Plan
    from monitoring.grafana.publish.pool import Progress
    from monitoring.project import Project  # annotations only: `validate --out` needs no project settings


@dataclass(frozen=True)
class GenerateReport:
    """What `generate` did: how many files out/ holds, whether it wrote them, and advice worth reading.

    - `out_dir`: the output directory generated (or, with `check=True`, compared), always absolute.
    - `files`: how many files the generation holds (out/manifest.json aside).
    - `written`: whether out/ was written; False when it already held exactly these files, and with `check=True`.
    - `stale`: with `check=True`, each difference between out/ and a fresh generation ("changed
      prometheus/...", "missing ..."), sorted; empty otherwise.
    - `warnings`: advice worth reading about the stack (one line each), as the command prints them.
    - `checked`: whether this was `check=True` (nothing written, `stale` filled in).
    - `changed`: how many files had their bytes written: the others were already in out/ as generated, and are
      the same files as before (out/manifest.json, always written, is in neither count).
    - `ok`: no stale file (always, without `check=True`).

        report = monitoring.generate(Project.find())
        print(f"{report.files} files, {report.changed if report.written else 'none'} changed")
    """

    out_dir: Path
    files: int
    written: bool
    stale: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    checked: bool = False
    changed: int = 0

    @property
    def ok(self) -> bool:
        """No file is stale: out/ is what a fresh generation would write (always True without `check=True`)."""
        return not self.stale


@dataclass(frozen=True)
class ValidateReport:
    """Every check `validate` ran over out/ (promtool, amtool, lint), in order; `ok` when all passed.

    - `out_dir`: the output directory validated, always absolute.
    - `results`: a CheckResult per check, in the order they ran.
    - `ok`: every check passed.

        report = monitoring.validate(Project.find())
        failed = [r.name for r in report.results if not r.ok]
    """

    out_dir: Path
    results: tuple[CheckResult, ...]

    @property
    def ok(self) -> bool:
        """Every check passed."""
        return all(r.ok for r in self.results)


@dataclass(frozen=True)
class PublishReport:
    """What `publish` found and did: the gate's verdict on out/, the plan, and (unless a dry run) what was applied.

    Every message in it from Grafana's answers is already redacted; `redact` is the same redaction, for
    whatever a caller derives from the plan's live dashboards (diffs) before showing it.

    - `out_dir`: the output directory published, always absolute.
    - `dry_run`: whether this was a dry run (planned, nothing applied), as requested.
    - `stale`: the gate: each file changed since generate (then nothing else happened).
    - `checks`: the gate: the validation of out/, a CheckResult each (publishing stops at a failure).
    - `empty`: out/ has no grafana/ output: there is nothing to publish.
    - `plan`: what Grafana needs (dashboards and folders to create, update, prune; drift; unreadable items);
      None when the gate refused or the credentials were rejected.
    - `outcome`: what applying the plan did (counts done, failures, notes); None on a dry run.
    - `error`: why publishing stopped part-way (rejected credentials, Grafana unreachable); None otherwise.
    - `warnings`: what the settings risk (TLS verification off, credentials over plain HTTP), one line each.
    - `retries`: (cause, count) of the requests that were retried.
    - `redact`: the redaction of every message here, for text a caller derives from the plan.
    - `gate_passed`: out/ is as generated (`stale` empty) and every check in `checks` passed.
    - `ok`: Grafana holds what was generated (dry run: there is nothing to change).

        report = monitoring.publish(Project.find(), PublishRequest(dry_run=True), env=os.environ)
        if report.plan is not None:
            print(f"{report.plan.writes} changes to make")
    """

    out_dir: Path
    dry_run: bool
    stale: tuple[str, ...] = ()  # the gate: files changed since generate (then nothing else happened)
    checks: tuple[CheckResult, ...] = ()  # the gate: validation of out/ (publishing stops at a failure)
    empty: bool = False  # out/ has no grafana/ output
    plan: Plan | None = None  # what Grafana needs; None when the gate refused or the credentials were rejected
    outcome: Outcome | None = None  # what applying the plan did; None on a dry run
    error: str | None = None  # why publishing stopped part-way (rejected credentials)
    warnings: tuple[str, ...] = ()  # TLS verification off, credentials over plain HTTP
    retries: tuple[tuple[str, int], ...] = ()  # (cause, count) of the requests that were retried
    redact: Callable[[str], str] = str

    @property
    def gate_passed(self) -> bool:
        """out/ is as generated (nothing stale) and every check of it passed: publishing went on to plan."""
        return not self.stale and all(r.ok for r in self.checks)

    @property
    def ok(self) -> bool:
        """Grafana holds what was generated (dry run: there is nothing to change)."""
        if not self.gate_passed or self.plan is None or self.error is not None:
            return False
        if self.dry_run:
            return self.plan.clean
        from monitoring.grafana.publish.plan import Action

        return not (self.plan.failures or self.plan.counts()[Action.DRIFT] or (self.outcome and self.outcome.failures))


@dataclass(frozen=True)
class PublishRequest:
    """How to publish: where Grafana is and how to trust it, and what may change there.

    - `grafana_url`: Grafana's base URL, without credentials (default: $GRAFANA_URL).
    - `ca_cert`: a CA bundle file to trust in addition to the system's.
    - `insecure`: do not verify Grafana's TLS certificate (excludes `ca_cert`).
    - `dry_run`: plan and report the differences, change nothing (what `monitoring diff` does).
    - `force`: overwrite dashboards edited in Grafana since they were published (drift), which are kept otherwise.
    - `prune`: delete the dashboards this tool published that are no longer generated, and the folders that
      leaves empty.
    - `concurrency`: requests to Grafana at once, from 1 to 64.

        PublishRequest(grafana_url="https://grafana.example.com", dry_run=True)
    """

    grafana_url: str | None = None  # default: $GRAFANA_URL
    ca_cert: str | None = None
    insecure: bool = False
    dry_run: bool = False
    force: bool = False
    prune: bool = False
    concurrency: int = 8


def generate(project: Project, *, stack: str | None = None, out_dir: str | os.PathLike[str] | None = None,
             check: bool = False, force: bool = False) -> GenerateReport:
    """Import the stack, render every file, and write out/ with its manifest, atomically.

    Nothing is written when out/ already holds exactly these bytes. When nothing the last generation read has
    changed since (see monitoring.inputs) and out/ is as it wrote it, the stack is not even imported; `force`
    renders regardless. With check=True nothing is written at all, the stack is always rendered, and the report
    lists what differs. Raises DefinitionError (or a subclass) for a wrong definition.

        report = monitoring.generate(Project.find(), check=True)
        assert report.ok, report.stale
    """
    from monitoring import inputs

    check_switches("generate()", check=check, force=force)
    out = _output_dir("generate", project, out_dir, "read" if check else "write")
    if stack is not None and not isinstance(stack, str):
        raise TypeError(f"generate() stack must be an import path ('package.module:attribute'), not "
                        f"{type(stack).__name__}")
    stack_path = project.stack if stack is None else stack
    if out_dir is not None:  # the project's own out is checked as the Project is made
        from monitoring.project import SETTINGS, out_collision

        collision = out_collision(project.project_dir, {**{key: getattr(project, key) for key in SETTINGS},
                                                        "out": str(out)}, f"the output directory {str(out_dir)!r}")
        if collision is not None:
            raise OutputError(collision[1])
    blocker = blocking_file(out)
    if blocker is not None:
        from monitoring.output.manifest import kind_of

        raise OutputError(f"cannot {'read' if check else 'write'} the output in {out}: {blocker} is "
                          f"{kind_of(blocker)}, not a directory")
    settings = _settings(project, stack_path, out)
    # A process that imported the stack already may hold it changed (a test's monkeypatch): only a fresh one
    # may answer from the files, and record what it reads.
    fresh = not check and _nothing_imported_from(project.project_dir, stack_path)
    if fresh and not force:
        with _reading(out):
            unchanged = inputs.unchanged(project.project_dir, out, settings)
        if unchanged is not None:
            from monitoring.output.dir_swap import tidy

            tidy(out)  # a staging tree a killed run left would otherwise stay until out/ changes
            return GenerateReport(out, unchanged.files, False, (), unchanged.warnings)
    from monitoring.gc_pause import no_cyclic_gc

    signatures: dict[str, Signature] = {}
    # Loading builds a large acyclic model, which stays alive until the record is stored: a collection at any
    # point would only rescan it (0.8 s each for the manifest and the record at 10,000 services).
    with no_cyclic_gc():
        with inputs.record(project.project_dir, out, settings, fresh, (project.dashboards_dir,)) as recording, \
                _reading(out) if check else contextlib.nullcontext():
            report = _generate(project, stack_path, out, check, signatures)
        if not check:
            inputs.store(recording, project.project_dir, out, report.files, list(report.warnings), signatures)
    return report


def check_switches(owner: str, **switches: object) -> None:
    """A TypeError for a switch that is not a bool (`check="no"` would otherwise count as on), naming its owner
    ("generate()", "PublishRequest") and the switch."""
    from monitoring.units import quoted

    for name, value in switches.items():
        if not isinstance(value, bool):
            raise TypeError(f"{owner} {name} must be True or False, not {type(value).__name__} {quoted(value)}")


def _reading(out: Path) -> contextlib.AbstractContextManager[None]:
    """out/ held as it is while the block reads it: a generate under way is waited for (see
    monitoring.output.dir_swap.reading)."""
    from monitoring.output.dir_swap import reading as held  # here: `--help` does not load the swap's modules

    return held(out)


def _output_dir(verb: str, project: Project | None, out_dir: str | os.PathLike[str] | None, doing: str) -> Path:
    """The out/ a verb works on: out_dir (a str or any path, as Project takes its directory) or else the
    project's, checked by _out_path. A project, or an out_dir, of another type is the caller's programming
    mistake: a TypeError that says so, rather than an AttributeError from deep inside."""
    from monitoring.project import Project

    if not isinstance(project, Project) and (project is not None or verb != "validate"):  # validate: out_dir alone
        raise TypeError(f"{verb}() takes a monitoring.Project (Project.find(), or Project(Path(...))), not "
                        f"{type(project).__name__}")
    if out_dir is None:
        if project is None:
            raise TypeError(f"{verb}() needs a project or an out_dir")
        return _out_path(project.out_dir, doing)
    from monitoring.project import is_path

    if not is_path(out_dir):
        raise TypeError(f"{verb}() out_dir must be a path, not {type(out_dir).__name__}")
    if not str(out_dir).strip():  # Path("") is the working directory: never what an empty setting meant
        raise OutputError(f"cannot {doing} the output in {str(out_dir)!r}: the path is empty")
    # Absolute while the working directory is still the caller's: generate runs the stack's code, which may
    # change it, before out/ is written (as a Project's own directory is made absolute when it is made).
    return _out_path(Path(out_dir).absolute(), doing)


def _out_path(out: Path, doing: str) -> Path:
    """out, once the system takes it as a path. One it refuses (a NUL byte, a name longer than the file system
    allows, a loop of symbolic links) is the caller's mistake, so an OutputError, not an OSError or ValueError
    from wherever it is first used. Missing, or under a file, it is left to the verb."""
    try:
        os.stat(out)
    except (FileNotFoundError, NotADirectoryError):
        pass
    except OSError as exc:
        raise OutputError(f"cannot {doing} the output in {str(out)!r}: {exc.strerror or type(exc).__name__}") from None
    except ValueError:  # os.stat's own refusal of a NUL byte
        raise OutputError(f"cannot {doing} the output in {str(out)!r}: a path cannot hold a NUL byte") from None
    return out


def _settings(project: Project, stack_path: str, out: Path) -> dict[str, str]:
    """Everything a generation's output depends on besides what it reads: the resolved settings."""
    from dataclasses import fields

    settings = {f.name: str(getattr(project, f.name)) for f in fields(project)}
    return {**settings, "stack": stack_path, "out_dir": str(out.resolve())}


def _nothing_imported_from(project_dir: Path, stack_path: str) -> bool:
    """Whether this process has imported neither the stack's package nor any module of the project (the tool's
    own aside): only then does recording a generation see every file and variable the stack reads."""
    import monitoring

    if stack_path.partition(":")[0].split(".")[0] in sys.modules:
        return False
    root = str(project_dir.resolve())
    tool = os.path.dirname(monitoring.__file__)
    for module in list(sys.modules.values()):
        file = getattr(module, "__file__", None)
        if isinstance(file, str) and file.startswith(root + os.sep) and not file.startswith(tool + os.sep):
            return False
    return True


def _generate(project: Project, stack_path: str, out: Path, check: bool, signatures: dict[str, Signature]
              ) -> GenerateReport:
    """generate without the shortcut; `signatures` receives those of out/'s files (see monitoring.inputs)."""
    from monitoring.output.emitters import GenerateContext, iter_files
    from monitoring.output.files import Content, Previous, Written, write_tree

    model = project.load_stack(stack_path)
    ctx = GenerateContext(stack_path, project)
    current = read_current(out) if out.is_dir() else None
    hashes: dict[str, str] = {}
    manifests: list[Manifest] = []

    def files() -> Iterator[tuple[str, Content]]:
        """Each file as it is rendered (memory stays flat), then the manifest, which needs them all. Most are
        written (or, to check, hashed) where they are rendered, possibly another process: their hash comes."""
        with contextlib.closing(iter_files(model, ctx)) as rendered:  # closed, it stops its processes at once
            for path, content in rendered:
                hashes[path] = content.sha256 if isinstance(content, Written) else sha256(content)
                yield path, content
        assert ctx.checks is not None  # iter_files has worked them out
        manifest = Manifest.of(stack_path, hashes, ctx.origins, ctx.checks)
        manifests.append(manifest)
        if check:
            return
        verified: dict[str, Signature] = {}
        try:  # before it is read: a change after the read changes the signature the record keeps
            manifest_signature: Signature | None = signature(os.lstat(out / MANIFEST))
        except OSError:
            manifest_signature = None
        if (current is not None and not current.differences(manifest) and _manifest_as_written(out, manifest)
                and not current.changed_files(out, verified)):
            signatures.clear()  # those of the staging directory, which is abandoned: out/ is not touched
            signatures.update(verified)
            if manifest_signature is not None:
                signatures[MANIFEST] = manifest_signature
            raise _Unchanged
        yield MANIFEST, manifest.text()

    if check:
        ctx.hash_only()
        for _ in files():
            pass
        stale = _stale(manifests[0], out)
        return GenerateReport(out, len(hashes), False, tuple(stale), tuple(ctx.warnings), checked=True)
    previous = None if current is None else Previous(out, {path: e.sha256 for path, e in current.files.items()})
    ctx.replacing(previous)
    try:
        written = write_tree(files(), out, signatures, staged=ctx.write_into, previous=previous)
    except _Unchanged:
        return GenerateReport(out, len(hashes), False, (), tuple(ctx.warnings))
    return GenerateReport(out, len(hashes), True, (), tuple(ctx.warnings), changed=written - 1)  # less the manifest


class _Unchanged(Exception):
    """out/ already holds exactly what this generation would write."""


def _stale(manifest: Manifest, out: Path) -> list[str]:
    """Each file of out/ that a fresh generation (its manifest) would change: by its hash on disk against the
    fresh one, and out/manifest.json by its bytes. Not against the manifest out/ holds, which may be missing,
    damaged, or describe other files than those there."""
    if not out.is_dir():
        return sorted([f"missing {MANIFEST}"] + [f"missing {p}" for p in manifest.files])
    stale = manifest.changed_files(out)
    if not _manifest_as_written(out, manifest):
        stale.append(f"{_manifest_found(out)} {MANIFEST}")
    return sorted(stale)


def _manifest_found(out: Path) -> str:
    """How `_stale` names an out/manifest.json that is not as generate would write it."""
    try:
        found = os.lstat(out / MANIFEST)
    except OSError:
        return "missing"
    if stat.S_ISLNK(found.st_mode):
        return "symlink"
    if stat.S_ISDIR(found.st_mode):
        return "directory"
    return "changed" if stat.S_ISREG(found.st_mode) else "special"


def _manifest_as_written(out: Path, manifest: Manifest) -> bool:
    """Whether out/manifest.json is a regular file (never a link to one: the readers refuse those) holding
    exactly the manifest's bytes: the same files and hashes are not enough, since its origins, stack and version
    (or a hand edit of them) would otherwise stay as they were."""
    try:
        fd = os.open(out / MANIFEST, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return False
    try:  # the descriptor is this function's to close, whatever it holds: a directory cannot be opened as a file
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return False
        with open(fd, "rb", closefd=False) as file:
            return file.read() == manifest.text().encode("utf-8")
    except OSError:
        return False
    finally:
        os.close(fd)


def validate(project: Project | None, *, out_dir: str | os.PathLike[str] | None = None) -> ValidateReport:
    """promtool, amtool and the offline lint checks over out/, which it reads alone (no stack, no rendering):
    the project's out/, or out_dir (then project may be None).

        report = monitoring.validate(Project.find())
        assert report.ok
    """
    from monitoring.checks.validate import validate as run_checks

    out = _output_dir("validate", project, out_dir, "read")
    with _reading(out):
        return ValidateReport(out, tuple(run_checks(out)))


def test(project: Project, *, out_dir: str | os.PathLike[str] | None = None) -> AlertTestReport:
    """Every generated and hand-written promtool test in one promtool run, with each alert's coverage.

        report = monitoring.test(Project.find())
        if not report.ok:
            print("\\n".join([*report.problems, *(f"{alert}: not tested both ways" for alert in report.untested)]))
    """
    from monitoring.checks.alert_tests import run_alert_tests

    out = _output_dir("test", project, out_dir, "read")
    with _reading(out):
        return run_alert_tests(out, project)


test.__test__ = False  # type: ignore[attr-defined]  # a library function, not a pytest test


def publish(project: Project, request: PublishRequest, *, out_dir: str | os.PathLike[str] | None = None,
            env: Mapping[str, str] | None = None, session: requests.Session | None = None,
            client_settings: ClientSettings | None = None, progress: Progress | None = None) -> PublishReport:
    """Publish out/grafana to Grafana: gate on out/ (as generated, and valid), plan, then apply.

    Call it once out/ is generated and valid, to put its dashboards into Grafana; with `dry_run=True` it only
    plans, which is what `monitoring diff` shows. Reads out/ alone. `env` supplies GRAFANA_URL and the
    credentials, GRAFANA_TOKEN or GRAFANA_USER with GRAFANA_PASSWORD (default: os.environ); a
    `requests.Session` may be injected, e.g. one pointed at a test server; `progress(label, done, total)` is
    called as requests complete. Raises ConfigError for unusable
    settings; prints nothing.

        report = monitoring.publish(Project.find(), PublishRequest(dry_run=True), env=os.environ)
        print("no changes" if report.ok else f"{report.plan.writes if report.plan else '?'} changes")
    """
    from monitoring.grafana.publish.run import publish_out

    out = _output_dir("publish", project, out_dir, "read")
    if not isinstance(request, PublishRequest):
        raise TypeError(f"publish() request must be a PublishRequest, not {type(request).__name__}")
    with _reading(out):  # the tree the gate passes is the tree published
        return publish_out(out, request, project.project_dir, env=env, session=session,
                           client_settings=client_settings, progress=progress)
