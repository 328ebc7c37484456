"""The fast constructors of generated dashboard objects make what pydantic's model_construct makes, and the
variable scan finds what the one-match-at-a-time scan found."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from monitoring.grafana import trusted, variables
from monitoring.model.dashboards import Dashboard, DashboardRow, DashboardVariable, Panel, PanelQuery, Threshold

SAMPLE_VALUES: dict[type, st.SearchStrategy[object]] = {
    str: st.text(max_size=5), int: st.integers(1, 24), float: st.floats(allow_nan=False), bool: st.booleans(),
}


def _values(model: type) -> st.SearchStrategy[dict[str, object]]:
    """Some of the model's fields (all the required ones), each with a value of roughly its type."""
    required = [name for name, info in model.model_fields.items() if info.is_required()]
    optional = [name for name in model.model_fields if name not in required]

    def value(name: str) -> st.SearchStrategy[object]:
        annotation = model.model_fields[name].annotation
        return SAMPLE_VALUES.get(annotation, st.just(("x",)))  # type: ignore[arg-type]

    chosen = st.lists(st.sampled_from(optional), unique=True) if optional else st.just([])
    return chosen.flatmap(
        lambda chosen: st.fixed_dictionaries({name: value(name) for name in [*required, *chosen]}))


CONSTRUCTORS = [(trusted._query, PanelQuery), (trusted._threshold, Threshold), (trusted._panel, Panel),
                (trusted._row, DashboardRow), (trusted._dashboard, Dashboard), (trusted.variable, DashboardVariable)]


@pytest.mark.parametrize(("construct", "model"), CONSTRUCTORS, ids=lambda c: getattr(c, "__name__", ""))
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_same_instance_as_model_construct(construct: trusted._Construct, model: type, data: st.DataObject) -> None:
    values = data.draw(_values(model))
    fast, plain = construct(**values), model._unchecked(**values)
    assert type(fast) is type(plain)
    assert list(fast.__dict__.items()) == list(plain.__dict__.items())  # the same fields, in the same order
    assert fast.model_fields_set == plain.model_fields_set
    assert fast == plain and repr(fast) == repr(plain)


def test_unknown_and_missing_fields_are_errors() -> None:
    with pytest.raises(TypeError, match="unknown fields \\['colour'\\]"):
        trusted._threshold(value=1.0, colour="red")
    with pytest.raises(TypeError, match="missing required ones \\['title'\\]"):
        trusted.panel(type="text", content="x")


_TEXT = st.lists(st.sampled_from(["$job", "${job}", "${job:regex}", "[[instance]]", "[[x:csv]]", "$1", "${2}",
                                  "$__rate_interval", "${a.b:c}", "$", "[[", "}", " rate(", "x_total", "$é"]),
                 max_size=12).map("".join)


@settings(max_examples=300, deadline=None)
@given(_TEXT)
def test_variables_in_matches_a_match_by_match_scan(text: str) -> None:
    expected = [next(group for group in match.groups() if group) for match in re.finditer(variables._VARIABLE, text)]
    assert variables.variables_in(text) == expected
