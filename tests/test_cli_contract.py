"""The contract of the library and the command line with their callers, as README.md, docs/ and monitoring.errors
state it: a Project's paths do not move when the stack changes directory; out/ is never a directory generate must
not replace; a reader that closes the pipe is not bad input; no message shows a secret (an address's password, a
value it says it hides, a secret environment variable); every report and request documents its fields."""

from __future__ import annotations

import base64
import dataclasses
import inspect
import os
import pickle
import re
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

import monitoring
from monitoring import cli
from monitoring.cli import main
from monitoring.errors import DefinitionError, ExitStatus, OutputError, ProjectError
from monitoring.project import Project
from monitoring.units import quoted, strip_userinfo

ROOT = Path(__file__).resolve().parents[1]
BROKEN_PIPE = 141  # 128 + SIGPIPE, as a shell reports a command that SIGPIPE ended
PASSWORD = "hunter2SECRET"

STACK = '''
import os
import threading
import time

from monitoring import Alert, Receiver, Route, Routing, RuleGroup, ScrapeJob, Service, Stack, StaticConfig

{prelude}

stack = Stack(
    name="contract",
    services=(Service(name="api", scrape_jobs=(ScrapeJob(name="api", static_configs=(
        StaticConfig(targets=({target!r},)),)),), rule_groups=(RuleGroup(name="api.alerts", rules=(
        Alert(name="ApiDown", severity="critical", for_="5m", expr="up{{job='api'}} < 1",
              summary="API down.", description="The API is down."),)),)),),
    routing=Routing(route=Route(receiver="default"), receivers=(Receiver(name="default"),)),
    alertmanagers=({alertmanager!r},),
)
'''


def make_project(root: Path, *, prelude: str = "", target: str = "api:8080", alertmanager: str = "am:9093",
                 settings: str = "") -> tuple[Path, str]:
    """A project in root whose stack is a package of a name of its own (modules stay imported in this process),
    with the dashboards and alert tests directories; (root, its stack path)."""
    package = f"contract_{uuid.uuid4().hex[:12]}"
    (root / package).mkdir(parents=True)
    (root / package / "__init__.py").write_text("")
    (root / package / "stack.py").write_text(STACK.format(prelude=prelude, target=target,
                                                          alertmanager=alertmanager))
    (root / "dashboards").mkdir()
    (root / "alerts" / "tests").mkdir(parents=True)
    (root / "pyproject.toml").write_text(f'[tool.monitoring]\nstack = "{package}.stack:stack"\n{settings}')
    return root, f"{package}.stack:stack"


def command(cwd: Path, *args: str, unbuffered: bool = False, **kwargs: object) -> subprocess.CompletedProcess[str]:
    """The installed command in a fresh process, its output buffered as it is by default into a pipe (or not:
    PYTHONUNBUFFERED=1, as CI runners often set it, and each line meets the pipe as it is printed)."""
    environ = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    environ["PYTHONPATH"] = str(ROOT)
    if unbuffered:
        environ["PYTHONUNBUFFERED"] = "1"
    return subprocess.run([sys.executable, "-m", "monitoring", *args], cwd=cwd, text=True, check=False,
                          timeout=120, env=environ, **kwargs)  # type: ignore[call-overload]


# --- a relative project directory, and a stack that changes directory ------------------------------------------

CHDIR = 'os.makedirs("elsewhere", exist_ok=True)\nos.chdir("elsewhere")  # while the stack is imported'


def test_a_relative_project_directory_is_absolute_once_made(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                                              ) -> None:
    root, stack = make_project(tmp_path / "project", prelude=CHDIR)
    monkeypatch.chdir(root)
    project = Project(Path("."), stack=stack)
    assert project.project_dir == root and project.out_dir == root / "out"
    report = monitoring.generate(project)
    assert report.out_dir == root / "out" and report.written
    assert (root / "out" / "manifest.json").is_file()
    assert not (root / "elsewhere" / "out").exists() and not (root / "elsewhere" / ".monitoring_cache").exists()


def test_a_relative_output_directory_stays_where_it_was_given(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    """--out (as out_dir) is taken against the working directory the command started in; the message shows it as
    it was given."""
    root, _ = make_project(tmp_path / "project", prelude=CHDIR)
    monkeypatch.chdir(root)
    assert main(["generate", "--out", "build"], project=Project.find(root)) == 0
    assert re.fullmatch(r"wrote [0-9]+ files to build\n", capsys.readouterr().out)
    assert (root / "build" / "manifest.json").is_file()
    assert not (root / "elsewhere" / "build").exists()


# --- out/ where generate must not write -------------------------------------------------------------------------

COLLISIONS = [
    (".monitoring_cache", "is the directory where generate keeps its record of what it read"),
    (".monitoring_cache/out", "is inside the directory where generate keeps its record"),
    (".", "is the project directory"),
    ("..", "holds the project directory"),
    ("dashboards", "is the dashboards directory 'dashboards'"),
    ("alerts", "holds the alert tests directory 'alerts/tests'"),
    ("alerts/tests", "is the alert tests directory 'alerts/tests'"),
    ("STACK", "is the stack's package"),
]


@pytest.mark.parametrize(("out", "problem"), COLLISIONS, ids=[c[0] for c in COLLISIONS])
def test_an_out_generate_must_not_write_is_refused_as_the_project_is_read(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], out: str,
        problem: str) -> None:
    root, stack = make_project(tmp_path / "project")
    out = stack.partition(".")[0] if out == "STACK" else out
    pyproject = root / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + f'out = "{out}"\n')
    with pytest.raises(ProjectError) as caught:
        Project.find(root)
    assert caught.value.field == "out" and caught.value.where == f"{pyproject}:3"
    assert problem in caught.value.problem
    monkeypatch.chdir(root)
    for verb in ("generate", "validate"):
        assert main([verb]) == ExitStatus.BAD_INPUT
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and f"[tool.monitoring] out ({pyproject}:3): out '{out}' {problem}" in err, err
    assert not (root / ".monitoring_cache" / "manifest.json").exists()


def test_an_out_made_in_code_or_given_to_generate_is_refused_too(tmp_path: Path) -> None:
    root, stack = make_project(tmp_path / "project")
    (root / "out").mkdir()
    with pytest.raises(ProjectError, match=r"out '\.monitoring_cache' is the directory where generate keeps") as made:
        Project(root, stack=stack, out=".monitoring_cache")
    assert made.value.field == "out" and "test_cli_contract.py:" in str(made.value.where)
    with pytest.raises(ProjectError, match="out 'out' is the dashboards directory 'out'") as other:
        Project(root, stack=stack, dashboards="out")  # out left at its default: the other setting is blamed
    assert other.value.field == "dashboards"
    with pytest.raises(OutputError, match=r"the output directory '.*/\.monitoring_cache' is the directory where"):
        monitoring.generate(Project(root, stack=stack), out_dir=root / ".monitoring_cache")
    assert not (root / ".monitoring_cache" / "manifest.json").exists()


# --- a reader that closes the pipe -------------------------------------------------------------------------------

def closed_pipe() -> int:
    """The write end of a pipe whose reader has gone, as `| head -1` leaves it once head has read its line."""
    read, write = os.pipe()
    os.close(read)
    return write


def test_the_status_of_a_broken_pipe_is_defined_with_the_others() -> None:
    assert ExitStatus.BROKEN_PIPE == BROKEN_PIPE


THREAD = 'threading.Thread(target=time.sleep, args=(0.3,)).start()  # the exit waits for it: the interpreter exits'


@pytest.mark.parametrize("unbuffered", [False, True], ids=["buffered", "unbuffered"])
@pytest.mark.parametrize(("args", "prelude"), [
    (("--version",), ""),
    (("--help",), ""),  # argparse ignores the broken pipe itself
    (("generate",), ""),
    (("generate", "--force"), THREAD),
    (("validate", "--out", "no-such-dir"), ""),  # the error message is what meets the broken pipe
], ids=["version", "help", "generate", "generate-thread", "error"])
def test_a_reader_that_goes_away_ends_the_command_quietly(tmp_path: Path, args: tuple[str, ...], prelude: str,
                                                         unbuffered: bool) -> None:
    """Buffered, what was printed meets the broken pipe as the command exits; unbuffered, as it is printed."""
    root, _ = make_project(tmp_path / "project", prelude=prelude)
    stream = "stderr" if args[0] == "validate" else "stdout"
    write = closed_pipe()
    try:
        done = command(root, *args, unbuffered=unbuffered, **{stream: write},
                       **{"stdout" if stream == "stderr" else "stderr": subprocess.PIPE})
    finally:
        os.close(write)
    shown = done.stdout if stream == "stderr" else done.stderr
    assert done.returncode == BROKEN_PIPE, shown
    assert shown == "", shown  # not "Broken pipe", not "Exception ignored ... BrokenPipeError"


# --- secrets in messages ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("text", [f"admin:{PASSWORD}@am:9093", f"scraper:{PASSWORD}@api:8080",
                                  f"https://admin:{PASSWORD}@grafana.example.com/x", f"a:{PASSWORD}@[::1]:80",
                                  f"admin:p@ss{PASSWORD}@am:9093"])
def test_an_address_is_shown_without_its_password(text: str) -> None:
    for shown in (strip_userinfo(text), quoted(text), quoted((text,)), quoted("x" * 50 + text)):
        assert PASSWORD not in shown and "***@" in shown, shown


@pytest.mark.parametrize("text", ["alerts@example.com", "sum(job:rate5m@1700000000)", "am:9093"])
def test_what_is_no_address_with_a_password_is_shown_as_it_is(text: str) -> None:
    assert strip_userinfo(text) == text


@pytest.mark.parametrize(("where", "field"), [("alertmanager", "alertmanagers[0]"),
                                              ("target", "static_configs[0].targets[0]")])
def test_a_definition_error_shows_no_password(tmp_path: Path, capsys: pytest.CaptureFixture[str], where: str,
                                              field: str) -> None:
    address = f"admin:{PASSWORD}@am:9093"
    root, _ = make_project(tmp_path / "project", **{where: address})  # type: ignore[arg-type]
    assert main(["generate"], project=Project.find(root)) == ExitStatus.BAD_INPUT
    err = capsys.readouterr().err
    assert f"{field}: '***@am:9093' must be host:port" in err and PASSWORD not in err, err


def test_an_error_does_not_hold_what_its_message_hides() -> None:
    secret = f"https://hooks.slack.com/services/T0/B0/{PASSWORD}"
    with pytest.raises(DefinitionError, match=r"\(the value is not shown\)") as caught:
        monitoring.Slack(api_url_file=secret, channel="#a")
    assert caught.value.value == "<not shown>" and PASSWORD not in repr(vars(caught.value))
    assert caught.value.__context__ is None and caught.value.__cause__ is None  # not pydantic's error, which holds it
    assert PASSWORD.encode() not in pickle.dumps(caught.value)
    assert pickle.loads(pickle.dumps(caught.value)).value == "<not shown>"
    masked = DefinitionError(f"target {quoted(f'admin:{PASSWORD}@am:9093')} is wrong", field="target",
                             value=f"admin:{PASSWORD}@am:9093")
    assert masked.value == "***@am:9093" and PASSWORD not in str(masked)


@pytest.mark.parametrize("variable", ["GRAFANA_TOKEN", "GRAFANA_PASSWORD", "PROMETHEUS_TOKEN",
                                      "PROMETHEUS_TOKEN_FILE"])
def test_the_command_never_prints_a_secret_variables_value(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                           capsys: pytest.CaptureFixture[str], variable: str) -> None:
    """The stack's own exception quotes the secret (and its base64): the one line the command prints does not."""
    secret = "glsa_" + PASSWORD + "0123456789"
    if variable.endswith("_FILE"):
        (tmp_path / "token").write_text(secret + "\n")
        monkeypatch.setenv(variable, str(tmp_path / "token"))
    else:
        monkeypatch.setenv(variable, secret)
    prelude = (f"import base64\nSECRET = {secret!r}\nBASIC = base64.b64encode(('admin:' + SECRET).encode()).decode()\n"
               "raise RuntimeError('cannot reach Grafana with ' + SECRET + ' (' + BASIC + ')')")
    root, _ = make_project(tmp_path / "project", prelude=prelude)
    assert main(["generate"], project=Project.find(root)) == ExitStatus.BAD_INPUT
    err = capsys.readouterr().err
    assert "RuntimeError: cannot reach Grafana with *** (" in err and err.count("\n") == 1, err
    assert PASSWORD not in err and base64.b64encode(f"admin:{secret}".encode()).decode() not in err, err


def test_every_secret_variable_the_tool_reads_is_one_the_command_hides() -> None:
    """A variable named for a token or password that the package reads is in the command's lists."""
    read = set()
    for path in (ROOT / "monitoring").rglob("*.py"):
        read |= set(re.findall(r"""["']([A-Z][A-Z0-9_]*(?:TOKEN|PASSWORD|SECRET)[A-Z0-9_]*)["']""",
                               path.read_text(encoding="utf-8")))
    assert read and read <= {*cli.SECRET_VARIABLES, *cli.SECRET_FILE_VARIABLES}, read


# --- reports and requests document their fields ---------------------------------------------------------------

REPORTS = sorted(name for name in monitoring.__all__
                 if name.endswith(("Report", "Request", "Result")) and inspect.isclass(getattr(monitoring, name)))


def undocumented(cls: type) -> list[str]:
    """The fields and public properties of cls not named (`name`) in its docstring, and its properties without a
    docstring of their own (what help() shows for them)."""
    doc = cls.__dict__.get("__doc__") or ""
    names = [f.name for f in dataclasses.fields(cls)] if dataclasses.is_dataclass(cls) else []
    properties = [name for name, value in vars(cls).items() if isinstance(value, property)
                  and not name.startswith("_")]
    missing = [name for name in [*names, *properties] if f"`{name}`" not in doc]
    return missing + [f"{name} (no docstring)" for name in properties if not (vars(cls)[name].__doc__ or "").strip()]


@pytest.mark.parametrize("name", REPORTS)
def test_every_report_and_request_documents_its_fields(name: str) -> None:
    assert undocumented(getattr(monitoring, name)) == []


def test_the_reports_and_requests_are_all_checked() -> None:
    assert {"GenerateReport", "ValidateReport", "PublishReport", "PublishRequest", "AlertTestReport",
            "CheckResult", "CapacityReport"} <= set(REPORTS)
