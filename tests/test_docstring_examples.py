"""Every public name's docstring example runs, as a reader would paste it (see tests/docstring_examples.py).

The public names are those the API reference documents (monitoring.docs.reference.public_objects), and the
doctest of the module that draws the exception tree. They run in a generated project that is the working
directory, so `Project.find()` finds it, with GRAFANA_URL and GRAFANA_TOKEN naming the Grafana stand-in. The
examples that ask a Prometheus for its history run in tests/e2e/test_capacity.py, against the one holding 30
days of it.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

import monitoring
import monitoring.errors
from monitoring.docs.docstrings import written_docstring
from monitoring.docs.reference import public_objects
from monitoring.project import Project
from tests.docstring_examples import run_examples
from tests.grafana_server import running_grafana

TOKEN = "glsa_docstring_examples"
IMPORTS = Path(__file__).parent / "imports"
NEEDS_PROMETHEUS_HISTORY = ("forecast_capacity", "CapacityReport")


def docstring(value: object) -> str:
    """A class's own docstring (not one it inherits), or a function's, as written (see written_docstring)."""
    return written_docstring(value) or ""


@pytest.fixture(scope="module")
def project_dir(tmp_path_factory: pytest.TempPathFactory, promtool: object, amtool: object) -> Path:
    directory = tmp_path_factory.mktemp("docstring-examples")
    (directory / "pyproject.toml").write_text('[tool.monitoring]\nstack = "tests.stacks.example:stack"\n',
                                              encoding="utf-8")
    # the files the import examples read, as a project that adopts the tool has them
    (directory / "rules").mkdir()
    shutil.copy(IMPORTS / "prometheusrule.yaml", directory / "rules" / "api.yml")
    shutil.copy(IMPORTS / "alertmanager.yml", directory / "alertmanager.yml")
    assert monitoring.generate(Project.find(directory)).written
    return directory


@pytest.fixture(scope="module")
def grafana_url() -> Iterator[str]:
    with running_grafana(tokens={TOKEN: "Admin"}) as grafana:
        yield grafana.url


PUBLIC = [(f"{module}.{name}", module, value) for module, name, value in public_objects()
          if (inspect.isclass(value) or inspect.isfunction(value)) and name not in NEEDS_PROMETHEUS_HISTORY]


@pytest.mark.parametrize(("name", "module", "value"), PUBLIC, ids=[name for name, _, _ in PUBLIC])
def test_the_example_of_every_public_name_runs(name: str, module: str, value: object, project_dir: Path,
                                               grafana_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(project_dir)
    monkeypatch.setenv("GRAFANA_URL", grafana_url)
    monkeypatch.setenv("GRAFANA_TOKEN", TOKEN)
    assert run_examples(docstring(value), name, module) > 0


def test_the_exception_trees_example_runs() -> None:
    assert run_examples(written_docstring(monitoring.errors) or "", "monitoring.errors", doctests_only=True) == 1


def _public_classes() -> Iterator[tuple[str, type]]:
    """Every class a module of the package defines under a public name (the demo exporters aside)."""
    for module_info in pkgutil.walk_packages(monitoring.__path__, "monitoring."):
        if module_info.name.startswith("monitoring.demo") or module_info.name.endswith("__main__"):
            continue
        module = importlib.import_module(module_info.name)
        for name, value in vars(module).items():
            if inspect.isclass(value) and value.__module__ == module.__name__ and not name.startswith("_"):
                yield f"{module.__name__}.{name}", value


def test_every_public_class_of_the_package_says_what_it_is() -> None:
    lacking = sorted(name for name, cls in _public_classes() if not docstring(cls).strip())
    assert lacking == [], f"public classes without a docstring: {lacking}"
