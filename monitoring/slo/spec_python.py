"""Imported SLO specs written as readable Python: one module per service, formatted as `ruff format` would.

Each module defines `SLOS`, a tuple of `SLO` definitions; window policies read from Sloth AlertWindows files go
to `window_policies.py`, which a service module whose SLOs use one imports (`from .window_policies import ...`:
the modules are a package, imported as `slos.slos_<service>`). Notes on what was renamed sit in the module
docstring.
"""

from __future__ import annotations

import keyword
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from monitoring.errors import OutputError
from monitoring.imports.pysource import Call, Name, assignment, comment_text, model_call
from monitoring.model.slo import SLO, WindowPolicy
from monitoring.slo.specs import ImportedService, ImportedSpecs
from monitoring.slo.windows import decimal_text


def module_name(service: str) -> str:
    """'my-service' -> 'slos_my_service'."""
    return "slos_" + re.sub(r"\W", "_", service).strip("_").lower()


def policy_constant(name: str) -> str:
    """The module constant of a window policy: 'sloth_30d' -> 'SLOTH_30D'. The name comes from a spec, so it is
    checked to be an identifier: anything else would be written into the module as code."""
    constant = name.upper()
    if not constant.isidentifier() or keyword.iskeyword(constant):
        raise OutputError(f"window policy {comment_text(name)!r} is not a Python identifier")
    return constant


def _plain(value: Any) -> Any:
    """Model values as the literals their constructors accept: Decimals as strings, enums by value."""
    if isinstance(value, BaseModel):
        call = model_call(value)
        return Call(call.function, call.args, tuple((k, _plain(v)) for k, v in call.kwargs if k != "type"))
    if isinstance(value, Decimal):
        return decimal_text(value)
    if isinstance(value, str):
        return str(value)
    if isinstance(value, tuple | list):
        return tuple(_plain(v) for v in value)
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


# The names a generated module may use, in the order they are imported.
MODEL_NAMES = ("SLO", "AlertTier", "AlertWindow", "BooleanSLI", "CalendarPeriod", "QuerySLI", "SLOAlerting",
               "Timeslices", "WindowPolicy")


def _slo_call(slo: SLO, policies: dict[str, WindowPolicy], used: set[str]) -> Call:
    """The SLO's constructor call; a window policy of window_policies.py by its constant, which used collects."""
    call = _plain(slo)
    name = next((name for name, policy in policies.items() if policy == slo.window_policy), None)
    if name is None:
        return call
    used.add(policy_constant(name))
    return Call(call.function, call.args, tuple((key, Name(policy_constant(name)) if key == "window_policy" else value)
                                                for key, value in call.kwargs))


def service_module(imported: ImportedService, policies: dict[str, WindowPolicy] | None = None) -> str:
    """The module of a service's SLOs; policies: those written to window_policies.py, by name."""
    # The service, the file names and the notes (which quote labels and names) are the specs' text: escaped so
    # that none of them can end the docstring and become code.
    notes = "".join(f"\n- {comment_text(note, docstring=True)}" for note in dict.fromkeys(imported.notes))
    title = comment_text(f"SLOs of {imported.service}, imported from {', '.join(imported.sources)}.", docstring=True)
    doc = f'"""{title}' + (f"\n\nNotes:{notes}\n" if notes else "") + '"""'
    constants: set[str] = set()
    body = assignment("SLOS", tuple(_slo_call(slo, policies or {}, constants) for slo in imported.slos))
    names = [name for name in MODEL_NAMES if name == "SLO" or re.search(rf"\b{name}\(", body)]
    imports = f"from monitoring import {', '.join(names)}\n"
    if constants:
        imports += f"\nfrom .window_policies import {', '.join(sorted(constants))}\n"
    return f"{doc}\n\n{imports}\n{body}\n"


def policies_module(specs: ImportedSpecs) -> str:
    lines = ['"""Window policies imported from Sloth AlertWindows specs.', "",
             "Each one's budget percentages are shares of the budget of its period: an SLO of another period refuses "
             "it.", '"""', "", "from monitoring import AlertWindow, WindowPolicy"]
    for name, policy in sorted(specs.policies.items()):
        lines += ["", assignment(policy_constant(name), _plain(policy))]
    return "\n".join(lines) + "\n"


def render(specs: ImportedSpecs) -> dict[str, str]:
    """File name -> Python source."""
    files = {f"{module_name(s.service)}.py": service_module(s, specs.policies) for s in specs.services.values()}
    if specs.policies:
        files["window_policies.py"] = policies_module(specs)
    return dict(sorted(files.items()))


def write(files: dict[str, str], directory: Path, *, force: bool = False) -> list[Path]:
    """Write the modules; OutputError instead of overwriting a file unless force."""
    existing = [directory / name for name in files if (directory / name).exists()]
    if existing and not force:
        raise OutputError(f"{existing[0]} exists; pass --force to overwrite it")
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in files.items():
        (directory / name).write_text(text, encoding="utf-8")
        written.append(directory / name)
    return written
