"""monitoring.go_regexp reads regular expressions as Go's regexp does, proven against Go itself: Debian's promtool
compiles each pattern as an `=~` matcher (Prometheus' `^(?:pattern)$`), and a promtool unit test checks every
match this module answers. Fixed cases where Python's re and Go differ, then random patterns (Hypothesis) made of
the pieces where they differ."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from monitoring.checks.tools import Tool
from monitoring.go_regexp import GoRegexpError, anchored, compiled, translate

_GROUP = re.compile(r'group "c(\d+)"')


def go_refusals(promtool: Tool, tmp_path: Path, patterns: list[str]) -> dict[int, str]:
    """Go's error for each pattern it refuses as a matcher, by index: one promtool call for all of them."""
    groups = [{"name": f"c{i}", "rules": [{"record": f"r{i}", "expr": f"x{{v=~`{p}`}}"}]}
              for i, p in enumerate(patterns)]
    path = tmp_path / "patterns.rules.yml"
    path.write_text(json.dumps({"groups": groups}, ensure_ascii=False), encoding="utf-8")  # Go's YAML: no surrogates
    run = promtool.run("check", "rules", str(path))
    return {int(found.group(1)): line for line in (run.stdout + run.stderr).splitlines()
            if (found := _GROUP.search(line))}


def ours_refused(pattern: str) -> bool:
    try:
        anchored(pattern)
    except re.error:
        return True
    return False


def assert_go_matches_as_we_do(promtool: Tool, tmp_path: Path, cases: list[tuple[str, str]]) -> None:
    """A promtool unit test that expects, for each (pattern, value), the match this module answers: it passes only
    where Go's answer is the same."""
    series, checks = [], []
    for i, (pattern, value) in enumerate(cases):
        series.append({"series": f"x{{v={json.dumps(value, ensure_ascii=False)}, c=\"{i}\"}}", "values": "1"})
        matched = anchored(pattern).match(value) is not None
        checks.append({"expr": f"count by (c) (x{{v=~`{pattern}`, c=\"{i}\"}})", "eval_time": "0m",
                       "exp_samples": [{"labels": f'{{c="{i}"}}', "value": 1}] if matched else []})
    (tmp_path / "none.rules.yml").write_text("groups: []\n")
    path = tmp_path / "matches.test.yml"
    path.write_text(json.dumps({"rule_files": ["none.rules.yml"], "evaluation_interval": "1m", "tests": [
        {"interval": "1m", "input_series": series, "promql_expr_test": checks}]}, ensure_ascii=False), encoding="utf-8")
    run = promtool.run("test", "rules", str(path))
    assert run.returncode == 0, run.stdout + run.stderr


# Patterns Python's re reads and Go refuses, or reads otherwise: each must be refused exactly where Go refuses it.
SYNTAX = [
    "a(?=b)", "a(?!b)", "(?<=a)b", "(?<!a)b", "(?>a)", r"(a)\1", r"\1", r"\8", "(?P<n>a)(?P=n)", r"a\Z", "a*+",
    "a++", "a?+", "a{2}+", "a**", "a{1001}", "a{2,1001}", "a{3,2}", "(?#c)a", "(?(1)a)", r"\C", r"\e", r"\u0041",
    r"\N{DASH}", "(?<n>a)", "(?x)a", "(?a)a", "(?i-)a", "(?)a",
    # ... and ones Go takes
    r"\z", r"a\z", r"\12", r"\101", r"\0", r"\x41", r"\x{263a}", r"\Qa.b\E", "a{,3}", "a{x}", "{", "a{2,}",
    "a{1000}", "(?P<n>a)", "(?i)a", "a(?i)b", "(?i:a)b", "(?s-i)a", "(?m)a", "[[:alpha:]]", "[[:^alpha:]]", "[]a]",
    r"[\D\S\W]", "[[:nope:]]", "(?)a", "a$*", "a(?i)*", "(?P<x>a)(?P<x>b)", "a{01}", "a{0,05}", r"\Q", r"a\Qb",
    "[^]a]", "[a-]", "[-a]", "[a-c-e]", r"[\d_]", r"[\s]", r"[\x41-\x43]", "[&&]", "[~~]", "[[]", "$", "^a$",
    "a)|(b", r"\b", r"\B", r"\A", r"\.", r"\-", r"\\", "x*?", "x{1,2}?", "()", "a|", "|",
]
# Go takes these; this module does not read them (it says so).
NOT_READ = [r"\pL", r"\p{Greek}", r"\PL", "(?U)a*"]


def test_a_pattern_is_refused_where_go_refuses_it(promtool: Tool, tmp_path: Path) -> None:
    refused = go_refusals(promtool, tmp_path, SYNTAX)
    disagree = [(p, refused.get(i)) for i, p in enumerate(SYNTAX) if ours_refused(p) != (i in refused)]
    assert disagree == []
    assert 20 < len(refused) < len(SYNTAX) - 20  # both kinds are tried


def test_what_this_cannot_read_is_said_and_go_takes_it(promtool: Tool, tmp_path: Path) -> None:
    assert go_refusals(promtool, tmp_path, NOT_READ) == {}
    for pattern in NOT_READ:
        with pytest.raises(GoRegexpError, match="cannot be checked here"):
            anchored(pattern)


MATCHES = [
    ("a$", ["a", "a\n"]), ("a\\z", ["a"]), ("a{,3}", ["a{,3}", "aaa", "a"]), ("a{x}", ["a{x}"]),
    ("\\s", [" ", "\t", "\v", "\n"]), ("\\S", ["\v", "a"]), ("\\d+", ["123", "\u0661\u0662"]), ("\\w+", ["abc", "é"]),
    (".*\\bfoo\\b.*", ["a foo", "éfoo", "foo_"]), ("\\Bb.*", ["ab"]), ("(?i)k", ["K", "k", "\u212a"]),
    ("(?i)é", ["É"]), ("[[:alpha:]]+", ["abc", ":", "["]), ("[[:punct:]]+", ["!-/:@[`{~", "a"]),
    ("[[:space:]]", ["\v", " "]), ("\\x{263a}", ["\u263a"]), ("\\101", ["A"]), ("\\12", ["\n"]),
    ("\\Qa.b\\E", ["a.b", "axb"]), ("a(?i)b|c", ["aB", "C", "ab", "Ab"]), ("(?s).", ["\n"]), (".", ["\n", "a"]),
    ("[^a]", ["\n", "b", "a"]), ("x*", [""]), ("[a-]", ["-"]), ("[]a]", ["]"]), ("[&&]", ["&"]),
    ("(?m)a$", ["a"]), ("(?m:^a$)", ["a"]), ("[\\d_]+", ["1_", "\u0661"]),
    ("[[:^alpha:]]+", ["1_", "a", "\u212a"]), ("[\\S]+", ["a\v", " "]), ("[^\\D]", ["1", "a"]),
    ("a{01}", ["a{01}", "a"]), ("a{0,05}", ["a{0,05}", ""]), ("\\777*", ["", "\u01ff"]), ("a\\Q\\E*", ["", "aa"]),
    ("[\\W]", ["-", "_"]), ("(?i)[[:^lower:]]", ["a", "A", "1", "\u212a"]), ("(?i)\\W", ["\u212a", "\u017f", "-"]),
    ("(?i)[^\\W]", ["\u212a", "k"]), ("(?i:[[:^upper:]])(?-i)[[:^upper:]]", ["aA", "a1"]),
]


def test_go_matches_what_we_say_it_matches(promtool: Tool, tmp_path: Path) -> None:
    assert_go_matches_as_we_do(promtool, tmp_path, [(p, v) for p, values in MATCHES for v in values])


_PIECES = ["a", "b", "k", "é", ".", "*", "+", "?", "*?", "|", "(", ")", "(?:", "[ab]", "[^a]", "[a-c]", "[]a]",
           r"\d", r"\w", r"\s", r"\S", r"\b", "{1,2}", "{,2}", "{2}", "{1001}", "$", "^", "(?i)", "(?s)", "(?m)",
           "(?i:", r"\z", r"\Z", r"\Q.*\E", "[[:digit:]]", "[[:punct:]]", r"\x41", r"\101", r"\1", "(?=", "a++",
           r"[\d]", "-", "]", "}", r"\.", r"\\", r"\B", r"\A", "[[:space:]]", "(?-i)", "(?i-s)", r"\x{263a}",
           "(?P<n>", "{0}", r"[\s]", "[a-]", "[^]", "[k-m]", r"\12", "(?:a|", "|b)", "(?i:a(?-i)b)", "(?s:.)",
           r"[^\n]", r"\n", "(?m)^", "(?m:$)", "(?-m)", "(?P<x>a)", "[a-zA-Z]",
           r"\x{1F600}", "[[:word:]]", "[^[:space:]]", r"\W", r"\D", "a{0,0}", "(|a)", r"[\-]", r"[\]]", r"[\^]",
           r"\777", r"\Q", r"\E", "a{01}", r"[\Q]\E]", "[[:alpha:][:digit:]]", "[^[:^alpha:]]", r"[\t-\r]", "[é-ê]",
           "{1,"]
_VALUES = ["", "a", "ab", "A", "a\n", "K", "\u212a", "1", "\u0661", " ", "\v", "\n", ".", "*", "aa", "é", "É",
           "a b", "é a", "A.*", "-", "]", "}", "\u263a", "k\u212a", "aK", "\u017f", "ab\n", "\na", "a\nb",
           "\U0001F600", "_", "^", "AB"]


@settings(max_examples=12, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(st.lists(st.lists(st.sampled_from(_PIECES), min_size=1, max_size=6).map("".join), min_size=40,
                max_size=40, unique=True))
def test_random_patterns_read_as_go_reads_them(promtool: Tool, tmp_path_factory: pytest.TempPathFactory,
                                               patterns: list[str]) -> None:
    tmp_path = tmp_path_factory.mktemp("go_regexp")
    refused = go_refusals(promtool, tmp_path, patterns)
    assert [(p, refused.get(i)) for i, p in enumerate(patterns) if ours_refused(p) != (i in refused)] == []
    kept = [p for i, p in enumerate(patterns) if i not in refused]
    assert_go_matches_as_we_do(promtool, tmp_path, [(p, v) for p in kept for v in _VALUES])


def test_a_bare_pattern_is_searched_and_may_name_groups_in_angles() -> None:
    # prometheus-adapter compiles name.matches as it is (Go 1.22 and later read `(?<name>`).
    assert compiled("^(?<name>[a-z]+)_total$").search("http_total").group("name") == "http"
    assert translate("(?<n>a)") == "(?P<n>a)"
    # Go takes a name twice, and a reference to it is to the first group.
    assert compiled("(?P<x>a)(?P<x>b)").search("ab").group("x") == "a"
    with pytest.raises(GoRegexpError, match="write '\\(\\?P<name>'"):
        translate("(?<n>a)", angle_names=False)
