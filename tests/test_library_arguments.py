"""The library's verbs and Project as a long-lived process uses them: a wrong argument is a TypeError (or, for a
Project's setting, a ProjectError) that names it on one line; a stack or a module it imports, edited between two
calls, is seen as a new process would see it; a dashboard file whose `dashboard` cannot be read says why."""

from __future__ import annotations

import importlib
import os
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import monitoring
from monitoring import DefinitionError, Project, PublishRequest
from monitoring.errors import ProjectError

STACK = '''
from monitoring import Alert, Receiver, Route, Routing, RuleGroup, Service, Stack
from {package}.helper import FOR

stack = Stack(
    name="libargs",
    services=(Service(name="api", rule_groups=(RuleGroup(name="api.alerts", rules=(
        Alert(name="ApiDown", severity="critical", for_=FOR, expr="up{{job='api'}} < 1",
              summary="API down.", description="The API is down."),)),)),),
    routing=Routing(route=Route(receiver="default"), receivers=(Receiver(name="default"),)),
)
'''
DASHBOARD = '''
from {package}_boards.titles import TITLE

dashboard = {{"title": TITLE, "uid": "libargs-app", "panels": []}}
'''


def _forget(package: str, directory: Path) -> None:
    """This test's modules and sys.path entry gone, so that no other test of the process meets them."""
    for name in [m for m in sys.modules if m.split(".")[0] in (package, f"{package}_boards")]:
        del sys.modules[name]
    while str(directory) in sys.path:
        sys.path.remove(str(directory))


@pytest.fixture
def package() -> str:
    return f"libargs_{uuid.uuid4().hex[:10]}"  # a name of its own: modules stay loaded in the process


@pytest.fixture
def project_dir(tmp_path: Path, package: str) -> Iterator[Path]:
    """A project whose stack imports a module of its own, with a dashboard file that imports one too."""
    root = tmp_path / "project"
    for name, text in {f"{package}/__init__.py": "", f"{package}/stack.py": STACK.format(package=package),
                       f"{package}/helper.py": 'FOR = "5m"\n', f"{package}_boards/__init__.py": "",
                       f"{package}_boards/titles.py": 'TITLE = "App"\n',
                       "dashboards/app.dashboard.py": DASHBOARD.format(package=package)}.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    yield root
    _forget(package, root)


def _project(root: Path, package: str) -> Project:
    return Project(root, stack=f"{package}.stack:stack")


def _out_text(root: Path) -> str:
    return "\n".join(p.read_text() for p in sorted((root / "out").rglob("*")) if p.is_file())


# (the file edited, what replaces what in it, what the output then holds, a file of out/ it changes)
EDITS = [
    ("{package}/stack.py", ("for_=FOR", 'for_="15m"'), "for: 15m", "prometheus/rules/api.rules.yml"),
    ("{package}/helper.py", ('"5m"', '"10m"'), "for: 10m", "prometheus/rules/api.rules.yml"),
    ("{package}_boards/titles.py", ('"App"', '"Application board"'), "Application board", "grafana/"),
]


@pytest.mark.parametrize(("file", "edit", "written", "stale"), EDITS, ids=["the stack", "a module it imports",
                                                                          "a module a dashboard file imports"])
def test_an_edit_between_two_calls_is_seen_by_the_same_process(project_dir: Path, package: str, file: str,
                                                                edit: tuple[str, str], written: str,
                                                                stale: str) -> None:
    project = _project(project_dir, package)
    assert monitoring.generate(project).written
    assert written not in _out_text(project_dir)
    path = project_dir / file.format(package=package)
    path.write_text(path.read_text().replace(*edit))

    checked = monitoring.generate(project, check=True)
    assert not checked.ok and any(line.startswith(f"changed {stale}") for line in checked.stale), checked.stale
    report = monitoring.generate(project)
    assert report.written and report.changed >= 1
    assert written in _out_text(project_dir)
    assert monitoring.generate(project, check=True).ok


def test_only_the_modules_the_library_imported_are_read_again(project_dir: Path, package: str) -> None:
    """A stack module the caller imported itself is the caller's (a test that defines or patches it): it is
    used as it is, file edited or not. The one the library imported is read again once edited."""
    other = f"{package}_own"
    (project_dir / other).mkdir()
    (project_dir / other / "__init__.py").write_text("")
    (project_dir / other / "stack.py").write_text(STACK.format(package=package))
    sys.path.insert(0, str(project_dir))
    try:
        own = importlib.import_module(f"{other}.stack")
        mine = Project(project_dir, stack=f"{other}.stack:stack", out="out-own")
        theirs = _project(project_dir, package)
        assert monitoring.generate(mine).written and monitoring.generate(theirs).written
        for stack in (project_dir / other / "stack.py", project_dir / package / "stack.py"):
            stack.write_text(stack.read_text().replace("for_=FOR", 'for_="15m"'))

        assert monitoring.generate(mine, check=True).ok  # the module in memory, not the file
        assert sys.modules[f"{other}.stack"] is own
        assert not monitoring.generate(theirs, check=True).ok
    finally:
        _forget(other, project_dir)


BROKEN_GETATTR = [
    ("RecursionError", "def __getattr__(name):\n    raise RecursionError('deep')",
     "reading `dashboard` failed: RecursionError: deep (at "),
    ("ValueError", "def __getattr__(name):\n    raise ValueError('no board today')",
     "reading `dashboard` failed: ValueError: no board today (at "),
    ("SystemExit", "import sys\ndef __getattr__(name):\n    sys.exit(4)",
     "reading `dashboard` failed: it exits (SystemExit(4)) (at "),
]


@pytest.mark.parametrize(("code", "message"), [case[1:] for case in BROKEN_GETATTR],
                         ids=[case[0] for case in BROKEN_GETATTR])
def test_a_dashboard_files_getattr_that_fails_is_reported_as_the_stacks_is(project_dir: Path, package: str,
                                                                           code: str, message: str) -> None:
    (project_dir / "dashboards" / "app.dashboard.py").write_text(code + "\n")
    with pytest.raises(DefinitionError) as caught:
        monitoring.generate(_project(project_dir, package))
    assert type(caught.value) is DefinitionError
    text = str(caught.value)
    assert "\n" not in text and text.startswith("custom dashboard "), text
    assert message in text and "app.dashboard.py:" in text, text


SETTINGS = [
    ("kubernetes: a word", {"kubernetes": "yes"}, "kubernetes must be true, false or a table of settings, not 'yes'"),
    ("kubernetes: a number", {"kubernetes": 1}, "kubernetes must be true, false or a table of settings, not 1"),
    ("kubernetes: a list", {"kubernetes": ["namespace"]}, "kubernetes must be true, false or a table of settings"),
    ("kubernetes: an unknown key", {"kubernetes": {"team_routing": []}}, "kubernetes['team_routing']: unknown "
                                                                         "setting"),
    ("kubernetes: a namespace of the wrong type", {"kubernetes": {"namespace": 5}}, "kubernetes['namespace']: "),
    ("kubernetes: a namespace in capitals", {"kubernetes": {"namespace": "Monitoring"}},
     "kubernetes['namespace']: Kubernetes name 'Monitoring' must be a DNS-1123"),
    ("dashboards: a missing directory", {"dashboards": "boards"}, "dashboards 'boards' names no directory of the "
                                                                  "project (it does not exist)"),
    ("alert_tests: a file", {"alert_tests": "pyproject.toml"}, "alert_tests 'pyproject.toml' names no directory of "
                                                               "the project (it is a file)"),
]


@pytest.mark.parametrize(("settings", "message"), [case[1:] for case in SETTINGS], ids=[case[0] for case in SETTINGS])
def test_every_setting_of_a_project_made_in_code_is_checked_where_it_is_made(tmp_path: Path, settings: dict,
                                                                             message: str) -> None:
    (tmp_path / "pyproject.toml").write_text("")
    with pytest.raises(ProjectError) as caught:
        Project(tmp_path, **settings)
    error = caught.value
    assert type(error) is ProjectError
    call = caught.tb.tb_lineno  # the line of this function the error passed through: the call
    assert error.field == next(iter(settings)) and error.where == f"{os.path.relpath(__file__)}:{call}"
    assert str(error).startswith(f"Project ({error.where}): {message}") and "\n" not in str(error), str(error)


def test_a_bad_kubernetes_setting_in_pyproject_names_its_line_when_the_project_is_found(tmp_path: Path) -> None:
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text('[tool.monitoring]\nstack = "alerts.stack:stack"\nkubernetes = "yes"\n')
    with pytest.raises(ProjectError) as caught:
        Project.find(tmp_path)
    assert type(caught.value) is ProjectError and caught.value.where == f"{pyproject}:3"
    assert str(caught.value) == (f"[tool.monitoring.kubernetes] ({pyproject}:3): must be true, false or a table of "
                                 "settings, not 'yes'")


class _TextPath:
    """A path of the caller's own type (os.PathLike), as a library may be given."""

    def __init__(self, path: str | bytes) -> None:
        self.path = path

    def __fspath__(self) -> str | bytes:
        return self.path


@pytest.mark.parametrize("start", [str, _TextPath], ids=["a str", "an os.PathLike"])
def test_project_find_takes_a_path_in_any_form_project_takes(tmp_path: Path, start: Callable[[str], object]) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.monitoring]\nout = "build"\n')
    found = Project.find(start(str(tmp_path)))  # type: ignore[arg-type]
    assert found.project_dir == tmp_path and found.out == "build"


def _generated(tmp_path: Path) -> Project:
    (tmp_path / "out").mkdir()
    return Project(tmp_path)


# (a call with an argument of a wrong type, what the TypeError says)
WRONG_TYPES: list[tuple[str, Callable[[Path], object], str]] = [
    ("Project.find: bytes", lambda d: Project.find(os.fsencode(d)), "Project.find() start must be a path"),
    ("Project.find: a number", lambda d: Project.find(5), "Project.find() start must be a path"),
    ("Project: a PathLike of bytes", lambda d: Project(_TextPath(os.fsencode(d))),
     "Project project_dir must be a path"),
    ("load_stack: a number", lambda d: Project(d).load_stack(5), "Project.load_stack() path must be an import path"),
    ("generate: an out_dir PathLike of bytes", lambda d: monitoring.generate(Project(d), out_dir=_TextPath(b"out")),
     "generate() out_dir must be a path, not _TextPath"),
    ("test: an out_dir PathLike of bytes", lambda d: monitoring.test(Project(d), out_dir=_TextPath(b"out")),
     "test() out_dir must be a path, not _TextPath"),
    ("generate: check a word", lambda d: monitoring.generate(Project(d), check="no"),
     "generate() check must be True or False, not str"),
    ("generate: check None", lambda d: monitoring.generate(Project(d), check=None),
     "generate() check must be True or False, not NoneType"),
    ("generate: force a number", lambda d: monitoring.generate(Project(d), force=1),
     "generate() force must be True or False, not int"),
    *((f"publish: {name} a word", lambda d, name=name: monitoring.publish(
        _generated(d), PublishRequest(**{name: "no"}), env={}), f"PublishRequest {name} must be True or False, not "
                                                                 "str 'no'")
      for name in ("dry_run", "insecure", "force", "prune")),
    ("publish: concurrency a word", lambda d: monitoring.publish(_generated(d), PublishRequest(concurrency="8"),
                                                                 env={}),
     "PublishRequest concurrency must be a whole number of requests at once (at least 1), not str '8'"),
    ("publish: grafana_url a number", lambda d: monitoring.publish(_generated(d), PublishRequest(grafana_url=5),
                                                                   env={}),
     "PublishRequest grafana_url must be a str or None, not int"),
    ("publish: ca_cert bytes", lambda d: monitoring.publish(_generated(d), PublishRequest(ca_cert=b"ca.pem"), env={}),
     "PublishRequest ca_cert must be a path (a pathlib.Path or a str) or None, not bytes"),
]


@pytest.mark.parametrize(("call", "message"), [case[1:] for case in WRONG_TYPES], ids=[c[0] for c in WRONG_TYPES])
def test_an_argument_of_a_wrong_type_is_a_type_error_naming_it(tmp_path: Path, call: Callable[[Path], object],
                                                                message: str) -> None:
    """The caller's mistake, told before anything is read (publish's before its environment: env={} lacks
    everything) in one line that names the argument."""
    with pytest.raises(TypeError) as caught:
        call(tmp_path)
    assert type(caught.value) is TypeError
    assert str(caught.value).startswith(message) and "\n" not in str(caught.value), str(caught.value)
    assert not (tmp_path / ".monitoring_cache").exists()  # nothing was generated


def test_a_wrong_value_is_shown_cut(tmp_path: Path) -> None:
    """The messages above stay short: a value is shown cut, never whole."""
    with pytest.raises(TypeError) as caught:
        monitoring.publish(_generated(tmp_path), PublishRequest(dry_run="x" * 10_000), env={})
    assert len(str(caught.value)) < 200

