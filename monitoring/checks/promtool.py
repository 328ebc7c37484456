"""promtool checks, one process per command for all files."""

from __future__ import annotations

import tempfile
from pathlib import Path

import yaml

from monitoring import conventions
from monitoring.checks.report import CheckResult, process_output
from monitoring.checks.tools import Tool

_NO_KUBERNETES = "kubernetes_sd_configs"


def check_config(promtool: Tool, out_dir: Path) -> CheckResult:
    """`promtool check config`; where this promtool lacks Kubernetes SD, check a copy without those jobs."""
    config_path = out_dir / conventions.PROMETHEUS_CONFIG
    proc = promtool.run("check", "config", str(config_path))
    output = process_output(proc)
    if proc.returncode == 0:
        return CheckResult("promtool check config", True, f"{config_path} (every scrape job)")
    if _NO_KUBERNETES not in output:
        return CheckResult("promtool check config", False, str(config_path), output)
    config = yaml.safe_load(config_path.read_text())
    skipped = [job["job_name"] for job in config["scrape_configs"] if _NO_KUBERNETES in job]
    config["scrape_configs"] = [job for job in config["scrape_configs"] if _NO_KUBERNETES not in job]
    config["rule_files"] = [str((config_path.parent / pattern).resolve()) for pattern in config["rule_files"]]
    with tempfile.TemporaryDirectory(dir=promtool.mount) as tmp:
        copy = Path(tmp) / "prometheus.yml"
        copy.write_text(yaml.safe_dump(config, sort_keys=False))
        proc = promtool.run("check", "config", str(copy))
    checked = (
        f"{config_path} without kubernetes_sd jobs {', '.join(skipped)} "
        "(this promtool cannot parse kubernetes_sd_configs; those jobs were validated by the model only)"
    )
    return CheckResult("promtool check config", proc.returncode == 0, checked, process_output(proc))


def check_rules(promtool: Tool, rule_files: list[Path]) -> CheckResult:
    if not rule_files:
        return CheckResult("promtool check rules", True, "no rule files")
    proc = promtool.run("check", "rules", "--lint=all", "--lint-fatal", *map(str, rule_files))
    checked = f"{len(rule_files)} rule files, --lint=all --lint-fatal"
    return CheckResult("promtool check rules", proc.returncode == 0, checked, process_output(proc))


def test_rules(promtool: Tool, test_files: list[Path]) -> CheckResult:
    if not test_files:
        return CheckResult("promtool test rules", False, "no test files")
    proc = promtool.run("test", "rules", *map(str, test_files))
    checked = f"{len(test_files)} test files"
    return CheckResult("promtool test rules", proc.returncode == 0, checked, process_output(proc))
