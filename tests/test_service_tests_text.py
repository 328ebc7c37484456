"""A service's test file is written from its parts (`promtool_tests.render_text`); it must be byte for byte the
YAML of the plain data (`promtool_tests.render`): for every service of the repository's stacks, the packs, the
benchmark's fleet, and services whose names, label values and annotations YAML must quote, escape or write as
blocks."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from monitoring import Alert, AlertScenario, InputSeries, Stack
from monitoring.output.files import to_yaml
from monitoring.output.yaml_writer import NotOneLine, one_line, pyyaml_dump
from monitoring.project import load_stack
from monitoring.render import promtool_tests
from tests.test_alert_shapes import MCP_STACK, SHAPES, SHAPES_STACK, UNRECOGNISED_STACK, _stack

ROOT = Path(__file__).resolve().parent.parent
HEADER = "# generated\n"


def _same(stack: Stack) -> int:
    written = 0
    for service in stack.services:
        data = promtool_tests.render(stack, service)
        text = promtool_tests.render_text(stack, service, HEADER)
        assert text == (None if data is None else to_yaml(data, HEADER)), service.name
        written += text is not None
    return written


def _fleet() -> Stack:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        from bench_generate import synthetic_stack
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    return synthetic_stack(20, dashboards=False)


@pytest.mark.parametrize("stack", [lambda: load_stack("alerts.stack:stack", ROOT), lambda: SHAPES_STACK,
                                   lambda: UNRECOGNISED_STACK, lambda: MCP_STACK, _fleet],
                         ids=["repository", "shapes", "unrecognised", "mcp", "fleet"])
def test_every_service_of_the_stacks_is_written_as_its_plain_data(stack: object) -> None:
    assert _same(stack()) > 0  # type: ignore[operator]


# Texts YAML must quote, escape or write as blocks: colons, quotes, '#', non-ASCII, leading dashes, newlines.
texts = st.text(alphabet=st.sampled_from(list("ab :#'\"-\\\u00e9\n{}[]%@&*!|>")), min_size=1, max_size=14).filter(
    lambda t: t.strip() == t and "\n\n" not in t)
one_line_texts = texts.filter(lambda t: "\n" not in t)
static = texts.filter(lambda t: "{{" not in t and "}}" not in t)  # annotations: no template of their own


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=one_line_texts, label=one_line_texts, owner=one_line_texts.filter(lambda t: "{{" not in t),
       summary=static, description=static,
       shape=st.sampled_from(SHAPES), for_=st.sampled_from(["0s", "1m", "5m", "90s"]))
def test_awkward_names_values_and_texts_are_written_as_their_plain_data(
        value: str, label: str, owner: str, summary: str, description: str, shape: tuple[str, str, str],
        for_: str) -> None:
    """A derived scenario (the shape's) and a hand-written one, in a service with labels of its own."""
    name, expr, _ = shape
    derived = Alert(name=name, expr=expr, for_=for_, severity="warning", labels={"team": label},
                    summary=summary, description=description + " {{ $labels.job }}")
    quoted = value.replace("\\", "\\\\").replace('"', '\\"')
    scenario = AlertScenario(firing=(InputSeries(series=f'queue_depth{{queue="{quoted}"}}', value="150"),),
                             healthy=(InputSeries(series=f'queue_depth{{queue="{quoted}"}}', value="1"),),
                             labels={"queue": value})
    written = Alert(name="QueueLongHere", expr='max by (queue) (queue_depth{queue!="dead"}) > 100', for_=for_,
                    severity="warning", summary=summary, description=description, test=scenario)
    stack = _stack((derived, written))
    service = stack.services[0].model_copy(update={"labels": {"owner": owner}})
    assert _same(stack.model_copy(update={"services": (service,)})) == 1


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=12))
def test_one_line_is_the_writers_spelling_of_a_mapping_value(value: str) -> None:
    if "\n" in value:
        with pytest.raises(NotOneLine):
            one_line(value)
        return
    assert f"k: {one_line(value)}\n" == to_yaml({"k": value}) == pyyaml_dump({"k": value})
