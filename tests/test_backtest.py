"""The episode arithmetic of `monitoring backtest`: pending for `for`, gaps reset it, keep_firing_for extends."""

from __future__ import annotations

from monitoring.live.backtest import Episode, episodes

LABELS = {"alertname": "A"}


def _spans(found: list[Episode]) -> list[tuple[float, float]]:
    return [(e.start, e.end) for e in found]


def test_fires_after_for_and_ends_at_the_first_evaluation_without_it() -> None:
    active = [float(t) for t in range(100, 400, 30)]  # 100 .. 370
    assert _spans(episodes(active, 30, 60, 0, 0, 1000, LABELS)) == [(160, 400)]


def test_without_for_fires_at_once() -> None:
    assert _spans(episodes([100.0, 130.0], 30, 0, 0, 0, 1000, LABELS)) == [(100, 160)]


def test_a_missed_evaluation_restarts_the_pending_state() -> None:
    active = [100.0, 130.0, 190.0, 220.0, 250.0]  # 160 is missing
    assert _spans(episodes(active, 30, 60, 0, 0, 1000, LABELS)) == [(250, 280)]


def test_shorter_than_for_never_fires() -> None:
    assert episodes([100.0, 130.0], 30, 60, 0, 0, 1000, LABELS) == []


def test_keep_firing_for_extends_and_joins() -> None:
    active = [100.0, 130.0, 220.0]  # two runs 90s apart
    assert _spans(episodes(active, 30, 0, 0, 0, 1000, LABELS)) == [(100, 160), (220, 250)]
    assert _spans(episodes(active, 30, 0, 100, 0, 1000, LABELS)) == [(100, 350)]  # held through the gap
    assert _spans(episodes(active, 30, 0, 50, 0, 1000, LABELS)) == [(100, 210), (220, 300)]


def test_clipped_to_the_range() -> None:
    active = [float(t) for t in range(0, 600, 30)]
    assert _spans(episodes(active, 30, 60, 0, 200, 500, LABELS)) == [(200, 500)]
