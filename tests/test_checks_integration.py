"""promtool and amtool, the real binaries, on generated output: what passes, and what they must catch."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from monitoring import RecordingRule, Route, RouteTest, RuleGroup
from monitoring.checks import amtool as amtool_checks
from monitoring.checks import promtool as promtool_checks
from monitoring.checks import tools
from monitoring.checks.tools import Tool, find_tool
from monitoring.checks.validate import validate
from monitoring.errors import ToolMissingError
from tests.conftest import write_out
from tests.out_edits import rehash
from tests.stacks.example import stack as example_stack

pytestmark = pytest.mark.integration


def test_example_stack_passes_every_check(tmp_path: Path, promtool: Tool, amtool: Tool) -> None:
    out = write_out(example_stack, tmp_path / "out")
    results = {r.name: r for r in validate(out)}
    core = ["promtool check config", "promtool check rules", "amtool check-config", "amtool config routes test"]
    for name in core:
        assert results[name].ok, f"{name}: {results[name].details}"
    config = results["promtool check config"].checked
    assert "3 secret/certificate files absent here were replaced by placeholders" in config
    assert "2 route expectations" in results["amtool config routes test"].checked


def test_kubernetes_jobs_are_reported_not_claimed(tmp_path: Path, promtool: Tool) -> None:
    """Debian's promtool cannot parse kubernetes_sd_configs: the report must say which jobs it did not check."""
    out = write_out(example_stack, tmp_path / "out")
    result = promtool_checks.check_config(promtool, out)
    assert result.ok
    probe = promtool.run("check", "config", str(out / "prometheus/prometheus.yml"))
    if "kubernetes_sd_configs" in probe.stdout + probe.stderr:
        assert "jobs checkout-pods left out" in result.checked
        assert "2 scrape jobs" in result.checked
    else:
        assert "3 scrape jobs" in result.checked


def test_promtool_lint_catches_duplicate_rules(tmp_path: Path, promtool: Tool) -> None:
    rule = RecordingRule(record="job:checkout_requests:rate1m", expr="sum by (job) (rate(checkout_requests_total[1m]))")
    # The model refuses two rules writing one series; copied past its checks, promtool must refuse them too.
    service = example_stack.services[0]._trusted_copy({"rule_groups": (RuleGroup(name="dup", rules=(rule, rule)),)})
    out = write_out(example_stack._trusted_copy({"services": (service,)}), tmp_path / "out")
    result = promtool_checks.check_rules(promtool, sorted((out / "prometheus/rules").glob("*.yml")))
    assert not result.ok
    assert "duplicate" in result.details.lower()


def test_amtool_route_test_catches_a_wrong_expectation(tmp_path: Path, amtool: Tool) -> None:
    out = write_out(example_stack, tmp_path / "out")
    wrong = (RouteTest(labels={"alertname": "CheckoutErrors", "severity": "critical"}, receivers=("default",)),)
    result = amtool_checks.route_tests(amtool, out / "alertmanager/alertmanager.yml", wrong)
    assert not result.ok
    assert result.details == "alertname=CheckoutErrors severity=critical: expected default, got audit,oncall"


# Label values amtool's command line reads otherwise unless quoted and escaped: a double quote (a parse error),
# a trailing backslash, separators, spaces, a template, other scripts.
AWKWARD_VALUES = ('say "hi"', "back\\slash", "trail\\", "x=y", "a,b", "with space", "{{ $labels.x }}", "it's", "ünï")


def test_route_expectations_with_awkward_label_values_reach_their_receivers(tmp_path: Path, amtool: Tool) -> None:
    """Each value is matched by a route of its own: amtool must be given the value as the route sees it."""
    from monitoring import Receiver, Routing, Stack

    def matcher(value: str) -> str:
        return 'team="' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'

    names = [f"team-{i}" for i in range(len(AWKWARD_VALUES))]
    routing = Routing(route=Route(receiver="default", routes=tuple(
                          Route(receiver=name, matchers=(matcher(value),)) for name, value in zip(names, AWKWARD_VALUES,
                                                                                                  strict=True))),
                      receivers=(Receiver(name="default"), *(Receiver(name=name) for name in names)),
                      tests=tuple(RouteTest(labels={"team": value, "alertname": "X"}, receivers=(name,))
                                  for name, value in zip(names, AWKWARD_VALUES, strict=True)))
    out = write_out(Stack(**{**dict(example_stack), "routing": routing}), tmp_path / "out")
    result = amtool_checks.route_tests(amtool, out / "alertmanager/alertmanager.yml", routing.tests)
    assert result.ok, result.details


def test_amtool_rejects_a_broken_config(tmp_path: Path, amtool: Tool) -> None:
    config = tmp_path / "alertmanager.yml"
    config.write_text("route:\n  receiver: nobody\nreceivers: []\n")
    result = amtool_checks.check_config(amtool, config)
    assert not result.ok
    assert "nobody" in result.details


def test_route_model_matches_what_amtool_computes(tmp_path: Path, amtool: Tool) -> None:
    """continue: true on the audit route means a critical alert reaches audit and oncall, in that order."""
    routing = example_stack.routing
    assert isinstance(routing.route, Route)
    out = write_out(example_stack, tmp_path / "out")
    result = amtool_checks.route_tests(amtool, out / "alertmanager/alertmanager.yml", routing.tests)
    assert result.ok, result.details


def test_missing_promtool_is_one_line_with_the_install_hint(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("PROMTOOL", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(ToolMissingError) as info:
        find_tool("promtool", tmp_path)
    message = str(info.value)
    assert "\n" not in message
    assert "apt-get install prometheus prometheus-alertmanager" in message


def test_env_override_must_be_executable(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("AMTOOL", str(tmp_path / "nope"))
    with pytest.raises(ToolMissingError, match=r"\$AMTOOL="):
        find_tool("amtool", tmp_path)


def test_env_override_wins_over_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, promtool: Tool) -> None:
    monkeypatch.setenv("PROMTOOL", promtool.argv[0])
    found = find_tool("promtool", tmp_path)
    assert found.found_by == "$PROMTOOL"


def test_validate_command_exits_1_and_names_the_failing_check(tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str], promtool: Tool,
                                                              amtool: Tool) -> None:
    from monitoring.cli import main
    from monitoring.project import Project

    project = Project.find(Path(__file__).resolve().parent.parent)
    out = tmp_path / "out"
    assert main(["generate", "--stack", "tests.stacks.example:stack", "--out", str(out)], project=project) == 0
    config = out / "alertmanager/alertmanager.yml"
    config.write_text(config.read_text().replace("receiver: default", "receiver: nobody", 1))
    rehash(out, "alertmanager/alertmanager.yml")  # else only the manifest check runs, and fails
    capsys.readouterr()

    assert main(["validate", "--out", str(out)], project=project) == 1
    printed = capsys.readouterr().out
    assert "FAIL amtool check-config" in printed
    assert "ok   promtool check rules" in printed
    assert printed.rstrip().endswith("validation failed")


def test_a_stack_without_rules_lists_no_rule_files_and_passes(tmp_path: Path, promtool: Tool) -> None:
    """prometheus.yml names rule files only when some are written; a stale pattern still fails the check."""
    bare = example_stack.model_copy(update={"services": tuple(
        s.model_copy(update={"rule_groups": ()}) for s in example_stack.services), "slos": ()})
    out = write_out(bare, tmp_path / "out")
    config = (out / "prometheus" / "prometheus.yml").read_text(encoding="utf-8")
    assert "rule_files" not in config
    assert promtool_checks.check_config(promtool, out).ok
    (out / "prometheus" / "prometheus.yml").write_text(config + "rule_files: [rules/*.rules.yml]\n", encoding="utf-8")
    result = promtool_checks.check_config(promtool, out)
    assert not result.ok and "rule_files pattern 'rules/*.rules.yml' matches no file" in result.details


def test_a_file_sd_pattern_that_matches_a_fifo_fails_without_waiting(tmp_path: Path, promtool: Tool,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """promtool reads the files a file_sd pattern matches, and would wait on a FIFO until stopped (300 s): the
    pattern is left out of the checking copy, and the check fails naming it. The other patterns are still read."""
    monkeypatch.setattr(tools, "TIMEOUT", 30.0)  # were the FIFO read, a failure in 30 s rather than 300
    targets = tmp_path / "targets"
    targets.mkdir()
    os.mkfifo(targets / "waiting.json")
    (tmp_path / "good").mkdir()
    (tmp_path / "good" / "nodes.json").write_text('[{"targets": "not a list"}]\n')  # promtool must still see it
    out = write_out(example_stack, tmp_path / "out")
    config_path = out / "prometheus/prometheus.yml"
    config = yaml.safe_load(config_path.read_text())
    config["scrape_configs"].append({"job_name": "files", "file_sd_configs": [
        {"files": [str(targets / "*.json")]}, {"files": [str(tmp_path / "good" / "*.json")]}]})
    config_path.write_text(yaml.safe_dump(config))
    result = promtool_checks.check_config(promtool, out)
    assert not result.ok
    assert (f"scrape job 'files': file_sd pattern '{targets}/*.json' matches {targets}/waiting.json, which is not "
            "a regular file: Prometheus would wait on it or fail") in result.details
    assert "cannot unmarshal" in result.details  # promtool read the other pattern's file, and refused its content
