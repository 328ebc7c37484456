"""A service's SLO dashboard is put together from the texts of its rows, each written once per key with the
SLO's names put in (dashboards.render_json): it must be byte for byte the JSON of the plainly rendered dashboard,
for every dashboard of the repository's stacks and the benchmark's fleet, and for SLOs of any names, kinds,
descriptions and budgeting."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from monitoring import SLO, AlertTier, SLOAlerting, Stack, Timeslices
from monitoring.grafana import dashboards
from monitoring.output.files import to_json
from monitoring.project import load_stack
from tests.stacks.example import stack as example_stack
from tests.test_slo_render_once import SLIS, SPECIAL_SLUGS, _fleet, odd_values, slugs
from tests.test_slo_stacks import api_service, routing, variety

ROOT = Path(__file__).resolve().parent.parent


def _same_dashboards(stack: Stack) -> None:
    items = [item for group in dashboards.dashboard_groups(stack) for item in group()]
    texts = list(dashboards.render_json(stack, items))
    plain = list(dashboards.render(stack, items))
    assert [(t.folder, t.uid, t.source) for t in texts] == [(p.folder, p.uid, p.source) for p in plain]
    for text, data in zip(texts, plain, strict=True):
        assert text.data == to_json(data.data), text.uid


@pytest.mark.parametrize("stack", [variety, lambda: load_stack("alerts.stack:stack", ROOT), _fleet,
                                   lambda: example_stack], ids=["variety", "alerts", "fleet", "example"])
def test_every_dashboard_of_the_stacks_is_the_json_of_its_data(stack: object) -> None:
    built = stack()  # type: ignore[operator]
    _same_dashboards(built)
    _same_dashboards(built)  # the second time every row key has been seen: from the texts of the keys


def test_the_fleet_rows_come_from_the_texts_of_their_keys() -> None:
    """The shortcut is taken: the benchmark's SLO dashboards are put together from row texts."""
    fleet = _fleet()
    _same_dashboards(fleet)
    assert any(isinstance(found, tuple) for found in dashboards._ROWS._pieces.values())


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(names=st.lists(st.sampled_from(SPECIAL_SLUGS) | slugs, min_size=1, max_size=4, unique=True),
       service=st.sampled_from(["api"]), kinds=st.lists(st.sampled_from(sorted(SLIS)), min_size=4, max_size=4),
       description=st.just("") | odd_values, slices=st.booleans(), ticket=st.booleans(),
       naming=st.sampled_from(["default", "sloth"]), objective=st.sampled_from(["99.9", "99", "95.5"]))
def test_any_slo_dashboard_is_the_json_of_its_data(names: list[str], service: str, kinds: list[str],
                                                    description: str, slices: bool, ticket: bool, naming: str,
                                                    objective: str) -> None:
    slos = tuple(
        SLO(name=name, service=service, objective=objective, sli=SLIS[kind], naming=naming, description=description,
            budgeting=Timeslices(window="5m", target="0.95") if slices and kind != "boolean" else "occurrences",
            alerting=SLOAlerting(ticket=AlertTier(severity="warning", enabled=ticket)))
        for name, kind in zip(names, kinds, strict=False))
    stack = Stack(name="slo-test", services=(api_service(None),), routing=routing(), slos=slos)
    for _ in range(3):  # first sight, the text of the key written, then used
        _same_dashboards(stack)


def test_services_whose_slos_have_the_same_shapes_share_a_key() -> None:
    """Generate's workers get each SLO dashboard group's key, so that groups whose rows mostly have the same texts
    go to one worker, which writes each text once (rather than every worker writing its own); other groups have
    none."""
    fleet = _fleet()
    groups = dashboards.dashboard_groups(fleet)
    keys = [dashboards.group_key(group) for group in groups]
    boards = [[item for item in group() if isinstance(item, dashboards.SLOBoard)] for group in groups]
    assert [key is not None for key in keys] == [bool(found) for found in boards]
    shapes: dict[object, set[tuple[object, ...]]] = {}
    for key, found in zip(keys, boards, strict=True):
        if key is not None:
            shapes.setdefault(key, set()).add(tuple(slo.plan.shape for board in found for slo in board.slos))
    assert all(len(kinds) == 1 for kinds in shapes.values())  # one key: SLOs of the same shapes, in order
    assert 1 < len(shapes) < len({slo.service for slo in fleet.slos})  # and the fleet's services share keys


def test_generate_gives_the_workers_the_dashboard_groups_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    from monitoring.output import emitters

    seen: dict[str, list[object]] = {}
    each = emitters.GenerateContext.each

    def recording(self: emitters.GenerateContext, unit: object, stack: Stack, count: int, key: object = None
                  ) -> object:
        seen[unit.__name__] = [None] * count if key is None else [key(stack, i) for i in range(count)]  # type: ignore
        return each(self, unit, stack, count, key)  # type: ignore[arg-type]

    monkeypatch.setattr(emitters.GenerateContext, "each", recording)
    fleet = _fleet()
    emitters.render_files(fleet, emitters.GenerateContext("bench:stack"))
    groups = dashboards.dashboard_groups(fleet)
    assert seen["_dashboard_group"] == [dashboards.group_key(group) for group in groups]
    assert any(key is not None for key in seen["_dashboard_group"])
