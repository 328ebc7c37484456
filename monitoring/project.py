"""The project: its settings in pyproject.toml [tool.monitoring], and the stack it names."""

from __future__ import annotations

import importlib
import sys
import tomllib
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from monitoring.errors import DefinitionError, ProjectError, StackLoadError

if TYPE_CHECKING:
    from monitoring.model.stack import Stack


@dataclass(frozen=True)
class Project:
    """A repository that uses monitoring: its directory and its pyproject.toml [tool.monitoring] settings.

    Resolve it once, at the edge (the command line, a script), and pass it to the library explicitly; nothing
    below reads the current directory.

        project = Project.find()                    # the nearest pyproject.toml with [tool.monitoring]
        project = Project(Path("."), stack="alerts.stack:stack", out="build/monitoring")
    """

    project_dir: Path
    stack: str = "alerts.stack:stack"
    out: str = "out"
    dashboards: str = "dashboards"
    alert_tests: str = "alerts/tests"

    @property
    def out_dir(self) -> Path:
        return self.project_dir / self.out

    @property
    def dashboards_dir(self) -> Path:
        return self.project_dir / self.dashboards

    @classmethod
    def find(cls, start: Path | None = None) -> Project:
        """The nearest pyproject.toml with a [tool.monitoring] table from start (default: the working
        directory) upwards; else the defaults, rooted at start."""
        here = (start or Path.cwd()).resolve()
        for directory in (here, *here.parents):
            pyproject = directory / "pyproject.toml"
            if pyproject.is_file():
                try:
                    table = tomllib.loads(pyproject.read_text()).get("tool", {}).get("monitoring")
                except tomllib.TOMLDecodeError as exc:
                    raise ProjectError(f"{pyproject}: not valid TOML ({exc})") from None
                if table is not None:
                    known = {k: str(v) for k, v in table.items() if k in cls.__dataclass_fields__}
                    return cls(project_dir=directory, **known)
        return cls(project_dir=here)

    def load_stack(self, path: str | None = None) -> Stack:
        """The Stack named by path ('package.module:attribute'), by default the project's own."""
        return load_stack(path or self.stack, self.project_dir)


def load_stack(path: str, project_dir: Path) -> Stack:
    """Import 'package.module:attribute' and return the Stack it names."""
    from monitoring.model.base import Model
    from monitoring.model.stack import Stack

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
    from monitoring.model.base import format_site, is_user_file

    user = [f for f in frames if is_user_file(f.filename)]
    location = f" (at {format_site((user[-1].filename, user[-1].lineno or 0))})" if user else ""
    return f"{type(exc).__name__}: {exc}{location}"
