"""`generate` with nothing changed answers from what the last generation read, without importing the stack; any
change to what it read (the stack module, a module it imports, a data file, an environment variable, out/
itself) makes it generate for real. Each run is a fresh process, as a user's is."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

STACK = '''
import os
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


def write(path: Path, text: str) -> None:
    """Write path dated a minute ago: a file modified while (or just before) a generation runs could have
    changed under it, so such a generation is not recorded; these tests change files between runs."""
    path.write_text(text)
    earlier = path.stat().st_mtime_ns - 60_000_000_000
    os.utime(path, ns=(earlier, earlier))


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


def generate(project: Path, *args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    """Run `monitoring generate` in a fresh process: (exit status, stdout)."""
    environ = {k: v for k, v in os.environ.items() if k != "SHORTCUT_SEVERITY"}
    proc = subprocess.run([sys.executable, "-m", "monitoring", "generate", *args], cwd=project,
                          capture_output=True, text=True, check=False, env={**environ, **(env or {})})
    assert proc.returncode in (0, 1), proc.stderr
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
