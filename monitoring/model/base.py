"""The base model: frozen, strict about unknown fields, and one-line errors that name the definition."""

from __future__ import annotations

import re
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from monitoring.errors import DefinitionError


def _field_path(loc: tuple[Any, ...]) -> str:
    parts: list[str] = []
    for item in loc:
        if isinstance(item, int):
            parts[-1:] = [f"{parts[-1]}[{item}]" if parts else f"[{item}]"]
        else:
            parts.append(str(item).removesuffix("_"))  # for_, from_, continue_: spelled as in YAML
    return ".".join(parts)


def _message(error: dict[str, Any]) -> str:
    msg: str = error["msg"]
    if error["type"] == "value_error":
        return msg.removeprefix("Value error, ")
    field = _field_path(error["loc"])
    if error["type"] == "extra_forbidden":
        return f"unknown field {field!r}"
    if error["type"] == "missing":
        return f"{field} is required"
    return f"{field} {error['input']!r}: {msg[0].lower()}{msg[1:]}"


def describe(kind: str, name: object, exc: ValidationError) -> str:
    """'kind 'name': first problem' (and how many more), from a pydantic error."""
    errors = exc.errors(include_url=False)
    label = f"{kind} {name!r}" if name is not None else kind
    first = errors[0]
    text = _message(first)
    if first["type"] == "value_error" and first["loc"]:
        field = _field_path(first["loc"])
        top = str(first["loc"][0]).removesuffix("_")
        if not re.search(rf"\b{re.escape(top)}\b", text):
            text = f"{field}: {text}"
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return f"{label}: {text}{more}"


class Model(BaseModel):
    """Every definition derives from this: unknown fields are errors, instances are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
    kind: ClassVar[str] = "definition"

    def __init__(self, /, **data: Any) -> None:
        # Definitions are built by constructor calls in user code; this is where their errors surface.
        try:
            super().__init__(**data)
        except ValidationError as exc:
            name = next((data[k] for k in ("name", "alert", "record") if data.get(k)), None)
            raise DefinitionError(describe(type(self).kind, name, exc)) from None


class SecretsFromFiles(Model):
    """A definition whose secrets must come from files: `inline_secrets` maps each inline field to its file."""

    inline_secrets: ClassVar[dict[str, str]] = {}

    @model_validator(mode="before")
    @classmethod
    def _reject_inline_secrets(cls, data: object) -> object:
        if isinstance(data, dict):
            for field, instead in cls.inline_secrets.items():
                if data.get(field) is not None:
                    raise ValueError(f"{field} is a secret and cannot be inline: use {instead}")
        return data
