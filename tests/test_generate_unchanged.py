"""`generate` with nothing changed answers from what the last generation read, without importing the stack; any
change to what it read (the stack module, a module it imports, a data file, an environment variable, out/
itself) makes it generate for real. Each run is a fresh process, as a user's is."""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from monitoring import inputs
from monitoring.output.manifest import signature

STACK = '''
import contextlib
import os
from collections.abc import Callable
from pathlib import Path

from monitoring import Alert, Receiver, Route, Routing, RuleGroup, Service, Stack
from shortcut.helper import FOR

HERE = Path(__file__).parent
with open(HERE.parents[1] / "imports.log", "a") as log:  # outside the project: counts the imports
    log.write("imported\\n")
threshold = (HERE / "threshold.txt").read_text().strip()
severity = os.environ.get("SHORTCUT_SEVERITY", "critical")

stack = Stack(
    name="shortcut",
    services=(Service(name="api", rule_groups=(RuleGroup(name="api.alerts", rules=(
        Alert(name="ApiDown", severity=severity, for_=FOR, expr=f"up{{job='api'}} < {threshold}",
              summary="API down.", description="The API is down."),)),)),),
    routing=Routing(route=Route(receiver="default"), receivers=(Receiver(name="default"),)),
)
'''


_last_write = [0]  # time.monotonic_ns() of the last `write`


def write(path: Path, text: str) -> None:
    """Write path dated a minute ago: a file modified while (or just before) a generation runs could have
    changed under it, so such a generation is not recorded; these tests change files between runs. Its change
    time cannot be set back: `generate` waits until that too is far enough in the past."""
    path.write_text(text)
    earlier = path.stat().st_mtime_ns - 60_000_000_000
    os.utime(path, ns=(earlier, earlier))
    _last_write[0] = time.monotonic_ns()


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    package = root / "shortcut"
    package.mkdir(parents=True)
    write(root / "pyproject.toml", '[tool.monitoring]\nstack = "shortcut.stack:stack"\n')
    write(package / "__init__.py", "")
    write(package / "stack.py", STACK)
    write(package / "helper.py", 'FOR = "5m"\n')
    write(package / "threshold.txt", "1\n")
    return root


def settled() -> None:
    """Wait until twice the racy window has passed since the last `write`: a generation that starts that close
    to a change of what it reads is not recorded, which a test that expects a record would take for a failure."""
    wait_ns = _last_write[0] + 2 * inputs._RACY_NS - time.monotonic_ns()
    if wait_ns > 0:
        time.sleep(wait_ns / 1e9)


def generate(project: Path, *args: str, env: dict[str, str] | None = None,
             python: tuple[str, ...] = (), stderr_allowed: bool = False) -> tuple[int, str]:
    """Run `monitoring generate` in a fresh process (`python`: options of the interpreter): (exit status,
    stdout), once `settled`; exit status 2 (bad input) only when `stderr_allowed`."""
    settled()
    environ = {k: v for k, v in os.environ.items() if k != "SHORTCUT_SEVERITY"}
    proc = subprocess.run([sys.executable, *python, "-m", "monitoring", "generate", *args], cwd=project,
                          capture_output=True, text=True, check=False, env={**environ, **(env or {})})
    assert proc.returncode in (0, 1, 2) and "Traceback" not in proc.stderr, proc.stderr
    assert proc.returncode != 2 or stderr_allowed, proc.stderr
    return proc.returncode, proc.stdout


def imports(project: Path) -> int:
    log = project.parent / "imports.log"
    return len(log.read_text().splitlines()) if log.exists() else 0


def rules(project: Path) -> str:
    return (project / "out/prometheus/rules/api.rules.yml").read_text()


def test_a_second_run_with_nothing_changed_does_not_import_the_stack(project: Path) -> None:
    assert generate(project)[1].startswith("wrote ")
    assert imports(project) == 1
    code, said = generate(project)
    assert (code, imports(project)) == (0, 1)
    assert "is up to date: nothing written" in said
    assert (project / ".monitoring_cache/.gitignore").read_text().splitlines()[-1] == "*"


@pytest.mark.parametrize(("change", "expected"), [
    (lambda p: write(p / "shortcut/stack.py", STACK.replace("API down.", "The API is down.")),
     "summary: The API is down."),
    (lambda p: write(p / "shortcut/helper.py", 'FOR = "10m"\n'), "for: 10m"),
    (lambda p: write(p / "shortcut/threshold.txt", "3\n"), "< 3"),
])
def test_a_changed_module_import_or_data_file_generates_again(project: Path, change, expected: str) -> None:
    generate(project)
    generate(project)
    assert imports(project) == 1
    change(project)
    assert generate(project)[1].startswith("wrote ")
    assert imports(project) == 2
    assert expected in rules(project)
    generate(project)
    assert imports(project) == 2  # and the new state is recorded in turn


def test_an_environment_variable_the_stack_read_generates_again(project: Path) -> None:
    generate(project)
    generate(project, env={"UNRELATED_VARIABLE": "x"})
    assert imports(project) == 1  # one the stack never read changes nothing
    assert generate(project, env={"SHORTCUT_SEVERITY": "warning"})[1].startswith("wrote ")
    assert imports(project) == 2
    assert "severity: warning" in rules(project)
    generate(project, env={"SHORTCUT_SEVERITY": "warning"})
    assert imports(project) == 2
    assert generate(project)[1].startswith("wrote ")  # unset again: back to critical
    assert "severity: critical" in rules(project)


def test_an_edited_out_file_is_generated_again_and_check_sees_it(project: Path) -> None:
    generate(project)
    path = project / "out/prometheus/rules/api.rules.yml"
    original = path.read_text()
    path.write_text(original.replace("ApiDown", "ApiGone"))  # same size: the signature still differs
    code, said = generate(project, "--check")
    assert code == 1 and "changed prometheus/rules/api.rules.yml" in said
    assert generate(project)[1].startswith("wrote ")
    assert path.read_text() == original
    (project / "out/prometheus/rules/extra.yml").write_text("groups: []\n")
    assert generate(project)[1].startswith("wrote ")
    assert not (project / "out/prometheus/rules/extra.yml").exists()


def test_check_and_force_always_import_the_stack(project: Path) -> None:
    generate(project)
    assert generate(project, "--check") == (0, f"{project / 'out'} is up to date\n")
    assert imports(project) == 2
    assert "nothing written" in generate(project, "--force")[1]
    assert imports(project) == 3


def test_a_new_module_beside_the_stack_generates_again(project: Path) -> None:
    """A module the stack tried to import and did not find could exist now: the directory listing says so."""
    generate(project)
    write(project / "shortcut/extra.py", "")
    generate(project)
    assert imports(project) == 2


def test_a_process_that_imported_the_stack_renders_what_it_holds(project: Path) -> None:
    """In a process that imported the stack already, the object may differ from the files (a test's
    monkeypatch): generate renders it, and records nothing."""
    import monitoring
    from monitoring.project import Project

    generate(project)
    cache = sorted((project / ".monitoring_cache").glob("generate-*.json"))
    recorded = cache[0].read_text()
    sys.path.insert(0, str(project))
    try:
        import shortcut.stack as module

        changed = module.stack.model_copy(update={"external_labels": {"cluster": "elsewhere"}})
        module.stack = changed
        report = monitoring.generate(Project.find(project))
    finally:
        sys.path.remove(str(project))
        for name in [m for m in sys.modules if m == "shortcut" or m.startswith("shortcut.")]:
            del sys.modules[name]
    assert report.written
    assert "cluster: elsewhere" in (project / "out/prometheus/prometheus.yml").read_text()
    assert type(os.environ) is os._Environ  # the recording wrapper is gone
    assert not cache[0].exists() or cache[0].read_text() == recorded  # nothing recorded from this process
    assert generate(project)[1].startswith("wrote ")  # out/ is not what the files make: a real run again


def console_script(project: Path, cwd: Path) -> str:
    """`monitoring generate` as the installed command runs it (its sys.path does not hold the working directory,
    as `python -m` would): stdout."""
    settled()
    command = Path(sys.executable).with_name("monitoring")
    proc = subprocess.run([str(command), "generate"], cwd=cwd, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def generated_twice(project: Path, reading: str, directory: str, file: str) -> None:
    """The stack with `reading` (see stack_with), a directory of the project holding one empty file, and two
    generations: the first one records, the second is answered from the record."""
    (project / directory).mkdir()
    write(project / directory / file, "")
    stack_with(project, reading)
    generate(project)
    generate(project)
    assert imports(project) == 1


def stack_with(project: Path, reading: str) -> None:
    """The stack, with its threshold read by `reading` (Python lines that set `threshold`)."""
    body = STACK.replace('threshold = (HERE / "threshold.txt").read_text().strip()\n', reading)
    assert body != STACK
    write(project / "shortcut/stack.py", body)


@pytest.mark.parametrize("reading", [
    # a fallback when the file cannot be opened
    'try:\n    threshold = (HERE.parent / "data/override.txt").read_text().strip()\n'
    'except FileNotFoundError:\n    threshold = "1"\n',
    # a fallback when the file does not exist (os.stat underneath)
    'OVERRIDE = HERE.parent / "data/override.txt"\n'
    'threshold = OVERRIDE.read_text().strip() if OVERRIDE.exists() else "1"\n',
    'OVERRIDE = os.path.join(HERE.parent, "data", "override.txt")\n'
    'threshold = open(OVERRIDE).read().strip() if os.path.isfile(OVERRIDE) else "1"\n',
])
def test_a_file_the_stack_found_missing_generates_again_once_it_exists(project: Path, reading: str) -> None:
    """The directory exists and was never listed: only the path asked about tells that its absence mattered."""
    generated_twice(project, reading, "data", "other.txt")
    write(project / "data/override.txt", "7\n")
    assert generate(project)[1].startswith("wrote ")
    assert "< 7" in rules(project)


def test_a_path_relative_to_the_working_directory_generates_again_from_another(project: Path) -> None:
    stack_with(project, 'threshold = Path("threshold.txt").read_text().strip()\n')
    write(project / "threshold.txt", "1\n")
    (project / "sub").mkdir()
    write(project / "sub/threshold.txt", "3\n")
    console_script(project, project)
    assert console_script(project, project).endswith("nothing written (5 files)\n")
    assert console_script(project, project / "sub").startswith("wrote ")
    assert "< 3" in rules(project)


def test_a_file_outside_the_project_changed_with_its_size_and_time_kept_generates_again(project: Path) -> None:
    """Outside the project files are compared by their stat: a copy that keeps size and modification time
    (cp -p, rsync -t, tar) still changes the change time."""
    shared = project.parent / "shared-threshold.txt"
    write(shared, "1\n")
    stack_with(project, f'threshold = Path({str(shared)!r}).read_text().strip()\n')
    generate(project)
    generate(project)
    assert imports(project) == 1
    before = shared.stat()
    shared.write_text("7\n")
    os.utime(shared, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert generate(project)[1].startswith("wrote ")
    assert "< 7" in rules(project)


@pytest.mark.parametrize("reading", [
    'threshold = os.environb.get(b"SHORTCUT_THRESHOLD", b"1").decode()\n',
    'threshold = os.getenvb(b"SHORTCUT_THRESHOLD", b"1").decode()\n',
    'threshold = os.path.expandvars(b"${SHORTCUT_THRESHOLD}").decode().replace("$" "{SHORTCUT_THRESHOLD}", "1")\n',
    'try:\n    threshold = os.environ["SHORTCUT_THRESHOLD"]\nexcept KeyError:\n    threshold = "1"\n',
    'threshold = "7" if "SHORTCUT_THRESHOLD" in os.environ else "1"\n',
    'threshold = os.getenv("SHORTCUT_THRESHOLD", "1")\n',
    'threshold = dict(os.environ).get("SHORTCUT_THRESHOLD", "1")\n',
    'threshold = os.environ.copy().get("SHORTCUT_THRESHOLD", "1")\n',
    'threshold = {**os.environ}.get("SHORTCUT_THRESHOLD", "1")\n',
    'threshold = next((v for k, v in os.environ.items() if k == "SHORTCUT_THRESHOLD"), "1")\n',
])
def test_an_environment_variable_read_any_way_generates_again(project: Path, reading: str) -> None:
    stack_with(project, reading)
    generate(project)
    generate(project)
    assert imports(project) == 1
    assert generate(project, env={"SHORTCUT_THRESHOLD": "7"})[1].startswith("wrote ")
    assert "< 7" in rules(project)


def test_a_stack_that_runs_a_program_is_never_answered_from_the_record(project: Path) -> None:
    """What another program printed cannot be recorded: each run generates."""
    shared = project.parent / "shared-threshold.txt"
    write(shared, "1\n")
    stack_with(project, "import subprocess\n"
                        f"threshold = subprocess.run(['cat', {str(shared)!r}], capture_output=True,"
                        " text=True, check=True).stdout.strip()\n")
    generate(project)
    write(shared, "7\n")
    generate(project)
    assert imports(project) == 2
    assert "< 7" in rules(project)


def record_file(project: Path) -> Path:
    (found,) = (project / ".monitoring_cache").glob("generate-*.json")
    return found


@pytest.mark.parametrize("damage", [
    lambda data: [data],
    lambda data: {k: v for k, v in data.items() if k != "key"},
    lambda data: {**data, "paths": []},
    lambda data: {**data, "paths": {p: 5 for p in data["paths"]}},
    lambda data: {**data, "dirs": None},
    lambda data: {**data, "out": "out"},
    lambda data: {**data, "out": {p: "abcd" for p in data["out"]}},
    lambda data: {**data, "warnings": 5},
    lambda data: {**data, "env": 5},
    lambda data: {**data, "stamped_ns": "now"},
    lambda data: {**data, "files_count": "5"},
    lambda data: {**data, "files_count": True},
    # a hash for a file outside the project, a device that never ends: neither is read
    lambda data: {**data, "paths": {**data["paths"], "/dev/zero": "sha256:0"}},
])
def test_a_damaged_record_is_no_record(project: Path, damage) -> None:
    """Whatever the record holds, generate neither fails nor trusts it: it generates, correctly."""
    import json

    generate(project)
    target = record_file(project)
    target.write_text(json.dumps(damage(json.loads(target.read_text()))))
    write(project / "shortcut/threshold.txt", "7\n")
    assert generate(project)[0] == 0
    assert imports(project) == 2
    assert "< 7" in rules(project)


def test_a_record_that_is_not_json_or_is_huge_is_no_record(project: Path) -> None:
    generate(project)
    target = record_file(project)
    target.write_bytes(b"\xff\xfe{")
    assert generate(project)[0] == 0
    assert imports(project) == 2
    with target.open("r+b") as file:  # sparse: 65 MiB on paper, nothing on disk
        file.truncate(65 * 1024 * 1024)
    assert generate(project)[0] == 0
    assert imports(project) == 3


def test_the_record_is_never_read_or_written_through_a_symbolic_link(project: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    generate(project)
    cache = project / ".monitoring_cache"
    for path in cache.iterdir():  # the record moves out; the cache directory becomes a link to it
        path.rename(elsewhere / path.name)
    cache.rmdir()
    cache.symlink_to(elsewhere)
    kept = {p.name: p.read_bytes() for p in elsewhere.iterdir()}
    generate(project)
    generate(project)
    assert imports(project) == 3  # not read through the link
    assert {p.name: p.read_bytes() for p in elsewhere.iterdir()} == kept  # nor written, nor deleted
    cache.unlink()
    cache.mkdir()
    (cache / ".gitignore").symlink_to(elsewhere / "planted")  # a dangling link: writing would create its target
    generate(project)
    assert not (elsewhere / "planted").exists()
    target = record_file(project)
    target.rename(elsewhere / "record.json")  # a valid record, reached through a link
    target.symlink_to(elsewhere / "record.json")
    planted = (elsewhere / "record.json").read_bytes()
    generate(project)
    assert imports(project) == 5  # not read through the link
    assert (elsewhere / "record.json").read_bytes() == planted


def test_a_database_the_stack_reads_generates_again_when_it_changes(project: Path) -> None:
    """sqlite opens its file itself, not through Python's open."""
    import sqlite3

    database = project / "shortcut/settings.db"
    with contextlib.closing(sqlite3.connect(database)) as db, db:
        db.execute("create table settings (threshold text)")
        db.execute("insert into settings values ('1')")
    os.utime(database, ns=(1, 1))
    stack_with(project, "import sqlite3\n"
                        "with sqlite3.connect(HERE / 'settings.db') as db:\n"
                        "    threshold = db.execute('select threshold from settings').fetchone()[0]\n")
    generate(project)
    generate(project)
    assert imports(project) == 1
    with contextlib.closing(sqlite3.connect(database)) as db, db:
        db.execute("update settings set threshold = '7'")
    assert generate(project)[1].startswith("wrote ")
    assert "< 7" in rules(project)


def test_a_link_left_in_out_is_generated_away(project: Path, tmp_path: Path) -> None:
    """A symbolic link to a directory in out/ (never written by generate; validate refuses it) is a difference,
    as it is to `generate` without the shortcut and to `validate`."""
    generate(project)
    (tmp_path / "elsewhere").mkdir()
    (project / "out/prometheus/rules/linked").symlink_to(tmp_path / "elsewhere")
    assert generate(project)[1].startswith("wrote ")
    assert not os.path.lexists(project / "out/prometheus/rules/linked")
    proc = subprocess.run([sys.executable, "-m", "monitoring", "validate"], cwd=project, capture_output=True,
                          text=True, check=False)
    assert proc.returncode == 0, proc.stderr


def test_a_file_added_while_generate_runs_is_not_taken_as_seen(project: Path) -> None:
    """A generation that listed a directory before a file was saved into it did not read that file: it is not
    recorded as if it had (the stack saves the file itself here, as an editor would meanwhile)."""
    (project / "services").mkdir()
    write(project / "services/a.txt", "")
    stack_with(project, 'SERVICES = HERE.parent / "services"\n'
                        "names = sorted(os.listdir(SERVICES))\n"
                        "threshold = str(len(names))\n"
                        'if "late.txt" not in names:\n'
                        '    open(SERVICES / "late.txt", "a").close()\n')
    generate(project)
    assert "< 1" in rules(project)
    generate(project)
    assert "< 2" in rules(project)
    generate(project)
    assert imports(project) == 2  # recorded once nothing changed under it


DASHBOARD = '''
from grafanalib.core import Dashboard
dashboard = Dashboard(title="Hand written", uid="hand-written")
'''


def test_a_dashboard_added_or_removed_generates_again(project: Path) -> None:
    """dashboards/ need not exist: its listing is recorded either way."""
    generate(project)
    generate(project)
    (project / "dashboards").mkdir()
    write(project / "dashboards/hand.dashboard.py", DASHBOARD)
    assert generate(project)[1].startswith("wrote ")
    assert list((project / "out").rglob("hand-written*.json"))
    generate(project)
    assert imports(project) == 2
    (project / "dashboards/hand.dashboard.py").unlink()
    assert generate(project)[1].startswith("wrote ")
    assert not list((project / "out").rglob("hand-written*.json"))


def test_a_setting_edited_in_pyproject_generates_again(project: Path) -> None:
    generate(project)
    write(project / "pyproject.toml",
          '[tool.monitoring]\nstack = "shortcut.stack:stack"\nregenerate = "make monitoring"\n')
    assert generate(project)[1].startswith("wrote ")
    assert "make monitoring" in rules(project)


def test_a_file_name_that_is_not_utf8_beside_the_stack_is_listed_like_any(project: Path) -> None:
    """The import system lists the stack's directory; a stray latin-1 name there is part of its listing."""
    open(os.path.join(os.fsencode(project / "shortcut"), b"caf\xe9.txt"), "w").close()
    assert generate(project)[1].startswith("wrote ")
    generate(project)
    assert imports(project) == 1
    open(os.path.join(os.fsencode(project / "shortcut"), b"na\xefve.py"), "w").close()
    generate(project)
    assert imports(project) == 2


@pytest.mark.parametrize("reading", [
    'threshold = str(sum(len(files) for _, _, files, _ in os.fwalk(HERE.parent / "services")))\n',
    'import glob\n'
    'fd = os.open(HERE.parent / "services", os.O_RDONLY)\n'
    'threshold = str(len(glob.glob("*.txt", dir_fd=fd)))\n',
])
def test_a_directory_listed_through_a_descriptor_generates_again_when_it_changes(project: Path, reading: str) -> None:
    generated_twice(project, reading, "services", "a.txt")
    assert "< 1" in rules(project)
    write(project / "services/b.txt", "")
    generate(project)
    assert "< 2" in rules(project)


def test_a_manifest_edited_by_hand_is_generated_again_and_check_sees_it(project: Path) -> None:
    """The same files and hashes are not the same manifest: an origin or the stack edited in it is a change."""
    import json

    generate(project)
    path = project / "out/manifest.json"
    original = path.read_text()
    data = json.loads(original)
    data["files"][next(iter(data["files"]))]["origin"] = "service 'elsewhere'"
    path.write_text(json.dumps(data))
    code, said = generate(project, "--check")
    assert code == 1 and "changed manifest.json" in said
    assert generate(project)[1].startswith("wrote ")
    assert path.read_text() == original



def test_another_locale_encoding_generates_again(project: Path) -> None:
    """open() without an encoding decodes by the locale, which Python takes from LC_ALL and PYTHONUTF8 at
    start-up, never through os.environ."""
    write(project / "shortcut/threshold.txt", "\u00e91")
    stack_with(project, 'threshold = str(len((HERE / "threshold.txt").read_text(errors="ignore")))\n')
    generate(project, env={"PYTHONUTF8": "1"})  # UTF-8: two characters
    assert "< 2" in rules(project)
    ascii_locale = {"LC_ALL": "C", "PYTHONCOERCECLOCALE": "0", "PYTHONUTF8": "0"}
    assert generate(project, env=ascii_locale)[1].startswith("wrote ")
    assert "< 1" in rules(project)  # ASCII: the two bytes of é ignored


def test_a_record_left_half_written_by_a_killed_run_is_removed(project: Path) -> None:
    generate(project)
    target = record_file(project)
    left = target.with_name(f".{target.name}.99999999")
    left.write_text("{")
    write(project / "shortcut/threshold.txt", "3\n")
    generate(project)
    assert not left.exists()
    assert sorted(p.name for p in target.parent.iterdir()) == [".gitignore", target.name]


def test_a_variable_the_stack_sets_itself_does_not_defeat_the_shortcut(project: Path) -> None:
    """Compared as the next run finds it (unset), not as the stack left it."""
    stack_with(project, 'os.environ.setdefault("SHORTCUT_THRESHOLD", "4")\n'
                        'threshold = os.environ["SHORTCUT_THRESHOLD"]\n')
    generate(project)
    assert generate(project)[1].endswith("nothing written (5 files)\n")
    assert imports(project) == 1
    assert generate(project, env={"SHORTCUT_THRESHOLD": "7"})[1].startswith("wrote ")
    assert "< 7" in rules(project)


def test_a_project_whose_path_is_not_utf8_keeps_its_record(project: Path) -> None:
    """The record is named after out/'s path, which need not be UTF-8 (a latin-1 directory name)."""
    moved = Path(os.fsdecode(os.path.join(os.fsencode(project.parent), b"caf\xe9")))
    project.rename(moved)
    for _ in range(2):
        proc = subprocess.run([sys.executable, "-m", "monitoring", "generate"], cwd=moved, capture_output=True,
                              check=False)
        assert proc.returncode == 0, proc.stderr.decode(errors="replace")
    assert imports(moved) == 1


def test_a_file_deleted_from_out_or_out_removed_is_generated_again(project: Path) -> None:
    generate(project)
    original = rules(project)
    (project / "out/prometheus/rules/api.rules.yml").unlink()
    assert generate(project)[1].startswith("wrote ")
    assert rules(project) == original
    shutil.rmtree(project / "out")
    assert generate(project)[1].startswith("wrote ")
    assert rules(project) == original
    assert imports(project) == 3  # out/ is not as recorded: each run renders


def test_a_module_outside_the_project_or_linked_into_it_generates_again(project: Path, tmp_path: Path) -> None:
    """A package on PYTHONPATH outside the project (as an editable install of a shared library) and a module
    of the project that is a symbolic link to a file elsewhere: an edit to either generates again."""
    library = tmp_path / "library/sharedlib"
    library.mkdir(parents=True)
    write(library / "__init__.py", 'THRESHOLD = "1"\n')
    linked = tmp_path / "linked_helper.py"
    write(linked, 'FOR = "5m"\n')
    (project / "shortcut/helper.py").unlink()
    (project / "shortcut/helper.py").symlink_to(linked)
    stack_with(project, "from sharedlib import THRESHOLD as threshold\n")
    env = {"PYTHONPATH": str(library.parent)}
    generate(project, env=env)
    generate(project, env=env)
    assert imports(project) == 1
    write(library / "__init__.py", 'THRESHOLD = "17"\n')
    generate(project, env=env)
    assert "< 17" in rules(project)
    write(linked, 'FOR = "15m"\n')
    generate(project, env=env)
    assert "for: 15m" in rules(project)
    generate(project, env=env)
    assert imports(project) == 3


def test_without_a_manifest_in_out_the_record_is_not_even_read(project: Path, monkeypatch) -> None:
    """A first run (out/ removed, the record kept) answers at once: the record can be megabytes."""
    generate(project)
    assert record_file(project).exists()
    shutil.rmtree(project / "out")
    monkeypatch.setattr(inputs, "_read_record", lambda *args: pytest.fail("the record was read"))
    assert inputs.unchanged(project, project / "out", {}) is None
    monkeypatch.undo()
    assert generate(project)[1].startswith("wrote ")
    assert imports(project) == 2


def test_python_run_with_optimisations_generates_again(project: Path) -> None:
    """`python -O` drops assert statements and makes __debug__ false: the same files can define another stack."""
    stack_with(project, 'threshold = "1" if __debug__ else "2"\n')
    generate(project)
    generate(project)
    assert imports(project) == 1
    assert generate(project, python=("-O",))[1].startswith("wrote ")
    assert "< 2" in rules(project)
    generate(project, python=("-O",))
    assert imports(project) == 2


def test_python_run_with_warnings_as_errors_generates_again(project: Path) -> None:
    """-W error (or PYTHONWARNINGS, which Python reads at start-up) makes a warning the stack gives an error."""
    stack_with(project, 'import warnings\nwarnings.warn("threshold.txt is deprecated")\nthreshold = "1"\n')
    generate(project)
    generate(project)
    assert imports(project) == 1
    code, _ = generate(project, python=("-W", "error::UserWarning"), stderr_allowed=True)
    assert (code, imports(project)) == (2, 2)


@pytest.mark.parametrize("reading", [
    # os.open relative to a directory's descriptor, as os.fwalk's users do
    'folder = os.open(HERE, os.O_RDONLY)\n'
    'with open(os.open("threshold.txt", os.O_RDONLY, dir_fd=folder)) as file:\n'
    '    threshold = file.read().strip()\n'
    'os.close(folder)\n',
    # opened to read and update: read all the same
    'with open(HERE / "threshold.txt", "r+") as file:\n    threshold = file.read().strip()\n',
    'with open(os.open(HERE / "threshold.txt", os.O_RDWR)) as file:\n    threshold = file.read().strip()\n',
], ids=["dir_fd", "r+", "O_RDWR"])
def test_a_data_file_read_through_a_directory_descriptor_or_opened_to_update_generates_again(
        project: Path, reading: str) -> None:
    stack_with(project, reading)
    generate(project)
    generate(project)
    assert imports(project) == 1
    write(project / "shortcut/threshold.txt", "7\n")
    assert generate(project)[1].startswith("wrote ")
    assert "< 7" in rules(project)


def test_the_working_directory_counts_only_for_a_stack_that_asks_for_it(project: Path) -> None:
    """From another directory, a stack that never asks for the working directory is answered from the record;
    one that does (Path.cwd(), os.path.abspath of a relative path) generates again."""
    (project / "sub").mkdir()
    console_script(project, project)
    write(project / "shortcut/threshold.txt", "3\n")
    assert console_script(project, project).startswith("wrote ")  # one that replaces out/, deleting the old
    assert console_script(project, project / "sub").endswith("nothing written (5 files)\n")
    assert imports(project) == 2
    stack_with(project, 'threshold = str(len(Path.cwd().name))\n')
    console_script(project, project)
    assert "< 7" in rules(project)  # "project"
    assert console_script(project, project).endswith("nothing written (5 files)\n")
    assert console_script(project, project / "sub").startswith("wrote ")
    assert "< 3" in rules(project)  # "sub"
    stack_with(project, 'threshold = str(len(os.path.abspath("x")))\n')
    console_script(project, project)
    console_script(project, project)
    assert console_script(project, project / "sub").startswith("wrote ")


@pytest.fixture
def coarse_project(project: Path, tmp_path: Path):
    """The project on a file system that keeps file times in whole seconds (ext2 with 128-byte inodes, loop
    mounted): a change within the second of the last one keeps every time of the file."""
    image, mounted = tmp_path / "coarse.img", tmp_path / "coarse"
    mounted.mkdir()
    with open(image, "wb") as file:
        file.truncate(16 << 20)
    made = subprocess.run(["mkfs.ext2", "-q", "-F", "-I", "128", str(image)], capture_output=True, text=True,
                          check=False)
    mount = subprocess.run(["mount", "-o", "loop", str(image), str(mounted)], capture_output=True, text=True,
                           check=False) if made.returncode == 0 else made
    if mount.returncode != 0:
        pytest.skip(f"no file system with times in whole seconds here: {mount.stderr.strip()}")
    try:
        shutil.copytree(project, mounted / "project", symlinks=True)
        yield mounted / "project"
    finally:
        subprocess.run(["umount", str(mounted)], check=False)


# A change within the same whole second as the last keeps every time of a file on such a file system. Rather than
# racing the clock for it (a busy machine rarely fits a generation in the rest of a second), the tests below give
# the time a generation started, or stamped its record, explicitly: 1.5 s after the file's last change is within
# the window a whole-second file system needs, 2.5 s is past it.
_WITHIN = 1_500_000_000
_PAST = 2_500_000_000


def test_out_edited_within_the_second_generate_wrote_it_is_generated_again(coarse_project: Path) -> None:
    """Same size, same times in whole seconds, same inode: only its content tells, so a file of out/ that may
    have changed in the second its signature was kept is hashed."""
    path = coarse_project / "out/prometheus/rules/api.rules.yml"
    assert generate(coarse_project)[1].startswith("wrote ")
    out = coarse_project / "out"
    manifest = hashlib.sha256((out / "manifest.json").read_bytes()).hexdigest()
    path.write_text(path.read_text().replace("ApiDown", "ApiGone"))  # same size
    # Signatures as the edit found them: as if it had kept every time of the file.
    now = {file.relative_to(out).as_posix(): list(signature(os.lstat(file)))
           for file in out.rglob("*") if file.is_file()}
    edited = os.lstat(path).st_ctime_ns
    assert edited % 1_000_000_000 == 0, "the file system keeps finer times"
    assert not inputs._out_as_left(out, now, edited + _WITHIN, manifest)
    assert inputs._out_as_left(out, now, edited + _PAST, manifest)  # trusted: the window matters
    settled()
    assert generate(coarse_project)[1].startswith("wrote ")  # whatever the clock did, the edit is seen
    assert "ApiDown" in rules(coarse_project)


def test_a_file_changed_within_the_second_it_was_read_is_not_recorded(coarse_project: Path) -> None:
    """A data file outside the project (compared by its times) written just before a generation started may
    change in the same second after it, keeping its times: that generation is not recorded."""
    shared = coarse_project.parent / "shared-threshold.txt"
    shared.write_text("1\n")
    written = shared.stat().st_ctime_ns
    assert written % 1_000_000_000 == 0, "the file system keeps finer times"

    def recorded(started_ns: int) -> dict | None:
        recording = inputs.Recording(str(coarse_project), str(coarse_project / "out"), inputs._settings_key({}),
                                     started_ns=started_ns)
        recording.see_file(str(shared))
        return recording.inputs()

    assert recorded(written + _WITHIN) is None
    kept = recorded(written + _PAST)
    assert kept is not None and kept["paths"][str(shared)] == list(signature(shared.stat()))
    # And end to end: read, changed, generated again.
    stack_with(coarse_project, f'threshold = Path({str(shared)!r}).read_text().strip()\n')
    generate(coarse_project)
    shared.write_text("7\n")
    settled()
    generate(coarse_project)
    assert "< 7" in rules(coarse_project)


def test_a_manifest_edited_while_generate_compares_it_is_not_recorded_as_generated(
        project: Path, tmp_path: Path) -> None:
    """generate finds out/ as it would write it, and the manifest is edited (same size) just after it was read:
    the record must not take the edited manifest for the one generate verified."""
    generate(project)
    manifest = project / "out/manifest.json"
    original = manifest.read_text()
    recorded = record_file(project).read_text()
    driver = tmp_path / "edit_after_reading.py"  # outside the project: as `python -m monitoring` from it runs
    driver.write_text(textwrap.dedent("""
        import os, sys
        sys.path[0] = os.getcwd()  # the settings are those of `python -m monitoring` run here
        from monitoring import api
        from monitoring.cli import main

        real = api._manifest_as_written

        def then_edited(out, expected):
            found = real(out, expected)
            path = out / "manifest.json"
            path.write_text(path.read_text().replace('"monitoring"', '"monitorinG"', 1))
            return found

        api._manifest_as_written = then_edited
        sys.exit(main(["generate", "--force"]))
    """))
    settled()
    proc = subprocess.run([sys.executable, str(driver)], cwd=project, capture_output=True, text=True, check=False)
    assert proc.returncode == 0 and "nothing written" in proc.stdout, proc.stderr
    assert manifest.read_text() != original and len(manifest.read_text()) == len(original)
    assert record_file(project).read_text() != recorded, "that run was not recorded"
    assert generate(project)[1].startswith("wrote ")
    assert manifest.read_text() == original
