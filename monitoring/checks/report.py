"""The outcome of one check, as reports hold it (monitoring.cli turns it into text)."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one check (promtool, amtool, a lint check): passed or not, what it checked, and
    why it failed. Reports hold them; the command line prints them.

        CheckResult("promtool check rules", ok=True, checked="6 rule files")
    """

    name: str
    ok: bool
    checked: str
    details: str = ""
    warnings: str = ""  # printed even when the check passes


def process_output(proc: subprocess.CompletedProcess[str]) -> str:
    return ((proc.stdout or "") + (proc.stderr or "")).strip()

