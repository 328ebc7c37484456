"""The exception tree: where a definition was made, exit statuses, and bugs that keep their traceback."""

from __future__ import annotations

import inspect
import pickle

import pytest

from monitoring import Alert, DefinitionError, cli, errors
from monitoring.errors import ExitStatus, MonitoringError


def _alert(**overrides: object) -> Alert:
    fields: dict[str, object] = dict(name="AppErrors", severity="critical", expr="up == 0", summary="Down.",
                                     description="Down.")
    fields.update(overrides)
    return Alert(**fields)  # the line every error below must name


ALERT_LINE = inspect.getsource(_alert).splitlines().index("    return Alert(**fields)  # the line every error below "
                                                          "must name") + inspect.getsourcelines(_alert)[1]


def test_a_definition_error_names_the_definition_its_place_the_field_and_the_value() -> None:
    with pytest.raises(DefinitionError) as info:
        _alert(severity="urgent")
    error = info.value
    assert error.where == f"tests/test_errors.py:{ALERT_LINE}"
    assert (error.definition, error.field, error.value) == ("alert 'AppErrors'", "severity", "urgent")
    assert str(error) == (f"alert 'AppErrors' (tests/test_errors.py:{ALERT_LINE}): severity 'urgent' must be one "
                          "of critical, warning, info")


def test_every_definition_remembers_where_it_was_made_without_changing_equality() -> None:
    first, second = _alert(), _alert()
    assert first.defined_at == f"tests/test_errors.py:{ALERT_LINE}"
    assert first == second
    assert "defined_at" not in first.model_dump() and "_site" not in first.model_dump()
    assert first.error("expr is wrong", field="expr").message == (
        f"alert 'AppErrors' (tests/test_errors.py:{ALERT_LINE}): expr is wrong")


def test_definition_errors_survive_pickling_with_their_fields() -> None:
    error = DefinitionError("bad", definition="alert 'X'", where="a.py:1", field="expr", value="up")
    copy = pickle.loads(pickle.dumps(error))
    assert (str(copy), copy.where, copy.field, copy.value) == ("alert 'X' (a.py:1): bad", "a.py:1", "expr", "up")


def test_every_error_class_is_in_the_one_tree_and_drawn_in_its_docstring() -> None:
    classes = [c for c in vars(errors).values() if isinstance(c, type) and issubclass(c, Exception)]
    assert len(classes) >= 10
    for cls in classes:
        assert issubclass(cls, MonitoringError), cls
        assert cls.__name__ in (errors.__doc__ or ""), f"{cls.__name__} is not drawn in the errors docstring"
        assert cls.__module__ == "monitoring.errors"
        assert cls.__doc__, cls


def test_exit_statuses_are_defined_once() -> None:
    assert [int(s) for s in ExitStatus] == [0, 1, 2, 130, 129, 141, 143]
    assert errors.ToolMissingError("x").exit_status == ExitStatus.FAILED
    assert errors.UsageError("x").exit_status == ExitStatus.BAD_INPUT


def test_an_internal_error_is_not_reported_as_bad_input(monkeypatch: pytest.MonkeyPatch) -> None:
    """Only MonitoringError is the user's fault; a ValueError from inside is a bug and keeps its traceback."""

    def broken(args: object) -> int:
        raise ValueError("an invariant of the renderer broke")

    monkeypatch.setitem(cli.COMMANDS, "generate", broken)
    with pytest.raises(ValueError, match="invariant"):
        cli.main(["generate"])
