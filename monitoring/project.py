"""The project: its settings in pyproject.toml [tool.monitoring], and the stack it names."""

from __future__ import annotations

import importlib
import sys
import tomllib
import traceback
from dataclasses import dataclass
from pathlib import Path

from monitoring.errors import DefinitionError, StackLoadError
from monitoring.model.base import Model, format_site, is_user_file
from monitoring.model.stack import Stack


@dataclass(frozen=True)
class Settings:
    project_dir: Path
    stack: str = "alerts.stack:stack"
    out: str = "out"
    dashboards: str = "dashboards"
    alert_tests: str = "alerts/tests"

    @property
    def out_dir(self) -> Path:
        return self.project_dir / self.out


def find_settings(start: Path | None = None) -> Settings:
    """Settings from the nearest pyproject.toml with a [tool.monitoring] table, else defaults at cwd."""
    here = (start or Path.cwd()).resolve()
    for directory in (here, *here.parents):
        pyproject = directory / "pyproject.toml"
        if pyproject.is_file():
            table = tomllib.loads(pyproject.read_text()).get("tool", {}).get("monitoring")
            if table is not None:
                known = {k: str(v) for k, v in table.items() if k in Settings.__dataclass_fields__}
                return Settings(project_dir=directory, **known)
    return Settings(project_dir=here)


def load_stack(path: str, project_dir: Path) -> Stack:
    """Import 'package.module:attribute' and return the Stack it names."""
    module_name, sep, attribute = path.partition(":")
    if not sep or not module_name or not attribute:
        raise StackLoadError(f"stack path {path!r} must look like 'package.module:attribute'")
    if str(project_dir) not in sys.path:
        sys.path.insert(0, str(project_dir))
    try:
        module = importlib.import_module(module_name)
    except DefinitionError:
        raise
    except ModuleNotFoundError as exc:
        raise StackLoadError(f"stack {path!r} does not import: no module named {exc.name!r}") from None
    except Exception as exc:
        raise StackLoadError(f"stack {path!r} does not import: {_where(exc)}") from None
    try:
        stack = getattr(module, attribute)
    except AttributeError:
        raise StackLoadError(f"stack {path!r}: module {module_name!r} has no attribute {attribute!r}") from None
    if callable(stack) and not isinstance(stack, Stack):
        stack = stack()
    if not isinstance(stack, Stack):
        made = f" (made at {stack.defined_at})" if isinstance(stack, Model) and stack.defined_at else ""
        raise StackLoadError(f"stack {path!r} is a {type(stack).__name__}{made}, not a monitoring.Stack")
    return stack


def _where(exc: Exception) -> str:
    """'TypeError: ... (at alerts/stack.py:12)': the innermost frame of the user's code."""
    frames = traceback.extract_tb(exc.__traceback__)
    user = [f for f in frames if is_user_file(f.filename)]
    location = f" (at {format_site((user[-1].filename, user[-1].lineno or 0))})" if user else ""
    return f"{type(exc).__name__}: {exc}{location}"
