"""The project: its settings in pyproject.toml [tool.monitoring], and the stack it names."""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from monitoring.errors import DefinitionError, ProjectError, StackLoadError
from monitoring.process_exit import ProcessExit, held
from monitoring.units import quoted

DEFAULT_REGENERATE = "monitoring generate"
TABLE = "tool.monitoring"

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

    def __post_init__(self) -> None:
        """A Project made in code is checked as one read from pyproject.toml is (without its file:line, the site
        of the call instead). project_dir must be a path (TypeError otherwise) to a directory that exists: without
        one, the stack's import would fail with a message about its module, not about the directory."""
        if not isinstance(self.project_dir, str | os.PathLike) or isinstance(self.project_dir, bytes):
            raise TypeError(f"Project project_dir must be a path (a pathlib.Path or a str), not "
                            f"{type(self.project_dir).__name__}")
        for key in SETTINGS:
            problem = _setting_problem(getattr(self, key), key)
            if problem is not None:
                from monitoring.model.base import definition_site, format_site

                raise ProjectError(f"{key} {problem}", definition="Project", where=format_site(definition_site()),
                                   field=key, value=getattr(self, key))
        if not isinstance(self.project_dir, Path):  # a str given for it: the paths below need a Path
            object.__setattr__(self, "project_dir", Path(self.project_dir))
        if not self.project_dir.is_dir():
            from monitoring.model.base import definition_site, format_site

            what = "is not a directory" if self.project_dir.exists() else "does not exist"
            raise ProjectError(f"project_dir {str(self.project_dir)!r} {what}", definition="Project",
                               where=format_site(definition_site()), field="project_dir", value=self.project_dir)

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
                table = _monitoring_table(_read_pyproject(pyproject), pyproject)
                if table is not None:
                    return cls(project_dir=directory, kubernetes=table.get("kubernetes"),
                               **_settings(table, pyproject))
        return cls(project_dir=here)

    def load_stack(self, path: str | None = None) -> Stack:
        """The Stack named by path ('package.module:attribute'), by default the project's own, with the project's
        Kubernetes setting applied."""
        stack = load_stack(self.stack if path is None else path, self.project_dir)
        if self.kubernetes is None:
            return stack
        from monitoring import project_kubernetes

        return project_kubernetes.apply(stack, self.kubernetes, self.project_dir / "pyproject.toml")


# The settings of [tool.monitoring] that are strings (the other one, kubernetes, is a table or a boolean).
SETTINGS = ("stack", "out", "dashboards", "alert_tests", "regenerate")
DIRECTORIES = ("dashboards", "alert_tests")  # the settings naming directories of hand-written files to read


def _setting_problem(value: object, key: str) -> str | None:
    """Why value cannot be the setting `key` (a non-empty string on one line; for stack, an import path), or None."""
    from monitoring.units import check_text

    if not isinstance(value, str):
        return f"must be a string, not {type(value).__name__} {quoted(value)}"
    if not value.strip():
        return "must not be empty"
    try:
        check_text(value, one_line=True)
    except ValueError as exc:
        return str(exc)
    if key == "stack":  # a file path here would only fail at the first generate, far from this line
        try:
            check_stack_path(value)
        except StackLoadError as exc:
            return exc.problem.removeprefix(f"stack path {value!r} ")
    return None


def _monitoring_table(document: dict[str, Any], pyproject: Path) -> dict[str, Any] | None:
    """[tool.monitoring] of a pyproject.toml, None when it has none; a ProjectError when it is not a table."""
    tool = document.get("tool")
    if tool is None:
        return None
    if not isinstance(tool, dict):
        raise setting_error(pyproject, "tool", None, f"must be a table, not {quoted(tool)}")
    table = tool.get("monitoring")
    if table is not None and not isinstance(table, dict):
        raise setting_error(pyproject, "tool", "monitoring", f"must be a table, not {quoted(table)}")
    return table


def _settings(table: dict[str, Any], pyproject: Path) -> dict[str, str]:
    """The string settings of [tool.monitoring], each checked; an unknown key is an error (a typo would
    otherwise leave its setting at the default without a word)."""
    for key, value in table.items():
        if key == "kubernetes":
            continue
        if key not in SETTINGS:
            raise setting_error(pyproject, TABLE, key, f"unknown setting (known: {', '.join(SETTINGS)}, kubernetes)")
        problem = _setting_problem(value, key)
        if problem is None and key in DIRECTORIES and not (pyproject.parent / value).is_dir():
            # Left out, the setting's directory is optional; named, it is meant: a misspelt one would silently
            # drop every hand-written dashboard or test.
            what = "it is a file" if (pyproject.parent / value).exists() else "it does not exist"
            problem = f"{value!r} names no directory of the project ({what}): create it, or remove the setting"
        if problem is not None:
            raise setting_error(pyproject, TABLE, key, f"{key} {problem}", value)
    return {key: value for key, value in table.items() if key != "kubernetes"}


def setting_line(pyproject: Path, table: str, key: str | None) -> int | None:
    """The line of pyproject.toml where `key` of [table] is set (`key = ...`, or its own [table.key] header),
    or of the [table] header when key is None; None when it cannot be told (a dotted key, an inline table)."""
    import re

    try:
        lines = pyproject.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    header = table if key is None else f"{table}.{key}"
    current = None
    for number, text in enumerate(lines, 1):
        stripped = text.strip()
        if found := re.fullmatch(r"\[\s*([^\]]+?)\s*\]", stripped):
            current = found.group(1).replace(" ", "").replace('"', "")
            if current == header:
                return number
            continue
        name = stripped.split("=", 1)[0].strip().strip("\"'")
        if key is not None and current == table and "=" in stripped and name == key:
            return number
    return None


def setting_error(pyproject: Path, table: str, key: str | None, problem: str, value: object = None) -> ProjectError:
    """'[tool.monitoring] out (pyproject.toml:9): problem'."""
    line = setting_line(pyproject, table, key)
    return ProjectError(problem, definition=f"[{table}]{' ' + key if key else ''}",
                        where=f"{pyproject}:{line}" if line else str(pyproject), field=key, value=value)


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


def check_stack_path(path: str) -> tuple[str, str]:
    """(module, attribute) of 'package.module:attribute'; a StackLoadError for anything else: an empty path, a file
    path ('alerts/stack.py:stack'), a relative import ('.stack:stack'), a second colon or a dotted attribute."""
    module_name, sep, attribute = path.partition(":")
    if sep and module_name and attribute.isidentifier() and all(part.isidentifier() for part in module_name.split(".")):
        return module_name, attribute
    problem = f"stack path {path!r} must look like 'package.module:attribute'"
    as_module = module_name.removesuffix(".py").strip("./").replace("/", ".")
    if module_name.endswith(".py") or "/" in module_name or module_name.startswith("."):
        if (not module_name.startswith("/") and attribute.isidentifier()
                and all(part.isidentifier() for part in as_module.split("."))):
            problem += f": a module's import path, not a file ({as_module + ':' + attribute!r})"
        else:
            problem += ": a module's import path, not a file"
    raise StackLoadError(problem, field="stack", value=path)


def load_stack(path: str, project_dir: Path) -> Stack:
    """Import 'package.module:attribute' and return the Stack it names: the attribute itself, or what it returns
    when it is a function (a factory) rather than a class."""
    module_name, attribute = check_stack_path(path)
    _import_from(project_dir, module_name)
    with held():
        return _loaded_stack(path, module_name, attribute)


def _loaded_stack(path: str, module_name: str, attribute: str) -> Stack:
    from monitoring.model.base import Model
    from monitoring.model.stack import Stack

    try:
        module = importlib.import_module(module_name)
    except DefinitionError:
        raise
    except ModuleNotFoundError as exc:
        # The stack's own module or a package of its path is missing: the path is wrong. Any other module is
        # one the stack's code imports, at a line of its own.
        if exc.name and (module_name + ".").startswith(exc.name + "."):
            hint = (f" (a module's import path, not a file: {module_name.removesuffix('.py') + ':' + attribute!r})"
                    if module_name.endswith(".py") else "")
            raise StackLoadError(f"stack {path!r} does not import: no module named {exc.name!r}{hint}") from None
        raise StackLoadError(f"stack {path!r} does not import: {_where(exc)}") from None
    except KeyboardInterrupt:
        raise
    except BaseException as exc:  # SystemExit too: a stack that exits while importing is an error, never a pass
        raise StackLoadError(f"stack {path!r} does not import: {_where(exc)}") from None
    try:
        stack = getattr(module, attribute)
    except AttributeError:
        raise StackLoadError(f"stack {path!r}: module {module_name!r} has no attribute {attribute!r}") from None
    except (DefinitionError, KeyboardInterrupt):
        raise
    except BaseException as exc:  # the module's own __getattr__ is the user's code too
        raise StackLoadError(f"stack {path!r}: reading {attribute!r} of module {module_name!r} failed: "
                             f"{_where(exc)}") from None
    if isinstance(stack, type):  # a class (Stack itself, a subclass) is not a factory: called, it fails or lies
        raise StackLoadError(f"stack {path!r} is the class {stack.__name__}, not a monitoring.Stack: name an "
                             "instance, or a function that returns one")
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
        what = "None" if stack is None else f"{_article(type(stack).__name__)} {type(stack).__name__}"
        raise StackLoadError(f"stack {path!r} is {what}{made}, not a monitoring.Stack")
    return stack


def _import_from(project_dir: Path, module_name: str) -> None:
    """Make `import module_name` find the project's own module: its directory first on sys.path, and a module of
    that name imported earlier from elsewhere (another project's `alerts.stack`, in a process that generates
    several) forgotten, with its package and every module under it. Else the import answers from the module
    cache, and the other project's stack is rendered in this one's place."""
    directory = str(project_dir)
    if sys.path[:1] != [directory]:
        if directory in sys.path:
            sys.path.remove(directory)
        sys.path.insert(0, directory)
    top = module_name.partition(".")[0]
    root = project_dir.resolve()
    if not ((root / top).is_dir() or (root / f"{top}.py").is_file()):
        return  # an installed package, or one on the path already: the project holds no module of that name
    loaded = [sys.modules[name] for name in (top, module_name) if name in sys.modules]
    if all(_inside(module, root) for module in loaded) or not all(_users(module) for module in loaded):
        return  # this project's already; or the standard library's or an installed package's, never forgotten
    for name in [name for name in sys.modules if name == top or name.startswith(top + ".")]:
        del sys.modules[name]
    importlib.invalidate_caches()


def _inside(module: object, root: Path) -> bool:
    """Whether the module was loaded from under root (a namespace package: when none of its directories is
    outside it)."""
    file = getattr(module, "__file__", None)
    paths = [file] if isinstance(file, str) else list(getattr(module, "__path__", None) or ())
    return all(Path(path).resolve().is_relative_to(root) for path in paths)


def _users(module: object) -> bool:
    """Whether the module is the user's code (not the standard library's, an installed package's, or built in)."""
    from monitoring.model.base import is_user_file

    file = getattr(module, "__file__", None)
    paths = [file] if isinstance(file, str) else list(getattr(module, "__path__", None) or ())
    return bool(paths) and all(is_user_file(str(path)) for path in paths)


def _article(noun: str) -> str:
    return "an" if noun[:1].lower() in "aeiou" else "a"


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
    if isinstance(exc, SyntaxError) and exc.filename and exc.lineno:
        # Its str() names the file by its base name alone ("(stack.py, line 3)"): the path says which one.
        detail = one_line(shown(exc.msg))
        return f"{type(exc).__name__}: {detail} (at {format_site((exc.filename, exc.lineno))})"
    if isinstance(exc, SystemExit):
        return f"it exits (SystemExit({shown(exc.code, repr)})){location}; a stack module must not call sys.exit()"
    if isinstance(exc, ProcessExit):
        return f"it exits (os._exit({shown(exc.status, repr)})){location}; a stack module must not end the process"
    detail = one_line(shown(exc))
    return f"{type(exc).__name__}{': ' + detail if detail else ''}{location}"


def shown(value: object, show: Callable[[object], str] = str) -> str:
    """show(value) for a message about the user's code, or a placeholder when the user's __str__ or __repr__
    raises in turn (the message must still be made)."""
    try:
        return show(value)
    except Exception as exc:
        return f"<{type(value).__name__} that cannot be shown: {type(exc).__name__}>"
