"""Model checks run once per definition, and what a rule remembers from validation is what parsing says."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from monitoring import Alert, AlertScenario, InputSeries, RecordingRule, RuleGroup, VerbatimRule
from monitoring.errors import DefinitionError
from monitoring.promql import selected_metrics, text_facts

NAMES = st.sampled_from(["up", "app_requests_total", "job:app_requests:rate5m", "node_load1", "x", ""])
LABELS = st.sampled_from(['{job="a"}', '{code=~"5.."}', '{__name__="other_total"}', '{__name__=~"a.*"}'])


@st.composite
def expressions(draw: st.DrawFn) -> str:
    """Instant-vector PromQL built from a few selectors, functions and operators."""
    parts = []
    for _ in range(draw(st.integers(1, 3))):
        name, labels = draw(NAMES), draw(LABELS)
        selector = f"{name}{labels}" if not name or "__name__" not in labels else name
        parts.append(draw(st.sampled_from([selector, f"rate({selector}[5m])", f"sum by (job) ({selector})",
                                           f"absent({selector})"])))
    joined = draw(st.sampled_from([" or ", " / ", " + "])).join(parts)
    return f"{joined} > {draw(st.integers(0, 9))}"


def alert(expr: str, **extra: object) -> Alert:
    return Alert(name="AppAlert", severity="info", expr=expr, summary="S.", description="D.", **extra)


@settings(max_examples=150, deadline=None)
@given(expressions(), expressions())
def test_remembered_selection_is_the_parsed_one(expr: str, other: str) -> None:
    built = (alert(expr), RecordingRule(record="job:x:sum", expr=expr), VerbatimRule(alert="a", expr=expr))
    for rule in built:
        assert rule.selected_metrics() == selected_metrics(expr)
        # A copy with another expr, and one built without validation, work it out afresh.
        assert rule.model_copy(update={"expr": other}).selected_metrics() == selected_metrics(other)
        assert type(rule).model_construct(**{**dict(rule), "expr": other}).selected_metrics() == selected_metrics(other)


def test_a_built_definition_is_checked_once(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    facts = text_facts.facts
    monkeypatch.setattr(text_facts, "facts", lambda expr: calls.append(expr) or facts(expr))
    built = alert("up == 0")  # its validation and its model check read the expression's facts
    assert calls == ["up == 0", "up == 0"]
    RuleGroup(name="g", rules=(built, built))  # pydantic alone would run the check again, per field
    assert calls == ["up == 0", "up == 0"]


def test_a_changed_copy_is_checked_where_it_is_made() -> None:
    """model_copy with changes checks them as the constructor does, and names the line of the call."""
    scenario = AlertScenario(healthy=(InputSeries(series="up", value=1),), annotations={"unknown": "x"})
    original = alert("up == 0")
    RuleGroup(name="g", rules=(original.model_copy(),))
    with pytest.raises(DefinitionError, match=r"alert 'AppAlert' \(.*test_model_checks_once.py:\d+\)"):
        original.model_copy(update={"test": scenario})


def test_a_trusted_copy_is_checked_where_it_is_used() -> None:
    """The package's own copies (already checked values) skip the constructor; their model checks still run when
    they are put in a definition."""
    scenario = AlertScenario(healthy=(InputSeries(series="up", value=1),), annotations={"unknown": "x"})
    original = alert("up == 0")
    with pytest.raises(DefinitionError, match="rule group 'g'"):
        RuleGroup(name="g", rules=(original._trusted_copy({"test": scenario}),))


def test_a_stack_works_out_its_derived_series_once_without_dashboards_of_its_own(monkeypatch) -> None:
    """A pass over every SLO: the dashboard check needs it only for the stack's own dashboards' queries."""
    from alerts.stack import stack
    from monitoring.model.stack import Stack

    calls = []
    derived = Stack._derived_series
    monkeypatch.setattr(Stack, "_derived_series", lambda self: calls.append(1) or derived(self))
    assert stack.dashboards and stack.slos
    stack.model_copy(update={"dashboards": ()})
    assert len(calls) == 1
    calls.clear()
    stack.model_copy(update={"name": "again"})
    assert len(calls) == 2  # its dashboard's queries are checked against the known series
