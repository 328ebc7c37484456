"""The base model: frozen, strict about unknown fields, and one-line errors that name the definition."""

from __future__ import annotations

import copy
import os
import re
import sys
import sysconfig
from collections.abc import Callable, Iterable, Mapping, MutableMapping, Sequence
from decimal import Decimal
from functools import cache, wraps
from types import UnionType
from typing import Annotated, Any, ClassVar, Self, TypeVar, Union, get_args, get_origin

from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from monitoring.errors import DefinitionError
from monitoring.model.locate import Site, call_position, enclosing_path
from monitoring.units import FrozenDict, frozen_dict, quoted


def _field_path(loc: tuple[Any, ...]) -> str:
    parts: list[str] = []
    for item in loc:
        if isinstance(item, int) or not _plain_key(str(item)):
            index = item if isinstance(item, int) else quoted(item)
            parts[-1:] = [f"{parts[-1]}[{index}]" if parts else f"[{index}]"]
        else:
            parts.append(str(item).removesuffix("_"))  # for_, from_, continue_: spelled as in YAML
    return ".".join(parts)


def _plain_key(key: str) -> bool:
    """Whether a field name or a mapping's key is shown as it is in a field's path (labels.team); any other key,
    which may be long or hold a line break, is quoted in brackets (labels['a b']), so a message stays one line."""
    return 0 < len(key) <= 80 and key.isprintable() and " " not in key


def _message(error: dict[str, Any]) -> str:
    msg: str = error["msg"]
    if error["type"] == "value_error":
        return msg.removeprefix("Value error, ")
    field = _field_path(error["loc"])
    if error["type"] == "extra_forbidden":
        return f"unknown field {field!r}"
    if error["type"] == "missing":
        return f"{field} is required"
    return f"{field} {_shown(error['input'])}: {msg[0].lower()}{msg[1:]}"


def _shown(value: object) -> str:
    """A value as a message shows it: a number as users write it (-1, NaN, not Decimal('-1')), else quoted."""
    if isinstance(value, Decimal):
        return str(value)
    return quoted(value)


# Code in these directories is not the user's: this package, the standard library, installed packages.
_NOT_USER_CODE = tuple(sorted({
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep,
    *(os.path.abspath(sysconfig.get_paths()[key]) + os.sep for key in ("stdlib", "purelib", "platlib", "scripts")),
}))


@cache  # asked for every frame of every definition's construction; a process has few distinct files
def is_user_file(filename: str) -> bool:
    """True for the user's own code: not this package, the standard library, an installed package or <frozen>."""
    return not filename.startswith("<") and not filename.startswith(_NOT_USER_CODE)


def definition_site(depth: int = 2) -> tuple[str, int | None] | None:
    """(file, line) of the innermost caller in the user's code: where a definition was made."""
    found = definition_point(depth + 1)
    return None if found is None else found.resolved()


def definition_point(depth: int = 2) -> Site | None:
    """definition_site, its line left to be worked out when asked for (see Site): what each definition keeps."""
    frame = sys._getframe(depth)
    while frame is not None:
        code = frame.f_code
        if is_user_file(code.co_filename):
            return Site(code, frame.f_lasti)
        frame = frame.f_back
    return None


def format_site(site: tuple[str, int | None] | Site | None) -> str | None:
    """'alerts/stack.py:12': relative to the working directory when the file is under it."""
    if site is None:
        return None
    filename, line = site.resolved() if isinstance(site, Site) else site
    relative = os.path.relpath(filename)
    return f"{filename if relative.startswith('..') else relative}:{line}"


def label(kind: str, name: object) -> str:
    """How messages name a definition: "alert 'AppErrors'", or the bare kind when it has no name."""
    return f"{kind} {quoted(name)}" if name is not None else kind


# How pydantic names a member of a union in an error's location: `literal['a','b']`, `function-after[...,
# Counter]`, `tuple[...]`; a model's class name or a plain type's name is told apart by the errors around it.
_UNION_MEMBER = re.compile(r"[a-z]+(?:-[a-z]+)*\[.*\]\Z", re.S)
_TYPE_NAMES = frozenset({"str", "int", "float", "bool", "decimal", "none"})
# What each kind of error at a union's member says the member takes.
_TAKES = {"string_type": "a string", "int_type": "an integer", "int_parsing": "an integer", "float_type": "a number",
          "float_parsing": "a number", "bool_type": "true or false", "bool_parsing": "true or false",
          "tuple_type": "a tuple", "dict_type": "a mapping", "decimal_type": "a decimal number"}


def _union_member(item: object, siblings: int) -> bool:
    """Whether a location's item names a union's member rather than a field or a key: one only pydantic writes,
    or a class or type name where errors of several members meet."""
    return isinstance(item, str) and (_UNION_MEMBER.match(item) is not None
                                      or (siblings > 1 and (item in _TYPE_NAMES or item in _model_names())))


def _one_of(errors: list[Any]) -> tuple[dict[str, Any], str | None, int] | None:
    """When the first error is one member's of a union (pydantic lists each member's error), the error to show,
    what the union takes ("'default', 'workbook' or 'scaled', or a WindowPolicy"; None when one member's error
    lies inside what was given, which then had that member's shape: that error is shown, its location without
    the member), and how long the union's location is; None when the first error is no union's."""
    loc = errors[0]["loc"]
    for at in range(len(loc)):
        members = [e for e in errors if e["loc"][:at] == loc[:at] and len(e["loc"]) > at]
        if _union_member(loc[at], len({str(e["loc"][at]) for e in members})):
            break
    else:
        return None
    members = [e for e in members if _union_member(e["loc"][at], 2)]
    # A member's error inside what was given, or its own check's (a string that is not host:port): the value
    # had that member's shape, and its error says more than what the union takes.
    inside = next((e for e in members if len(e["loc"]) > at + 1 or e["type"] == "value_error"), None)
    if inside is not None:  # e.g. a WindowPolicy's own field: the rest of its location is the field's
        return {**inside, "loc": (*loc[:at], *inside["loc"][at + 1:])}, None, at
    takes = []
    for member in members:
        context = member.get("ctx") or {}
        if member["type"] == "literal_error":
            takes.append(str(context.get("expected")))
        elif "class_name" in context:
            name = str(context["class_name"])
            takes.append(f"{'an' if name[:1] in 'AEIOU' else 'a'} {name}")
        else:
            takes.append(_TAKES.get(member["type"], member["msg"][0].lower() + member["msg"][1:]))
    alternatives = ", ".join(takes[:-1]) + (f", or {takes[-1]}" if len(takes) > 1 else takes[-1])
    return {**members[0], "loc": loc[:at]}, alternatives, at


def describe(exc: ValidationError) -> tuple[str, str | None, object]:
    """(first problem (and how many more), its field, its value) from a pydantic error. The errors of a union's
    members are one problem: what the union takes, or the error inside the member whose shape was given."""
    errors = exc.errors(include_url=False)
    union = _one_of(errors)
    first, alternatives, at = union if union is not None else (errors[0], None, len(errors[0]["loc"]))
    own = tuple(errors[0]["loc"][:at])  # the first problem's place: its union's other members' errors are it too
    others = {tuple(item for item in e["loc"] if not _union_member(item, 2)) for e in errors[1:]
              if tuple(e["loc"][:at]) != own}  # and each other union's members' errors, one problem
    more = f" (and {len(others)} more)" if others else ""
    if alternatives is not None:
        field = _field_path(first["loc"])
        return f"{field} {_shown(first['input'])}: expected {alternatives}{more}", field or None, first["input"]
    text = _message(first)
    at_field = _field_path(first["loc"])  # where pydantic met the problem: the field, or the nested definition
    if first["type"] == "value_error" and first["loc"]:
        top = str(first["loc"][0]).removesuffix("_")
        if not re.search(rf"\b{re.escape(top)}\b", text):
            text = f"{at_field}: {text}"
    problem = first.get("ctx", {}).get("error")
    if isinstance(problem, FieldProblem):  # a model check's: its field is inside the definition at `at_field`
        return f"{text}{more}", f"{at_field}.{problem.field}" if at_field else problem.field, problem.value
    return f"{text}{more}", at_field or None, first.get("input") if at_field else None


def _key_not_a_string(value: object, path: str = "", depth: int = 0) -> tuple[str, object] | None:
    """(where, key) of the first dict key in value, a definition's data, that is not a string; None if none is."""
    if depth > 64:  # a structure this deep is not a definition's data (and may hold itself)
        return None
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str):
                return path or "(the definition)", key
            part = _field_path((key,))
            found = _key_not_a_string(item, f"{path}{'' if part.startswith('[') else '.'}{part}" if path else part,
                                      depth + 1)
            if found is not None:
                return found
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            found = _key_not_a_string(item, f"{path}[{index}]", depth + 1)
            if found is not None:
                return found
    return None


_MAX_DEPTH = 64  # deeper than any definition's data (and a structure may hold itself)


# What a field's data mostly is, and never holds a set in: a definition is checked when it is made. Looked at
# first, before the Mapping test, which (an abstract class) cost more than all the rest: this runs on every field
# of every definition (7% of building bench_generate's services before).
_NO_SET_INSIDE = (str, int, float, BaseModel, type(None))


def _holds_a_set(value: object, depth: int = 0) -> bool:
    """Whether value, a field's data, is or holds (in a list, tuple or dict value) a set or frozenset."""
    if isinstance(value, _NO_SET_INSIDE):
        return False
    if isinstance(value, set | frozenset):
        return True
    if depth > _MAX_DEPTH:
        return False
    if isinstance(value, list | tuple):
        items: Iterable[object] = value
    elif isinstance(value, Mapping):
        items = value.values()
    else:
        return False
    return any(not isinstance(item, _NO_SET_INSIDE) and _holds_a_set(item, depth + 1) for item in items)


def _sets_sorted(value: object, path: str, depth: int = 0) -> object:
    """value with each set in it a sorted tuple; a FieldProblem naming the first whose items cannot be sorted."""
    if depth > _MAX_DEPTH:
        return value
    if isinstance(value, set | frozenset):
        try:
            return tuple(sorted(value))
        except TypeError:  # definitions, or strings mixed with numbers: no order to give them
            raise FieldProblem(f"{path} is a set, whose order changes from one run to the next: give a tuple or "
                               "a list", field=path, value=sorted(map(repr, value))) from None
    if isinstance(value, list | tuple) and _holds_a_set(value, depth):
        items = [_sets_sorted(item, f"{path}[{index}]", depth + 1) for index, item in enumerate(value)]
        return tuple(items) if isinstance(value, tuple) else items
    if isinstance(value, dict) and _holds_a_set(value, depth):
        return {key: _sets_sorted(item, f"{path}.{key}", depth + 1) for key, item in value.items()}
    return value


# Values that hold no string or set to look into: a definition was looked at when it was made.
_NOTHING_INSIDE = (int, float, Decimal, BaseModel, type(None))


def _needs_a_look(values: Iterable[object], depth: int = 0) -> bool:
    """Whether values, a definition's data, hold (in lists, tuples, dicts' keys and values) a set or a string that
    cannot be written as UTF-8 (a lone surrogate, '\\ud800', from a bad decode or an escape: every writer stops at
    it). It runs on every value of every definition made, so it is one flat loop, strings first: the common case
    pays for nothing else."""
    for value in values:
        if isinstance(value, str):
            if not value.isascii() and not _encodes(value):
                return True
        elif isinstance(value, _NOTHING_INSIDE):
            continue
        elif isinstance(value, set | frozenset):
            return True
        elif depth >= _MAX_DEPTH:
            continue
        elif isinstance(value, list | tuple):
            if _needs_a_look(value, depth + 1):
                return True
        elif isinstance(value, Mapping) and (_needs_a_look(value.keys(), depth + 1)
                                             or _needs_a_look(value.values(), depth + 1)):
            return True
    return False


def _encodes(text: str) -> bool:
    try:
        text.encode()
    except UnicodeEncodeError:
        return False
    return True


def _not_utf8(value: object, loc: tuple[object, ...], depth: int = 0) -> FieldProblem | None:
    """The problem of the first string in value (at loc) that cannot be written as UTF-8, naming its field; None
    if none. Walked only once _needs_a_look has found something."""
    if isinstance(value, str):
        if value.isascii() or _encodes(value):
            return None
        bad = next(index for index, char in enumerate(value) if "\ud800" <= char <= "\udfff")
        field = _field_path(loc)
        return FieldProblem(f"{field} {quoted(value)} holds the lone surrogate {value[bad]!r} at offset {bad}, "
                            "which is not text: it cannot be written as UTF-8", field=field, value=value)
    if depth > _MAX_DEPTH:
        return None
    items: Iterable[tuple[object, object]] = ()
    if isinstance(value, Mapping):
        for key in value:
            if isinstance(key, str) and not _encodes(key):
                field = _field_path(loc)
                return FieldProblem(f"{field}: key {quoted(key)} holds a lone surrogate, which is not text: it "
                                    "cannot be written as UTF-8", field=field, value=key)
        items = value.items()
    elif isinstance(value, list | tuple):
        items = enumerate(value)
    elif isinstance(value, set | frozenset):
        items = enumerate(sorted(value, key=repr))
    for key, item in items:
        if (problem := _not_utf8(item, (*loc, key), depth + 1)) is not None:
            return problem
    return None


def _model_names() -> dict[str, tuple[str, tuple[str, ...]]]:
    """Every definition class by its Python name: (kind, name fields)."""
    found: dict[str, tuple[str, tuple[str, ...]]] = {}
    pending: list[type[Model]] = [Model]
    while pending:
        cls = pending.pop()
        found[cls.__name__] = (cls.kind, cls.name_fields)
        pending.extend(cls.__subclasses__())
    return found


def _holds_tuple(annotation: object) -> bool:
    """Whether a field of this type holds a tuple (tuple[X, ...], tuple[X, ...] | None, Annotated[tuple, ...])."""
    origin = get_origin(annotation)
    if annotation is tuple or origin is tuple:
        return True
    if origin is Annotated:
        return _holds_tuple(get_args(annotation)[0])
    if origin in (Union, UnionType):
        return any(_holds_tuple(arg) for arg in get_args(annotation))
    return False


@cache  # per definition class: read at every construction
def _tuple_fields(cls: type[BaseModel]) -> dict[str, str]:
    """The fields of cls that hold a tuple, by each key a constructor takes (name, alias) -> as users spell it."""
    found: dict[str, str] = {}
    for name, info in cls.model_fields.items():
        if _holds_tuple(info.annotation):
            spelled = info.alias or name.removesuffix("_")
            found.update({name: spelled, **({info.alias: spelled} if info.alias else {})})
    return found


Freeze = Callable[[Any], Any]


def _read_only(annotation: object, problem: str) -> Freeze | None:
    """How to make a field's validated value of this type read-only, each dict in it a FrozenDict whose refusals
    say `problem`: FrozenDict itself for a dict whose values hold no dict (dict[str, str], the common case: one
    constructor call, nothing per item), else a function of the value. None when the type holds no dict: a
    definition is read-only by itself, tuples and scalars are. Worked out once per field."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return _read_only(get_args(annotation)[0], problem)
    if annotation is Any or annotation is object:
        return lambda value: _deep_read_only(value, problem)
    if origin in (Union, UnionType):
        freezes = [freeze for arg in get_args(annotation) if (freeze := _read_only(arg, problem))]
        if len(freezes) > 1:  # which one applies is known from the value only
            return lambda value: _deep_read_only(value, problem)
        return freezes[0] if freezes else None  # dict[str, str] | None: the dict's
    if annotation is dict or origin in (dict, Mapping, MutableMapping):
        args = get_args(annotation)
        if len(args) == 2 and _read_only(args[1], problem) is None:
            return FrozenDict
        return lambda value: _deep_read_only(value, problem)
    if origin is tuple and any(_read_only(arg, problem) for arg in get_args(annotation) if arg is not Ellipsis):
        return lambda value: _deep_read_only(value, problem)
    return None


def _deep_read_only(value: object, problem: str, depth: int = 0) -> object:
    """value with each dict in it (in tuples, as dicts' values) a FrozenDict."""
    if depth > _MAX_DEPTH:
        return value
    if type(value) is dict:
        return frozen_dict({key: _deep_read_only(item, problem, depth + 1) for key, item in value.items()}, problem)
    if type(value) is tuple:
        return tuple(_deep_read_only(item, problem, depth + 1) for item in value)
    return value


# (name, what a refused change says, how to make the value read-only (see _read_only), the read-only empty dict
# that stands for every empty one: it cannot change, and a stack holds tens of thousands of empty annotations)
_ReadOnlyField = tuple[str, str, Freeze, FrozenDict[Any, Any]]
_READ_ONLY_FIELDS: dict[type[BaseModel], tuple[_ReadOnlyField, ...]] = {}


def _read_only_fields(cls: type[Model]) -> tuple[_ReadOnlyField, ...]:
    """The fields of cls whose values hold a dict: worked out at its first definition made, then looked up."""
    found: list[_ReadOnlyField] = []
    for name, info in cls.model_fields.items():
        spelled = info.alias or name.removesuffix("_")
        problem = (f"{cls.kind} {spelled} cannot be changed: a definition is immutable once made; make a changed "
                   f"copy with model_copy(update={{{spelled!r}: ...}})")
        if (freeze := _read_only(info.annotation, problem)) is not None:
            found.append((name, problem, freeze, frozen_dict({}, problem)))
    _READ_ONLY_FIELDS[cls] = fields = tuple(found)
    return fields


class FieldProblem(ValueError):
    """A problem a check of the whole definition (a `model_check`) finds with one of its fields: raise it in place
    of a plain ValueError, and the DefinitionError names that field and its value as a field's own validator's
    does. pydantic keeps the exception in its error (ctx["error"]), which is where `describe` reads it.

    `field` is spelled as users write it, from the definition being checked: "name", "for" (not for_),
    "alerting.page.labels" for a field of a part, "metrics[1].name" for an item of a tuple. `value` is that
    field's value as the definition holds it (None when the field is missing; never a secret). A problem of
    several fields at once ("give exactly one of a and b") is a plain ValueError: it has no one field.

        raise FieldProblem(f"path {self.path!r} must start with '/'", field="path", value=self.path)

    Model.field_problem builds one with the value read from the field.
    """

    def __init__(self, problem: str, *, field: str, value: object = None) -> None:
        super().__init__(problem)
        self.field = field
        self.value = value

    def within(self, path: str) -> FieldProblem:
        """The same problem seen from the definition holding the checked one at `path` ("slos[2]")."""
        return FieldProblem(str(self), field=f"{path}.{self.field}", value=self.value)


def require_unique(what: str, names: Sequence[str], field: str | None = None) -> None:
    """At the second use of a name, "duplicate <what> name 'x'": a FieldProblem when `field` gives the path of the
    name of item i, formatted with i ("metrics[{}].name"); else (names gathered from several fields) a ValueError."""
    repeat = _first_repeat(names)
    if repeat is not None:
        index, name = repeat
        problem = f"duplicate {what} name {name!r}"
        if field is None:
            raise ValueError(problem)
        raise FieldProblem(problem, field=field.format(index), value=name)


def _first_repeat(items: Sequence[str]) -> tuple[int, str] | None:
    """(index, item) of the first item that an earlier one equals, or None."""
    seen: set[str] = set()
    for index, item in enumerate(items):
        if item in seen:
            return index, item
        seen.add(item)
    return None


def require_distinct(field: str, items: Sequence[str], why: str) -> None:
    """A FieldProblem at the second use of an item of a list that is a set where it ends up (the CRDs'
    `x-kubernetes-list-type: set`, which the API server enforces; Alertmanager's group_by): "field[i] 'x' is
    listed twice: <why>"."""
    repeat = _first_repeat(items)
    if repeat is not None:
        index, item = repeat
        raise FieldProblem(f"{field}[{index}] {item!r} is listed twice: {why}", field=f"{field}[{index}]", value=item)


M = TypeVar("M", bound="Model")


def model_check(check: Callable[[M], M]) -> Callable[[M], M]:
    """A check of the whole definition, written in place of `@model_validator(mode="after")`.

    pydantic runs a model's after-validators again each time a built instance is put in a field of another
    model (an Alert in a RuleGroup, a Service in the Stack): every check would run twice or more. A definition
    its constructor has checked is marked, and the check does not run on it again. An instance this package
    made unchecked (`_unchecked`, `_trusted_copy`) carries no mark: it is checked where it is used, as before.
    A problem with one field is a FieldProblem (self.field_problem), so that the error names the field.

        @model_check
        def _unique(self) -> Catalog: ...
    """

    @wraps(check)
    def run_once(self: M) -> M:
        if self.__dict__.get("_checked"):
            return self
        return check(self)

    return model_validator(mode="after")(run_once)  # type: ignore[return-value]


class Model(BaseModel):
    """Every definition derives from this: unknown fields are errors, instances are immutable, and each
    remembers the file:line of the user's code that made it, so that any later error can point there."""

    # defer_build: a validator is built when its class is first used, not when it is defined. A stack uses a
    # third of the classes or fewer, and building the others cost a generation 50 ms before anything else.
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, defer_build=True)
    kind: ClassVar[str] = "definition"

    @model_validator(mode="before")
    @classmethod
    def _values_as_given(cls, data: object) -> object:
        """What pydantic would misread in the values given, put right or refused, in one pass (it runs for every
        definition made). One definition where a tuple of them goes (metrics=Counter(...)) is refused as such:
        pydantic would iterate it, its items being its (field, value) pairs, and report every way each pair is
        not one. A set given for a tuple (labels={"code", "route"}) is sorted, or refused when its items have
        no order: pydantic would take the set's own order, which for strings changes with every process's hash
        seed, and with it the output. A string that cannot be written as UTF-8 (a lone surrogate), in any field,
        is refused, naming the field."""
        if not isinstance(data, dict):
            return data
        for key, value in data.items():
            if isinstance(value, BaseModel) and key in _tuple_fields(cls):
                spelled, kind = _tuple_fields(cls)[key], type(value).__name__
                raise FieldProblem(f"{spelled} must be a tuple of {spelled.replace('_', ' ')}, not a {kind}: write "
                                   f"{spelled}=({kind}(...),)", field=spelled, value=value)
        if not _needs_a_look(data.values()):
            return data
        # In any field: each is written out somewhere, and no writer takes a surrogate.
        if (problem := _not_utf8(data, ())) is not None:
            raise problem
        if not _holds_a_set(tuple(data.values())):
            return data
        return {key: _sets_sorted(value, str(key).removesuffix("_")) for key, value in data.items()}

    def model_post_init(self, context: Any, /) -> None:
        """Every dict the definition holds made read-only, a FrozenDict (setting an attribute is refused by
        __setattr__): were `alert.labels["severity"] = "urgent"` allowed, the change would skip every check and
        reach the output. pydantic calls this once for each definition it makes (model_construct too), a part
        given as a dict (services=[{...}]) too, after putting a field's default (labels={}) in place
        unvalidated; not again when a made definition is put into another one, as it does the after-validators.
        A subclass that defines its own calls this one.

        It runs for every definition of a stack, so it is inline: a dict of strings or tuples costs one
        dict-subclass constructor call, nothing per item; an empty one, none."""
        cls = type(self)
        fields = _READ_ONLY_FIELDS.get(cls)
        if fields is None:
            fields = _read_only_fields(cls)
        if not fields:
            return
        held = self.__dict__
        for name, problem, freeze, empty in fields:
            value = held.get(name)
            if freeze is FrozenDict:
                if type(value) is dict:
                    if value:
                        frozen = FrozenDict(value)
                        frozen._problem = problem
                        held[name] = frozen
                    else:
                        held[name] = empty
            elif value is not None:
                held[name] = freeze(value)

    # The fields that name an instance in messages, first present wins.
    name_fields: ClassVar[tuple[str, ...]] = ("name", "alert", "record")

    def __init__(self, /, **data: Any) -> None:
        # Definitions are built by constructor calls in user code; this is where their errors surface.
        site = definition_point()
        # Raised after the except blocks, not in them: an exception raised there keeps the one it handles as its
        # __context__ (`from None` only hides it), and pydantic's error holds every input value, secrets too.
        refused: DefinitionError | None = None
        try:
            super().__init__(**data)
        except ValidationError as exc:
            name = next((data[k] for k in self.name_fields if data.get(k)), None)
            problem, field, value = describe(exc)
            definition = label(type(self).kind, name)
            if name is None and not any(k in type(self).model_fields for k in self.name_fields):
                # A nameless part: say where it sits in the named definition around it.
                located = enclosing_path(call_position(1, is_user_file), _model_names())
                if located is not None:
                    definition, path = located
                    problem, field = f"{path}: {problem}", f"{path}.{field}" if field else path
            refused = DefinitionError(problem, definition=definition, where=format_site(site), field=field,
                                      value=value)
        except TypeError:
            # A dict given for a nested definition is passed to its constructor as keywords, which Python
            # refuses when a key is not a string, before any validation can name the field.
            found = _key_not_a_string(data)
            if found is None:
                raise
            field, key = found
            name = next((data[k] for k in self.name_fields if isinstance(data.get(k), str) and data[k]), None)
            refused = DefinitionError(f"{field}: key {key!r} must be a field name (a string)",
                                      definition=label(type(self).kind, name), where=format_site(site), field=field,
                                      value=key)
        if refused is not None:
            raise refused
        # Not fields: kept out of equality, hashing and serialisation (pydantic's equality is its fields'; its first
        # look at the whole dicts is why a Site compares as its file and line). Put in the instance's dict as
        # object.__setattr__ would, without its two calls per definition.
        held = self.__dict__
        held["_site"] = site
        held["_checked"] = True  # see model_check

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Self:
        """A copy; with changes, a new definition checked as its constructor checks one, made where this is called.

        pydantic's own model_copy puts `update` in place unchecked: a wrong value (a severity 'urgent', a name
        that is not one) would reach the output. Here it is an error that names this call's file:line.

            paging = alert.model_copy(update={"name": "AppErrorsPaging", "severity": "critical"})
        """
        if not update:
            return super().model_copy(deep=deep)
        fields = type(self).model_fields
        data = {name: getattr(self, name) for name in self.model_fields_set}
        for key, value in update.items():  # by alias ("for") or by name ("for_"), as the constructor takes them
            name = next((n for n, info in fields.items() if key in (n, info.alias)), key)
            data[name] = value
        return type(self)(**(copy.deepcopy(data) if deep else data))

    @classmethod
    def model_construct(cls, _fields_set: set[str] | None = None, **values: Any) -> Self:
        """A new definition, checked as its constructor checks one (`_fields_set` is ignored).

        pydantic's own model_construct checks nothing: a severity 'urgent', a counter named without `_total` or
        a duration 'soon' would reach out/, or stop a renderer with a traceback. Here it is an error that names
        this call's file:line, as from the constructor.

            alert = Alert.model_construct(name="AppErrors", severity="critical", expr="up == 0",
                                          summary="App down.", description="Down.")
        """
        return cls(**values)

    @classmethod
    def _unchecked(cls, **values: Any) -> Self:
        """An instance of values this package (or a test) vouches for, made without any check: pydantic's
        model_construct. It carries no checked mark and no file:line."""
        return super().model_construct(**values)  # its dicts made read-only by model_post_init

    def __setattr__(self, name: str, value: Any) -> None:
        if name in type(self).__private_attributes__:  # a subclass's PrivateAttr: pydantic lets it be set
            super().__setattr__(name, value)
            return
        raise self._not_changed(name, value)

    def __delattr__(self, name: str) -> None:
        if name in type(self).__private_attributes__:
            super().__delattr__(name)
            return
        raise self._not_changed(name, None)

    def _not_changed(self, name: str, value: object) -> DefinitionError:
        """The error for setting or deleting an attribute of a made definition: it is immutable (pydantic's own
        error is a multi-line ValidationError that names neither the definition nor the line)."""
        cls = type(self)
        spelled = next((info.alias or key for key, info in cls.model_fields.items() if name in (key, info.alias)),
                       None)
        made = f" (made at {self.defined_at})" if self.defined_at else ""
        if spelled is None:
            problem = f"has no field {name!r}{made}"
        else:
            problem = (f"{spelled} cannot be changed: a definition is immutable once made{made}; make a changed "
                       f"copy with model_copy(update={{{spelled!r}: ...}})")
        # The new value stays out of the error when the field holds a secret.
        shown = None if spelled is None or spelled in getattr(cls, "inline_secrets", {}) else value
        return DefinitionError(problem, definition=self.named, where=format_site(definition_site(3)),
                               field=spelled or name, value=shown)

    def _trusted_copy(self, update: Mapping[str, Any]) -> Self:
        """A copy with changes this package has already checked (labels merged from checked labels, stand-in names
        of a rendering cache): pydantic's model_copy, without checking again. It carries no checked mark, so
        model checks run where it is put into another definition."""
        made = super().model_copy(update=update)
        made.__dict__.pop("_checked", None)
        Model.model_post_init(made, None)  # the dicts in `update`: pydantic's model_copy does not call it
        return made

    @property
    def defined_at(self) -> str | None:
        """'alerts/stack.py:12': where the user's code made this definition (None if the library made it)."""
        return format_site(self.__dict__.get("_site"))

    @property
    def named(self) -> str:
        """How messages name this definition: "alert 'AppErrors'"."""
        name = next((getattr(self, k) for k in self.name_fields if getattr(self, k, None)), None)
        return label(type(self).kind, name)

    def field_problem(self, field: str, problem: str) -> FieldProblem:
        """A FieldProblem about a field of this definition or of a part of it ("alerting.page.labels"), with the
        field's value; a model check raises it.

            raise self.field_problem("path", f"path {self.path!r} must start with '/'")
        """
        value: object = self
        for part in field.split("."):
            value = getattr(value, _attribute(type(value), part))  # type: ignore[arg-type]
        return FieldProblem(problem, field=field, value=value)

    def error(self, problem: str, *, field: str | None = None, value: object = None) -> DefinitionError:
        """A DefinitionError about this definition, naming it and where it was made; the caller raises it."""
        return DefinitionError(problem, definition=self.named, where=self.defined_at, field=field, value=value)


def _attribute(cls: type[BaseModel], spelled: str) -> str:
    """The attribute of a field as users spell it: its alias ("record", "for") or its name."""
    for name, info in cls.model_fields.items():
        if spelled in (name, info.alias):
            return name
    raise AttributeError(f"{cls.__name__} has no field {spelled!r}")


class Shared:
    """A default_factory handing every instance one default definition, which is immutable: pydantic deep-copies
    a default it cannot hash (a definition holding a dict, such as labels) for every instance that takes it.

        page: AlertTier = Field(default_factory=Shared(AlertTier(severity="critical")))
    """

    def __init__(self, value: Model) -> None:
        self.value = value

    def __call__(self) -> Model:
        return self.value

    def __repr__(self) -> str:
        return repr(self.value)


class SecretsFromFiles(Model):
    """A definition whose secrets must come from files: `inline_secrets` maps each inline field to its file."""

    inline_secrets: ClassVar[dict[str, str]] = {}

    @model_validator(mode="before")
    @classmethod
    def _reject_inline_secrets(cls, data: object) -> object:
        if isinstance(data, dict):
            for field, instead in cls.inline_secrets.items():
                if data.get(field) is not None:  # the value stays out of the error: it is a secret
                    raise FieldProblem(f"{field} is a secret and cannot be inline: use {instead}", field=field)
        return data


def unique_names(what: str, definitions: Sequence[Model]) -> None:
    """A DefinitionError at the second definition of a name, saying where the first one was made."""
    first: dict[str, Model] = {}
    for definition in definitions:
        name = getattr(definition, "name")  # noqa: B009 - every definition checked here has a name
        if name in first:
            earlier = f" (first defined at {first[name].defined_at})" if first[name].defined_at else ""
            raise definition.error(f"duplicate {what} name {name!r}{earlier}", field="name", value=name)
        first[name] = definition
