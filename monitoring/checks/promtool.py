"""promtool checks, one process per command for all files."""

from __future__ import annotations

import glob
import tempfile
from pathlib import Path
from typing import Any

from monitoring import conventions
from monitoring.checks import yaml_files
from monitoring.checks.report import CheckResult, process_output
from monitoring.checks.tools import Tool

_KUBERNETES_SD = "kubernetes_sd_configs"
# Fields whose file promtool insists exists; on the checking machine they usually do not.
_FILE_FIELDS = ("password_file", "credentials_file", "bearer_token_file", "ca_file", "cert_file", "key_file")


def _placeholders(node: Any, directory: Path, replaced: list[str]) -> None:
    """Point every referenced secret or certificate file that does not exist here at an empty placeholder."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in _FILE_FIELDS and isinstance(value, str) and not Path(value).exists():
                placeholder = directory / f"placeholder-{len(replaced)}"
                placeholder.write_text("placeholder\n")
                node[key] = str(placeholder)
                replaced.append(value)
            else:
                _placeholders(value, directory, replaced)
    elif isinstance(node, list):
        for item in node:
            _placeholders(item, directory, replaced)


def check_config(promtool: Tool, out_dir: Path) -> CheckResult:
    """`promtool check config` on a checking copy of prometheus.yml.

    The copy differs from the file in three documented ways: it lists no rule_files (`check rules` checks
    them; here each pattern must match a file), secret and certificate files that do not exist on this machine
    point at placeholders, and, only when this promtool cannot parse kubernetes_sd_configs (Debian's 2.42), the
    Kubernetes jobs are left out; the model validated those.
    """
    config_path = out_dir / conventions.PROMETHEUS_CONFIG
    config = yaml_files.read(config_path)
    # `check rules` parses every rule file already: listing them here too would make promtool parse them twice.
    rule_files = config.pop("rule_files", None) or []
    notes: list[str] = []
    with tempfile.TemporaryDirectory(dir=promtool.mount) as tmp:
        replaced: list[str] = []
        _placeholders(config, Path(tmp), replaced)
        if replaced:
            notes.append(f"{len(replaced)} secret/certificate files absent here were replaced by placeholders")
        copy = Path(tmp) / "prometheus.yml"
        copy.write_text(yaml_files.dump(config))
        proc = promtool.run("check", "config", str(copy))
        if proc.returncode != 0 and _KUBERNETES_SD in process_output(proc):
            skipped = [job["job_name"] for job in config["scrape_configs"] if _KUBERNETES_SD in job]
            config["scrape_configs"] = [job for job in config["scrape_configs"] if _KUBERNETES_SD not in job]
            copy.write_text(yaml_files.dump(config))
            proc = promtool.run("check", "config", str(copy))
            notes.append(
                f"jobs {', '.join(skipped)} left out: this promtool cannot parse kubernetes_sd_configs, "
                "so the model validated them (see kubernetes scrape jobs)"
            )
    jobs = len(config["scrape_configs"])
    if rule_files:
        notes.append(f"its {len(rule_files)} rule_files patterns are left to `promtool check rules`")
    checked = f"{config_path}: global, alerting and {jobs} scrape jobs"
    if notes:
        checked += f" ({'; '.join(notes)})"
    # What promtool would have said of the rule_files patterns: each must match a file.
    unmatched = [f"rule_files pattern {p!r} matches no file" for p in rule_files
                 if not glob.glob(str(config_path.parent / p))]
    details = "\n".join(filter(None, [process_output(proc), *unmatched]))
    return CheckResult("promtool check config", proc.returncode == 0 and not unmatched, checked, details)


def check_rules(promtool: Tool, rule_files: list[Path], extracted: list[Path] | None = None,
                what: str = "") -> CheckResult:
    """`promtool check rules` over rule_files and extracted ones (e.g. PrometheusRules' groups, named by what)."""
    everything = [*rule_files, *(extracted or [])]
    if not everything:
        return CheckResult("promtool check rules", True, "no rule files")
    proc = promtool.run("check", "rules", "--lint=all", "--lint-fatal", *map(str, everything))
    checked = f"{len(rule_files)} rule files" + (f" and {len(extracted or [])} {what}" if extracted else "")
    checked += ", --lint=all --lint-fatal"
    return CheckResult("promtool check rules", proc.returncode == 0, checked, process_output(proc))


def run_tests(promtool: Tool, test_files: list[Path], what: str = "") -> CheckResult:
    """`promtool test rules` over every file in one process."""
    if not test_files:
        return CheckResult("promtool test rules", False, "no test files")
    proc = promtool.run("test", "rules", *map(str, test_files))
    checked = f"{len(test_files)} test files" + (f" ({what})" if what else "")
    return CheckResult("promtool test rules", proc.returncode == 0, checked, process_output(proc))
