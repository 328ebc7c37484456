"""Where a definition was made is the line of its constructor call, however the user's module is written, and it
stays with the definition through copies and pickles."""

from __future__ import annotations

import copy
import pickle
import sys
from pathlib import Path
from types import ModuleType

import pytest

from monitoring import Alert, Counter, DefinitionError

# A module written in the ways stacks are: one long list at module level, calls over several lines, calls nested
# in others, in a function, a comprehension and a lambda, after a blank stretch. `#> name` marks the line of the
# constructor call that makes the definition of that name (the line its `Counter(` or `Alert(` is on).
MODULE = '''
from monitoring import Alert, Counter, RuleGroup

listed = [
    Counter(name="a_total", help="a"),  #> a_total
    Counter(  #> b_total
        name="b_total",
        help="b",
    ),
    Counter(name="c_total",  #> c_total
            help="c"),
]


def alert(name):
    return Alert(name=name, severity="info", expr="up == 0",  #> in_function
                 summary="Down.", description="Down.")


made = alert("InFunction")
group = RuleGroup(name="g", rules=(
    Alert(name="Nested", severity="info", expr="up == 0", summary="Down.", description="Down."),  #> nested
))
squares = [Counter(name=f"s{i}_total", help="s") for i in range(3)]  #> comprehension
late = (lambda: Counter(name="late_total", help="l"))()  #> lambda
''' + "\n" * 300 + '''
far = Counter(name="far_total", help="f")  #> far
'''


def _lines(text: str) -> dict[str, int]:
    return {line.split("#> ")[1]: number for number, line in enumerate(text.splitlines(), 1) if "#> " in line}


@pytest.fixture
def module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    (tmp_path / "written_stack.py").write_text(MODULE)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.chdir(tmp_path)
    monkeypatch.delitem(sys.modules, "written_stack", raising=False)
    import written_stack  # type: ignore[import-not-found]

    return written_stack


def test_each_definition_is_placed_at_the_line_of_its_call(module: ModuleType) -> None:
    lines = _lines(MODULE)
    found = {
        "a_total": module.listed[0], "b_total": module.listed[1], "c_total": module.listed[2],
        "in_function": module.made, "nested": module.group.rules[0], "comprehension": module.squares[2],
        "lambda": module.late, "far": module.far,
    }
    assert {key: d.defined_at for key, d in found.items()} == {key: f"written_stack.py:{lines[key]}" for key in found}


def test_the_place_survives_copies_and_pickles(module: ModuleType) -> None:
    made = module.listed[1]
    for copied in (copy.copy(made), copy.deepcopy(made), pickle.loads(pickle.dumps(made)), made.model_copy(),
                   made.model_copy(deep=True)):
        assert copied == made
        assert copied.defined_at == made.defined_at == f"written_stack.py:{_lines(MODULE)['b_total']}"


def test_an_error_names_the_line_of_the_call_in_a_long_list(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The last of many definitions in one list: its line is the call's, not the list's first.
    text = "from monitoring import Counter\nmetrics = [\n" + "".join(
        f'    Counter(name="m{i}_total", help="m"),\n' for i in range(2000)) + '    Counter(name="bad", help="m"),\n]\n'
    (tmp_path / "long_stack.py").write_text(text)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.chdir(tmp_path)
    monkeypatch.delitem(sys.modules, "long_stack", raising=False)
    with pytest.raises(DefinitionError) as info:
        import long_stack  # type: ignore[import-not-found]  # noqa: F401
    assert info.value.where == f"long_stack.py:{2000 + 3}"
    assert info.value.field == "name"


def test_definitions_made_here_name_this_file() -> None:
    counter = Counter(name="here_total", help="h")
    alert = Alert(name="Here", severity="info", expr="up == 0", summary="s.", description="d.")
    here = Path(__file__).relative_to(Path.cwd()) if Path(__file__).is_relative_to(Path.cwd()) else Path(__file__)
    assert counter.defined_at is not None and counter.defined_at.startswith(f"{here}:")
    assert int(alert.defined_at.rsplit(":", 1)[1]) == int(counter.defined_at.rsplit(":", 1)[1]) + 1


def _made_here() -> Alert:
    return Alert(name="Same", severity="info", expr="up == 0", summary="s.", description="d.")


def test_equal_definitions_made_at_one_line_have_equal_dicts() -> None:
    # pydantic compares two definitions by their whole dicts first, then field by field: were the sites of two
    # equal definitions unequal, each level of a stack would be compared twice over (2^depth comparisons).
    first, second = _made_here(), _made_here()
    assert first.__dict__ == second.__dict__
    assert pickle.loads(pickle.dumps(first)).__dict__ == first.__dict__
    site = first.__dict__["_site"]
    line = _made_here.__code__.co_firstlineno + 1
    assert site == (__file__, line) and (__file__, line) == site and site != (__file__, line + 1)
    assert hash(site) == hash(second.__dict__["_site"]) == hash((__file__, line))
