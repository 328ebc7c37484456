"""The project: its settings in pyproject.toml [tool.monitoring], and the stack it names."""

from __future__ import annotations

import contextlib
import contextvars
import importlib
import os
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
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
    below reads the current directory. A relative project_dir is made absolute (symbolic links resolved, as
    Project.find does) when the Project is made: a stack that changes directory while it is imported moves
    neither out/ nor anything else of the project.

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
        """A Project made in code is checked as one read from pyproject.toml is, every field, with the site of the
        call for its file:line (Project.find checks what it read first, naming pyproject.toml's lines).
        project_dir must be a path (TypeError otherwise) to a directory that exists: without one, the stack's
        import would fail with a message about its module, not about the directory."""
        if not is_path(self.project_dir):
            raise TypeError(f"Project project_dir must be a path (a pathlib.Path or a str), not "
                            f"{type(self.project_dir).__name__}")
        for key in SETTINGS:
            problem = _setting_problem(getattr(self, key), key)
            if problem is not None:
                raise _made_here(f"{key} {problem}", key, getattr(self, key))
        given = Path(self.project_dir)
        if not given.is_dir():
            what = "is not a directory" if given.exists() else "does not exist"
            raise _made_here(f"project_dir {str(given)!r} {what}", "project_dir", self.project_dir)
        # Absolute now, while the working directory is the caller's: every path below derives from it, and is
        # used later, after the stack's own code has run (which may change directory).
        object.__setattr__(self, "project_dir", given.resolve())
        for key in DIRECTORIES:
            value = getattr(self, key)
            # The default may be missing, as a setting left out of pyproject.toml may; another is meant.
            problem = _directory_problem(self.project_dir, value)
            if problem is not None and value != self.__dataclass_fields__[key].default:
                raise _made_here(f"{key} {problem}", key, value)
        if not _READ_FROM_PYPROJECT.get():  # Project.find has checked them, naming pyproject.toml's line
            collision = out_collision(self.project_dir, {key: getattr(self, key) for key in SETTINGS})
            if collision is not None:
                key, problem = collision
                raise _made_here(problem, key, getattr(self, key))
        self._check_kubernetes()

    def _check_kubernetes(self) -> None:
        if self.kubernetes is None or isinstance(self.kubernetes, bool) or _READ_FROM_PYPROJECT.get():
            return  # nothing to check here: the model, which checks a table's values, stays unimported
        from monitoring.project_kubernetes import setting_problem

        problem = setting_problem(self.kubernetes)
        if problem is not None:
            key, text, value = problem
            raise _made_here(f"kubernetes {text}" if key is None else f"kubernetes[{key!r}]: {text}", "kubernetes",
                             value)

    @property
    def out_dir(self) -> Path:
        return self.project_dir / self.out

    @property
    def dashboards_dir(self) -> Path:
        return self.project_dir / self.dashboards

    @classmethod
    def find(cls, start: str | os.PathLike[str] | None = None) -> Project:
        """The nearest pyproject.toml with a [tool.monitoring] table from start (a path, as for project_dir;
        default: the working directory) upwards; else the defaults, rooted at start."""
        if start is not None and not is_path(start):
            raise TypeError(f"Project.find() start must be a path (a pathlib.Path or a str), not "
                            f"{type(start).__name__}")
        here = (Path.cwd() if start is None else Path(start)).resolve()
        for directory in (here, *here.parents):
            pyproject = directory / "pyproject.toml"
            if pyproject.is_file():
                table = _monitoring_table(_read_pyproject(pyproject), pyproject)
                if table is not None:
                    settings = _settings(table, pyproject)
                    collision = out_collision(directory, {**_DEFAULTS, **settings})
                    if collision is not None:
                        key, problem = collision
                        raise setting_error(pyproject, TABLE, key, problem, {**_DEFAULTS, **settings}[key])
                    kubernetes = table.get("kubernetes")
                    if kubernetes is not None and not isinstance(kubernetes, bool):
                        # Its shape is checked here, where the message can name pyproject.toml's line; its values
                        # with the stack (load_stack), still naming that line: `validate` and `publish`, which
                        # read no stack, do not load the model for them.
                        from monitoring.project_kubernetes import check

                        check(kubernetes, pyproject, shape_only=True)
                    token = _READ_FROM_PYPROJECT.set(True)
                    try:
                        return cls(project_dir=directory, kubernetes=kubernetes, **settings)
                    finally:
                        _READ_FROM_PYPROJECT.reset(token)
        return cls(project_dir=here)

    def load_stack(self, path: str | None = None) -> Stack:
        """The Stack named by path ('package.module:attribute'), by default the project's own, with the project's
        Kubernetes setting applied."""
        if path is not None and not isinstance(path, str):
            raise TypeError(f"Project.load_stack() path must be an import path ('package.module:attribute'), not "
                            f"{type(path).__name__}")
        stack = load_stack(self.stack if path is None else path, self.project_dir)
        if self.kubernetes is None:
            return stack
        from monitoring import project_kubernetes

        return project_kubernetes.apply(stack, self.kubernetes, self.project_dir / "pyproject.toml")


# Set while Project.find makes the Project it read: its kubernetes table is checked against pyproject.toml's lines
# (see find), not as a Project made in code is.
_READ_FROM_PYPROJECT: contextvars.ContextVar[bool] = contextvars.ContextVar("read_from_pyproject", default=False)

# The settings of [tool.monitoring] that are strings (the other one, kubernetes, is a table or a boolean).
SETTINGS = ("stack", "out", "dashboards", "alert_tests", "regenerate")
DIRECTORIES = ("dashboards", "alert_tests")  # the settings naming directories of hand-written files to read


_DEFAULTS = {key: field.default for key, field in Project.__dataclass_fields__.items() if key in SETTINGS}


def out_collision(project_dir: Path, settings: dict[str, str], named: str | None = None) -> tuple[str, str] | None:
    """(the setting to blame, why) when out names a directory generate must never replace or write into: the
    project directory or one holding it, the directory of generate's record (.monitoring_cache) or one inside or
    holding it, or one holding a directory of the project's sources (the dashboards, the alert tests, the stack's
    package). generate replaces out/ whole, so any of these would be lost, or read back as the project's own
    input; and out/ must stay apart from the record of what generate read. None when out is usable.

    The setting blamed is out, unless out is left at its default and the other setting names the directory
    (`stack = "out.stack:stack"`). `named`: how the message names out when it is not the setting (generate's
    out_dir)."""
    from monitoring.inputs import CACHE_DIR  # here: a Project made without settings to check needs none of it

    out = _real(project_dir / settings["out"])
    own = "give out a directory of its own, like 'out'" if named is None else "name another output directory"
    named = f"out {settings['out']!r}" if named is None else named
    root = _real(project_dir)
    if out == root or root.is_relative_to(out):
        where = "is" if out == root else "holds"
        return "out", f"{named} {where} the project directory, which generate would replace whole: {own}"
    cache = _real(project_dir / CACHE_DIR)
    if out == cache or out.is_relative_to(cache) or cache.is_relative_to(out):
        where = "is" if out == cache else "is inside" if out.is_relative_to(cache) else "holds"
        return "out", (f"{named} {where} the directory where generate keeps its record of what it read "
                       f"({CACHE_DIR}): {own}")
    sources = []
    package = settings["stack"].partition(":")[0].split(".")[0]
    if package.isidentifier() and (root / package).is_dir():  # the stack's package, when the project holds it
        sources.append(("stack", package, f"the stack's package {package!r}"))
    sources += [("dashboards", settings["dashboards"], f"the dashboards directory {settings['dashboards']!r}"),
                ("alert_tests", settings["alert_tests"], f"the alert tests directory {settings['alert_tests']!r}")]
    for key, directory, what in sources:
        source = _real(project_dir / directory)
        if source == out or source.is_relative_to(out):
            blamed = "out" if settings["out"] != _DEFAULTS["out"] or settings[key] == _DEFAULTS[key] else key
            where = "is" if source == out else "holds"
            fix = own if blamed == "out" else f"name another directory for {key}"
            return blamed, f"{named} {where} {what}, which generate would replace whole: {fix}"
    return None


def _real(path: Path) -> Path:
    """path absolute, its symbolic links resolved (as far as it exists), '..' taken as the system takes it."""
    return Path(os.path.realpath(path))


def is_path(value: object) -> bool:
    """Whether value is a path as the library takes one: a str or an os.PathLike of text (bytes are refused, as
    pathlib refuses them)."""
    if not isinstance(value, str | os.PathLike):
        return False
    try:
        return isinstance(os.fspath(value), str)
    except Exception:  # a PathLike whose __fspath__ fails is no path either
        return False


def _made_here(problem: str, field: str, value: object) -> ProjectError:
    """'Project (scripts/gen.py:12): problem': a setting of a Project made in code, named at the caller's line."""
    from monitoring.model.base import definition_site, format_site

    return ProjectError(problem, definition="Project", where=format_site(definition_site()), field=field, value=value)


def _directory_problem(project_dir: Path, value: str) -> str | None:
    """Why the setting `value` names no directory of the project, or None. Left out, the setting's directory is
    optional; named, it is meant: a misspelt one would silently drop every hand-written dashboard or test."""
    if (project_dir / value).is_dir():
        return None
    what = "it is a file" if (project_dir / value).exists() else "it does not exist"
    return f"{value!r} names no directory of the project ({what}): create it, or remove the setting"


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
        if problem is None and key in DIRECTORIES:
            problem = _directory_problem(pyproject.parent, value)
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
    with _LOADING:
        forget_changed_modules()
        _import_from(project_dir, module_name)
        with own_imports(project_dir), held():
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
        stack = module_attribute(module, attribute, lambda detail: StackLoadError(
            f"stack {path!r}: reading {attribute!r} of module {module_name!r} failed: {detail}"))
    except AttributeError:
        raise StackLoadError(f"stack {path!r}: module {module_name!r} has no attribute {attribute!r}") from None
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


def module_attribute(module: ModuleType, attribute: str, failed: Callable[[str], DefinitionError]) -> Any:
    """getattr(module, attribute), which runs the module's own __getattr__ (PEP 562) for a name it does not
    define: the user's code, so os._exit is held meanwhile. An AttributeError (no such attribute) is the caller's
    to report; anything else that code raises (but a DefinitionError, or Ctrl-C) becomes failed(what it raised
    and where, on one line), rather than passing for a missing attribute or escaping with its traceback."""
    try:
        with held():
            return getattr(module, attribute)
    except (AttributeError, DefinitionError, KeyboardInterrupt):
        raise
    except BaseException as exc:  # SystemExit too: reading an attribute that exits is an error, never a pass
        raise failed(_where(exc)) from None


# What a process that loads the stack again (a notebook, a test, a watcher) must see is what a new process would:
# a module imported once stays in sys.modules, and the import answers from there even after its file changed.
# So each module of the project that this package's own import loaded (the stack's, and those a dashboard file
# imports) is noted with its file's signature: when one of those files has changed or gone by the next load,
# all of them are forgotten (a module that imported the changed one holds its old objects) and imported anew.
# Modules imported by others (a test that defines a stack in its own module) are never noted, and a noted one
# that is no longer in sys.modules as it was loaded (a test's monkeypatch replaced it) is left alone.
_OWN: dict[str, tuple[ModuleType, str | None, tuple[int, int, int] | None]] = {}
_LOADING = threading.RLock()  # one thread's import does not see its modules forgotten by another's


def _file_signature(path: str | None) -> tuple[int, int, int] | None:
    """(modification time, size, inode) of the file at path; None when there is none."""
    if path is None:
        return None
    try:
        found = os.stat(path)
    except (OSError, ValueError):
        return None
    return found.st_mtime_ns, found.st_size, found.st_ino


@contextlib.contextmanager
def own_imports(project_dir: Path) -> Iterator[None]:
    """Note each module of the project (the user's code under project_dir) that the block imports, as `_OWN`
    says; those it imported before failing too, as they stay in sys.modules."""
    with _LOADING:
        before = set(sys.modules)
        try:
            yield
        finally:
            roots = (os.path.abspath(project_dir) + os.sep, str(project_dir.resolve()) + os.sep)
            for name in [name for name in list(sys.modules) if name not in before]:
                module = sys.modules.get(name)
                if isinstance(module, ModuleType) and _users(module) and _under(module, roots):
                    file = getattr(module, "__file__", None)
                    file = file if isinstance(file, str) else None  # a namespace package has none
                    _OWN[name] = (module, file, _file_signature(file))


def forget_changed_modules() -> None:
    """Forget the noted modules (see `_OWN`) when the file of one has changed or gone since it was loaded, so that
    the next import reads them all again."""
    with _LOADING:
        for name, (module, _, _) in list(_OWN.items()):
            if sys.modules.get(name) is not module:  # removed, or replaced by someone else: theirs now
                del _OWN[name]
        if all(_file_signature(file) == signature for _, file, signature in _OWN.values() if file is not None):
            return
        for name in _OWN:
            del sys.modules[name]
        _OWN.clear()
        importlib.invalidate_caches()  # a module file added since must be found


def _under(module: ModuleType, roots: tuple[str, ...]) -> bool:
    """Whether each of the module's files (a namespace package: its directories) is under one of roots (the
    project directory as given and resolved: paths of both forms, no symbolic links followed)."""
    return all(os.path.abspath(path).startswith(roots) for path in _paths(module))


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
    return all(Path(path).resolve().is_relative_to(root) for path in _paths(module))


def _users(module: object) -> bool:
    """Whether the module is the user's code (not the standard library's, an installed package's, or built in)."""
    from monitoring.model.base import is_user_file

    paths = _paths(module)
    return bool(paths) and all(is_user_file(path) for path in paths)


def _paths(module: object) -> list[str]:
    """The module's file, or a namespace package's directories."""
    file = getattr(module, "__file__", None)
    if isinstance(file, str):
        return [file]
    return [path for path in getattr(module, "__path__", None) or () if isinstance(path, str)]


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
