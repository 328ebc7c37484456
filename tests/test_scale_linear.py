"""Cost that grows with one dimension of a stack, counted in operations (not time): a check of one item must
not go through every other item of its kind."""

from __future__ import annotations

import promql_parser
import pytest

from monitoring import promql
from monitoring.promql.label_sets import SeriesInfo


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


def test_a_real_pattern_is_still_tried_against_every_job():
    info = _series_every_job_exposes(50)
    assert info.selected_jobs(_selector('up{job=~"job1.?"}')) == ("job1", *(f"job1{i}" for i in range(10)))
    assert info.selected_jobs(_selector('up{job!~"job[0-9]*"}')) == tuple(info.job_labels)


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
