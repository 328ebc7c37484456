"""The rule checks: lint (promql/...) over the stack's rules and the rules its SLOs generate."""

from __future__ import annotations

from pathlib import Path

from monitoring.checks.lint import LintContext, Problem, RuleDocument, lint_rules, offline_checks
from monitoring.checks.report import CheckResult
from monitoring.model.common import duration_ms
from monitoring.model.stack import Stack
from monitoring.slo import rules as slo_rules


def defined_rules(stack: Stack) -> list[RuleDocument]:
    """The rules of every service's rule groups, as written in the definitions."""
    return [RuleDocument.of(service.name, group.name, rule, group.interval or stack.evaluation_interval)
            for service in stack.services for group in service.rule_groups for rule in group.rules]


def slo_generated_rules(stack: Stack) -> list[RuleDocument]:
    """The recording and alerting rules generated for each SLO, as they are written to its rule file."""
    return [RuleDocument(slo.service, group["name"], "alert" if "alert" in rule else "record",
                         rule.get("alert") or rule["record"], rule["expr"],
                         duration_ms(rule.get("for") or "0s"), duration_ms(stack.evaluation_interval),
                         rule.get("annotations") or {})
            for slo in stack.slos
            for group in slo_rules.render(stack, slo)["groups"] for rule in group["rules"]]


def lint(stack: Stack, documents: list[RuleDocument]) -> list[Problem]:
    return lint_rules(documents, LintContext.of(stack))


def check_rule_lint(stack: Stack, out_dir: Path) -> list[CheckResult]:
    """`monitoring validate`: one result for every rule check; errors fail it, warnings are printed."""
    defined, generated = defined_rules(stack), slo_generated_rules(stack)
    problems = lint(stack, defined + generated)
    errors = [p.line() for p in problems if p.severity == "error"]
    warnings = [f"warning: {p.line()}" for p in problems if p.severity == "warning"]
    counts = f", {len(warnings)} warning{'s' if len(warnings) != 1 else ''}" if warnings else ""
    checked = (f"{len(defined) + len(generated)} rules ({len(defined)} defined, {len(generated)} from SLOs), "
               f"{len(offline_checks('rule'))} checks{counts}")
    return [CheckResult("lint rules", not errors, checked, "\n".join(errors), "\n".join(warnings))]


__all__ = ["check_rule_lint", "defined_rules", "lint", "slo_generated_rules"]
