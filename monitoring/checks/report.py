"""The outcome of one check, as the CLI prints it."""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one check (promtool, amtool, a lint check): passed or not, what it checked, and
    why it failed. Reports hold them; `result_lines` prints them.

        CheckResult("promtool check rules", ok=True, checked="6 rule files")
    """

    name: str
    ok: bool
    checked: str
    details: str = ""
    warnings: str = ""  # printed even when the check passes

    def line(self) -> str:
        status = "ok  " if self.ok else "FAIL"
        return f"{status} {self.name}: {self.checked}"


def process_output(proc: subprocess.CompletedProcess[str]) -> str:
    return ((proc.stdout or "") + (proc.stderr or "")).strip()


def result_lines(results: Sequence[CheckResult], *, only_failed: bool = False) -> list[str]:
    """One line per result, a failure's details and any warnings indented under it."""
    lines = []
    for result in results:
        if only_failed and result.ok:
            continue
        lines.append(result.line())
        if not result.ok and result.details:
            lines.append("    " + result.details.replace("\n", "\n    "))
        if result.warnings:
            lines.append("    " + result.warnings.replace("\n", "\n    "))
    return lines

