"""The API reference, docs/reference.md, generated from the docstrings of the public API.

    python -m monitoring.docs.reference            # rewrite docs/reference.md
    python -m monitoring.docs.reference --check    # exit 1 when it is stale (make test runs this as a test)

It documents every name in `__all__` of the public modules: the flat model API in `monitoring`, and the
library behind `monitoring import`, `monitoring init` and `monitoring ci`. Model classes get a table of
their fields (the keyword arguments of the constructor), with types and defaults.
"""

from __future__ import annotations

import importlib
import inspect
import re
import sys
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from monitoring.docs.docstrings import written_docstring
from monitoring.errors import ExitStatus
from monitoring.model.base import Shared

PUBLIC_MODULES = ("monitoring", "monitoring.imports", "monitoring.scaffold", "monitoring.ci")
HEADER = """\
# API reference

Generated from the docstrings by `python -m monitoring.docs.reference` (or `make reference`); `make test` fails when
this page is stale. Every model class is built with keyword arguments, which are the fields listed under it.
"""


def public_objects() -> list[tuple[str, str, Any]]:
    """(module, name, object) for every public name, in the order of PUBLIC_MODULES, names sorted."""
    found = []
    for module_name in PUBLIC_MODULES:
        module = importlib.import_module(module_name)
        for name in sorted(module.__all__, key=str.lower):
            found.append((module_name, name, getattr(module, name)))
    return found


def own_docstring(obj: Any) -> str:
    """obj's own docstring, not one inherited from a base class, dedented by the module-level body indent (so
    that an example indented under the text stays indented: Markdown shows it as code)."""
    doc = written_docstring(obj)
    if not doc:
        return ""
    first, *rest = doc.expandtabs().split("\n")
    body = [line[4:] if line.startswith("    ") else line.lstrip() for line in rest]
    return "\n".join([first.strip(), *body]).strip()


def _constant_text(value: Any) -> str:
    if isinstance(value, dict):
        return "keys: " + ", ".join(f"`{key}`" for key in value)
    return f"`{value!r}`"


def _type_text(annotation: Any) -> str:
    text = getattr(annotation, "__name__", None) if isinstance(annotation, type) else None
    text = text or str(annotation)
    text = re.sub(r"\b(typing|collections\.abc|monitoring(\.\w+)*|decimal|pathlib)\.", "", text)
    text = re.sub(r"Annotated\[(\w+), [^\]]*\]", r"\1", text)
    return text.replace("NoneType", "None").replace("|", "\\|")


def _default_text(info: Any) -> str:
    if info.is_required():
        return "required"
    if info.default_factory is not None:
        shown = info.default_factory in (dict, list, tuple) or isinstance(info.default_factory, Shared)
        return f"`{info.default_factory()!r}`" if shown else "(computed)"
    default = info.default
    return "" if default is PydanticUndefined else f"`{default!r}`".replace("|", "\\|")


def _fields(model: type[BaseModel]) -> list[str]:
    rows = ["| field | type | default |", "| --- | --- | --- |"]
    for name, info in model.model_fields.items():
        spelled = f"{name} (YAML: {info.alias})" if info.alias and info.alias != name else name
        rows.append(f"| `{spelled}` | {_type_text(info.annotation)} | {_default_text(info)} |")
    return rows if len(rows) > 2 else []


def _section(module: str, name: str, obj: Any) -> list[str]:
    kind = "class" if inspect.isclass(obj) else "function" if callable(obj) else "constant"
    lines = [f"## `{name}`", "", f"*{kind} in `{module}`*", ""]
    if kind == "function":
        lines += [f"    {name}{inspect.signature(obj)}".replace("'", ""), ""]
    doc = own_docstring(obj) if kind != "constant" else None
    lines += [doc or "(no docstring)", ""] if kind != "constant" else [_constant_text(obj), ""]
    if kind == "class" and issubclass(obj, BaseModel):
        table = _fields(obj)
        lines += [*table, ""] if table else []
    return lines


def reference() -> str:
    """The text of docs/reference.md."""
    lines = [HEADER]
    objects = public_objects()
    lines += ["## Contents", ""]
    lines += [f"- [`{name}`](#{name.lower()}) ({module})" for module, name, _ in objects] + [""]
    for module, name, obj in objects:
        lines += _section(module, name, obj)
    return "\n".join(lines).rstrip() + "\n"


def main(argv: list[str]) -> int:
    path = Path(__file__).resolve().parents[2] / "docs" / "reference.md"
    text = reference()
    if "--check" in argv:
        current = path.read_text(encoding="utf-8") if path.exists() else ""
        if current != text:
            print(f"{path} is stale: run `python -m monitoring.docs.reference`", file=sys.stderr)
            return ExitStatus.FAILED
        print(f"{path} is up to date")
        return ExitStatus.OK
    path.write_text(text, encoding="utf-8")
    print(f"wrote {path}")
    return ExitStatus.OK


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
