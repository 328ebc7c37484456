"""Model objects written back as Python source, formatted as `ruff format` would (line length 120)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

LINE_LENGTH = 120
INDENT = "    "


@dataclass(frozen=True)
class Name:
    """A bare identifier in generated code (a module constant or an imported name), not a value."""

    text: str


@dataclass(frozen=True)
class Call:
    """`function(arg, ..., key=value, ...)` in generated code."""

    function: str
    args: tuple[Any, ...] = ()
    kwargs: tuple[tuple[str, Any], ...] = ()


def string(text: str) -> str:
    """A string literal that evaluates to exactly text: double-quoted where that needs no more escapes, multi-line
    text triple-quoted when it holds nothing the triple-quoted form would change (a carriage return, a control
    character, a backslash, a closing quote), escaped otherwise."""
    if "\n" in text and _triple_quotable(text):
        return '"""' + text + '"""'
    if '"' in text and "'" not in text and text.isprintable():
        return "'" + text.replace("\\", "\\\\") + "'"
    return '"' + "".join(_escaped(char) for char in text) + '"'


def _triple_quotable(text: str) -> bool:
    """True when text written between triple quotes reads back as text: Python's tokenizer turns \\r\\n into
    \\n, refuses NUL, and ends the literal at the first triple quote."""
    if "\\" in text or '"""' in text or text.endswith('"'):
        return False
    return all(char == "\n" or char.isprintable() for char in text)


def _escaped(char: str) -> str:
    """One character inside a double-quoted literal: quotes and backslashes escaped, anything unprintable (line
    breaks, NUL, lone surrogates that UTF-8 cannot encode) as the escape repr() writes."""
    if char in '"\\':
        return "\\" + char
    return char if char.isprintable() else repr(char)[1:-1]


def comment_text(text: str, *, docstring: bool = False) -> str:
    """text made safe to write after `#` or inside a triple-quoted docstring: input text must never end the
    comment or the docstring and so become code. Line breaks and other unprintable characters are escaped (the
    text stays on one line); in a docstring also backslashes, and quotes that would close it."""
    if docstring:
        text = text.replace("\\", "\\\\")
    text = "".join(char if char.isprintable() else repr(char)[1:-1] for char in text)
    if docstring:
        text = re.sub(r'"(?="|$)', r'\\"', text)
    return text


def model_call(model: BaseModel) -> Call:
    """The constructor call that rebuilds model: its fields in declaration order, defaults left out."""
    kwargs = []
    for key, info in type(model).model_fields.items():
        value = getattr(model, key)
        if not info.is_required() and value == info.get_default(call_default_factory=True):
            continue
        kwargs.append((key, value))
    return Call(type(model).__name__, (), tuple(kwargs))




def source(value: Any, indent: str = "", prefix: str = "", suffix: str = "") -> str:
    """value as Python source on lines that start with indent, the first after prefix; ends with suffix."""
    flat = _flat(value)
    if flat is not None and len(indent) + len(prefix) + len(flat) + len(suffix) <= LINE_LENGTH:
        return f"{indent}{prefix}{flat}{suffix}"
    parts = _parts(value)
    if parts is None and isinstance(value, str) and "\n" not in value and " " in value:
        return _long_string(value, indent, prefix, suffix)
    if parts is None:  # a scalar too long for the line: the formatter leaves it as it is
        return f"{indent}{prefix}{flat}{suffix}"
    opening, closing, items = parts
    inner = indent + INDENT
    lines = [f"{indent}{prefix}{opening}"]
    for item_prefix, item in items:
        lines.append(source(item, inner, item_prefix, ","))
    lines.append(f"{indent}{closing}{suffix}")
    return "\n".join(lines)


def _long_string(text: str, indent: str, prefix: str, suffix: str) -> str:
    """A long one-line string as implicit concatenation in parentheses, cut after spaces."""
    inner = indent + INDENT
    width = LINE_LENGTH - len(inner) - 2
    chunks: list[str] = []
    current = ""
    for piece in re.split(r"(?<= )", text):  # each piece ends after a space; together they are text
        candidate = current + piece
        if current and len(string(candidate if candidate.endswith(" ") else candidate + " ")) > width:
            chunks.append(current)
            current = piece
        else:
            current = candidate
    chunks.append(current)
    body = "\n".join(f"{inner}{string(chunk)}" for chunk in chunks)
    return f"{indent}{prefix}(\n{body}\n{indent}){suffix}"


def _parts(value: Any) -> tuple[str, str, list[tuple[str, Any]]] | None:
    if isinstance(value, BaseModel):
        value = model_call(value)
    if isinstance(value, Call):
        return (f"{value.function}(", ")", [("", a) for a in value.args] + [(f"{k}=", v) for k, v in value.kwargs])
    if isinstance(value, tuple):
        return ("(", ")", [("", v) for v in value])
    if isinstance(value, list):
        return ("[", "]", [("", v) for v in value])
    if isinstance(value, dict):
        return ("{", "}", [(f"{_flat(k)}: ", v) for k, v in value.items()])
    return None


def _flat(value: Any) -> str:
    """value on one line (multi-line strings stay triple-quoted)."""
    if isinstance(value, Name):
        return value.text
    if isinstance(value, str):
        return string(value)
    if isinstance(value, bool | int | float) or value is None:
        return repr(value)
    parts = _parts(value)
    if parts is None:
        raise TypeError(f"cannot write {type(value).__name__} as Python source")
    opening, closing, items = parts
    text = ", ".join(f"{p}{_flat(v)}" for p, v in items)
    if opening == "(" and len(items) == 1:
        text += ","
    return f"{opening}{text}{closing}"


def assignment(name: str, value: Any) -> str:
    return source(value, "", f"{name} = ")
