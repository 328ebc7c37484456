"""A file of out/ edited after generate, with its sha256 in out/manifest.json updated to match (by hand, or by a
CI step that "repairs" the manifest): the hash gate passes, so the readers meet the edit itself. Each edit is
one line on stderr, exit 2, no traceback, and nothing outside out/ is printed."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitoring import api, cli
from monitoring.checks.out_shapes import problem
from monitoring.errors import OutputError
from monitoring.output.manifest import Manifest
from monitoring.project import Project
from tests.out_edits import edit, grafana_less_copy

ROOT = Path(__file__).resolve().parents[1]
CAPACITY_TEST = "prometheus/tests/mcp-server-capacity.test.yml"
CAPACITY_RULES = "../rules/mcp-server-capacity.rules.yml"
SECRET_LINE = "root:$6$s3cr3tSalt$HashThatMustNotBePrinted:19000:0:99999:7:::"


@pytest.fixture
def out(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return grafana_less_copy(tmp_path, monkeypatch, "glsa_edited_with_hash_0a1b")


def _run(out: Path, command: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    capsys.readouterr()
    status = cli.main([*command, "--out", str(out)], project=Project(project_dir=ROOT, stack="alerts.stack:stack"))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_out_as_generated_has_every_shape_the_checks_read() -> None:
    """The shapes are those generate writes: on the repository's out/ there is nothing to report (else a bug
    in a check would be reported as an edit)."""
    assert problem(Manifest.read(ROOT / "out"), ROOT / "out") is None


@pytest.mark.integration
@pytest.mark.parametrize(("path", "text", "expected"), [
    ("prometheus/prometheus.yml", "", "prometheus/prometheus.yml: empty, not as generate writes it"),
    ("prometheus/prometheus.yml", "global: {}\n", "prometheus/prometheus.yml: the document has no scrape_configs"),
    ("prometheus/prometheus.yml", "scrape_configs: 5\n", "prometheus/prometheus.yml: scrape_configs is not a list"),
    ("prometheus/prometheus.yml", "scrape_configs: [5]\n", "scrape_configs[0] is not an object"),
    ("prometheus/rules/mcp-server.rules.yml", "groups: 5\n", "mcp-server.rules.yml: groups is not a list"),
    ("prometheus/rules/mcp-server.rules.yml", "groups: [{name: a, rules: [{alert: A, expr: 5}]}]\n",
     "groups[0].rules[0].expr is not str"),
    ("prometheus/rules/mcp-server.rules.yml", "groups: [{name: a, rules: [{record: 5, expr: up}]}]\n",
     "groups[0].rules[0].record is not str"),
    ("prometheus/rules/mcp-server.rules.yml",
     "groups: [{name: a, rules: [{alert: A, expr: up, annotations: {summary: 5}}]}]\n",
     "groups[0].rules[0].annotations.summary is not str"),
    ("prometheus/rules/mcp-server.rules.yml", "groups: [{name: a, rules: [{alert: A, expr: 'up{'}]}]\n",
     "groups[0].rules[0].expr: PromQL does not parse"),
    ("prometheus/rules/mcp-server.rules.yml", "groups: [{name: a, rules: [{expr: up}]}]\n",
     "groups[0].rules[0] is neither an alert nor a recording rule, or both"),
    ("prometheus/rules/mcp-server.rules.yml", "groups: [{name: a, rules: [{alert: A, expr: up, for: 5x}]}]\n",
     "groups[0].rules[0].for: '5x' is not a duration"),
    ("prometheus/rules/mcp-server.rules.yml", "groups: [{name: a, interval: soon, rules: []}]\n",
     "groups[0].interval: 'soon' is not a duration"),
    ("prometheus/prometheus.yml", "global: {evaluation_interval: 1x}\nscrape_configs: []\n",
     "global.evaluation_interval: '1x' is not a duration"),
    ("prometheus/rules/mcp-server.rules.yml", "groups: [{name: a, rules: [{alert: '', expr: up}]}]\n",
     "groups[0].rules[0] has an empty name"),
    ("adapter/prometheus-adapter.yml", "", "prometheus-adapter.yml: empty"),
    ("adapter/prometheus-adapter.yml", "rules: [{seriesQuery: up, metricsQuery: up, resources: 5}]\n",
     "rules[0].resources is not an"),
    ("adapter/prometheus-adapter.yml", "rules: [{seriesQuery: up, name: {matches: -1}}]\n",
     "rules[0].name.matches is not str"),
    ("adapter/prometheus-adapter.yml", "- rules\n", "prometheus-adapter.yml: the document is not an object"),
    ("kubernetes/kustomization.yaml", "resources: 5\n", "kustomization.yaml: resources is not a list"),
    ("kubernetes/secret-alertmanager-config.yaml",
     "apiVersion: v1\nkind: Secret\nmetadata: {name: x}\nstringData: {alertmanager.yaml: 5}\n",
     "stringData.alertmanager.yaml is not str"),
    ("kubernetes/prometheusrule-mcp-server.yaml",
     "apiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nmetadata: {name: x}\nspec: 5\n",
     "prometheusrule-mcp-server.yaml: spec is not an object"),
    ("kubernetes/prometheusrule-mcp-server.yaml",
     "apiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nmetadata: {name: x, labels: 5}\nspec: {}\n",
     "metadata.labels is not an object"),
    ("grafana/folders.json", "[" * 100_000, "grafana/folders.json: nested too deep to read"),
])
def test_a_file_edited_into_another_shape_is_one_line_naming_it(out: Path, path: str, text: str, expected: str,
                                                                promtool, amtool) -> None:
    """Each of these was a traceback (KeyError, TypeError, AttributeError, IndexError, RecursionError) from the
    check that read the file first: the hash gate had passed, and an error no generated file causes is a bug's."""
    edit(out, path, text)
    with pytest.raises(OutputError) as raised:
        api.validate(None, out_dir=out)
    message = str(raised.value)
    assert message.startswith(f"{out}/") and expected in message, message
    assert message.endswith("not as generate writes it: run `monitoring generate` to write out/ again") \
        and "\n" not in message, message


@pytest.mark.integration
def test_an_edited_file_stops_validate_publish_and_diff_in_one_line(out: Path, promtool, amtool,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    edit(out, "prometheus/prometheus.yml", "scrape_configs: 5\n")
    for command in (["validate"], ["publish", "--dry-run"], ["diff"]):
        status, printed, err = _run(out, command, capsys)
        assert (status, printed) == (2, ""), (command, printed, err)
        assert err == (f"monitoring: error: {out}/prometheus/prometheus.yml: scrape_configs is not a list, not as "
                       "generate writes it: run `monitoring generate` to write out/ again\n"), err


@pytest.mark.parametrize("pattern", ["ABSOLUTE", "../../../outside/shadow", "../../../outside/sha*"])
def test_a_generated_test_naming_a_rule_file_outside_out_is_refused_unrun(
        out: Path, pattern: str, capsys: pytest.CaptureFixture[str]) -> None:
    """promtool prints the first line of a rule file it cannot parse: a generated test pointed at /etc/shadow
    printed a password hash. Generate writes only rule files of out/ there, so any other is refused before
    promtool runs."""
    outside = out.parent / "outside"
    outside.mkdir()
    (outside / "shadow").write_text(SECRET_LINE + "\n")
    pattern = str(outside / "shadow") if pattern == "ABSOLUTE" else pattern
    text = (out / CAPACITY_TEST).read_text()
    assert f"- {CAPACITY_RULES}\n" in text
    edit(out, CAPACITY_TEST, text.replace(f"- {CAPACITY_RULES}\n", f"- {pattern}\n"))
    status, printed, err = _run(out, ["test"], capsys)
    assert (status, printed) == (2, ""), (printed, err)
    assert err == (f"monitoring: error: {out / CAPACITY_TEST}: rule file {pattern!r} is not in {out}, where generate "
                   "writes every rule file its tests name: run `monitoring generate` to write out/ again\n"), err
    assert "s3cr3t" not in printed + err


@pytest.mark.integration
def test_what_a_tool_echoes_from_an_edited_file_cannot_drive_the_terminal(out: Path, promtool, amtool,
                                                                          capsys: pytest.CaptureFixture[str]) -> None:
    """promtool quotes a rule group's name as written: an escape sequence in it reached the terminal raw (it
    could clear the screen, recolour or retitle it). Control characters are printed as escapes."""
    edit(out, "prometheus/rules/mcp-server.rules.yml",
          'groups:\n- name: "a\\e]0;title\\a\\e[2J"\n  rules: [{alert: A, expr: up}]\n'
          '- name: "a\\e]0;title\\a\\e[2J"\n  rules: [{alert: B, expr: up}]\n')
    status, printed, err = _run(out, ["validate"], capsys)
    assert (status, err) == (1, ""), (printed, err)
    assert "\x1b" not in printed and "\x07" not in printed, printed
    assert "\\x1b]0;title\\x07\\x1b[2J" in printed, printed


PODMONITOR = "kubernetes/podmonitor-mcp-server.yaml"


@pytest.mark.integration
@pytest.mark.parametrize(("path", "before", "after", "why"), [
    ("prometheus/prometheus.yml", "  metrics_path: /metrics\n  scheme: http\n  kubernetes_sd_configs:\n",
     "  scheme: http\n  kubernetes_sd_configs:\n", "KeyError: 'metrics_path'"),
    ("prometheus/prometheus.yml", "    namespaces:\n      names:\n      - mcp-production\n    selectors:\n",
     "    namespaces: []\n    selectors:\n", "AttributeError"),
    (PODMONITOR, "  podMetricsEndpoints:\n  - port: metrics\n",
     "  podMetricsEndpoints:\n  - port: other\n  - port: metrics\n", "ValueError: too many values to unpack"),
    (PODMONITOR, "  selector:\n    matchLabels:\n", "  podSelector:\n    matchLabels:\n", "KeyError: 'selector'"),
])
def test_a_scrape_job_or_monitor_edited_out_of_shape_fails_its_comparison(
        out: Path, path: str, before: str, after: str, why: str, promtool, amtool) -> None:
    """The job of prometheus.yml and its PodMonitor are compared field by field, each indexed as generate writes
    it: one edited (valid YAML, its hash updated) was a traceback from validate. It is the comparison's failure."""
    text = (out / path).read_text()
    assert before in text
    edit(out, path, text.replace(before, after, 1))
    report = api.validate(None, out_dir=out)
    (result,) = [r for r in report.results if r.name == "kubernetes scrape jobs"]
    assert not result.ok and result.details.startswith(
        "job mcp-server: cannot be compared with its PodMonitor: a field generate writes is missing or of another "
        "type (") and why in result.details, result.details


def test_the_command_lines_own_colours_still_reach_the_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    """Only what the checks quote is escaped: the colours publish's plan is styled with are printed as they are."""
    cli._print(["\x1b[32mcreate\x1b[0m dashboard x"])
    assert capsys.readouterr().out == "\x1b[32mcreate\x1b[0m dashboard x\n"
