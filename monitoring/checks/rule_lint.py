"""The rule checks: lint (promql/...) over the stack's rules and the rules its SLOs generate."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from monitoring import conventions
from monitoring.checks import context, yaml_files
from monitoring.checks.lint import LintContext, Problem, RuleDocument, lint_rules, offline_checks
from monitoring.checks.report import CheckResult
from monitoring.output.manifest import Manifest
from monitoring.units import duration_ms

if TYPE_CHECKING:  # linting out/ (validate) needs no model
    from monitoring.model.stack import Stack


def defined_rules(stack: Stack) -> list[RuleDocument]:
    """The rules of every service's rule groups, as written in the definitions."""
    return [RuleDocument.of(service.name, group.name, rule, group.interval or stack.evaluation_interval)
            for service in stack.services for group in service.rule_groups for rule in group.rules]


def slo_generated_rules(stack: Stack) -> list[RuleDocument]:
    """The recording and alerting rules generated for each SLO, as they are written to its rule file."""
    from monitoring.slo import rules as slo_rules

    return [RuleDocument(slo.service, group["name"], "alert" if "alert" in rule else "record",
                         rule.get("alert") or rule["record"], rule["expr"],
                         duration_ms(rule.get("for") or "0s"), duration_ms(stack.evaluation_interval),
                         rule.get("annotations") or {}, rule.get("labels") or {})
            for slo in stack.slos
            for group in slo_rules.render(stack, slo)["groups"] for rule in group["rules"]]


def lint(stack: Stack, documents: list[RuleDocument]) -> list[Problem]:
    return lint_rules(documents, LintContext.of(stack))


def out_rules(manifest: Manifest, out_dir: Path) -> tuple[list[RuleDocument], list[RuleDocument]]:
    """The rules of out/'s rule files as Prometheus evaluates them: (a service's own, generated for SLOs)."""
    config = yaml_files.read_mapping(out_dir / conventions.PROMETHEUS_CONFIG)
    default_interval = (config.get("global") or {}).get("evaluation_interval") or "1m"
    defined: list[RuleDocument] = []
    generated: list[RuleDocument] = []
    for path in manifest.paths(conventions.RULES_DIR + "/", ".yml"):
        kind, _, name = manifest.origin(path.as_posix()).partition(":")
        service = name.split("/")[0]
        data = yaml_files.read_mapping(out_dir / path)
        for group in data.get("groups") or []:
            interval = duration_ms(group.get("interval") or default_interval)
            documents = [RuleDocument(service, group["name"], "alert" if "alert" in rule else "record",
                                      rule.get("alert") or rule["record"], rule["expr"],
                                      duration_ms(rule.get("for") or "0s"), interval, rule.get("annotations") or {},
                                      rule.get("labels") or {})
                         for rule in group.get("rules") or []]
            (generated if kind == "slo" else defined).extend(documents)
    return defined, generated


def check_rule_lint(manifest: Manifest, out_dir: Path) -> list[CheckResult]:
    """`monitoring validate`: the rule checks over out/'s rule files, judged against what the manifest knows."""
    defined, generated = out_rules(manifest, out_dir)
    return _result(defined, generated, lint_rules(defined + generated, context.lint_context(manifest.checks)))


def _result(defined: list[RuleDocument], generated: list[RuleDocument], problems: list[Problem]) -> list[CheckResult]:
    """One result for every rule check; errors fail it, warnings are printed."""
    errors = [p.line() for p in problems if p.severity == "error"]
    warnings = [f"warning: {p.line()}" for p in problems if p.severity == "warning"]
    counts = f", {len(warnings)} warning{'s' if len(warnings) != 1 else ''}" if warnings else ""
    checked = (f"{len(defined) + len(generated)} rules ({len(defined)} defined, {len(generated)} from SLOs), "
               f"{len(offline_checks('rule'))} checks{counts}")
    return [CheckResult("lint rules", not errors, checked, "\n".join(errors), "\n".join(warnings))]


__all__ = ["check_rule_lint", "defined_rules", "lint", "out_rules", "slo_generated_rules"]
