"""Shared fixtures: the real binaries (loud failure under CI=true), golden files, a default stack."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from monitoring.checks.tools import Tool, find_tool
from monitoring.errors import ToolMissingError
from monitoring.model.stack import Stack
from tests.binaries import binary_missing

if TYPE_CHECKING:
    from monitoring.imports.project import ImportResult

ROOT = Path(__file__).resolve().parent.parent
GOLDEN_DIR = Path(__file__).resolve().parent / "golden"
# Third-party reference material (schemas, CRDs, examples) lives beside the clone, never inside it.
SHARED_REFERENCE = ROOT.parent / "shared" / "reference"


@pytest.hookimpl(optionalhook=True, tryfirst=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object:
    """How `make test` shares the suite among its pytest-xdist workers: whole modules (module-scoped fixtures,
    and module state such as the fuzz corpus, stay on one worker), and the whole end-to-end suite on one worker,
    which shares one set of servers and mostly waits on them while the others run the CPU-bound tests."""
    from xdist.scheduler import LoadScopeScheduling

    class ModulesAndEndToEnd(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return "tests/e2e" if nodeid.startswith("tests/e2e/") else nodeid.split("::", 1)[0]

    return ModulesAndEndToEnd(config, log)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true",
                     help="rewrite tests/golden/ from the current output instead of comparing")


def require_tool(name: str, workdir: Path) -> Tool:
    """The tool, or a skip; under CI=true a missing tool is a failure, never a skip."""
    try:
        return find_tool(name, workdir)
    except ToolMissingError as exc:
        binary_missing(str(exc))


@pytest.fixture(scope="session")
def promtool(tmp_path_factory: pytest.TempPathFactory) -> Tool:
    return require_tool("promtool", tmp_path_factory.getbasetemp())


@pytest.fixture(scope="session")
def amtool(tmp_path_factory: pytest.TempPathFactory) -> Tool:
    return require_tool("amtool", tmp_path_factory.getbasetemp())


@pytest.fixture
def golden(request: pytest.FixtureRequest):
    """golden(name, text): compare text with tests/golden/<name>, or rewrite it with --update-golden."""
    update = request.config.getoption("--update-golden")

    def check(name: str, text: str) -> None:
        path = GOLDEN_DIR / name
        if update:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            return
        assert path.exists(), f"no golden file {path}: run pytest --update-golden"
        assert text == path.read_text(encoding="utf-8"), f"{name} differs from its golden file (pytest --update-golden)"

    return check


def write_out(stack: Stack, out: Path) -> Path:
    """out/ for stack as `generate` writes it (files and manifest), without a project; returns out."""
    from monitoring.output.emitters import GenerateContext, output_files, with_manifest
    from monitoring.output.files import write_tree

    write_tree(with_manifest(*output_files(stack, GenerateContext("tests"))), out)
    return out


def shared_reference(relative: str) -> Path:
    """A file or directory of the shared reference material, read where it lies (../shared/reference/ beside
    the repository), never copied; a skip where it is missing, a failure under CI=true."""
    path = ROOT.parent / "shared" / "reference" / relative
    if not path.exists():
        binary_missing(f"{path} is missing (the shared reference material lies beside the repository)")
    return path


def installed_input(path: str, package: str) -> Path:
    """A file a Debian package installs (`make test-inputs`); a skip where missing, a failure under CI=true."""
    found = Path(path)
    if not found.exists():
        binary_missing(f"{path} is missing: apt-get install {package} (make test-inputs)")
    return found


def import_and_generate(project: Path, inputs: list[Path]) -> ImportResult:
    """`monitoring import` of inputs into project, then `monitoring generate` there in a process of its own (as a
    user runs it): the import's result, once generate has passed."""
    from monitoring.imports import import_files
    from monitoring.imports.write import write_import

    result = import_files(inputs)
    write_import(result, project)
    (project / "pyproject.toml").write_text(f'[tool.monitoring]\nstack = "{result.stack}"\n', encoding="utf-8")
    run = subprocess.run([sys.executable, "-m", "monitoring", "generate"], cwd=project, capture_output=True,
                         text=True, check=False)
    assert run.returncode == 0, run.stderr
    return result
