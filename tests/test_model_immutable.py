"""A definition is immutable once made, the dicts it holds (labels, annotations, external_labels, ...) too: a
change is made by making a new definition (model_copy(update=...) or the constructor), which is validated.

Each public definition class is made by its own docstring examples, as a reader would paste them.
"""

from __future__ import annotations

import ast
import copy
import inspect
import json
import operator
import pickle
import uuid
from collections.abc import Callable, Iterator, Mapping, MutableMapping, MutableSequence, MutableSet, Sequence
from pathlib import Path
from typing import Annotated, Any, Literal, get_args, get_origin

import pytest
from pydantic import BaseModel

import monitoring
from monitoring.cli import main
from monitoring.docs.docstrings import written_docstring
from monitoring.model.base import Model
from monitoring.output import yaml_writer
from monitoring.project import Project
from tests.docstring_examples import PREAMBLE, example_blocks

MAPPINGS = (dict, Mapping, MutableMapping)
# What pydantic would hold as something that changes in place: a list, a set, a bytearray, or anything at all.
CHANGEABLE = (list, set, Sequence, MutableSequence, MutableSet, bytearray, Any, object)


def _dict_fields(cls: type[BaseModel]) -> list[str]:
    return [name for name, info in cls.model_fields.items() if _holds(info.annotation, MAPPINGS)]


def _holds(annotation: object, kinds: tuple[object, ...]) -> bool:
    """Whether a field of this type may hold one of kinds, at any depth."""
    origin = get_origin(annotation)
    if annotation in kinds or origin in kinds:
        return True
    if origin is Annotated:
        return _holds(get_args(annotation)[0], kinds)
    if origin is Literal:
        return False
    return any(_holds(arg, kinds) for arg in get_args(annotation) if arg is not Ellipsis)


def _public_definitions() -> list[type[Model]]:
    return [value for name in monitoring.__all__
            if inspect.isclass(value := getattr(monitoring, name)) and issubclass(value, Model)]


WITH_DICTS = [cls for cls in _public_definitions() if _dict_fields(cls)]


def _example_values(cls: type) -> list[object]:
    """What the docstring examples of cls make: each expression standing alone, and each name bound."""
    made: list[object] = []
    namespace: dict[str, object] = {"_made": made}
    exec(PREAMBLE, namespace)
    for block in example_blocks(written_docstring(cls) or ""):
        if block.lstrip().startswith(">>>"):
            continue
        tree = ast.parse(block)
        tree.body = [ast.Expr(ast.Call(ast.Attribute(ast.Name("_made", ast.Load()), "append", ast.Load()),
                                       [statement.value], []))
                     if isinstance(statement, ast.Expr) else statement for statement in tree.body]
        exec(compile(ast.fix_missing_locations(tree), f"<{cls.__name__} example>", "exec"), namespace)
    return [*made, *(value for key, value in namespace.items() if not key.startswith("_"))]


def _definitions_in(value: object, depth: int = 0) -> Iterator[BaseModel]:
    if depth > 30:
        return
    if isinstance(value, BaseModel):
        yield value
        for name in type(value).model_fields:
            yield from _definitions_in(getattr(value, name), depth + 1)
    elif isinstance(value, tuple | list):
        for item in value:
            yield from _definitions_in(item, depth + 1)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _definitions_in(item, depth + 1)


def instances(cls: type[Model]) -> list[Model]:
    """The instances of cls that its docstring examples make, the parts of others included."""
    found = [definition for value in _example_values(cls) for definition in _definitions_in(value)
             if type(definition) is cls]
    assert found, f"the examples of {cls.__name__} make none"
    return found


# Every way a dict can be changed in place.
CHANGES: dict[str, Callable[[dict[str, Any]], object]] = {
    "d[k] = v": lambda held: operator.setitem(held, "severity", "urgent"),
    "del d[k]": lambda held: operator.delitem(held, next(iter(held), "x")),
    "d |= other": lambda held: operator.ior(held, {"x": "y"}),
    "update": lambda held: held.update({"x": "y"}),
    "update by keywords": lambda held: held.update(x="y"),
    "pop": lambda held: held.pop(next(iter(held), "x")),
    "pop with a default": lambda held: held.pop("x", None),
    "popitem": lambda held: held.popitem(),
    "clear": lambda held: held.clear(),
    "setdefault": lambda held: held.setdefault("x", "y"),
}


def _changed_in_place(held: dict[str, Any]) -> Iterator[str]:
    """The names of the changes that held allowed (each tried on its own): a plain dict's KeyError (popitem
    of an empty one) is its answer to a change it takes."""
    for name, change in CHANGES.items():
        before = dict(held)
        try:
            change(held)
        except TypeError as exc:
            assert "immutable" in str(exc), str(exc)
            assert held == before
        except KeyError:
            yield name
        else:
            yield name


FILLED: dict[str, object] = {"label_values": {"code": ("200", "500")}}


def _filled(cls: type[Model]) -> Model:
    """An instance of cls from its examples, each of its dicts given an item where the examples leave it empty
    (through model_copy, which validates)."""
    definition = instances(cls)[0]
    for field in _dict_fields(cls):
        if not getattr(definition, field):
            update: dict[str, object] = {field: FILLED.get(field, {"team": "web"})}
            if field == "label_values" and "labels" in cls.model_fields:
                update["labels"] = ("code",)
            definition = definition.model_copy(update=update)
    return definition


@pytest.mark.parametrize("cls", WITH_DICTS, ids=[cls.__name__ for cls in WITH_DICTS])
def test_every_dict_of_a_definition_refuses_every_change(cls: type[Model]) -> None:
    for definition in instances(cls):
        for field in _dict_fields(cls):
            held = getattr(definition, field)
            if held is None:  # an optional dict left out
                continue
            allowed = list(_changed_in_place(held))
            assert not allowed, f"{cls.__name__}.{field} allowed {allowed}"


@pytest.mark.parametrize("cls", WITH_DICTS, ids=[cls.__name__ for cls in WITH_DICTS])
def test_a_filled_dict_refuses_every_change_and_its_error_names_the_definition_and_field(cls: type[Model]
                                                                                           ) -> None:
    definition = _filled(cls)
    for field in _dict_fields(cls):
        held = getattr(definition, field)
        assert held, f"{cls.__name__}.{field} left empty"
        allowed = list(_changed_in_place(held))
        assert not allowed, f"{cls.__name__}.{field} allowed {allowed}"
        spelled = cls.model_fields[field].alias or field.removesuffix("_")
        with pytest.raises(TypeError, match=rf"^{cls.kind} {spelled} cannot be changed: a definition is immutable"):
            held["x"] = "y"


def test_an_alerts_labels_refuse_a_change_and_a_changed_copy_is_checked() -> None:
    alert = monitoring.Alert(name="AppErrors", severity="critical", expr="up == 0", summary="Down.",
                             description="Down.", labels={"team": "web"}, annotations={"x": "y"})
    with pytest.raises(TypeError, match=r"alert labels cannot be changed: a definition is immutable once made; "
                                        r"make a changed copy with model_copy\(update=\{'labels': \.\.\.\}\)"):
        alert.labels["severity"] = "urgent"
    with pytest.raises(TypeError, match="alert annotations cannot be changed"):
        alert.annotations.update(x="z")
    assert alert.labels == {"team": "web"} and alert.annotations == {"x": "y"}
    changed = alert.model_copy(update={"labels": {**alert.labels, "tier": "1"}})
    assert changed.labels == {"team": "web", "tier": "1"} and "tier" not in alert.labels
    with pytest.raises(TypeError):
        changed.labels["tier"] = "2"
    with pytest.raises(monitoring.DefinitionError, match="severity"):
        alert.model_copy(update={"severity": "urgent"})


def _every_value(value: object, depth: int = 0) -> Iterator[object]:
    if depth > 30:
        return
    yield value
    if isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from _every_value(getattr(value, name), depth + 1)
    elif isinstance(value, tuple | list | set | frozenset):
        for item in value:
            yield from _every_value(item, depth + 1)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _every_value(key, depth + 1)
            yield from _every_value(item, depth + 1)


@pytest.mark.parametrize("cls", _public_definitions(), ids=[cls.__name__ for cls in _public_definitions()])
def test_a_definition_holds_nothing_that_changes_in_place(cls: type[Model]) -> None:
    """No list, set, bytearray or plain dict anywhere in what the examples make (a dict's values included)."""
    if not example_blocks(written_docstring(cls) or ""):
        pytest.skip("no example")
    for definition in instances(cls):
        for value in _every_value(definition):
            assert not isinstance(value, list | set | bytearray), (cls.__name__, value)
            assert not isinstance(value, dict) or type(value).__setitem__ is not dict.__setitem__, \
                (cls.__name__, value)


def _all_definition_classes() -> list[type[Model]]:
    import importlib
    import pkgutil

    import monitoring.model

    for module in pkgutil.iter_modules(monitoring.model.__path__):
        importlib.import_module(f"monitoring.model.{module.name}")
    found, pending = [], [Model]
    while pending:
        cls = pending.pop()
        found.append(cls)
        pending.extend(cls.__subclasses__())
    return found


def test_no_field_type_holds_a_list_or_a_set() -> None:
    """Lists and sets held by a definition could change in place: a tuple (or a dict, made read-only) instead."""
    for cls in _all_definition_classes():
        for name, info in cls.model_fields.items():
            assert not _holds(info.annotation, CHANGEABLE), f"{cls.__name__}.{name}: {info.annotation}"


def _alert(**fields: Any) -> monitoring.Alert:
    return monitoring.Alert(**{"name": "AppErrors", "severity": "critical", "expr": "up == 0", "summary": "Down.",
                               "description": "Down.", **fields})


def _stack(**update: Any) -> monitoring.Stack:
    stack = instances(monitoring.Stack)[0]
    return stack.model_copy(update={"external_labels": {"cluster": "eu"}, **update})


# Each way of making a definition, the package's own unchecked ones included.
MADE: dict[str, Callable[[], Model]] = {
    "constructor": lambda: _alert(labels={"team": "web"}, annotations={"x": "y"}),
    "field default": lambda: _alert(),
    "model_copy(update)": lambda: _alert().model_copy(update={"annotations": {"x": "y"}}),
    "model_construct": lambda: monitoring.Alert.model_construct(**_alert(labels={"a": "b"}).model_dump()),
    "model_validate": lambda: monitoring.Alert.model_validate({**_alert().model_dump(), "labels": {"a": "b"}}),
    "model_validate_json": lambda: monitoring.Alert.model_validate_json(_alert(labels={"a": "b"}).model_dump_json()),
    "_unchecked": lambda: monitoring.Alert._unchecked(**{**_alert().model_dump(), "labels": {"a": "b"}}),
    "_trusted_copy": lambda: _alert()._trusted_copy({"labels": {"a": "b"}}),
    "part given as a dict": lambda: _stack(services=(*instances(monitoring.Stack)[0].services,
                                                      {"name": "fromdict", "labels": {"team": "web"}})).services[-1],
    "stack": lambda: _stack(),
}


@pytest.mark.parametrize("how", MADE)
def test_every_way_of_making_a_definition_makes_its_dicts_read_only(how: str) -> None:
    definition = MADE[how]()
    fields = _dict_fields(type(definition))
    assert fields
    for field in fields:
        held = getattr(definition, field)
        assert not list(_changed_in_place(held)), f"{how}: {field}"


@pytest.mark.parametrize("cls", WITH_DICTS, ids=[cls.__name__ for cls in WITH_DICTS])
def test_pickle_copy_deepcopy_and_model_copy_give_an_equal_definition_still_read_only(cls: type[Model]) -> None:
    definition = _filled(cls)
    copies = {
        "pickle": pickle.loads(pickle.dumps(definition)),
        "copy": copy.copy(definition),
        "deepcopy": copy.deepcopy(definition),
        "model_copy": definition.model_copy(),
        "model_copy(deep=True)": definition.model_copy(deep=True),
    }
    for how, made in copies.items():
        # As data: an SLO's plan (a private attribute) equals only itself, so no copy of an SLO, or of a
        # definition holding one, compares equal to it.
        assert type(made) is cls and made.model_dump() == definition.model_dump(), how
        for field in _dict_fields(cls):
            held = getattr(made, field)
            if held is not None:
                assert held == getattr(definition, field), (how, field)
                assert not list(_changed_in_place(held)), (how, field)


@pytest.mark.parametrize("cls", WITH_DICTS, ids=[cls.__name__ for cls in WITH_DICTS])
def test_a_definition_still_dumps_to_json_and_its_dump_is_plain_data(cls: type[Model]) -> None:
    definition = _filled(cls)
    dumped = definition.model_dump()
    # default=str: a Decimal (an SLO's objective) is no JSON number to the json module, before as now
    assert json.loads(json.dumps(dumped, default=str)) == json.loads(json.dumps(definition.model_dump(mode="json"),
                                                                                default=str))
    for field in _dict_fields(cls):
        held = getattr(definition, field)
        assert json.dumps(held) == json.dumps(dict(held))
        assert type(dumped[field]) is dict  # a dump is the caller's, to change


def test_a_read_only_dict_reads_as_a_dict_and_its_copies_are_plain_dicts() -> None:
    labels = monitoring.Alert(name="AppErrors", severity="critical", expr="up == 0", summary="Down.",
                              description="Down.", labels={"team": "web", "tier": "1"}).labels
    assert labels == {"team": "web", "tier": "1"} and isinstance(labels, dict)
    assert repr(labels) == "{'team': 'web', 'tier': '1'}"
    for changeable in (dict(labels), labels.copy(), labels | {"x": "y"}, {**labels}, {"x": "y"} | labels):
        assert type(changeable) is dict
        changeable["more"] = "ok"


def test_the_yaml_writer_writes_a_read_only_dict_as_a_dict() -> None:
    labels = monitoring.Alert(name="AppErrors", severity="critical", expr="up == 0", summary="Down.",
                              description="Down.", labels={"team": "web", "note": "needs: quoting"}).labels
    plain = {"groups": [{"labels": dict(labels), "empty": {}}], "labels": dict(labels)}
    held = {"groups": [{"labels": labels, "empty": type(labels)()}], "labels": labels}
    assert yaml_writer.dump(held) == yaml_writer.dump(plain) == yaml_writer.pyyaml_dump(plain)
    assert yaml_writer.pyyaml_dump(held) == yaml_writer.pyyaml_dump(plain)


STACK = '''
from monitoring import Alert, Counter, Receiver, Route, Routing, RuleGroup, Service, Slack, Stack

api = Service(
    name="api",
    metrics=(Counter(name="api_requests_total", help="Requests.", labels=("code",)),),
    rule_groups=(RuleGroup(name="api.alerts", rules=(
        Alert(name="APIHighErrorRate", severity="critical", for_="5m",
              expr='sum(rate(api_requests_total{code=~"5.."}[5m])) > 1',
              summary="API errors.", description="{{ $value }} fail."),
    )),),
)
chat = Receiver(name="chat", slack=(Slack(api_url_file="/etc/alertmanager/slack-url", channel="#api"),))
stack = Stack(name="prod", services=(api,), routing=Routing(route=Route(receiver="chat"), receivers=(chat,)))
'''
CHANGES_AFTER = '''
api.rule_groups[0].rules[0].labels["severity"] = "urgent"
stack.external_labels["bad label!"] = "x"
'''


def _project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, code: str) -> Project:
    module = f"mutated_{uuid.uuid4().hex}"  # a module name no other test has imported
    (tmp_path / f"{module}.py").write_text(code, encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text(f'[tool.monitoring]\nstack = "{module}:stack"\nout = "out"\n',
                                             encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    return Project.find(tmp_path)


def _written(tmp_path: Path) -> str:
    out = tmp_path / "out"
    return "".join(path.read_text(encoding="utf-8") for path in sorted(out.rglob("*")) if path.is_file()) \
        if out.exists() else ""


def test_generate_cannot_write_labels_changed_after_the_definition_was_made(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """The change fails where the stack makes it, and generate writes nothing."""
    project = _project(tmp_path, monkeypatch, STACK + CHANGES_AFTER)
    assert main(["generate"], project=project) != 0
    assert "alert labels cannot be changed: a definition is immutable once made" in capsys.readouterr().err
    written = _written(tmp_path)
    assert "urgent" not in written and "bad label!" not in written


def test_generate_writes_the_validated_labels_when_the_stack_ignores_the_refused_change(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ignored = "".join(f"try:\n    {line}\nexcept TypeError:\n    pass\n" for line in CHANGES_AFTER.split("\n")
                      if line)
    project = _project(tmp_path, monkeypatch, STACK + ignored)
    assert main(["generate"], project=project) == 0
    written = _written(tmp_path)
    assert "severity: critical" in written
    assert "urgent" not in written and "bad label!" not in written
