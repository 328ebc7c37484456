"""The project: its settings in pyproject.toml [tool.monitoring], and the stack it names."""

from __future__ import annotations

import importlib
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from monitoring.errors import DefinitionError, ProjectError, StackLoadError

DEFAULT_REGENERATE = "monitoring generate"

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
    # The command messages and generated files' headers tell you to run after changing a definition.
    regenerate: str = DEFAULT_REGENERATE
    # [tool.monitoring.kubernetes]: None (the stack decides), true/false, or settings over the stack's
    # (monitoring.project_kubernetes says how they combine).
    kubernetes: Any = None

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
                table = _read_pyproject(pyproject).get("tool", {}).get("monitoring")
                if isinstance(table, dict):
                    known = {k: str(v) for k, v in table.items()
                             if k in cls.__dataclass_fields__ and k != "kubernetes"}
                    return cls(project_dir=directory, kubernetes=table.get("kubernetes"), **known)
        return cls(project_dir=here)

    def load_stack(self, path: str | None = None) -> Stack:
        """The Stack named by path ('package.module:attribute'), by default the project's own, with the project's
        Kubernetes setting applied."""
        stack = load_stack(path or self.stack, self.project_dir)
        if self.kubernetes is None:
            return stack
        from monitoring import project_kubernetes

        return project_kubernetes.apply(stack, self.kubernetes, self.project_dir / "pyproject.toml")


def _read_pyproject(path: Path) -> dict[str, Any]:
    import tomllib  # only where there is a pyproject.toml to read: `validate --out` has none to

    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ProjectError(f"{path}: cannot be read: {exc.strerror or type(exc).__name__}") from None
    except UnicodeDecodeError:
        raise ProjectError(f"{path}: is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise ProjectError(f"{path}: is not valid TOML: {one_line(str(exc))}") from None


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
        if exc.name and module_name.startswith(exc.name):
            raise StackLoadError(f"stack {path!r} does not import: no module named {exc.name!r}") from None
        raise StackLoadError(f"stack {path!r} does not import: {_where(exc)}") from None
    except KeyboardInterrupt:
        raise
    except BaseException as exc:  # SystemExit too: a stack that exits while importing is an error, never a pass
        raise StackLoadError(f"stack {path!r} does not import: {_where(exc)}") from None
    try:
        stack = getattr(module, attribute)
    except AttributeError:
        raise StackLoadError(f"stack {path!r}: module {module_name!r} has no attribute {attribute!r}") from None
    if callable(stack) and not isinstance(stack, Stack):
        try:
            stack = stack()
        except DefinitionError:
            raise
        except KeyboardInterrupt:
            raise
        except BaseException as exc:
            raise StackLoadError(f"stack {path!r}: the factory {attribute}() failed: {_where(exc)}") from None
    if not isinstance(stack, Stack):
        made = f" (made at {stack.defined_at})" if isinstance(stack, Model) and stack.defined_at else ""
        raise StackLoadError(f"stack {path!r} is a {type(stack).__name__}{made}, not a monitoring.Stack")
    return stack


def one_line(text: str, limit: int = 300) -> str:
    """text on one line (a YAML error spans eight), without URL credentials, cut at limit characters."""
    from monitoring.units import strip_userinfo

    text = strip_userinfo(" ".join(text.split()))
    return text if len(text) <= limit else f"{text[:limit]}…"


def _where(exc: BaseException) -> str:
    """'TypeError: ... (at alerts/stack.py:12)': the innermost frame of the user's code, on one line."""
    import traceback

    frames = traceback.extract_tb(exc.__traceback__)
    from monitoring.model.base import format_site, is_user_file

    user = [f for f in frames if is_user_file(f.filename)]
    location = f" (at {format_site((user[-1].filename, user[-1].lineno or 0))})" if user else ""
    if isinstance(exc, SystemExit):
        return f"it exits (SystemExit({exc.code!r})){location}; a stack module must not call sys.exit()"
    detail = one_line(str(exc))
    return f"{type(exc).__name__}{': ' + detail if detail else ''}{location}"
