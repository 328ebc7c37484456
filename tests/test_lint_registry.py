"""Every registered check has its module, its doc page and a test table with clean and failing cases."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from monitoring.checks import lint
from monitoring.checks.lint import CHECKS, offline_checks

ROOT = Path(__file__).resolve().parent.parent
LINT_DIR = ROOT / "monitoring" / "checks" / "lint"
NOT_CHECKS = {"__init__", "framework", "schemas"}


def test_ids_are_unique() -> None:
    ids = [c.id for c in CHECKS]
    assert len(ids) == len(set(ids))


def test_every_check_module_is_registered() -> None:
    modules = {p.stem for p in LINT_DIR.glob("*.py")} - NOT_CHECKS
    assert modules == {c.module for c in CHECKS}


def test_ci_runs_every_check_offline() -> None:
    assert offline_checks("dashboard") + offline_checks("rule") == CHECKS  # none needs a live server yet
    assert offline_checks() == offline_checks("dashboard")


def test_id_names_the_document_kind() -> None:
    prefixes = {"dashboard": ("dashboard/",), "rule": ("promql/", "alerts/", "rules/")}
    for check in CHECKS:
        assert check.id.startswith(prefixes[check.applies_to]), check.id


@pytest.mark.parametrize("check", CHECKS, ids=[c.id for c in CHECKS])
def test_check_has_module_doc_and_table(check: lint.Check) -> None:
    module = importlib.import_module(f"monitoring.checks.lint.{check.module}")
    assert module.CHECK is check
    assert check.severity in ("error", "warning") and check.summary

    doc = ROOT / check.doc
    assert doc.is_file(), f"{check.id} has no doc page {check.doc}"
    text = doc.read_text(encoding="utf-8")
    assert text.startswith(f"# {check.id}\n"), f"{check.doc} must start with '# {check.id}'"
    assert "Severity: " + check.severity in text

    test_file = ROOT / "tests" / f"test_lint_{check.module}.py"
    assert test_file.is_file(), f"{check.id} has no test table tests/test_lint_{check.module}.py"
    table = importlib.import_module(f"tests.test_lint_{check.module}").CASES
    descriptions = [case[0] for case in table]
    assert len(descriptions) == len(set(descriptions))
    assert any(not expected for *_, expected in table), f"{check.id}: the table has no clean case"
    assert any(expected for *_, expected in table), f"{check.id}: the table has no failing case"


SCHEMA_TABLES = ("dashboard_schema", "dashboard_panel_schema", "dashboard_target_schema")


def test_compiled_fast_path_gives_the_same_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    """The schema checks skip jsonschema for documents jsonschema_rs finds valid: both must agree."""
    from monitoring.checks.dashboards import lint as lint_stack
    from monitoring.checks.lint import schemas
    from monitoring.output.emitters import GenerateContext, emit_grafana
    from tests.lint_cases import messages
    from tests.test_dashboard_render import STACKS, boards

    assert schemas._fast_validator("dashboard", "Dashboard") is not None, \
        "jsonschema-rs is a dependency: the fast path must be on"
    tables = {m: importlib.import_module(f"tests.test_lint_{m}").CASES for m in SCHEMA_TABLES}
    generated = {name: [lint.DashboardDocument(uid, data) for uid, data in
                        boards(dict(emit_grafana(stack, GenerateContext(name, project)))).items()]
                 for name, (stack, project) in STACKS.items()}

    monkeypatch.setattr(schemas, "_fast_validator", lambda schema_file, definition: None)
    for module, table in tables.items():
        check = importlib.import_module(f"monitoring.checks.lint.{module}").CHECK
        for description, data, expected in table:
            assert messages(check, data) == expected, description
    for name, documents in generated.items():
        assert lint_stack(STACKS[name][0], documents) == [], name
