"""The outcome of one check, as the CLI prints it."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TextIO


@dataclass(frozen=True)
class CheckResult:
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


def print_results(results: Sequence[CheckResult], out: TextIO | None = None, *, only_failed: bool = False) -> bool:
    """One line per result, a failure's details and any warnings indented under it; True when every check
    passed."""
    out = out or sys.stdout
    for result in results:
        if only_failed and result.ok:
            continue
        print(result.line(), file=out)
        if not result.ok and result.details:
            print("    " + result.details.replace("\n", "\n    "), file=out)
        if result.warnings:
            print("    " + result.warnings.replace("\n", "\n    "), file=out)
    return all(result.ok for result in results)
