"""Every accepted field has an effect: walk the public model of full stacks, change each field, and show that
the generated output changes or the change is rejected. Nothing is silently dropped.

Each (class, field) pair is changed once, at its first occurrence; the walk asserts it reached the fields that
matter (COVERED_AT_LEAST) so a shrinking example stack cannot quietly empty the test.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from pydantic import BaseModel

from monitoring.errors import MonitoringError
from monitoring.model.base import Model
from monitoring.model.stack import Stack
from monitoring.output.emitters import GenerateContext, render_files
from tests.stacks import example, kubernetes

# Fields that are not output by design, with the reason; every other field must change the output or be refused.
_EXPECTATION = "an expectation that `validate` checks with amtool, not configuration"
_DECLARATION = "a catalog declaration: `validate`'s rule lint and dashboard checks read expressions against it"
NOT_OUTPUT = {
    ("RouteTest", "labels"): _EXPECTATION,
    ("RouteTest", "receivers"): _EXPECTATION,
    ("Routing", "tests"): _EXPECTATION,
    **{(kind, field): _DECLARATION for kind in ("Counter", "Gauge", "Histogram", "Summary")
       for field in ("labels", "buckets", "quantiles", "unit_labels")},
    ("Catalog", "name"): "names the catalog in error messages only",
    ("Catalog", "description"): "documents the catalog; nothing is generated from a shared catalog",
    ("Catalog", "metrics"): _DECLARATION,
    ("RecordingRule", "name_fixed_by"): "a declaration the rules/recording-name check reads (through the manifest)",
}

Path = tuple[tuple[str, int | None], ...]


def _children(value: Any, field: str) -> Iterator[tuple[tuple[str, int | None], Model]]:
    if isinstance(value, Model):
        yield (field, None), value
    elif isinstance(value, tuple):
        for index, item in enumerate(value):
            if isinstance(item, Model):
                yield (field, index), item


def walk(model: Model, path: Path = ()) -> Iterator[tuple[Path, Model, str]]:
    """(path to the model, the model, field name) for every set field of every model in the tree."""
    for field in type(model).model_fields:
        value = getattr(model, field)
        if value is None:
            continue
        yield path, model, field
        for step, child in _children(value, field):
            yield from walk(child, (*path, step))


def changed(value: Any) -> Any:
    """A different value of the same shape (which the model may refuse)."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, int | float | Decimal):
        return value + 1
    if isinstance(value, str):
        return value + "x" if value else "x"
    if isinstance(value, tuple):
        return value[:-1] if value else value
    if isinstance(value, dict):
        return {**value, "zz": "x"}
    return None  # a nested model: its own fields are changed instead


def _fields(model: BaseModel) -> dict[str, Any]:
    return {name: getattr(model, name) for name in type(model).model_fields}


def rebuild(model: Model, path: Path, field: str, value: Any) -> Model:
    """model with the field at path set to value, every model on the way built anew (so validated anew)."""
    if not path:
        return type(model)(**{**_fields(model), field: value})
    (name, index), rest = path[0], path[1:]
    current = getattr(model, name)
    child = current if index is None else current[index]
    new_child = rebuild(child, rest, field, value)
    replaced = new_child if index is None else (*current[:index], new_child, *current[index + 1:])
    return type(model)(**{**_fields(model), name: replaced})


def cases(stack: Stack, skip: set[tuple[str, str]]) -> list[tuple[Path, str, str]]:
    found = []
    for path, model, field in walk(stack):
        key = (type(model).__name__, field)
        value = getattr(model, field)
        if key in skip or key in NOT_OUTPUT or changed(value) is None or value == ():
            continue
        skip.add(key)
        found.append((path, type(model).__name__, field))
    return found


STACKS = {"kubernetes": kubernetes.stack, "example": example.stack}
_seen: set[tuple[str, str]] = set()
CASES = [(name, *case) for name, stack in STACKS.items() for case in cases(stack, _seen)]
BASELINES: dict[str, dict[str, str]] = {}


def _baseline(name: str) -> dict[str, str]:
    if name not in BASELINES:
        BASELINES[name] = render_files(STACKS[name], GenerateContext(name))
    return BASELINES[name]


def _model_at(stack: Model, path: Path) -> Model:
    model = stack
    for name, index in path:
        value = getattr(model, name)
        model = value if index is None else value[index]
    return model


@pytest.mark.parametrize(("stack_name", "path", "cls", "field"), CASES,
                         ids=[f"{c[0]}:{c[2]}.{c[3]}" for c in CASES])
def test_changing_a_field_changes_the_output_or_is_rejected(stack_name: str, path: Path, cls: str,
                                                            field: str) -> None:
    stack = STACKS[stack_name]
    value = changed(getattr(_model_at(stack, path), field))
    try:
        mutated = rebuild(stack, path, field, value)
        output = render_files(mutated, GenerateContext(stack_name))
    except (MonitoringError, ValueError):
        return  # refused: fine
    assert output != _baseline(stack_name), f"{cls}.{field} changed to {value!r} but the output did not change"


COVERED_AT_LEAST = {
    ("Service", "labels"), ("Service", "metrics"), ("ScrapeJob", "metric_relabel_configs"),
    ("ScrapeJob", "sample_limit"), ("ScrapeJob", "label_limit"), ("KubernetesSDConfig", "app"),
    ("KubernetesSDConfig", "port"), ("KubernetesSDConfig", "namespaces"), ("KubernetesOutput", "labels"),
    ("KubernetesOutput", "namespace"), ("TeamRouting", "matchers"), ("SecretKeyRef", "key"), ("Alert", "labels"),
    ("SLO", "objective"), ("Route", "matchers"), ("Receiver", "slack"), ("Stack", "catalogs"),
}


def test_the_walk_reaches_the_fields_that_matter() -> None:
    reached = {(cls, field) for _, _, cls, field in CASES}
    assert reached >= COVERED_AT_LEAST, sorted(COVERED_AT_LEAST - reached)
