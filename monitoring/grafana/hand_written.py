"""Hand-written dashboards: `dashboards/*.dashboard.py`, each defining `dashboard` (grafanalib's convention).

`dashboard` may be a grafanalib Dashboard, a `monitoring.Dashboard` or Grafana JSON (a dict). Its folder: a
`monitoring.Dashboard`'s own `folder` if it names one, else the file's `folder = "<uid>"` if it sets one, else
the generated dashboards' folder (the more specific setting wins, as a declared Dashboard's `folder` wins over
`DashboardSettings.folder`). Every folder named must be one the stack declares. Any problem is a
DefinitionError that names the file.
"""

from __future__ import annotations

import contextlib
import io
import os
import runpy
import sys
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

from monitoring import conventions, units
from monitoring.errors import DefinitionError, MonitoringError
from monitoring.grafana.dashboards import RenderedDashboard, render_dashboard
from monitoring.grafana.normalise import DataSources, NormaliseError, from_grafanalib, json_problem, normalise
from monitoring.grafana.panel_places import panel_places
from monitoring.grafana.schemas import MIGRATED_PANEL_TYPES
from monitoring.model.dashboards import Dashboard, default_folder
from monitoring.model.stack import Stack
from monitoring.process_exit import ProcessExit, held
from monitoring.project import forget_changed_modules, module_attribute, own_imports

# Advice that does not stop generation: warn(message).
Warn = Callable[[str], None]


def _quiet(message: str) -> None:
    """A caller that wants no advice."""


def load(stack: Stack, directory: Path | None, root: Path | None = None, warn: Warn = _quiet
         ) -> Iterator[RenderedDashboard]:
    """Every custom dashboard in directory, rendered and normalised, in file name order, one at a time
    (nothing runs until the first is asked for). What migrating old panels dropped goes to `warn`. A file that
    is not a regular one (a FIFO would block its run for ever) is a ProjectError before any file runs."""
    if directory is None or not directory.is_dir():
        return
    from monitoring.output.manifest import input_files

    paths = input_files(directory, conventions.CUSTOM_DASHBOARD_GLOB, root or directory)
    # A module a file imports stays loaded in this process: one changed since is read again, as it would be by a
    # new process (see monitoring.project.own_imports).
    forget_changed_modules()
    for path in paths:
        yield load_file(stack, path, _display(path, root), warn, root)


def _display(path: Path, root: Path | None) -> str:
    try:
        return str(path.relative_to(root)) if root is not None else str(path)
    except ValueError:
        return str(path)


def load_file(stack: Stack, path: Path, name: str, warn: Warn = _quiet, project_dir: Path | None = None
              ) -> RenderedDashboard:
    """The dashboard of one file. The modules of project_dir (default: the file's directory) it imports are
    noted, to be read again once changed."""
    # The file runs, and grafanalib renders, with standard output caught: what they print would land amid
    # the command's own output (`monitoring ci --format json` writes JSON there).
    with _silent(name):
        return _load(stack, path, name, warn, project_dir or path.parent)


@contextlib.contextmanager
def _silent(name: str) -> Iterator[None]:
    """Runs the block with sys.stdout caught; a DefinitionError naming the file if the block printed anything
    (and raised nothing else). grafanalib prints its warnings too: the first line printed says which."""
    caught = io.StringIO()
    with contextlib.redirect_stdout(caught):
        yield
    lines = [line.strip() for line in caught.getvalue().splitlines() if line.strip()]
    if caught.getvalue():
        first = f" ({units.quoted(lines[0])})" if lines else ""
        raise DefinitionError(f"custom dashboard {name}: writes to standard output{first}: a dashboard file "
                              "defines `dashboard` and prints nothing, as the commands' own output goes there")


def _title_problem(title: object) -> str | None:
    """Why Grafana would refuse title, or show it on more than one line; None for a usable title."""
    if not isinstance(title, str):
        return f"title must be a string, not {type(title).__name__} ({units.quoted(title)})"
    if not title.strip():
        return f"title {title!r} is empty: Grafana refuses a dashboard without a title"
    try:
        units.check_text(title, one_line=True)
    except ValueError as exc:
        return f"title {exc}"
    return None


def _load(stack: Stack, path: Path, name: str, warn: Warn, project_dir: Path) -> RenderedDashboard:
    namespace, dashboard = _run(path, name, project_dir)
    if dashboard is _UNDEFINED:
        raise DefinitionError(f"custom dashboard {name}: defines no `dashboard`")
    folder = _folder(stack, namespace, dashboard, name)
    if isinstance(dashboard, Dashboard):
        return RenderedDashboard(folder, dashboard.dashboard_uid,
                                 render_dashboard(dashboard, stack.dashboard_settings), name, dashboard.name)
    if isinstance(dashboard, dict):  # Grafana JSON as it is, e.g. kept by `monitoring import`
        return json_dashboard(folder, dashboard, name, _datasources(stack), warn)
    from grafanalib.core import Dashboard as GrafanalibDashboard  # loaded only when a dashboard file exists

    if not isinstance(dashboard, GrafanalibDashboard):
        raise DefinitionError(f"custom dashboard {name}: `dashboard` is a {type(dashboard).__name__}, "
                              "not a grafanalib Dashboard, a monitoring.Dashboard or Grafana JSON (a dict)")
    problem = _title_problem(dashboard.title)
    if problem:
        raise DefinitionError(f"custom dashboard {name}: {problem}", field="title", value=dashboard.title)
    uid = dashboard.uid or conventions.dashboard_uid(dashboard.title)
    problem = conventions.uid_problem(uid)
    if problem:
        raise DefinitionError(f"custom dashboard {name}: {problem}", field="uid", value=uid)
    datasources = _datasources(stack)
    try:
        data = _modernised(from_grafanalib(dashboard, uid=uid, datasources=datasources), uid, datasources, name,
                           warn, grafanalib=True)
    except NormaliseError as exc:
        raise DefinitionError(f"custom dashboard {name}: {exc}") from None
    except Exception as exc:  # grafanalib raises whatever its attrs validators and encoder raise
        raise DefinitionError(f"custom dashboard {name}: grafanalib cannot render it "
                              f"({type(exc).__name__}: {_one_line(exc)})") from None
    return RenderedDashboard(folder, uid, data, name, str(dashboard.title))


def _modernised(data: dict[str, Any], uid: str, datasources: DataSources | None, name: str, warn: Warn, *,
                grafanalib: bool = False) -> dict[str, Any]:
    """The normalised dashboard with its old panels (grafanalib's Graph, SingleStat and PieChart, an old export's
    `table-old`) migrated as Grafana migrates them when it loads the dashboard, and a warning that says what was
    migrated and what had no modern place; the dashboard as it was when it has none. `grafanalib`: whether data
    came from grafanalib objects, whose defaults that are not Grafana's go (see `normalise`)."""
    if not any(panels[index].get("type") in MIGRATED_PANEL_TYPES for panels, index, _, _ in panel_places(data)):
        return data
    from monitoring.grafana import legacy_dashboard

    modern, notes = legacy_dashboard.modernise(data)
    for note in notes:
        warn(f"custom dashboard {name}: {note}")
    return normalise(modern, uid=uid, datasources=datasources, grafanalib=grafanalib)


def _datasources(stack: Stack) -> DataSources:
    """Each data source the stack declares, its reference by its name and by its uid; the first declared wins, as
    Grafana's migration matches a name against the instance's data sources in turn."""
    found: dict[str, dict[str, str]] = {}
    for source in stack.datasources:
        for key in (source.name, source.uid or source.name):
            found.setdefault(key, source.reference())
    return found


def _folder(stack: Stack, namespace: dict[str, Any], dashboard: object, name: str) -> str:
    """The folder of a file's dashboard: a monitoring.Dashboard's own `folder`, else the file's `folder`, else
    the generated dashboards' folder. Each folder named must be declared, even one the dashboard's own overrides."""
    declared = [f.uid for f in stack.folders]
    folders = f"(folders: {', '.join(declared) or 'none'})"
    if "folder" in namespace and namespace["folder"] not in declared:
        raise DefinitionError(f"custom dashboard {name}: folder {namespace['folder']!r} is not a declared folder "
                              f"{folders}", field="folder", value=namespace["folder"])
    own = dashboard.folder if isinstance(dashboard, Dashboard) else None
    if own is not None and own not in declared:
        raise dashboard.error(f"folder {own!r} is not a declared folder {folders}",  # type: ignore[union-attr]
                              field="folder", value=own)
    if own is not None:
        return own
    if "folder" in namespace:
        return namespace["folder"]  # type: ignore[no-any-return]
    if not declared:
        raise DefinitionError(f"custom dashboard {name}: the stack declares no folder to put it in: declare one "
                              "in its folders", field="folder")
    return default_folder(stack.folders, stack.dashboard_settings)


def json_dashboard(folder: str, data: dict[str, Any], name: str, datasources: DataSources | None = None,
                   warn: Warn = _quiet) -> RenderedDashboard:
    """A dashboard given as Grafana JSON (a dict), normalised (a data source named in `datasources` becomes its
    reference there, old panels are migrated: see `_modernised`), keeping what it states at grafanalib's defaults
    that are not Grafana's (`intervalFactor: 2`); a DefinitionError naming the file (`name`) and, where it
    can, the JSON path of what is wrong, whatever the dict holds."""
    title = data.get("title")
    if not isinstance(title, str) or not isinstance(data.get("panels", data.get("rows")), list):
        raise DefinitionError(f"custom dashboard {name}: the JSON is not a Grafana dashboard (no title, or no list "
                              "of panels)")
    # What Python allows in a dict but JSON does not (keys that are no strings, sets, NaN, integers beyond
    # 64 bits, datetimes): found here, where the message can name the file, not when out/ is written.
    problem = json_problem(data)
    if problem:
        raise DefinitionError(f"custom dashboard {name}: `dashboard` is not JSON data: {problem}")
    problem = _title_problem(title)
    if problem:
        raise DefinitionError(f"custom dashboard {name}: {problem}", field="title", value=title)
    uid = data.get("uid") or conventions.dashboard_uid(title)
    problem = conventions.uid_problem(uid)
    if problem:
        raise DefinitionError(f"custom dashboard {name}: {problem}", field="uid", value=uid)
    try:
        modern = _modernised(normalise(data, uid=uid, datasources=datasources), uid, datasources, name, warn,
                             grafanalib=False)
        return RenderedDashboard(folder, uid, modern, name, title)
    except NormaliseError as exc:
        raise DefinitionError(f"custom dashboard {name}: {exc}") from None


@contextlib.contextmanager
def _interpreter_kept() -> Iterator[None]:
    """Runs the block, then puts back what a dashboard file may change of the process that goes on to write
    out/: the working directory, sys.path, standard error, the recursion limit and the modules already loaded
    (one replaced or removed, `sys.modules["json"] = None`, would break what generate imports later)."""
    cwd, path, stderr, limit = os.getcwd(), list(sys.path), sys.stderr, sys.getrecursionlimit()
    modules = dict(sys.modules)
    try:
        yield
    finally:
        os.chdir(cwd)
        sys.path[:] = path
        sys.stderr = stderr
        sys.setrecursionlimit(limit)
        for module_name, module in modules.items():
            if sys.modules.get(module_name) is not module:
                sys.modules[module_name] = module


# What _run gives for the `dashboard` of a file that defines none.
_UNDEFINED = object()


def _run(path: Path, name: str, project_dir: Path) -> tuple[dict[str, Any], object]:
    """The file's namespace once it ran, and its `dashboard` (_UNDEFINED when it has none), read as an attribute of
    a module is: through the file's own __getattr__ when it defines one, as the stack's attribute is read."""
    run_name = f"monitoring_dashboard_{path.stem.replace('.', '_')}"
    try:
        with own_imports(project_dir), _interpreter_kept(), held():
            namespace = runpy.run_path(str(path), run_name=run_name)
            module = ModuleType(run_name)
            module.__dict__.update(namespace)
            try:
                return namespace, module_attribute(module, "dashboard", lambda detail: DefinitionError(
                    f"custom dashboard {name}: reading `dashboard` failed: {detail}"))
            except AttributeError:
                return namespace, _UNDEFINED
    except DefinitionError:
        raise  # a model definition in the file: its message already says where it was made
    except MonitoringError as exc:
        raise DefinitionError(f"custom dashboard {name}: {exc}") from None
    except SyntaxError as exc:
        raise DefinitionError(f"custom dashboard {name}: syntax error at line {exc.lineno}: {exc.msg}") from None
    except KeyboardInterrupt:
        raise
    except BaseException as exc:  # SystemExit too: a dashboard file that exits is an error, never a pass
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == str(path)]
        line = f" (line {frames[-1].lineno})" if frames else ""
        if isinstance(exc, ProcessExit):
            raise DefinitionError(f"custom dashboard {name}: it exits (os._exit({exc.status!r})){line}; a dashboard "
                                  "file must not end the process") from None
        raise DefinitionError(f"custom dashboard {name}: {type(exc).__name__}: {_one_line(exc)}{line}") from None


def _one_line(exc: BaseException) -> str:
    # attrs validators (grafanalib) raise ValueError(message, attribute, ...): the message is enough.
    from monitoring.project import shown

    text = exc.args[0] if len(exc.args) > 1 and isinstance(exc.args[0], str) else shown(exc)
    return " ".join(text.split())
