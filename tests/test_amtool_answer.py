"""amtool's answer read past the log records that amtool 0.27 and later print on stdout before it."""

from __future__ import annotations

import pytest

from monitoring.checks.amtool import answer_line

# What Debian 13's amtool (0.28.1) printed for a matcher its new parser reads otherwise than the classic one.
WARNINGS = ('time=2026-12-02T07:19:34.958Z level=WARN source=parse.go:176 msg="Alertmanager is moving to a new parser '
            'for labels and matchers, and this input is incompatible." input="code=~\\"5\\\\d\\\\d\\"" origin=config\n'
            'time=2026-12-02T07:19:34.959Z level=WARN source=parse.go:183 msg="Matchers input has disagreement" '
            'input="team=\\"a\\\\tb\\"" origin=config\n')


@pytest.mark.parametrize(("stdout", "answer"), [
    ("plain\n", "plain"),  # amtool 0.25
    (WARNINGS + "plain\n", "plain"),
    (WARNINGS + "pager,chat\n", "pager,chat"),
    ("level=info\n", "level=info"),  # a receiver may be named so: only a whole log record is skipped
    (WARNINGS, ""),
    ("", ""),
])
def test_the_answer_is_the_first_line_that_is_not_a_log_record(stdout: str, answer: str) -> None:
    assert answer_line(stdout) == answer
