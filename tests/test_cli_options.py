"""Command-line values the parser takes but the work could not use, and what an error line may carry: each is one
line on standard error with exit status 2, before anything runs; never a traceback from deep in a client."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from monitoring.cli import main
from tests.test_bad_input import generated_project, run, stderr

CLOSED = "http://127.0.0.1:9"  # never reached: the value is refused first

OPTIONS = [
    (["check", "--prometheus", CLOSED, "--timeout", "-1"], "monitoring check: error: argument --timeout: '-1' "
     "must be a number of seconds above 0, like 30 or 2.5"),
    (["check", "--prometheus", CLOSED, "--timeout", "0"], "argument --timeout: '0' must be a number of seconds"),
    (["ci", "--timeout", "nan"], "monitoring ci: error: argument --timeout: 'nan' must be a number of seconds"),
    (["import", "--timeout", "inf", "rules.yml"], "argument --timeout: 'inf' must be a number of seconds"),
    (["budget-report", "--prometheus", CLOSED, "--timeout", "soon"], "argument --timeout: 'soon' must be a number"),
    (["backtest", "--prometheus", CLOSED, "--end", "nan"], "monitoring backtest: error: argument --end: 'nan' must "
     "be a time in seconds since the epoch, like 1767225600"),
    (["backtest", "--prometheus", CLOSED, "--end", "1e300"], "argument --end: '1e300' must be a time in seconds"),
    (["budget-report", "--prometheus", CLOSED, "--at", "-5"], "argument --at: '-5' must be a time in seconds"),
]


@pytest.mark.parametrize(("argv", "message"), OPTIONS, ids=[" ".join(a[:1] + a[-2:]) for a, _ in OPTIONS])
def test_a_value_no_request_could_use_is_a_usage_error(capsys: pytest.CaptureFixture[str], argv: list[str],
                                                       message: str) -> None:
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert message in captured.err and captured.err.count("\n") == 1, captured.err
    assert captured.out == ""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return generated_project(tmp_path, monkeypatch)


def test_control_characters_in_an_error_are_shown_as_escapes(project: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    """A stack's exception (or an imported file's value) quoted in a message cannot drive the terminal."""
    (project / "badstack.py").write_text("raise ValueError('\\x1b]0;owned\\x07\\x1b[2J red\\x9b1m')\n")
    sys.modules.pop("badstack", None)
    assert run(project, ["generate", "--stack", "badstack:stack"]) == 2
    err = stderr(project, capsys)
    assert "ValueError: \\x1b]0;owned\\x07\\x1b[2J red\\x9b1m (at badstack.py:1)" in err, err
    assert not any((ord(c) < 32 and c != "\n") or 127 <= ord(c) < 160 for c in err), repr(err)


@pytest.mark.parametrize(("argv", "message"), [
    (["generate", "--out", ""], "monitoring generate: error: argument --out: must not be empty"),
    (["generate", "--check", "--stack", " "], "monitoring generate: error: argument --stack: must not be empty"),
    (["validate", "--out="], "monitoring validate: error: argument --out: must not be empty"),
    (["ci", "--stack", ""], "monitoring ci: error: argument --stack: must not be empty"),
    (["import", "rules.yml", ""], "monitoring import: error: argument FILE: must not be empty"),
], ids=["generate --out", "generate --stack", "validate --out", "ci --stack", "import FILE"])
def test_an_empty_value_is_not_taken_for_none_given(project: Path, capsys: pytest.CaptureFixture[str],
                                                    argv: list[str], message: str) -> None:
    """`--out "$UNSET"` would otherwise work on the project's own out/ (and --stack on its own stack) in silence."""
    before = {p: p.read_bytes() for p in (project / "out").rglob("*") if p.is_file()}
    assert run(project, argv) == 2
    captured = capsys.readouterr()
    assert captured.err == message + "\n"
    assert captured.out == ""
    assert {p: p.read_bytes() for p in (project / "out").rglob("*") if p.is_file()} == before
