"""One process, several projects: each generate imports the stack its own project holds, never the one of the
same import path that an earlier project's generate left in the module cache."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import monitoring
from monitoring import Project
from tests.test_bad_input import PRELUDE

PACKAGE = "fleetstack"  # the same import path in every project, as `alerts.stack:stack` is by default


def _project(directory: Path, service: str) -> Project:
    (directory / PACKAGE).mkdir(parents=True)
    (directory / PACKAGE / "__init__.py").write_text("")
    (directory / PACKAGE / "parts.py").write_text(PRELUDE)
    (directory / PACKAGE / "stack.py").write_text(
        f"from {PACKAGE}.parts import *\nstack = ok_stack(services=(ok_service(name={service!r}),))\n")
    return Project(directory, stack=f"{PACKAGE}.stack:stack")


@pytest.fixture
def forgotten(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """sys.path and the package's modules as they were, after the test."""
    monkeypatch.setattr(sys, "path", list(sys.path))
    yield
    for name in [n for n in sys.modules if n == PACKAGE or n.startswith(PACKAGE + ".")]:
        del sys.modules[name]


def test_each_project_generates_its_own_stack(tmp_path: Path, forgotten: None) -> None:
    first, second = _project(tmp_path / "payments", "payments"), _project(tmp_path / "search", "search")
    for project, service in ((first, "payments"), (second, "search"), (first, "payments")):
        assert [s.name for s in project.load_stack().services] == [service]
        report = monitoring.generate(project, force=True)
        assert report.ok
        rules = sorted(p.name for p in (project.out_dir / "prometheus" / "rules").iterdir())
        assert rules == [f"{service}.rules.yml"], rules


def test_an_installed_module_of_the_same_name_is_left_alone(tmp_path: Path, forgotten: None) -> None:
    """A directory of the project named like a module of the standard library does not replace that module."""
    (tmp_path / "json").mkdir()  # not a package of the project's stack: nothing imports it from here
    import json

    with pytest.raises(monitoring.DefinitionError, match=re.escape("no module named 'json.stack'")):
        Project(tmp_path, stack="json.stack:stack").load_stack()
    assert sys.modules["json"] is json
