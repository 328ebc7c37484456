"""What the `import-slo` tests share (this module has no tests of its own): import spec files into Python modules,
load them, make a stack of the SLOs, and prove the stack with generate + validate + its generated promtool tests.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from monitoring import SLO, Service, Stack
from monitoring.checks.tools import Tool
from monitoring.checks.validate import validate
from monitoring.output.emitters import GenerateContext, output_files, with_manifest
from monitoring.output.files import write_tree
from monitoring.slo import spec_python, specs
from monitoring.slo.naming import NamingStyle
from tests.test_slo_stacks import routing

SPECS = Path(__file__).parent / "slo_specs"


def import_slos(tmp_path: Path, *paths: Path, naming: NamingStyle = "default") -> tuple[SLO, ...]:
    """The SLOs the Python written by import-slo for paths defines (the modules are loaded from tmp_path/slos)."""
    files = spec_python.render(specs.read_files(list(paths), naming=naming))
    slos: list[SLO] = []
    for file_name in spec_python.write(files, tmp_path / "slos", force=True):
        compile(file_name.read_text(), str(file_name), "exec")
        spec = importlib.util.spec_from_file_location(file_name.stem, file_name)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        slos += getattr(module, "SLOS", ())
    return tuple(slos)


def imported_stack(slos: tuple[SLO, ...]) -> Stack:
    services = sorted({s.service for s in slos})
    return Stack(name="imported", services=tuple(Service(name=s) for s in services), routing=routing(), slos=slos)


def prove(tmp_path: Path, stack: Stack, promtool: Tool) -> int:
    """Generate the stack, validate the output and run every generated test; the number of SLO test files."""
    out = tmp_path / "out"
    write_tree(with_manifest(*output_files(stack, GenerateContext("tests"))), out)
    assert [f"{r.name}: {r.details}" for r in validate(out) if not r.ok] == []
    tests = sorted((out / "prometheus" / "tests").glob("*.slo.*.yml"))
    proc = promtool.run("test", "rules", *map(str, tests))
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert proc.stdout.count("SUCCESS") == len(tests)
    return len(tests)
