"""amtool checks: the config, and the stack's route expectations."""

from __future__ import annotations

from pathlib import Path

from monitoring.checks.report import CheckResult, process_output
from monitoring.checks.tools import Tool
from monitoring.model.routing import RouteTest


def check_config(amtool: Tool, config_path: Path, *more: tuple[str, Path]) -> CheckResult:
    """amtool check-config over config_path and more (what, path) configurations, in one process."""
    proc = amtool.run("check-config", str(config_path), *(str(path) for _, path in more))
    checked = ", ".join([str(config_path), *(what for what, _ in more)])
    return CheckResult("amtool check-config", proc.returncode == 0, checked, process_output(proc))


def route_tests(amtool: Tool, config_path: Path, tests: tuple[RouteTest, ...]) -> CheckResult:
    """Each expectation through `amtool config routes test`; amtool takes one label set per process."""
    failures = []
    for test in tests:
        labels = [f"{k}={v}" for k, v in sorted(test.labels.items())]
        proc = amtool.run("config", "routes", "test", f"--config.file={config_path}",
                          f"--verify.receivers={','.join(test.receivers)}", *labels)
        if proc.returncode != 0:
            # stdout's first line is the receivers amtool resolved; stderr only repeats a flag warning.
            resolved = (proc.stdout or "").strip().splitlines()[:1] or [process_output(proc)]
            failures.append(f"{' '.join(labels)}: expected {','.join(test.receivers)}, got {resolved[0]}")
    checked = f"{len(tests)} route expectations" if tests else "no route expectations declared"
    return CheckResult("amtool config routes test", not failures, checked, "\n".join(failures))
