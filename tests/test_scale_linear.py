"""Cost that grows with one dimension of a stack, counted in operations (not time): a check of one item must
not go through every other item of its kind."""

from __future__ import annotations

import promql_parser
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from monitoring import Receiver, Route, RouteTest, Routing, TimeInterval, promql
from monitoring.checks.lint import dashboard_grid
from monitoring.model.kubernetes_output import TeamReceiver, TeamRoute, TeamRouting
from monitoring.promql.label_sets import SeriesInfo
from monitoring.promql.name_index import literal_prefix
from tests.lint_cases import dashboard, messages, panel


def _series_every_job_exposes(jobs: int) -> SeriesInfo:
    names = [f"job{i}" for i in range(jobs)]
    return SeriesInfo(frozenset(), frozenset({"job", "instance"}), {}, dict.fromkeys(names, 60_000),
                      {name: frozenset({"job", "instance", f"only_{name}"}) for name in names}, "'up'")


def _selector(text: str) -> promql_parser.VectorSelector:
    return promql_parser.parse(text)


@pytest.mark.parametrize(("selector", "expected"), [
    ('up{job="job7"}', ("job7",)),
    ('up{job=~"job7|job3|job7"}', ("job7", "job3")),
    ('up{job=~"job7|nothing"}', ("job7",)),
    ('up{job=~"job7", job!="job7"}', None),  # no job left: judged against all of them
    ('up{job="nothing"}', None),
    ('up{job=~"__grafana_variable__"}', None),  # a dashboard's $job stand-in
    ("up", None),
])
def test_jobs_named_by_a_selector_are_looked_up_not_scanned(monkeypatch, selector, expected):
    info = _series_every_job_exposes(5_000)
    calls = []
    accepts = promql.matcher_accepts
    monkeypatch.setattr(promql, "matcher_accepts", lambda m, v: calls.append(v) or accepts(m, v))
    jobs = info.selected_jobs(_selector(selector))
    assert jobs == (expected or tuple(info.job_labels))
    assert len(calls) <= 6  # two matchers of three candidates at most; the old loop tried all 5,000 jobs
    labels = info.labels_from(jobs)
    assert labels is not None and ("only_job7" in labels) == (expected is None or "job7" in expected)
    assert ("only_job3" in labels) == (expected is None or "job3" in expected)


def test_a_pattern_tries_only_the_jobs_that_start_as_it_does(monkeypatch):
    info = _series_every_job_exposes(5_000)
    calls = []
    accepts = promql.matcher_accepts
    monkeypatch.setattr(promql, "matcher_accepts", lambda m, v: calls.append(v) or accepts(m, v))
    assert info.selected_jobs(_selector('up{job=~"job432.*"}')) == ("job432", *(f"job432{i}" for i in range(10)))
    assert len(calls) == 11  # the old loop tried all 5,000 jobs
    calls.clear()
    assert info.selected_jobs(_selector('up{job!~"job[0-9]*"}')) == tuple(info.job_labels)  # every job tells
    assert len(calls) == 5_000


@pytest.mark.parametrize(("pattern", "prefix"), [
    ("api-.*", "api-"),
    ("api-\\d+", "api-"),
    ("api-(a|b)", "api-"),  # an alternation inside a group
    ("api[|]x.*", "api"),  # a `|` in a character class is a member
    ("api[]|]x.*", "api"),  # so is a first `]`
    ("ab*", "a"), ("ab+", "a"), ("ab?", "a"), ("ab{2}", "a"),  # the last letter repeated, or missing
    ("api", "api"),
    ("api.*|web", ""), ("api\\|x|web", ""),  # an alternation outside any group: either side
    (".*-api", ""), ("^api", ""), ("(?i)api", ""), ("", ""),
    ("api-\\pL.*", ""),  # RE2 syntax Python cannot read: every job counts as a match
])
def test_the_literal_start_of_a_pattern(pattern, prefix):
    (matcher,) = _job_pattern("=~", pattern).matchers.matchers
    assert literal_prefix(matcher) == prefix
    (negative,) = _job_pattern("!~", pattern).matchers.matchers
    assert literal_prefix(negative) == ""


def _job_pattern(op: str, pattern: str) -> promql_parser.VectorSelector:
    """up{job<op>"pattern"}, the pattern quoted as PromQL strings are."""
    return _selector(f'up{{job{op}"{pattern.replace(chr(92), chr(92) * 2)}"}}')


_PIECES = st.sampled_from(["a", "b", "-", "1", ".", "*", "+", "?", "|", "(", ")", "[ab]", "[^a]", "{1,2}", "\\.",
                           "\\d", "^", "$", "(?i)", "[|]"])


@settings(max_examples=300, deadline=None)
@given(pattern=st.lists(_PIECES, max_size=6).map("".join),
       jobs=st.lists(st.text(alphabet="ab-1.A|", min_size=1, max_size=4), min_size=1, max_size=12, unique=True))
def test_selected_jobs_are_those_trying_every_job_gives(pattern, jobs):
    info = SeriesInfo(frozenset(), frozenset(), {}, dict.fromkeys(jobs, 60_000),
                      {job: frozenset({"job"}) for job in jobs}, "'up'")
    for op in ("=~", "!~"):
        try:
            selector = _job_pattern(op, pattern)
        except ValueError:  # not a regex PromQL takes
            assume(False)
        matchers = [m for m in selector.matchers.matchers if m.name == "job"]
        every = tuple(j for j in jobs if all(promql.matcher_accepts(m, j) for m in matchers)) or tuple(jobs)
        assert info.selected_jobs(selector) == every


def test_the_labels_of_all_jobs_are_worked_out_once(monkeypatch):
    info = _series_every_job_exposes(2_000)
    looked_up = []

    class Counting(dict):
        def __getitem__(self, key):
            looked_up.append(key)
            return super().__getitem__(key)

    object.__setattr__(info, "job_labels", Counting(info.job_labels))
    for _ in range(100):  # a hundred selectors on up without a job matcher
        labels = info.labels_from(info.selected_jobs(_selector('up{instance="x"}')))
    assert labels is not None and len(labels) == 2_002
    assert len(looked_up) == 2_000  # once, not once per selector


def _pairwise_overlaps(boxes):
    """The definition: every panel against every earlier one."""
    return {i: [j for j in range(i) if dashboard_grid._overlap(boxes[i], boxes[j])] for i in range(len(boxes))}


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 20), st.integers(0, 30), st.integers(1, 8), st.integers(1, 12)),
                max_size=40))
def test_the_grid_sweep_finds_the_overlaps_a_pairwise_check_finds(boxes):
    expected = {i: found for i, found in _pairwise_overlaps(boxes).items() if found}
    assert dashboard_grid._overlaps(boxes) == expected


def test_a_dashboard_of_many_panels_is_checked_in_proportion_to_its_panels(monkeypatch):
    # 4,000 panels, four to a row, none overlapping, in a shuffled order (as a hand-written file may list them).
    panels = [panel(i + 1, f"P{i}", x=6 * (i % 4), y=8 * (i // 4), w=6) for i in range(4_000)]
    panels = panels[1::2] + panels[::2]
    compared = []
    overlap = dashboard_grid._overlap
    monkeypatch.setattr(dashboard_grid, "_overlap", lambda a, b: compared.append(1) or overlap(a, b))
    assert messages(dashboard_grid.CHECK, dashboard(*panels)) == []
    assert len(compared) <= 4 * len(panels)  # the pairwise check compared 8 million pairs
    panels.append(panel(9_999, "late", x=3, y=8 * 500 + 2, w=6))
    # 6 columns wide from column 3, 8 rows high from row 4,002: two panels of its row, two of the next
    assert len(messages(dashboard_grid.CHECK, dashboard(*panels))) == 4


class _CountedName(str):
    """A name that counts how often it is compared: list scans compare, set look-ups hash."""

    compared = 0

    def __eq__(self, other):
        _CountedName.compared += 1
        return str.__eq__(self, other)

    __hash__ = str.__hash__


def test_routes_find_their_receivers_and_time_intervals_by_look_up():
    n = 2_000
    names = [_CountedName(f"team{i}") for i in range(n)]
    routing = Routing._unchecked(
        route=Route._unchecked(receiver=names[0], matchers=(), routes=tuple(
            Route._unchecked(receiver=name, matchers=(f'team="{name}"',), routes=(),
                                  mute_time_intervals=(name,), active_time_intervals=()) for name in names),
            mute_time_intervals=(), active_time_intervals=()),
        receivers=tuple(Receiver._unchecked(name=name) for name in names),
        time_intervals=tuple(TimeInterval._unchecked(name=name) for name in names),
        tests=tuple(RouteTest._unchecked(labels={"team": name}, receivers=(name,)) for name in names))
    _CountedName.compared = 0
    routing._references()
    assert _CountedName.compared <= 10 * n  # scanning the lists compared about 3 * n * n / 2 = 6 million times


def test_team_routes_find_their_receivers_by_look_up():
    n = 2_000
    names = [_CountedName(f"team{i}") for i in range(n)]
    team = TeamRouting._unchecked(receiver=names[0], receivers=tuple(
        TeamReceiver._unchecked(name=name) for name in names), routes=tuple(
        TeamRoute._unchecked(receiver=name) for name in names))
    _CountedName.compared = 0
    team._receivers_exist()
    assert _CountedName.compared <= 10 * n


def test_a_matcher_naming_its_value_finds_it_among_the_declared_ones_by_look_up(monkeypatch):
    values = tuple(f"v{i}" for i in range(5_000))
    calls = []
    accepts = promql.matcher_accepts
    monkeypatch.setattr(promql, "matcher_accepts", lambda m, v: calls.append(v) or accepts(m, v))
    for i in range(0, 5_000, 50):  # a hundred rules, each selecting its own value
        assert list(promql.unmatched_values(_selector(f'w_total{{code="v{i}"}}'), {"w_total": {"code": values}})) == []
    assert list(promql.unmatched_values(_selector('w_total{code=~"v9|nothing"}'), {"w_total": {"code": values}})) == []
    assert len(calls) == 101  # its own value for each, checked; the old loop tried 250,000 values here
    (missing,) = promql.unmatched_values(_selector('w_total{code="v5000"}'), {"w_total": {"code": values}})
    assert "matches none of the values" in missing


@settings(max_examples=300, deadline=None)
@given(pattern=st.lists(_PIECES, max_size=5).map("".join), op=st.sampled_from(["=", "!=", "=~", "!~"]),
       values=st.lists(st.text(alphabet="ab-1.A|", min_size=1, max_size=4), min_size=1, max_size=8, unique=True))
def test_declared_values_a_matcher_accepts_are_those_trying_each_gives(pattern, op, values):
    try:
        selector = _selector(f'w_total{{code{op}"{pattern.replace(chr(92), chr(92) * 2)}"}}')
    except ValueError:  # not a regex PromQL takes
        assume(False)
    (matcher,) = [m for m in selector.matchers.matchers if m.name == "code"]
    declared = tuple(values)
    tried = any(promql.matcher_accepts(matcher, v) for v in declared)
    assert (list(promql.unmatched_values(selector, {"w_total": {"code": declared}})) == []) == tried


def test_the_name_index_example_runs():
    import doctest

    from monitoring.promql import name_index

    result = doctest.testmod(name_index)
    assert result.attempted == 2 and result.failed == 0
