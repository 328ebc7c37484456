"""The results of one `monitoring ci` run: steps, each a list of test cases, with the place behind a finding."""

from __future__ import annotations

from dataclasses import dataclass, field

from monitoring.errors import ExitStatus

SCHEMA_VERSION = 1


@dataclass(frozen=True)
class Finding:
    """One problem a check found; file and line are where the Python definition behind it was made, if known."""

    message: str
    file: str | None = None
    line: int | None = None


@dataclass(frozen=True)
class Case:
    """One check or one promtool test; a failed one holds its findings.

        from monitoring.ci.report import Finding

        Case("promtool check rules", passed=False, message="1 rule file",
             findings=(Finding("group 'app': rule 1 has no summary", "alerts/stack.py", 12),))
    """

    name: str
    passed: bool
    message: str = ""
    findings: tuple[Finding, ...] = ()
    seconds: float = 0.0


@dataclass
class Step:
    """One stage of the gate: 'generate --check', 'validate', 'test' or 'check' (live).

        Step("validate", cases=[Case("amtool check-config", passed=True)])
    """

    name: str
    cases: list[Case] = field(default_factory=list)
    error: str | None = None  # the step could not run: bad input (exit 2), or a tool missing (exit 1)
    seconds: float = 0.0
    error_status: ExitStatus = ExitStatus.BAD_INPUT  # the exit status of what stopped it, as the command's own

    @property
    def status(self) -> str:
        if self.error is not None:
            return "error"
        return "passed" if all(c.passed for c in self.cases) else "failed"


@dataclass
class CIReport:
    """Everything `monitoring ci` found, in the order it ran; exit_status is 0, 1 or 2 as for every command.

        report = run_ci(Project.find())
        print(f"{len(report.steps)} steps; the command would exit with {report.exit_status}")
    """

    steps: list[Step] = field(default_factory=list)

    @property
    def exit_status(self) -> ExitStatus:
        statuses = {s.status for s in self.steps}
        errors = {s.error_status for s in self.steps if s.status == "error"}
        if ExitStatus.BAD_INPUT in errors:
            return ExitStatus.BAD_INPUT
        return ExitStatus.FAILED if errors or "failed" in statuses else ExitStatus.OK

    @property
    def status(self) -> str:
        if any(s.status == "error" for s in self.steps):
            return "error"
        return "failed" if self.exit_status == ExitStatus.FAILED else "passed"

    def to_json(self) -> dict[str, object]:
        """The JSON document `--format json` prints; ci-report.schema.json describes it."""
        return {
            "schema_version": SCHEMA_VERSION,
            "status": self.status,
            "exit_status": int(self.exit_status),
            "steps": [
                {"name": s.name, "status": s.status, "seconds": round(s.seconds, 3),
                 **({"error": s.error} if s.error is not None else {}),
                 "cases": [{"name": c.name, "status": "passed" if c.passed else "failed", "message": c.message,
                            "seconds": round(c.seconds, 3),
                            "findings": [{"message": f.message, "file": f.file, "line": f.line} for f in c.findings]}
                           for c in s.cases]}
                for s in self.steps
            ],
        }
