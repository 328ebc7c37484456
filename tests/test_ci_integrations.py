"""The ready-made integrations are what they say: the pre-commit hooks and the documented workflows."""

from __future__ import annotations

import re

import yaml

from monitoring.cli import build_parser
from monitoring.scaffold import project_files
from tests.conftest import ROOT


def _commands(entries: list[str]) -> list[list[str]]:
    return [entry.split()[1:] for entry in entries]


def test_pre_commit_hooks_run_commands_the_cli_knows() -> None:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert [h["id"] for h in hooks] == ["monitoring-generate-check", "monitoring-validate"]
    for args in _commands([h["entry"] for h in hooks]):
        build_parser().parse_args(args)  # exits on an unknown command or option
    assert all(h["pass_filenames"] is False for h in hooks)


def test_documented_workflows_parse_and_run_known_commands() -> None:
    text = (ROOT / "docs" / "ci.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```yaml\n(.*?)```", text, re.S)
    assert blocks
    workflow = yaml.safe_load(blocks[0])
    steps = workflow["jobs"]["test"]["steps"]
    assert steps[-1]["run"] == "main/.ci/run"  # what .ci/run does, by running it
    assert (ROOT / ".ci" / "run").read_text(encoding="utf-8").strip().endswith("make test")
    runs = [line.strip().removeprefix("- run: ") for line in text.splitlines()
            if line.strip().startswith(("- run: monitoring", "monitoring ci"))]
    for line in runs:
        build_parser().parse_args(line.split("#")[0].split()[1:])


def test_the_init_workflow_and_hooks_parse() -> None:
    files = project_files("x")
    workflow = yaml.safe_load(files[".github/workflows/monitoring.yml"])
    runs = [s["run"] for s in workflow["jobs"]["check"]["steps"] if "run" in s]
    assert "monitoring ci --format github" in runs
    config = yaml.safe_load(files[".pre-commit-config.yaml"])
    for args in _commands([h["entry"] for h in config["repos"][0]["hooks"]]):
        build_parser().parse_args(args)
    assert [h["id"] for h in config["repos"][0]["hooks"]] == ["monitoring-generate-check", "monitoring-validate"]
