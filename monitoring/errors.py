"""The one exception tree of the library, and the exit status the command line gives each branch.

Every exception the library raises on purpose derives from `MonitoringError`; its message is complete and safe
to print as it is (it never holds a secret). Anything else that escapes is a bug in this package and keeps its
traceback.

    MonitoringError                     exit 2 unless said otherwise
    ├── DefinitionError                 a definition is wrong: names it, where it was made, the field and value
    │   ├── StackLoadError              the stack does not import, or is not a Stack
    │   ├── ProjectError                pyproject.toml [tool.monitoring] or a hand-written file is unusable
    │   └── InputFileError              a file to import (rules, prometheus.yml, dashboards) cannot be used
    ├── UsageError                      the command line itself is wrong
    │   ├── ConfigError                 Grafana's address or credentials are missing or unusable
    │   └── InitError                   `monitoring init` into a non-empty directory (without --force)
    ├── OutputError                     out/ is missing, stale, or not ours to replace
    │   └── PublishInputError           out/grafana is not in the shape generate writes
    ├── PrometheusError                 `check`/`backtest`/`capacity`: Prometheus unreachable, refusing, answering
    │                                   an error, or holding too little history to forecast from
    ├── ToolMissingError                exit 1: promtool, amtool or a server binary cannot be found
    ├── RenderProcessError              exit 1: a rendering worker process died (killed, out of memory)
    └── GrafanaError                    exit 1: a Grafana request failed (status, reason)
        ├── AuthError                   the credentials are wrong, so publishing stops
        └── UnreachableError            no connection to Grafana can be made, so publishing stops

A check that runs and finds a problem is not an exception: it is a failed result in a report, exit 1.

Use it like this:

    >>> from monitoring import Alert, DefinitionError
    >>> try:
    ...     Alert(name="AppErrors", severity="urgent", expr="up == 0", summary="App down.", description="Down.")
    ... except DefinitionError as exc:
    ...     print(exc.definition, exc.field, exc.value, sep=" | ")  # and exc.where: alerts/stack.py:12
    alert 'AppErrors' | severity | urgent
"""

from __future__ import annotations

from enum import IntEnum


class ExitStatus(IntEnum):
    """The exit statuses of the `monitoring` command, defined here and nowhere else."""

    OK = 0
    FAILED = 1  # a check ran and found a problem, or a tool it needs is missing
    BAD_INPUT = 2  # a definition, the project's settings or the command line is wrong
    INTERRUPTED = 130  # Ctrl-C: 128 + SIGINT, as shells report it
    HUNG_UP = 129  # SIGHUP, the terminal closed: 128 + 1
    # The reader of standard output (or error) went away (`monitoring validate | head -1`): nothing more can be
    # said, so the command ends without a word, with the status of one killed by SIGPIPE: 128 + 13.
    BROKEN_PIPE = 141
    TERMINATED = 143  # SIGTERM: 128 + 15


class MonitoringError(Exception):
    """Base class of every deliberate error: the message is complete and safe to print as it is.

        try:
            monitoring.generate(Project.find())
        except MonitoringError as exc:
            print(f"error: {exc}")
    """

    exit_status: ExitStatus = ExitStatus.BAD_INPUT


# What a message says when it leaves a value out (it may be a secret), and what the error holds in its place.
VALUE_NOT_SHOWN = "the value is not shown"
HIDDEN = "<not shown>"


class DefinitionError(MonitoringError):
    """A user's definition is wrong, whenever that is found (at construction, in `Stack.check()`, or later).

    `definition` names the object ("alert 'AppErrors'"), `where` is the file:line of the constructor call in the
    user's code, `field` and `value` the offending field and value; each may be None when it does not apply.
    The message already contains all of them. What the message hides, the error does not hold either: a value
    whose message says "(the value is not shown)" is kept as `HIDDEN`, and the password of an address
    (`user:password@host`) is masked in the message and in `value` alike.

    Not a ValueError on purpose: pydantic would wrap a ValueError again and lose the message, while this one
    passes through validators untouched. Raise it from your own checks of a stack, so that the command line shows
    it as one line:

        error = DefinitionError("severity 'urgent' must be one of critical, warning, info",
                                definition="alert 'AppErrors'", where="alerts/stack.py:12", field="severity",
                                value="urgent")
        assert str(error) == ("alert 'AppErrors' (alerts/stack.py:12): "
                              "severity 'urgent' must be one of critical, warning, info")
    """

    def __init__(self, problem: str, *, definition: str | None = None, where: str | None = None,
                 field: str | None = None, value: object = None) -> None:
        from monitoring.units import strip_userinfo  # here: `import monitoring.errors` stays a leaf

        # Whichever code made the message, it is shown, logged and pickled to other processes: a password it
        # quotes is masked here, and the value it does not show is not carried along either.
        self.problem = strip_userinfo(problem) if isinstance(problem, str) else problem
        self.definition = definition
        self.where = where
        self.field = field
        if isinstance(problem, str) and VALUE_NOT_SHOWN in problem:
            value = HIDDEN
        elif isinstance(value, str):
            value = strip_userinfo(value)
        self.value = value
        super().__init__(self.message)

    @property
    def message(self) -> str:
        """'alert 'AppErrors' (alerts/stack.py:12): problem' — only the parts that are known."""
        named = " ".join(part for part in (self.definition, f"({self.where})" if self.where else None) if part)
        return f"{named}: {self.problem}" if named else self.problem

    def __reduce__(self) -> tuple[object, ...]:  # picklable across processes, keyword fields included
        return _rebuild, (type(self), self.problem, self.definition, self.where, self.field, self.value)


def _rebuild(cls: type[DefinitionError], problem: str, definition: str | None, where: str | None,
             field: str | None, value: object) -> DefinitionError:
    return cls(problem, definition=definition, where=where, field=field, value=value)


class StackLoadError(DefinitionError):
    """The stack could not be imported or is not a Stack."""


class ProjectError(DefinitionError):
    """The project's settings (pyproject.toml [tool.monitoring]) or one of its hand-written files is unusable."""


class UsageError(MonitoringError):
    """The command line is wrong: an unknown option, or a command that needs something first."""


class OutputError(MonitoringError):
    """out/ cannot be used: it was never generated, is stale, or is not this tool's to replace."""


class PrometheusError(MonitoringError):
    """A live command could not ask Prometheus: unreachable, credentials refused (401/403), an error answer, or
    (capacity) too little history to fit a trend."""


class ToolMissingError(MonitoringError):
    """promtool, amtool or a server binary could not be found."""

    exit_status = ExitStatus.FAILED


class RenderProcessError(MonitoringError):
    """A worker process rendering a large stack died before it answered (killed, out of memory): generate
    stops, and out/ is left as it was."""

    exit_status = ExitStatus.FAILED


class ConfigError(UsageError):
    """Grafana's address or credentials are missing or unusable."""


class PublishInputError(OutputError):
    """out/grafana is not in the shape generate writes."""


class GrafanaError(MonitoringError):
    """A request failed. `status` is the HTTP status (None when Grafana could not be reached)."""

    exit_status = ExitStatus.FAILED

    def __init__(self, message: str, status: int | None = None, reason: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.reason = reason  # Grafana's `status` field, e.g. version-mismatch, name-exists


class AuthError(GrafanaError):
    """401: the credentials are wrong. Nothing else can succeed, so publishing stops."""


class UnreachableError(GrafanaError):
    """No connection to Grafana could be made, retries included (refused, unknown host, connect timeout).
    Nothing else can succeed, so publishing stops; a request that Grafana accepted and then failed (a read
    timeout, a dropped connection) fails only its own item."""


class InitError(UsageError):
    """`monitoring init` cannot write the project: the directory is not empty (without --force), or is a file."""


class InputFileError(DefinitionError):
    """An input file (a rule file, prometheus.yml, alertmanager.yml, dashboard JSON) cannot be used.

    The message starts with 'file:line:' and names the field.
    """
