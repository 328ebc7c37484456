"""Grafana's published JSON Schemas (monitoring/grafana/schemas/), compiled once per process."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # jsonschema (slow to import) is imported only to explain a document that is not valid
    from jsonschema import Draft7Validator
    from jsonschema.exceptions import ValidationError

from monitoring.checks.lint.framework import field_path
from monitoring.grafana import schemas as _package

# Package data beside the package's module (importlib.resources would import zipfile, lzma and bz2 to say so).
_SCHEMAS_DIR = Path(_package.__file__).parent

# Fields Grafana's CUE schema types as `_` (any value), which the published JSON Schema renders as "object":
# Grafana itself writes a string there (an override's `{"id": "byName", "options": "reads"}`, a property's
# `{"id": "custom.transform", "value": "negative-Y"}`) or a number. They are read as any JSON value; the schema
# files stay as published.
_ANY_VALUE = {"dashboard": (("MatcherConfig", "options"), ("DynamicConfigValue", "value"))}
# The same for the values of a map typed `{[string]: _}`, rendered as a map of objects: a query variable's `query`
# as Grafana 10 and later export it, {"qryType": 1, "query": "label_values(up, job)", "refId": "..."} for
# Prometheus, {"label": "app", "type": 1} for Loki. Its string form is kept as published.
_ANY_MAP_VALUES = {"dashboard": (("VariableModel", "query"),)}


def _unions_as_any_of(node: Any) -> Any:
    """node with every `oneOf` read as `anyOf`. The published schemas render Grafana's TypeScript unions as oneOf,
    and some variants overlap (each of a table cell's cellOptions types accepts {"type": "color-background"}):
    oneOf would refuse a value for being valid under several, which Grafana never does."""
    if isinstance(node, dict):
        return {("anyOf" if key == "oneOf" else key): _unions_as_any_of(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_unions_as_any_of(item) for item in node]
    return node


@cache
def _definitions(name: str) -> dict[str, Any]:
    text = (_SCHEMAS_DIR / f"{name}.jsonschema.json").read_text("utf-8")
    definitions = _unions_as_any_of(json.loads(text)["definitions"])
    for definition, field in _ANY_VALUE.get(name, ()):
        definitions[definition]["properties"][field] = {"description": "any JSON value (CUE `_`)"}
    for definition, field in _ANY_MAP_VALUES.get(name, ()):
        for form in definitions[definition]["properties"][field]["anyOf"]:
            if form.get("type") == "object":
                form["additionalProperties"] = {"description": "any JSON value (CUE `_`)"}
    return definitions


def defines(schema_file: str, definition: str) -> bool:
    """Whether the schema file has that definition (a panel type without `options`, say, has none)."""
    return definition in _definitions(schema_file)


@cache
def validator(schema_file: str, definition: str) -> Draft7Validator | None:
    """A validator for one definition of one schema file, or None if the file does not define it."""
    from jsonschema import Draft7Validator

    definitions = _definitions(schema_file)
    if definition not in definitions:
        return None
    return Draft7Validator({"$ref": f"#/definitions/{definition}", "definitions": definitions})


@cache
def _fast_validator(schema_file: str, definition: str) -> Any:
    """The compiled validator (~100x faster): the path for documents that are valid. Imported here, when a
    dashboard is checked: loading it costs as much as checking a few dashboards (rule lint never needs it)."""
    try:
        import jsonschema_rs
    except ImportError:  # pragma: no cover - the pure-Python validator alone gives the same answers
        return None
    if definition not in _definitions(schema_file):
        return None
    return jsonschema_rs.Draft7Validator({"$ref": f"#/definitions/{definition}",
                                          "definitions": _definitions(schema_file)})


def errors(schema_file: str, definition: str, instance: Any) -> Iterator[tuple[str, str]]:
    """(field path, reason) for each way instance breaks the definition, in a stable order.

    Valid instances take the compiled fast path; the messages always come from jsonschema.
    """
    if not defines(schema_file, definition):
        return
    fast = _fast_validator(schema_file, definition)
    if fast is not None and fast.is_valid(instance):
        return
    check = validator(schema_file, definition)
    assert check is not None  # the definition exists
    found = sorted(check.iter_errors(instance), key=lambda e: (list(map(str, e.absolute_path)), e.message))
    for error in found:
        yield field_path(list(error.absolute_path)), _reason(error)


def _reason(error: ValidationError) -> str:
    """jsonschema's message; for anyOf/oneOf, that of the most relevant alternative, with its deeper path."""
    from jsonschema.exceptions import best_match

    best = best_match([error])
    deeper = list(best.absolute_path)[len(error.absolute_path):]
    return f"{field_path(deeper)}: {best.message}" if deeper else best.message


def dashboard_without_panels(data: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k != "panels"}
