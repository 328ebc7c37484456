"""The outcome of one check, as reports hold it (monitoring.cli turns it into text)."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one check (promtool, amtool, a lint check): passed or not, what it checked, and
    why it failed. Reports hold them; the command line prints them.

    - `name`: the check ("promtool check rules", a lint rule's name).
    - `ok`: whether it passed.
    - `checked`: what it checked ("6 rule files").
    - `details`: why it failed, the tool's own output included (may span lines); empty when it passed.
    - `warnings`: what the check warns of, printed even when it passes (may span lines).

        CheckResult("promtool check rules", ok=True, checked="6 rule files")
    """

    name: str
    ok: bool
    checked: str
    details: str = ""
    warnings: str = ""  # printed even when the check passes


def process_output(proc: subprocess.CompletedProcess[str]) -> str:
    return ((proc.stdout or "") + (proc.stderr or "")).strip()

